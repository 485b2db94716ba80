/**
 * The webhook integration: POSTs Alertmanager's webhook payload (version 4) as JSON.
 * 5xx and network errors are retriable, other non-2xx answers are not (notify/webhook).
 */
import type { NotifyAlert } from '../alert.js';
import type { WebhookConfig } from '../config.js';
import type { NotifyContext } from '../pipeline/stage.js';
import type { Integration, SendResult } from './integration.js';

/** Go's zero time, which Alertmanager prints for a firing alert's endsAt. */
const ZERO_TIME = '0001-01-01T00:00:00Z';

function common(maps: readonly Readonly<Record<string, string>>[]): Record<string, string> {
  if (maps.length === 0) return {};
  const out: Record<string, string> = { ...maps[0] };
  for (const m of maps.slice(1)) for (const k of Object.keys(out)) if (m[k] !== out[k]) delete out[k];
  return out;
}

/** The version 4 payload of a notification. */
export function webhookPayload(ctx: NotifyContext, alerts: readonly NotifyAlert[], maxAlerts: number, externalURL: string): Record<string, unknown> {
  const kept = maxAlerts > 0 ? alerts.slice(0, maxAlerts) : alerts;
  return {
    receiver: ctx.receiver,
    status: alerts.some((a) => !a.resolved) ? 'firing' : 'resolved',
    alerts: kept.map((a) => ({
      status: a.resolved ? 'resolved' : 'firing',
      labels: a.labels,
      annotations: a.annotations,
      startsAt: new Date(a.startsAt).toISOString(),
      endsAt: a.resolved ? new Date(a.endsAt).toISOString() : ZERO_TIME,
      generatorURL: a.generatorURL,
      fingerprint: a.fingerprint,
    })),
    groupLabels: ctx.groupLabels,
    commonLabels: common(alerts.map((a) => a.labels)),
    commonAnnotations: common(alerts.map((a) => a.annotations)),
    externalURL,
    version: '4',
    groupKey: ctx.groupKey,
    truncatedAlerts: alerts.length - kept.length,
  };
}

/** A webhook_configs entry as an integration. */
export class WebhookIntegration implements Integration {
  readonly name = 'webhook';
  readonly sendResolved: boolean;

  constructor(private readonly config: WebhookConfig, readonly index: number, private readonly externalURL = '', private readonly timeoutMs = 10_000) {
    this.sendResolved = config.send_resolved;
  }

  async send(ctx: NotifyContext, alerts: readonly NotifyAlert[]): Promise<SendResult> {
    const url = this.config.url;
    if (url === undefined) return { retry: false, error: new Error('webhook: url_file is not supported yet') };
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'Vigil' },
        body: JSON.stringify(webhookPayload(ctx, alerts, this.config.max_alerts, this.externalURL)),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      await res.arrayBuffer();
    } catch (e) {
      return { retry: true, error: new Error(`webhook: ${(e as Error).message}`) };
    }
    if (res.ok) return { retry: false };
    return { retry: res.status >= 500, error: new Error(`webhook: unexpected status code ${res.status} from ${new URL(url).origin}`) };
  }
}

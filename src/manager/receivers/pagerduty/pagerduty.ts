/**
 * PagerDuty Events API v2 (Alertmanager notify/pagerduty): one event per group notification,
 * `trigger` while any alert fires and `resolve` when all are resolved, keyed by the SHA-256 of
 * the group key so PagerDuty folds repeats into one incident. 429 and 5xx are retriable.
 */
import { createHash } from 'node:crypto';
import type { NotifyAlert } from '../../alert.js';
import type { PagerdutyConfig } from '../../config.js';
import type { NotifyContext } from '../../pipeline/stage.js';
import {
  notificationData, postJSON, readSecret, ReceiverError, redact, redactURL, retriableStatus, textExpander, truncateRunes,
  type NotifierDeps,
} from '../common.js';
import type { Integration, SendResult } from '../integration.js';

/** Alertmanager's default custom_details, merged under the configured ones. */
export const DEFAULT_PAGERDUTY_DETAILS: Readonly<Record<string, string>> = {
  firing: '{{ template "pagerduty.default.instances" .Alerts.Firing }}',
  resolved: '{{ template "pagerduty.default.instances" .Alerts.Resolved }}',
  num_firing: '{{ .Alerts.Firing | len }}',
  num_resolved: '{{ .Alerts.Resolved | len }}',
};

/** PagerDuty refuses events above 512 kB. */
const MAX_EVENT_BYTES = 512_000;

/** The dedup key of a group: hex SHA-256 of its group key (notify.Key.Hash). */
export function dedupKey(groupKey: string): string {
  return createHash('sha256').update(groupKey).digest('hex');
}

/** An Events API v2 event. */
export interface PagerdutyEvent {
  routing_key: string;
  dedup_key: string;
  event_action: 'trigger' | 'resolve';
  payload: {
    summary: string;
    source: string;
    severity: string;
    class?: string;
    component?: string;
    group?: string;
    custom_details?: Record<string, string>;
  };
  client?: string;
  client_url?: string;
  images?: { src: string; alt: string; href: string }[];
  links?: { href: string; text: string }[];
}

const omitEmpty = <T extends Record<string, unknown>>(o: T): T =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== '' && v !== undefined)) as T;

/** A pagerduty_configs entry as an integration. */
export class PagerdutyIntegration implements Integration {
  readonly name = 'pagerduty';
  readonly sendResolved: boolean;

  constructor(private readonly config: PagerdutyConfig, readonly index: number, private readonly deps: NotifierDeps) {
    this.sendResolved = config.send_resolved;
  }

  /** Builds the event of a notification (exported for tests and dry runs). */
  event(ctx: NotifyContext, alerts: readonly NotifyAlert[], routingKey: string): PagerdutyEvent {
    const c = this.config;
    const data = notificationData(ctx, alerts, this.deps.externalURL);
    const { tmpl, error } = textExpander(this.deps.templates, data);
    const details: Record<string, string> = {};
    for (const [k, v] of Object.entries({ ...DEFAULT_PAGERDUTY_DETAILS, ...(c.details ?? {}) })) details[k] = tmpl(v);
    const images = (c.images ?? []).map((i) => ({ src: tmpl(i.src), alt: tmpl(i.alt), href: tmpl(i.href) })).filter((i) => i.src !== '');
    const links = (c.links ?? []).map((l) => ({ href: tmpl(l.href), text: tmpl(l.text) })).filter((l) => l.href !== '');
    const ev: PagerdutyEvent = {
      routing_key: routingKey,
      dedup_key: dedupKey(ctx.groupKey),
      event_action: alerts.some((a) => !a.resolved) ? 'trigger' : 'resolve',
      payload: omitEmpty({
        summary: truncateRunes(tmpl(c.description), 1024),
        source: tmpl(c.source ?? c.client),
        severity: tmpl(c.severity === '' ? 'error' : c.severity),
        class: tmpl(c.class),
        component: tmpl(c.component),
        group: tmpl(c.group),
        custom_details: details,
      }),
      ...omitEmpty({ client: tmpl(c.client), client_url: tmpl(c.client_url) }),
      ...(images.length > 0 ? { images } : {}),
      ...(links.length > 0 ? { links } : {}),
    };
    const err = error();
    if (err) throw new ReceiverError(`failed to template PagerDuty message: ${err.message}`, false);
    if (Buffer.byteLength(JSON.stringify(ev)) > MAX_EVENT_BYTES) {
      ev.payload.custom_details = { error: 'Custom details have been removed because the original event exceeds the maximum size of 512kB' };
    }
    return ev;
  }

  async send(ctx: NotifyContext, alerts: readonly NotifyAlert[]): Promise<SendResult> {
    const c = this.config;
    const where = `pagerduty: receiver "${ctx.receiver}"`;
    let key: string | undefined;
    try {
      key = readSecret(c.routing_key, c.routing_key_file, 'routing_key');
      if (key === undefined) {
        const v1 = c.service_key !== undefined || c.service_key_file !== undefined;
        return { retry: false, error: new ReceiverError(`${where}: ${v1 ? 'service_key (Events API v1) is not supported, use routing_key' : 'routing key cannot be empty'}`, false) };
      }
      const ev = this.event(ctx, alerts, key);
      const res = await postJSON(c.url, ev, where, this.deps.timeoutMs ?? 10_000);
      if (res.status >= 200 && res.status < 300) return { retry: false };
      let reason = '';
      if (res.status === 400) {
        try {
          const b = JSON.parse(res.body) as { message?: string; errors?: string[] };
          reason = `: ${b.message ?? ''}: ${(b.errors ?? []).join(',')}`;
        } catch {
          // An unreadable body adds nothing.
        }
      }
      const msg = `${where}: unexpected status code ${res.status} from ${redactURL(c.url)}${reason}`;
      return { retry: retriableStatus(res.status), error: new ReceiverError(redact(msg, [key]), retriableStatus(res.status), res.status) };
    } catch (e) {
      const err = e instanceof ReceiverError ? e : new ReceiverError(`${where}: ${(e as Error).message}`, false);
      const safe = new ReceiverError(redact(err.message.startsWith(where) ? err.message : `${where}: ${err.message}`, [key]), err.retriable, err.status);
      return { retry: err.retriable, error: safe };
    }
  }
}

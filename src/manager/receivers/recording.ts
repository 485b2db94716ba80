/** A receiver integration that records what it is sent: for tests and dry runs. */
import type { NotifyAlert } from '../alert.js';
import type { NotifyContext } from '../pipeline/stage.js';
import type { Integration, SendResult } from './integration.js';

/** One recorded notification. */
export interface RecordedNotification {
  readonly at: number;
  readonly receiver: string;
  readonly groupKey: string;
  readonly groupLabels: Readonly<Record<string, string>>;
  readonly firing: readonly string[];
  readonly resolved: readonly string[];
  readonly alerts: readonly NotifyAlert[];
}

/** `alertname/instance` (or what of it exists), else the fingerprint: readable in timelines. */
function shortName(a: NotifyAlert): string {
  const n = [a.labels.alertname, a.labels.instance].filter((x) => x !== undefined).join('/');
  return n === '' ? a.fingerprint : n;
}

/** Records sends; `fail` makes the next sends fail (retriable or not). */
export class RecordingIntegration implements Integration {
  readonly sent: RecordedNotification[] = [];
  readonly attempts: number[] = [];
  /** Failures still to give, each retriable or not. */
  failures: boolean[] = [];

  constructor(readonly name = 'recording', readonly index = 0, readonly sendResolved = true) {}

  async send(ctx: NotifyContext, alerts: readonly NotifyAlert[]): Promise<SendResult> {
    this.attempts.push(ctx.now);
    const failure = this.failures.shift();
    if (failure !== undefined) return { retry: failure, error: new Error(failure ? 'temporary failure' : 'permanent failure') };
    this.sent.push({
      at: ctx.now,
      receiver: ctx.receiver,
      groupKey: ctx.groupKey,
      groupLabels: ctx.groupLabels,
      firing: alerts.filter((a) => !a.resolved).map(shortName).sort(),
      resolved: alerts.filter((a) => a.resolved).map(shortName).sort(),
      alerts,
    });
    return { retry: false };
  }
}

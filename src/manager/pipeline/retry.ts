/**
 * Sending with retries (Alertmanager's RetryStage): exponential backoff while the
 * integration says a failure is retriable, until attempts or the deadline run out.
 * Passes on all alerts after a success, so the log records resolved ones too.
 */
import type { Clock } from '../../clock.js';
import type { Integration } from '../receivers/integration.js';
import type { Stage } from './stage.js';

/** Backoff settings. */
export interface RetryOptions {
  readonly clock: Clock;
  /** Waits between attempts (default: a real timer). */
  readonly sleep?: (ms: number) => Promise<void>;
  /** First wait, default 500 ms; each next one ×1.5, at most maxIntervalMs (60 s). */
  readonly initialIntervalMs?: number;
  readonly maxIntervalMs?: number;
  /** Attempts in all, default 10. */
  readonly maxAttempts?: number;
}

/** Thrown when an integration could not be notified. */
export class NotifyError extends Error {
  constructor(message: string, readonly retriable: boolean, readonly attempts: number, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NotifyError';
  }
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The retry stage of one integration. */
export function retryStage(integration: Integration, o: RetryOptions): Stage {
  const sleep = o.sleep ?? realSleep;
  const maxAttempts = o.maxAttempts ?? 10;
  return async (ctx, alerts) => {
    let sent = alerts;
    if (!integration.sendResolved) {
      sent = alerts.filter((a) => !a.resolved);
      // Only resolved alerts and send_resolved off: nothing to send, but log them as notified.
      if (sent.length === 0) return alerts;
    }
    // A flush should not run into the next one.
    const deadline = o.clock.now() + ctx.route.groupInterval;
    let wait = o.initialIntervalMs ?? 500;
    const where = `${ctx.receiver}/${integration.name}[${integration.index}]`;
    for (let attempt = 1; ; attempt++) {
      let result;
      try {
        result = await integration.send(ctx, sent);
      } catch (e) {
        result = { retry: true, error: e as Error };
      }
      if (result.error === undefined) return alerts;
      if (!result.retry) {
        throw new NotifyError(`notify ${where}: ${result.error.message} (not retrying)`, false, attempt, { cause: result.error });
      }
      if (attempt >= maxAttempts || o.clock.now() + wait > deadline) {
        throw new NotifyError(`notify ${where}: ${result.error.message} (gave up after ${attempt} attempts)`, true, attempt, { cause: result.error });
      }
      await sleep(wait);
      wait = Math.min(wait * 1.5, o.maxIntervalMs ?? 60_000);
    }
  };
}

/**
 * The contract between the notification pipeline and a receiver's integrations (one per
 * entry of email_configs, slack_configs, ...): send a group's alerts and say whether a
 * failure is worth a retry.
 */
import type { NotifyAlert } from '../alert.js';
import type { NotifyContext } from '../pipeline/stage.js';

/** The outcome of one send. */
export interface SendResult {
  /** On failure: whether trying again may help (a 5xx or a timeout, not a 4xx). */
  readonly retry: boolean;
  /** Set when the send failed. */
  readonly error?: Error;
}

/** One integration of a receiver. */
export interface Integration {
  /** Kind: "webhook", "email", "slack", "pagerduty", ... */
  readonly name: string;
  /** Position among the receiver's integrations of this kind. */
  readonly index: number;
  /** Whether resolved alerts are sent (send_resolved). */
  readonly sendResolved: boolean;
  /** Sends the alerts of one group notification. */
  send(ctx: NotifyContext, alerts: readonly NotifyAlert[]): Promise<SendResult>;
}

/**
 * Builds a receiver's integrations from its config. Webhook is implemented; email, Slack
 * and PagerDuty configs are parsed but their senders are not written yet, so a config that
 * uses them is refused at start rather than silently dropping notifications.
 */
import type { ReceiverConfig } from '../config.js';
import type { Integration } from './integration.js';
import { WebhookIntegration } from './webhook.js';

/** The integrations of a receiver; throws naming an integration kind not implemented yet. */
export function integrationsFor(receiver: ReceiverConfig, externalURL = ''): Integration[] {
  const missing = (['email_configs', 'slack_configs', 'pagerduty_configs'] as const).filter((k) => receiver[k].length > 0);
  if (missing.length > 0) throw new Error(`receiver "${receiver.name}": ${missing.join(', ')} cannot be sent yet (only webhook_configs)`);
  return receiver.webhook_configs.map((w, i) => new WebhookIntegration(w, i, externalURL));
}

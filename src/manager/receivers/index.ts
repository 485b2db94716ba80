/**
 * Builds a receiver's integrations from its config: one per entry of email_configs,
 * slack_configs, pagerduty_configs and webhook_configs, in that order.
 */
import type { ReceiverConfig } from '../config.js';
import { NotifyTemplates } from '../templates.js';
import type { NotifierDeps } from './common.js';
import { EmailIntegration } from './email/email.js';
import type { Integration } from './integration.js';
import { PagerdutyIntegration } from './pagerduty/pagerduty.js';
import { SlackIntegration } from './slack/slack.js';
import { WebhookIntegration } from './webhook.js';

/** What integrations share beyond their config. */
export interface IntegrationOptions {
  /** The config's templates (defaults only when not given). */
  readonly templates?: NotifyTemplates;
  /** Per-request timeout in ms (default 10 s). */
  readonly timeoutMs?: number;
}

let defaultTemplates: NotifyTemplates | undefined;

/** What the e-mail and Slack notifiers are built with: the options' templates (else the defaults, made once), the external URL, the timeout. */
export function notifierDeps(externalURL: string, options: IntegrationOptions = {}): NotifierDeps {
  const templates = options.templates ?? (defaultTemplates ??= new NotifyTemplates());
  return { templates, externalURL, ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}) };
}

/** The integrations of a receiver. */
export function integrationsFor(receiver: ReceiverConfig, externalURL = '', options: IntegrationOptions = {}): Integration[] {
  const deps = notifierDeps(externalURL, options);
  return [
    ...receiver.email_configs.map((c, i) => new EmailIntegration(c, i, deps)),
    ...receiver.slack_configs.map((c, i) => new SlackIntegration(c, i, deps)),
    ...receiver.pagerduty_configs.map((c, i) => new PagerdutyIntegration(c, i, deps)),
    ...receiver.webhook_configs.map((w, i) => new WebhookIntegration(w, i, externalURL, options.timeoutMs)),
  ];
}

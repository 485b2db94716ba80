/**
 * Slack (Alertmanager notify/slack): one message with one attachment per notification.
 * An incoming-webhook `api_url` gets a plain POST; a Web API `.../chat.postMessage` URL with
 * a bot token (http_config.authorization.credentials) goes through @slack/web-api's
 * WebClient, with its own retries off so the pipeline's retry stage decides.
 */
import { readFileSync } from 'node:fs';
import { ErrorCode, LogLevel, WebClient, type Logger } from '@slack/web-api';
import type { NotifyAlert } from '../../alert.js';
import type { SlackConfig } from '../../config.js';
import type { NotifyContext } from '../../pipeline/stage.js';
import {
  notificationData, postJSON, readSecret, ReceiverError, redact, redactURL, retriableStatus, textExpander, truncateRunes,
  type NotifierDeps,
} from '../common.js';
import type { Integration, SendResult } from '../integration.js';

/** The message Slack receives (chat.postMessage arguments / webhook body). */
export interface SlackMessage {
  channel?: string;
  username?: string;
  icon_emoji?: string;
  icon_url?: string;
  link_names?: boolean;
  attachments: Record<string, unknown>[];
}

/** Slack errors that are Slack's trouble, not ours: worth another try. */
const RETRIABLE_SLACK_ERRORS = new Set(['ratelimited', 'rate_limited', 'internal_error', 'fatal_error', 'service_unavailable', 'request_timeout']);

const SILENT: Logger = {
  debug: () => {}, info: () => {}, warn: () => {}, error: () => {},
  setLevel: () => {}, getLevel: () => LogLevel.ERROR, setName: () => {},
};

function omitEmpty(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== '' && v !== undefined && v !== false && !(Array.isArray(v) && v.length === 0)));
}

/** The bot token of a Web API config: http_config.authorization credentials (inline or file). */
function botToken(c: SlackConfig): string | undefined {
  const auth = (c.http_config?.authorization ?? undefined) as { credentials?: string; credentials_file?: string } | undefined;
  if (auth === undefined) return undefined;
  if (auth.credentials) return auth.credentials;
  if (auth.credentials_file) {
    try {
      return readFileSync(auth.credentials_file, 'utf8').trim();
    } catch (e) {
      throw new ReceiverError(`cannot read authorization credentials_file: ${(e as NodeJS.ErrnoException).code ?? 'error'}`, false);
    }
  }
  return undefined;
}

/** A slack_configs entry as an integration. */
export class SlackIntegration implements Integration {
  readonly name = 'slack';
  readonly sendResolved: boolean;

  constructor(private readonly config: SlackConfig, readonly index: number, private readonly deps: NotifierDeps) {
    this.sendResolved = config.send_resolved;
  }

  /** Builds the message of a notification. */
  message(ctx: NotifyContext, alerts: readonly NotifyAlert[]): SlackMessage {
    const c = this.config;
    const { tmpl, error } = textExpander(this.deps.templates, notificationData(ctx, alerts, this.deps.externalURL));
    const str = (v: unknown): string => (typeof v === 'string' ? tmpl(v) : '');
    const fields = (c.fields ?? []).map((f) => ({
      title: str(f.title), value: str(f.value), short: typeof f.short === 'boolean' ? f.short : c.short_fields,
    }));
    const actions = (c.actions ?? []).map((a) => omitEmpty(Object.fromEntries(Object.entries(a).map(([k, v]) => [k, typeof v === 'string' ? tmpl(v) : v]))));
    const attachment = omitEmpty({
      title: truncateRunes(tmpl(c.title), 1024),
      title_link: tmpl(c.title_link),
      pretext: tmpl(c.pretext),
      text: tmpl(c.text),
      fallback: tmpl(c.fallback),
      callback_id: tmpl(c.callback_id),
      image_url: tmpl(c.image_url),
      thumb_url: tmpl(c.thumb_url),
      footer: tmpl(c.footer),
      color: tmpl(c.color),
      mrkdwn_in: c.mrkdwn_in,
      fields,
      actions,
    });
    const msg = omitEmpty({
      channel: tmpl(c.channel),
      username: tmpl(c.username),
      icon_emoji: tmpl(c.icon_emoji),
      icon_url: tmpl(c.icon_url),
      link_names: c.link_names,
    }) as Omit<SlackMessage, 'attachments'>;
    const err = error();
    if (err) throw new ReceiverError(`failed to template Slack message: ${err.message}`, false);
    return { ...msg, attachments: [attachment] };
  }

  async send(ctx: NotifyContext, alerts: readonly NotifyAlert[]): Promise<SendResult> {
    const where = `slack: receiver "${ctx.receiver}"`;
    let secrets: (string | undefined)[] = [];
    try {
      const url = readSecret(this.config.api_url, this.config.api_url_file, 'api_url');
      if (url === undefined) throw new ReceiverError('no api_url configured', false);
      const token = botToken(this.config);
      secrets = [url, token];
      const msg = this.message(ctx, alerts);
      const out = token !== undefined && /\/chat\.postMessage\/?$/.test(new URL(url).pathname)
        ? await this.viaWebApi(url, token, msg, where)
        : await this.viaWebhook(url, msg, where);
      return out;
    } catch (e) {
      const err = e instanceof ReceiverError ? e : new ReceiverError((e as Error).message, false);
      const text = err.message.startsWith(where) ? err.message : `${where}: ${err.message}`;
      return { retry: err.retriable, error: new ReceiverError(redact(text, secrets), err.retriable, err.status) };
    }
  }

  private async viaWebhook(url: string, msg: SlackMessage, where: string): Promise<SendResult> {
    const res = await postJSON(url, msg, where, this.deps.timeoutMs ?? 10_000);
    if (res.status < 200 || res.status >= 300) {
      const retry = retriableStatus(res.status);
      const after = res.headers.get('retry-after');
      const slackErr = /^[a-z_]{1,64}$/.test(res.body.trim()) ? ` (${res.body.trim()})` : '';
      const msgText = `${where}: unexpected status code ${res.status} from ${redactURL(url)}${slackErr}${after ? `, retry after ${after}s` : ''}`;
      return { retry, error: new ReceiverError(msgText, retry, res.status) };
    }
    // Slack's Web API answers 200 with {"ok":false,...} for its errors.
    let body: { ok?: boolean; error?: string } | undefined;
    try {
      body = JSON.parse(res.body) as { ok?: boolean; error?: string };
    } catch {
      body = undefined;
    }
    if (body !== undefined && body.ok === false) {
      const code = body.error ?? 'unknown error';
      const retry = RETRIABLE_SLACK_ERRORS.has(code);
      return { retry, error: new ReceiverError(`${where}: Slack error response: ${code}`, retry, res.status) };
    }
    return { retry: false };
  }

  private async viaWebApi(url: string, token: string, msg: SlackMessage, where: string): Promise<SendResult> {
    const client = new WebClient(token, {
      slackApiUrl: url.replace(/chat\.postMessage\/?$/, ''),
      logger: SILENT,
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
      timeout: this.deps.timeoutMs ?? 10_000,
      allowAbsoluteUrls: false,
    });
    try {
      await client.chat.postMessage(msg as unknown as Parameters<WebClient['chat']['postMessage']>[0]);
      return { retry: false };
    } catch (e) {
      const err = e as Error & { code?: string; statusCode?: number; retryAfter?: number; data?: { error?: string } };
      switch (err.code) {
        case ErrorCode.PlatformError: {
          const code = err.data?.error ?? 'unknown error';
          const retry = RETRIABLE_SLACK_ERRORS.has(code);
          return { retry, error: new ReceiverError(`${where}: Slack error response: ${code}`, retry) };
        }
        case ErrorCode.RateLimitedError:
          return { retry: true, error: new ReceiverError(`${where}: unexpected status code 429 from ${redactURL(url)}, retry after ${err.retryAfter}s`, true, 429) };
        case ErrorCode.HTTPError: {
          const retry = retriableStatus(err.statusCode ?? 0);
          return { retry, error: new ReceiverError(`${where}: unexpected status code ${err.statusCode} from ${redactURL(url)}`, retry, err.statusCode) };
        }
        default:
          return { retry: true, error: new ReceiverError(`${where}: request to ${redactURL(url)} failed`, true) };
      }
    }
  }
}

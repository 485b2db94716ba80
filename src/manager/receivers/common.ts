/**
 * What the e-mail, Slack and PagerDuty notifiers share: reading `*_file` secrets, posting
 * JSON, deciding whether an answer is worth a retry, and keeping secrets out of errors.
 */
import { readFileSync } from 'node:fs';
import type { NotifyAlert } from '../alert.js';
import type { NotifyContext } from '../pipeline/stage.js';
import { NotifyTemplates, templateData } from '../templates.js';
import type { GoValue } from '../../template/values.js';

/** What every notifier gets besides its config. */
export interface NotifierDeps {
  readonly templates: NotifyTemplates;
  readonly externalURL: string;
  /** Per-request timeout, default 10 s. */
  readonly timeoutMs?: number;
}

/** A failure whose message is already safe to log. */
export class ReceiverError extends Error {
  constructor(message: string, readonly retriable: boolean, readonly status?: number) {
    super(message);
    this.name = 'ReceiverError';
  }
}

/** Alertmanager's retry rule for HTTP answers: 5xx and 429 may pass, other 4xx never will. */
export function retriableStatus(status: number): boolean {
  return status >= 500 || status === 429;
}

/** A URL reduced to scheme, host and port: webhook URLs carry their secret in the path. */
export function redactURL(url: string): string {
  try {
    return `${new URL(url).origin}/<redacted>`;
  } catch {
    return '<redacted url>';
  }
}

/** Replaces each secret that occurs in `text` by `<secret>`. */
export function redact(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const s of secrets) if (s !== undefined && s.length >= 4) out = out.split(s).join('<secret>');
  return out;
}

/** A secret given inline or in a file (read at each send, so a rotated file is picked up). */
export function readSecret(inline: string | undefined, file: string | undefined, what: string): string | undefined {
  if (inline !== undefined && inline !== '') return inline;
  if (file === undefined) return undefined;
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (e) {
    throw new ReceiverError(`cannot read ${what} file ${file}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`, false);
  }
}

/** The template data of a send. */
export function notificationData(ctx: NotifyContext, alerts: readonly NotifyAlert[], externalURL: string): GoValue {
  return templateData({ receiver: ctx.receiver, groupLabels: ctx.groupLabels, alerts, externalURL });
}

/** A template runner that remembers the first failure (Alertmanager's TmplText). */
export function textExpander(templates: NotifyTemplates, data: GoValue): { tmpl: (text: string | undefined) => string; error: () => Error | undefined } {
  let first: Error | undefined;
  return {
    tmpl: (text) => {
      if (text === undefined || first !== undefined) return '';
      try {
        return templates.text(text, data);
      } catch (e) {
        first = e as Error;
        return '';
      }
    },
    error: () => first,
  };
}

/** Cuts `s` to `n` runes, ending with "…" when cut (notify.TruncateInRunes). */
export function truncateRunes(s: string, n: number): string {
  const r = [...s];
  if (r.length <= n) return s;
  return `${r.slice(0, n - 1).join('')}…`;
}

/** One HTTP answer, body read. */
export interface HttpAnswer {
  readonly status: number;
  readonly body: string;
  readonly headers: Headers;
}

/** POSTs JSON; a network failure or timeout becomes a retriable ReceiverError naming only `where`. */
export async function postJSON(url: string, body: unknown, where: string, timeoutMs: number, headers: Record<string, string> = {}): Promise<HttpAnswer> {
  let res: Response;
  let text: string;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'Vigil', ...headers },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    text = await res.text();
  } catch (e) {
    const err = e as Error & { cause?: { code?: string } };
    const why = err.name === 'TimeoutError' ? `timeout after ${timeoutMs}ms` : err.cause?.code ?? err.name;
    throw new ReceiverError(`${where}: request failed: ${why}`, true);
  }
  return { status: res.status, body: text, headers: res.headers };
}

/**
 * E-mail (Alertmanager notify/email) over SMTP with nodemailer: the smarthost `host:port`,
 * implicit TLS on 465, otherwise STARTTLS when require_tls (and plain SMTP when not),
 * optional AUTH, headers (Subject, To, From and any others) and both bodies templated.
 * SMTP 5xx answers are permanent; 4xx answers and connection trouble are retriable.
 */
import { readFileSync } from 'node:fs';
import nodemailer from 'nodemailer';
import type { NotifyAlert } from '../../alert.js';
import type { EmailConfig } from '../../config.js';
import type { NotifyContext } from '../../pipeline/stage.js';
import { notificationData, readSecret, ReceiverError, redact, textExpander, type NotifierDeps } from '../common.js';
import type { Integration, SendResult } from '../integration.js';

/** The default Subject header. */
export const DEFAULT_EMAIL_SUBJECT = '{{ template "email.default.subject" . }}';

/** A header name in Go's canonical MIME form ("content-type" → "Content-Type"). */
export function canonicalHeader(name: string): string {
  return name.toLowerCase().replace(/(^|-)([a-z])/g, (_m, sep: string, c: string) => sep + c.toUpperCase());
}

/** `host:port` of a smarthost; IPv6 hosts in brackets. */
export function splitSmarthost(s: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(s);
  if (!m) throw new ReceiverError(`invalid smarthost "${s}": want host:port`, false);
  return { host: m[1] ?? m[2]!, port: Number(m[3]) };
}

/** The mail of one notification, before it goes on the wire. */
export interface EmailMessage {
  readonly from: string;
  readonly to: string;
  readonly subject: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly html?: string;
  readonly text?: string;
}

/** Connection errors nodemailer reports without an SMTP answer: worth another try. */
const TRANSIENT_CODES = new Set(['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'ECONNRESET', 'ECONNREFUSED']);

/** An email_configs entry as an integration. */
export class EmailIntegration implements Integration {
  readonly name = 'email';
  readonly sendResolved: boolean;

  constructor(private readonly config: EmailConfig, readonly index: number, private readonly deps: NotifierDeps) {
    this.sendResolved = config.send_resolved;
  }

  /** Templates the mail of a notification. */
  message(ctx: NotifyContext, alerts: readonly NotifyAlert[]): EmailMessage {
    const c = this.config;
    const { tmpl, error } = textExpander(this.deps.templates, notificationData(ctx, alerts, this.deps.externalURL));
    const raw: Record<string, string> = {};
    for (const [k, v] of Object.entries(c.headers)) raw[canonicalHeader(k)] = v;
    raw.Subject ??= DEFAULT_EMAIL_SUBJECT;
    raw.To ??= c.to ?? '';
    raw.From ??= c.from;
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(raw)) headers[k] = tmpl(v);
    const html = c.html === '' ? undefined : tmpl(c.html);
    const text = c.text === undefined || c.text === '' ? undefined : tmpl(c.text);
    const to = tmpl(c.to);
    const from = tmpl(c.from);
    const err = error();
    if (err) throw new ReceiverError(`failed to template e-mail: ${err.message}`, false);
    const { Subject, To, From, ...rest } = headers;
    return {
      from: From ?? from, to: To ?? to, subject: Subject ?? '', headers: rest,
      ...(html !== undefined ? { html } : {}), ...(text !== undefined ? { text } : {}),
    };
  }

  async send(ctx: NotifyContext, alerts: readonly NotifyAlert[]): Promise<SendResult> {
    const c = this.config;
    const where = `email: receiver "${ctx.receiver}"`;
    let password: string | undefined;
    try {
      password = readSecret(c.auth_password, c.auth_password_file, 'auth_password');
      const msg = this.message(ctx, alerts);
      const { host, port } = splitSmarthost(c.smarthost);
      const tls = (c.tls_config ?? {}) as { insecure_skip_verify?: boolean; server_name?: string; ca_file?: string };
      const timeout = this.deps.timeoutMs ?? 10_000;
      const transport = nodemailer.createTransport({
        host,
        port,
        // Port 465 speaks TLS from the first byte; elsewhere TLS comes by STARTTLS, if required.
        secure: port === 465,
        requireTLS: port !== 465 && c.require_tls,
        ignoreTLS: port !== 465 && !c.require_tls,
        name: c.hello,
        connectionTimeout: timeout,
        greetingTimeout: timeout,
        socketTimeout: timeout,
        tls: {
          rejectUnauthorized: tls.insecure_skip_verify !== true,
          ...(tls.server_name ? { servername: tls.server_name } : {}),
          ...(tls.ca_file ? { ca: readFileSync(tls.ca_file) } : {}),
        },
        ...(c.auth_username ? { auth: { user: c.auth_username, pass: password ?? '' } } : {}),
      });
      try {
        await transport.sendMail({
          from: msg.from,
          to: msg.to,
          subject: msg.subject,
          headers: msg.headers,
          date: new Date(ctx.now),
          ...(msg.text !== undefined ? { text: msg.text } : {}),
          ...(msg.html !== undefined ? { html: msg.html } : {}),
        });
      } finally {
        transport.close();
      }
      return { retry: false };
    } catch (e) {
      const err = e as Error & { code?: string; responseCode?: number };
      let retry: boolean;
      let text: string;
      if (e instanceof ReceiverError) {
        retry = e.retriable;
        text = e.message;
      } else if (err.responseCode !== undefined) {
        retry = err.responseCode < 500;
        text = `SMTP server ${c.smarthost} answered ${err.responseCode}: ${err.message}`;
      } else {
        retry = err.code !== undefined && TRANSIENT_CODES.has(err.code);
        text = `sending to ${c.smarthost} failed (${err.code ?? 'error'}): ${err.message}`;
      }
      return { retry, error: new ReceiverError(redact(`${where}: ${text}`, [password, c.auth_secret]), retry, err.responseCode) };
    }
  }
}

/**
 * The stack's inbox: where the demo's alert manager delivers, so `vigil start` shows real
 * notifications without any outside service. A loopback HTTP server records Alertmanager
 * webhook (version 4) payloads; a loopback SMTP server, when `smtp-server` can be loaded
 * (it is a devDependency), records the mails of the e-mail receiver.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHttpServer, jsonResponse, textResponse } from '../http/server.js';
import { sleep } from '../services/process.js';

/** One notification as it arrived. */
export interface InboxNotification {
  /** `webhook` or `email`. */
  readonly via: 'webhook' | 'email';
  /** The receiver it was sent for (the webhook payload's, or `email`'s To address). */
  readonly receiver: string;
  /** `firing` or `resolved`. */
  readonly status: string;
  /** The group labels (webhook), or the subject's group part (email) under `group`. */
  readonly groupLabels: Readonly<Record<string, string>>;
  /** Alerts in the notification (webhook: in the payload; email: firing count of the subject, or 0). */
  readonly alerts: number;
  /** Arrival, ms since the epoch. */
  readonly at: number;
}

/** A running inbox. */
export interface Inbox {
  /** The webhook URL (POST Alertmanager payloads here). */
  readonly webhookUrl: string;
  /** `host:port` of the SMTP server, or null when smtp-server could not be loaded. */
  readonly smarthost: string | null;
  /** Everything received, oldest first (the last 200). */
  readonly notifications: readonly InboxNotification[];
  /** Resolves with the first notification (already received or later) matching `pred`. */
  waitFor(pred: (n: InboxNotification) => boolean, timeoutMs: number): Promise<InboxNotification>;
  stop(): Promise<void>;
}

const KEEP = 200;

/** Reads a webhook v4 payload into a notification; throws naming the missing field. */
export function fromWebhookPayload(body: string, at: number): InboxNotification {
  const p = JSON.parse(body) as { receiver?: unknown; status?: unknown; groupLabels?: unknown; alerts?: unknown };
  if (typeof p.receiver !== 'string') throw new Error('webhook payload: no "receiver"');
  if (typeof p.status !== 'string') throw new Error('webhook payload: no "status"');
  if (!Array.isArray(p.alerts)) throw new Error('webhook payload: no "alerts" array');
  const groupLabels = (p.groupLabels && typeof p.groupLabels === 'object' ? p.groupLabels : {}) as Record<string, string>;
  return { via: 'webhook', receiver: p.receiver, status: p.status, groupLabels, alerts: p.alerts.length, at };
}

/** Reads the default Alertmanager subject, `[FIRING:3] NodeDown acme (...)`, into a notification. */
export function fromEmailSubject(subject: string, receiver: string, at: number): InboxNotification {
  const m = /^\[(FIRING|RESOLVED)(?::(\d+))?\]\s*([^(]*)/.exec(subject.trim());
  return {
    via: 'email', receiver, status: m ? m[1]!.toLowerCase() : 'unknown',
    groupLabels: { group: (m ? m[3]! : subject).trim() }, alerts: m?.[2] ? Number(m[2]) : 0, at,
  };
}

/** One line per notification, e.g. `NOTIFY webhook [firing] NodeDown tenant=acme (3 alerts)`. */
export function formatNotification(n: InboxNotification): string {
  const { alertname, ...rest } = n.groupLabels;
  const labels = Object.entries(rest).map(([k, v]) => (n.via === 'email' && k === 'group' ? v : `${k}=${v}`));
  const parts = [alertname, ...labels].filter((s) => s !== undefined && s !== '');
  return `NOTIFY ${n.via} [${n.status}] ${parts.join(' ')} (${n.alerts} alert${n.alerts === 1 ? '' : 's'})`;
}

function headerOf(raw: string, name: string): string | undefined {
  const head = raw.split(/\r?\n\r?\n/, 1)[0] ?? '';
  // Unfold continuation lines first: long subjects are folded by the sender.
  const unfolded = head.replace(/\r?\n[ \t]+/g, ' ');
  const m = new RegExp(`^${name}:\\s*(.*)$`, 'im').exec(unfolded);
  return m?.[1];
}

/** Starts the inbox on loopback; `onNotify` sees each notification as it arrives. */
export async function startInbox(onNotify: (n: InboxNotification) => void = () => undefined, log: (line: string) => void = () => undefined): Promise<Inbox> {
  const notifications: InboxNotification[] = [];
  const waiters = new Set<{ pred: (n: InboxNotification) => boolean; resolve: (n: InboxNotification) => void }>();
  const record = (n: InboxNotification) => {
    notifications.push(n);
    if (notifications.length > KEEP) notifications.splice(0, notifications.length - KEEP);
    onNotify(n);
    for (const w of waiters) if (w.pred(n)) { waiters.delete(w); w.resolve(n); }
  };
  const server: Server = createHttpServer(async (req) => {
    if (req.path === '/-/healthy') return textResponse(200, 'inbox is Healthy.\n');
    if (req.path !== '/webhook') return jsonResponse(404, { error: `no such path ${req.path}` });
    if (req.method !== 'POST') return jsonResponse(405, { error: `method ${req.method} not allowed` });
    try {
      record(fromWebhookPayload(req.body, Date.now()));
    } catch (e) {
      log(`inbox: ${(e as Error).message}`);
      return jsonResponse(400, { error: (e as Error).message });
    }
    return jsonResponse(200, { status: 'ok' });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const webhookUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhook`;

  let smtp: { close(cb: () => void): void } | null = null;
  let smarthost: string | null = null;
  try {
    const { SMTPServer } = await import('smtp-server');
    const s = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          const raw = Buffer.concat(chunks).toString('utf8');
          const to = session.envelope.rcptTo.map((r) => r.address).join(',');
          record(fromEmailSubject(headerOf(raw, 'Subject') ?? '', to, Date.now()));
          callback();
        });
      },
    });
    await new Promise<void>((resolve, reject) => {
      s.server.once('error', reject);
      s.listen(0, '127.0.0.1', () => resolve());
    });
    smarthost = `127.0.0.1:${(s.server.address() as AddressInfo).port}`;
    smtp = s;
  } catch (e) {
    log(`inbox: no SMTP server (${(e as Error).message}); webhook only`);
  }

  return {
    webhookUrl,
    smarthost,
    notifications,
    waitFor(pred, timeoutMs) {
      const have = notifications.find(pred);
      if (have) return Promise.resolve(have);
      return new Promise((resolve, reject) => {
        const w = { pred, resolve: (n: InboxNotification) => { clearTimeout(t); resolve(n); } };
        const t = setTimeout(() => {
          waiters.delete(w);
          reject(new Error(`inbox: no matching notification within ${timeoutMs} ms (${notifications.length} received)`));
        }, timeoutMs);
        waiters.add(w);
      });
    },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (smtp) await Promise.race([new Promise<void>((resolve) => smtp!.close(() => resolve())), sleep(2_000)]);
    },
  };
}

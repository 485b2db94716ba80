/** Shared fixtures of the receiver tests: a notification context, alerts, a recording HTTP server, a recording SMTP server. */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import type { NotifyAlert } from '../../src/manager/alert.js';
import { parseManagerConfig, type ReceiverConfig } from '../../src/manager/config.js';
import { InhibitionSnapshot } from '../../src/manager/inhibit.js';
import type { NotifyContext } from '../../src/manager/pipeline/stage.js';
import { buildRoutes } from '../../src/manager/route.js';
import { SilenceSnapshot } from '../../src/manager/silences.js';

export const T0 = Date.UTC(2024, 0, 15, 12, 0, 0);

/** A context for group {alertname="HighLatency"} of receiver "team-x". */
export function context(): NotifyContext {
  const config = parseManagerConfig('route: {receiver: r}\nreceivers: [{name: r}]');
  return {
    now: T0 + 600_000, groupId: 'g1', groupKey: '{}:{alertname="HighLatency"}', groupLabels: { alertname: 'HighLatency' },
    receiver: 'team-x', route: buildRoutes(config), silences: new SilenceSnapshot([]),
    inhibition: new InhibitionSnapshot([], [], 0), timeIntervals: new Map(),
  };
}

function alert(fp: string, instance: string, resolved: boolean): NotifyAlert {
  return {
    fingerprint: fp, labels: { alertname: 'HighLatency', instance, job: 'api' }, annotations: { summary: `slow ${instance}` },
    startsAt: T0, endsAt: resolved ? T0 + 300_000 : T0 + 3_600_000, updatedAt: T0, generatorURL: `http://prom:9090/graph?g0.expr=up&i=${instance}`,
    timeout: false, resolved,
  };
}

/** One firing and one resolved alert of the group. */
export const FIRING = alert('f1', 'h1', false);
export const RESOLVED = alert('r2', 'h2', true);

/** The receiver "team-x" of a config made of `global` and `receiver` YAML. */
export function receiver(receiverYaml: string, globalYaml = '{}'): ReceiverConfig {
  const c = parseManagerConfig(`global: ${globalYaml}\nroute: {receiver: team-x}\nreceivers:\n- name: team-x\n  ${receiverYaml.split('\n').join('\n  ')}\n`);
  return c.receivers[0]!;
}

/** A request as the loopback server saw it. */
export interface Seen {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

/** A loopback HTTP server that records requests and answers with `reply`. */
export async function recordingServer(reply: (req: Seen, res: ServerResponse) => void): Promise<{ url: string; seen: Seen[]; close: () => Promise<void> }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const s = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
      seen.push(s);
      reply(s, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, seen, close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}

/** A port nothing listens on. */
export async function deadPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** A mail as the SMTP server received it. */
export interface Mail { from: string; to: string[]; data: string; user?: string; secure: boolean; at: number }

/** A loopback SMTP server (the smtp-server package) that records mails; `failWith` rejects DATA with that SMTP code. */
export async function smtpServer(opts: Partial<SMTPServerOptions> = {}, failWith?: number): Promise<{ host: string; mails: Mail[]; close: () => Promise<void> }> {
  const mails: Mail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    logger: false,
    ...opts,
    onData(stream, session, cb) {
      let data = '';
      stream.on('data', (d: Buffer) => (data += d.toString()));
      stream.on('end', () => {
        if (failWith !== undefined) {
          cb(Object.assign(new Error(failWith >= 500 ? 'mailbox unavailable' : 'try again later'), { responseCode: failWith }));
          return;
        }
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          data,
          ...(session.user ? { user: String(session.user) } : {}),
          secure: session.secure,
          at: Date.now(),
        });
        cb();
      });
    },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = ((server as unknown as { server: { address(): AddressInfo } }).server.address()).port;
  return { host: `127.0.0.1:${port}`, mails, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/**
 * `vigil start`: a whole local Vigil — MariaDB with the vigil schema and two demo tenants,
 * a Kafka broker, the real `ingest` and two `evaluate` roles as child processes, and the
 * dev fleet pushing to the ingest by remote_write with each tenant's token. History is
 * backfilled first through an in-process ingest that does not tick: the evaluators' clock is
 * the log, and a tick of the wall clock ahead of the backfill would make them skip straight
 * to now; once the history is in, the live ingest (ticking every second) takes over.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { stringify as yamlStringify } from 'yaml';
import type { Server } from 'node:http';
import type { Kafka } from 'kafkajs';
import type { AlertEvent } from '../evaluate/event.js';
import { parseIngestConfig } from '../ingest/config.js';
import { startIngest } from '../ingest/run.js';
import { kafkaClient } from '../kafka/producer.js';
import { ensureTopics, topicNames, type TopicNames } from '../kafka/topics.js';
import { startKafka, kafkaHome, type KafkaBroker } from '../services/kafka.js';
import { ensureMariaDB } from '../services/mariadb.js';
import { freePort, sleep, vigilHome } from '../services/process.js';
import { migrate } from '../store/migrate.js';
import { createPool } from '../store/pool.js';
import { addTenantMachines, upsertTenant } from '../store/tenants.js';
import { createToken } from '../store/tokens.js';
import { FleetPusher, demoFleet, type PushTenant } from '../dev/pusher.js';
import { SCRAPE_INTERVAL_MS } from '../dev/fleet.js';
import { tailAlerts, type AlertsTail } from './alerts_tail.js';
import { serveAggregate } from './aggregate.js';
import { startChild, type ChildSpec, type RunningChild } from './children.js';
import { formatNotification, startInbox, type Inbox, type InboxNotification } from './inbox.js';

/** How the stack runs. */
export interface StackOptions {
  /** Simulated machines (default 200). */
  readonly machines?: number;
  /** History pushed at start, ms (default 45 min). */
  readonly backfillMs?: number;
  /** Partitions of the samples topic (default 4). */
  readonly partitions?: number;
  /** Evaluator processes (default 2). */
  readonly evaluators?: number;
  /** Topic prefix (default `vigil`: vigil.samples, ...). */
  readonly topicPrefix?: string;
  /** MySQL database (default `vigil`). */
  readonly database?: string;
  /** An external broker; default: one started (or reused) in `.vigil/kafka/stack`. */
  readonly brokers?: string;
  /** Port of the page (default 9090; 0 any). */
  readonly pagePort?: number;
  /** Rule files directory (default `rules`). */
  readonly rulesDir?: string;
  /** Where logs and child configs go (default `.vigil/logs`, `.vigil/stack`). */
  readonly home?: string;
  /** One line per message (progress, alert events). */
  readonly out?: (line: string) => void;
  /** Every alert event read back from the alerts topic. */
  readonly onEvent?: (e: AlertEvent) => void;
  /** Every notification the alert manager delivered to the stack's inbox. */
  readonly onNotify?: (n: InboxNotification) => void;
}

/** A running stack. */
export interface RunningStack {
  readonly pageUrl: string;
  readonly ingestUrl: string;
  readonly evaluatorUrls: readonly string[];
  /** The alert manager (Alertmanager API v2; amtool --alertmanager.url works). */
  readonly managerUrl: string;
  /** The tenant API and its web page. */
  readonly apiUrl: string;
  /** Files holding the API tokens (mode 0600): `admin` and each demo tenant's. */
  readonly tokenFiles: Readonly<Record<string, string>>;
  /** The demo policies created through the tenant API, by tenant. */
  readonly policies: Readonly<Record<string, readonly string[]>>;
  /** Where the manager's notifications arrive. */
  readonly inbox: Inbox;
  readonly brokers: string;
  readonly topics: TopicNames;
  readonly tenants: readonly PushTenant[];
  readonly tail: AlertsTail;
  readonly pusher: FleetPusher;
  /** Pids of the child processes. */
  readonly pids: readonly number[];
  /** Stops the pusher, children (ingest first), the page, and Kafka if we started it. */
  stop(): Promise<void>;
}

const DEMO_TENANTS = ['acme', 'globex'];

/** Creates the demo tenants (idempotent), their machines, and a fresh write token each. */
async function demoTenants(mysqlUrl: string, machineNames: (tenant: number) => string[]): Promise<PushTenant[]> {
  const pool = createPool(mysqlUrl, { connectionLimit: 2 });
  try {
    const out: PushTenant[] = [];
    for (const [i, id] of DEMO_TENANTS.entries()) {
      await upsertTenant(pool, id, `Demo tenant ${id}`);
      await addTenantMachines(pool, id, machineNames(i));
      const t = await createToken(pool, { tenant: id, scopes: ['write', 'read'], description: 'vigil start demo fleet' });
      out.push({ id, token: t.token });
    }
    return out;
  } finally {
    await pool.end().catch(() => undefined);
  }
}

function mysqlUrlOf(c: { user: string; password: string; host: string; port: number; database: string }): string {
  const auth = c.password === '' ? encodeURIComponent(c.user) : `${encodeURIComponent(c.user)}:${encodeURIComponent(c.password)}`;
  return `mysql://${auth}@${c.host}:${c.port}/${c.database}`;
}

/** Starts everything; on failure, stops what it started and rethrows. */
export async function startStack(o: StackOptions = {}): Promise<RunningStack> {
  const out = o.out ?? (() => undefined);
  const home = o.home ?? vigilHome();
  const dirs = { logs: join(home, 'logs'), configs: join(home, 'stack') };
  const machines = o.machines ?? 200;
  const prefix = o.topicPrefix ?? 'vigil';
  const names = topicNames({ samples: `${prefix}.samples`, alerts: `${prefix}.alerts`, rules: `${prefix}.rules`, state: `${prefix}.state` });
  const cleanups: Array<() => Promise<void>> = [];
  const cleanup = async () => {
    for (const c of cleanups.reverse()) await c().catch((e) => out(`stop: ${(e as Error).message}`));
    cleanups.length = 0;
  };
  try {
    const db = await ensureMariaDB({ database: o.database ?? 'vigil' });
    const mysqlUrl = mysqlUrlOf(db);
    const m = await migrate(db);
    out(`mysql: ${db.host}:${db.port}/${db.database} at schema version ${m.version}`);
    let brokers = o.brokers;
    if (brokers === undefined) {
      const broker: KafkaBroker = await startKafka({ dir: join(kafkaHome(), 'stack'), reuse: true });
      if (!broker.reused) cleanups.push(() => broker.stop());
      brokers = broker.brokers;
      out(`kafka: ${brokers} (${broker.reused ? 'already running' : 'started'}, pid ${broker.pid})`);
    }
    const kafka: Kafka = kafkaClient({ brokers: brokers.split(','), clientId: 'vigil-start', logLevel: 'nothing' });
    const admin = kafka.admin();
    await admin.connect();
    try {
      for (const t of await ensureTopics(admin, { names, samplesPartitions: o.partitions ?? 4 })) {
        out(`kafka: topic ${t.topic} ${t.created ? 'created' : 'exists'}, ${t.partitions} partitions`);
      }
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
    const liveStart = Date.now();
    const fleet = demoFleet(machines, liveStart);
    const tenants = await demoTenants(mysqlUrl, (ti) => fleet.machines.filter((x) => x.index % DEMO_TENANTS.length === ti).map((x) => x.instance));
    out(`tenants: ${tenants.map((t) => `${t.id} (token ${t.token.slice(0, 10)}…)`).join(', ')}`);
    const tail = await tailAlerts(kafka, names.alerts, (e) => {
      o.onEvent?.(e);
      if (!e.resend) out(formatEvent(e));
    }, (why) => out(`alerts: undecodable event: ${why}`));
    cleanups.push(() => tail.stop());

    const topics = { samples: names.samples, alerts: names.alerts, rules: names.rules, state: names.state };
    const kafkaCfg = { brokers, topics, createTopics: false };
    const inbox = await startInbox((n) => {
      o.onNotify?.(n);
      out(formatNotification(n));
    }, out);
    cleanups.push(() => inbox.stop());
    out(`inbox: webhook ${inbox.webhookUrl}${inbox.smarthost ? `, smtp ${inbox.smarthost}` : ' (no smtp: webhook only)'}`);
    const children: RunningChild[] = [];
    cleanups.push(async () => {
      // Ingest first so nothing new arrives, then the evaluators (their final snapshots).
      for (const c of [...children].reverse()) await c.stop();
    });
    const evaluatorCount = o.evaluators ?? 2;
    const evaluatorSpecs: ChildSpec[] = [];
    for (let i = 1; i <= evaluatorCount; i++) {
      const port = await freePort();
      evaluatorSpecs.push({
        name: `evaluate-${i}`, role: 'evaluate', url: `http://127.0.0.1:${port}`,
        config: {
          listen: { host: '127.0.0.1', port },
          kafka: { brokers, topics, groupId: `${prefix}-evaluate`, clientId: `vigil-evaluate-${i}`, sessionTimeoutMs: 3_000, heartbeatIntervalMs: 500 },
          rules: [o.rulesDir ?? 'rules'],
          // Each evaluator keeps the other's partitions warm: a crash costs failure detection only.
          evaluation: { snapshotIntervalMs: 60_000, standby: evaluatorCount > 1 },
        },
      });
    }
    for (const spec of evaluatorSpecs) {
      children.push(await startChild(spec, dirs));
      out(`evaluate: ${spec.url} (log ${join(dirs.logs, spec.name + '.log')})`);
    }
    mkdirSync(dirs.configs, { recursive: true });
    const amFile = join(dirs.configs, 'alertmanager.yml');
    writeFileSync(amFile, inboxAlertmanagerConfig(inbox));
    const managerPort = await freePort();
    const managerSpec: ChildSpec = {
      name: 'manager-1', role: 'manager', url: `http://127.0.0.1:${managerPort}`, config: null,
      env: { VIGIL_MYSQL_URL: mysqlUrl },
      args: [
        '--config', amFile, '--brokers', brokers, '--topic', names.alerts,
        '--group', `${prefix}-manager`, '--listen-host', '127.0.0.1', '--port', String(managerPort),
        '--instance', 'stack-1', '--external-url', `http://127.0.0.1:${managerPort}`, '--tick', '500',
        // Policy groups on the demo route's timing: alerts of the backfilled history arrive already
        // ended (their endsAt is in log time), so a group's next chance to notify comes soon.
        '--policy-group-wait', '10000', '--policy-group-interval', '60000',
      ],
    };
    children.push(await startChild(managerSpec, dirs));
    out(`manager: ${managerSpec.url} (Alertmanager API v2; config ${amFile}, log ${join(dirs.logs, 'manager-1.log')})`);

    const evaluatorUrls = evaluatorSpecs.map((s) => s.url);
    const adminToken = `vgla_${randomBytes(24).toString('base64url')}`;
    const apiPort = await freePort();
    const apiSpec: ChildSpec = {
      name: 'api', role: 'api', url: `http://127.0.0.1:${apiPort}`,
      env: { VIGIL_MYSQL_URL: mysqlUrl, VIGIL_API_ADMIN_TOKEN: adminToken },
      config: {
        listen: { host: '127.0.0.1', port: apiPort },
        kafka: { brokers, rulesTopic: names.rules, createTopic: false },
        evaluators: evaluatorUrls,
        policies: { interval: '15s' },
      },
    };
    children.push(await startChild(apiSpec, dirs));
    out(`api: ${apiSpec.url} (tenant API and web page; log ${join(dirs.logs, 'api.log')})`);
    const tokenFiles: Record<string, string> = { admin: writeSecret(dirs.configs, 'admin.token', adminToken) };
    for (const t of tenants) tokenFiles[t.id] = writeSecret(dirs.configs, `${t.id}.token`, t.token);
    const policies = await demoPolicies(apiSpec.url, tenants);
    for (const [tenant, list] of Object.entries(policies)) out(`policies: ${tenant}: ${list.join(', ')}`);

    const backfillMs = o.backfillMs ?? 45 * 60_000;
    const from = liveStart - (liveStart % SCRAPE_INTERVAL_MS) - Math.ceil(backfillMs / SCRAPE_INTERVAL_MS) * SCRAPE_INTERVAL_MS;
    const limits = { samplesPerSecond: 50_000_000, maxSeries: 1_000_000 };
    const backfillIngest = await startIngest(parseIngestConfig({
      listen: { host: '127.0.0.1', port: 0 },
      kafka: kafkaCfg,
      mysql: { url: mysqlUrl },
      tickIntervalMs: 2_000_000_000,
      limits,
    }, 'backfill ingest'));
    let pusher = new FleetPusher({ ingestUrl: backfillIngest.url, fleet, tenants });
    const began = Date.now();
    try {
      await pusher.pushUntil(Date.now(), { from, perRequest: 4 });
      // Catch up with the scrapes that fell due while the backfill ran.
      await pusher.pushUntil(Date.now(), { perRequest: 4 });
    } finally {
      await backfillIngest.close();
    }
    out(`backfill: ${pusher.stats.samples} samples of ${Math.round((Date.now() - from) / 60_000)} min history for ${machines} machines in ${((Date.now() - began) / 1000).toFixed(1)} s`);

    const ingestPort = await freePort();
    const ingestSpec: ChildSpec = {
      name: 'ingest', role: 'ingest', url: `http://127.0.0.1:${ingestPort}`,
      config: { listen: { host: '127.0.0.1', port: ingestPort }, kafka: kafkaCfg, mysql: { url: mysqlUrl }, limits },
    };
    children.push(await startChild(ingestSpec, dirs));
    out(`ingest: ${ingestSpec.url} (log ${join(dirs.logs, 'ingest.log')})`);
    const next = pusher.nextScrape;
    pusher = new FleetPusher({ ingestUrl: ingestSpec.url, fleet, tenants });
    let running = true;
    const live = (async () => {
      let at = next ?? Date.now();
      while (running) {
        const now = Date.now();
        if (now >= at) {
          try {
            await pusher.pushUntil(now, { from: at });
          } catch (e) {
            out(`pusher: ${(e as Error).message}`);
          }
          at = pusher.nextScrape ?? now + SCRAPE_INTERVAL_MS;
        }
        await sleep(Math.min(500, Math.max(50, at - Date.now())));
      }
    })();
    // Stop pushing before the children go (cleanups run in reverse).
    cleanups.push(async () => {
      running = false;
      await live;
    });

    const page = await serveAggregate({
      evaluators: () => evaluatorUrls,
      links: { ingest: ingestSpec.url, evaluators: evaluatorUrls, manager: managerSpec.url, api: apiSpec.url, machines, tenants: tenants.map((t) => t.id) },
      inbox: () => inbox.notifications,
    }, o.pagePort ?? 9090);
    cleanups.push(() => closeServer(page.server));
    return {
      pageUrl: page.url,
      ingestUrl: ingestSpec.url,
      evaluatorUrls,
      managerUrl: managerSpec.url,
      apiUrl: apiSpec.url,
      tokenFiles,
      policies,
      inbox,
      brokers,
      topics: names,
      tenants,
      tail,
      pusher,
      pids: children.map((c) => c.pid),
      stop: cleanup,
    };
  } catch (e) {
    await cleanup();
    throw e;
  }
}

/** The demo's Alertmanager configuration: every alert, grouped per rule and tenant, to the inbox. */
export function inboxAlertmanagerConfig(inbox: Pick<Inbox, 'webhookUrl' | 'smarthost'>): string {
  const receiver: Record<string, unknown> = { name: 'inbox', webhook_configs: [{ url: inbox.webhookUrl, send_resolved: true }] };
  if (inbox.smarthost !== null) receiver.email_configs = [{ to: 'oncall@vigil.local', send_resolved: true }];
  const config = {
    ...(inbox.smarthost !== null ? { global: { smtp_smarthost: inbox.smarthost, smtp_from: 'vigil@vigil.local', smtp_require_tls: false } } : {}),
    route: { receiver: 'inbox', group_by: ['alertname', 'tenant'], group_wait: '10s', group_interval: '1m', repeat_interval: '4h' },
    receivers: [receiver],
  };
  return `# Written by vigil start: the demo's alerts go to the stack's own inbox.\n${yamlStringify(config)}`;
}

function closeServer(s: Server): Promise<void> {
  s.closeAllConnections();
  return new Promise((resolve) => s.close(() => resolve()));
}

/** One line per event: time, state, rule, tenant and the identifying labels. */
export function formatEvent(e: AlertEvent): string {
  const time = new Date(e.evalTime).toISOString().slice(11, 19);
  const labels = Object.entries(e.labels)
    .filter(([k]) => k !== 'alertname' && k !== 'job' && k !== 'tenant')
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  const summary = e.annotations.summary ? ` — ${e.annotations.summary}` : '';
  return `${time} ${e.state.toUpperCase().padEnd(8)} [${e.tenant}] ${e.rule.name} ${labels}${summary}`;
}

/** Writes a secret to a file only its owner can read; returns the path. */
function writeSecret(dir: string, name: string, secret: string): string {
  const path = join(dir, name);
  writeFileSync(path, `${secret}\n`, { mode: 0o600 });
  return path;
}

/** What the demo tenants ask for: policies over the fleet's scenarios, mailed to the stack's inbox. */
const DEMO_POLICIES: Readonly<Record<string, readonly Record<string, unknown>[]>> = {
  acme: [
    { type: 'disk_utilization_percent', description: 'A disk of ours is almost full', compare: 'GreaterThan', value: 90, window: '5m', alerts: { email: ['ops@acme.example'] } },
    { type: 'cpu', description: 'CPU busy for 5 minutes', compare: 'GreaterThan', value: 90, window: '5m', alerts: { email: ['ops@acme.example'] } },
  ],
  globex: [
    { type: 'disk_utilization_percent', description: 'Disk almost full', compare: 'GreaterThan', value: 90, window: '5m', alerts: { email: ['oncall@globex.example'] } },
    { type: 'memory_utilization_percent', description: 'Memory pressure', compare: 'GreaterThan', value: 90, window: '10m', alerts: { email: ['oncall@globex.example'] } },
  ],
};

/** Creates the demo policies through the tenant API with each tenant's own token (idempotent by description). */
async function demoPolicies(apiUrl: string, tenants: readonly PushTenant[]): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const t of tenants) {
    const auth = { authorization: `Bearer ${t.token}` };
    const listed = await fetch(`${apiUrl}/api/v1/policies`, { headers: auth });
    if (!listed.ok) throw new Error(`api: listing ${t.id}'s policies: HTTP ${listed.status}`);
    const have = new Set(((await listed.json()) as { data: Array<{ description: string }> }).data.map((p) => p.description));
    out[t.id] = [];
    for (const p of DEMO_POLICIES[t.id] ?? []) {
      const desc = String(p.description);
      if (!have.has(desc)) {
        const res = await fetch(`${apiUrl}/api/v1/policies`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify(p) });
        if (res.status !== 201) throw new Error(`api: creating ${t.id}'s policy ${JSON.stringify(desc)}: HTTP ${res.status} ${await res.text()}`);
      }
      out[t.id]!.push(`${p.type} ${p.compare} ${p.value} over ${p.window} (${desc})`);
    }
  }
  return out;
}

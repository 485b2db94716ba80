// High availability of `vigil manager` with real processes: two (or one) `node bin/vigil.js
// manager` children share one MariaDB database and one consumer group on a per-test alerts
// topic, with a short tick and lease. Timelines: the lease holder is killed -9 between taking
// new alerts and flushing them; the sender is killed -9 while its webhook request is open; the
// database goes away (a loopback TCP proxy we stop) and comes back. Each time every
// notification arrives, PagerDuty sees one dedup_key per group, and the webhook at most one
// duplicate per failover.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createTcpServer, connect, type AddressInfo, type Server as TcpServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Admin } from 'kafkajs';
import { encodeAlertEvent, type AlertEvent } from '../../src/evaluate/event.js';
import { fingerprint } from '../../src/evaluate/fingerprint.js';
import { kafkaClient, SafeProducer } from '../../src/kafka/producer.js';
import { labelsFromRecord } from '../../src/promql/labels.js';
import { sharedKafka } from '../../src/services/kafka.js';
import { testDatabase, type MySQLConfig } from '../../src/services/mariadb.js';
import { migrate } from '../../src/store/migrate.js';
import { createPool, type StorePool } from '../../src/store/pool.js';
import { ManagerProcess } from './harness.js';

const TICK_MS = 200;
const LEASE_MS = 2_000;

async function until<T>(what: string, f: () => T | undefined | Promise<T | undefined>, timeoutMs: number, extra: () => string = () => ''): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${extra()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A recorded request to one of the loopback receivers. */
interface Hit {
  readonly at: number;
  readonly body: Record<string, any>;
}

/** A loopback HTTP receiver that records bodies; `hold` keeps chosen requests open (never answered). */
class Recorder {
  readonly hits: Hit[] = [];
  readonly held: ServerResponse[] = [];
  hold: (body: Record<string, any>) => boolean = () => false;
  private readonly server: Server;

  constructor(private readonly status: number) {
    this.server = createServer((req: IncomingMessage, res: ServerResponse) => {
      let b = '';
      req.on('data', (d) => (b += d));
      req.on('end', () => {
        const body = JSON.parse(b) as Record<string, any>;
        if (this.hold(body)) {
          this.held.push(res);
          this.hits.push({ at: Date.now(), body: { ...body, held: true } });
          return;
        }
        this.hits.push({ at: Date.now(), body });
        res.writeHead(this.status, { 'content-type': 'application/json' }).end('{"status":"success"}');
      });
    });
  }

  async listen(): Promise<string> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    for (const r of this.held) r.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

/** A loopback TCP proxy to MariaDB that can go down (refusing and cutting connections) and come back on the same port. */
class Proxy {
  private server: TcpServer | null = null;
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  async up(): Promise<void> {
    const server = createTcpServer((client) => {
      const upstream = connect(this.target.port, this.target.host);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((r) => server.listen(this.port, '127.0.0.1', r));
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  async down(): Promise<void> {
    const s = this.server;
    this.server = null;
    for (const sock of this.sockets) sock.destroy();
    if (s !== null) await new Promise<void>((r) => s.close(() => r()));
  }
}


/** The world of one timeline: a topic, a consumer group, receivers, manager children. */
class Fleet {
  readonly instances: ManagerProcess[] = [];
  readonly hook = new Recorder(200);
  readonly pd = new Recorder(202);
  private dir = '';
  private producer: SafeProducer | null = null;

  constructor(readonly admin: Admin, readonly brokers: string, readonly topic: string, readonly mysqlUrl: string) {}

  async start(names: string[], route: { groupWait: string; groupInterval: string }): Promise<void> {
    const hookUrl = await this.hook.listen();
    const pdUrl = await this.pd.listen();
    this.dir = mkdtempSync(join(tmpdir(), 'vigil-mgr-ha-'));
    const config = join(this.dir, 'alertmanager.yml');
    writeFileSync(config, `route:
  receiver: both
  group_by: [alertname]
  group_wait: ${route.groupWait}
  group_interval: ${route.groupInterval}
  repeat_interval: 1h
receivers:
- name: both
  webhook_configs:
  - url: ${hookUrl}/hook
  pagerduty_configs:
  - routing_key: test-key
    url: ${pdUrl}/v2/enqueue
`);
    await this.admin.createTopics({ topics: [{ topic: this.topic, numPartitions: 2, replicationFactor: 1 }], waitForLeaders: true });
    this.producer = new SafeProducer(kafkaClient({ brokers: this.brokers.split(','), logLevel: 'nothing' }));
    for (const name of names) {
      this.instances.push(new ManagerProcess(name, [
        '--config', config, '--mysql-url', this.mysqlUrl, '--brokers', this.brokers, '--topic', this.topic, '--group', `${this.topic}.group`,
        '--port', '0', '--listen-host', '127.0.0.1', '--tick', String(TICK_MS), '--lease', String(LEASE_MS),
      ]));
    }
    for (const i of this.instances) {
      await until(`${i.name} to join the consumer group`, () => {
        if (!i.alive) throw new Error(`${i.name} exited:\n${i.lines.join('\n')}`);
        return i.lines.some((l) => /assigned partitions/.test(l)) ? true : undefined;
      }, 30_000, () => `\n${i.lines.join('\n')}`);
    }
  }

  instance(name: string): ManagerProcess {
    return this.instances.find((i) => i.name === name)!;
  }

  /** Produces firing events that fired now (so group_wait applies). */
  async fire(alerts: Record<string, string>[]): Promise<void> {
    const now = Date.now();
    await this.producer!.send(this.topic, alerts.map((labels) => {
      const fp = fingerprint(labelsFromRecord(labels));
      const event: AlertEvent = {
        fingerprint: fp, tenant: 'acme', labels, annotations: { summary: 'ha test' }, state: 'firing',
        activeAt: now - 60_000, firedAt: now, resolvedAt: null, validUntil: now + 10 * 60_000, value: 1,
        rule: { group: 'ha', file: 'ha.yml', name: labels.alertname! }, evalTime: now, generatorURL: 'http://vigil/graph', source: { partition: 0, offset: 0 }, resend: false,
      };
      return { key: fp, value: encodeAlertEvent(event) };
    }));
  }

  /** Webhook notifications (answered or held) of one group, in arrival order. */
  hooks(alertname: string): Hit[] {
    return this.hook.hits.filter((h) => h.body.groupLabels?.alertname === alertname);
  }

  /** PagerDuty events of one group. */
  pds(alertname: string): Hit[] {
    const key = dedupKeyOf(alertname);
    return this.pd.hits.filter((h) => h.body.dedup_key === key);
  }

  logs(): string {
    return this.instances.map((i) => `--- ${i.name}\n${i.lines.slice(-30).join('\n')}`).join('\n');
  }

  async stop(): Promise<void> {
    await Promise.all(this.instances.map((i) => i.kill9()));
    await this.producer?.close().catch(() => undefined);
    await this.admin.deleteTopics({ topics: [this.topic] }).catch(() => undefined);
    await this.hook.close();
    await this.pd.close();
    if (this.dir !== '') rmSync(this.dir, { recursive: true, force: true });
  }
}

const groupKeyOf = (alertname: string) => `{}:{alertname="${alertname}"}`;
const dedupKeyOf = (alertname: string) => createHash('sha256').update(groupKeyOf(alertname)).digest('hex');
const instancesOf = (h: Hit) => (h.body.alerts as Array<{ labels: { instance: string } }>).map((a) => a.labels.instance).sort().join(',');

let admin: Admin;
let brokers: string;
let db: { config: MySQLConfig; drop(): Promise<void> };
let pool: StorePool;
const urlOf = (c: MySQLConfig, port = c.port) => `mysql://${c.user}:${c.password}@${c.host}:${port}/${c.database}`;

before(async () => {
  brokers = await sharedKafka();
  admin = kafkaClient({ brokers: brokers.split(','), logLevel: 'nothing' }).admin();
  await admin.connect();
  db = await testDatabase('vigil_mgr_ha');
  await migrate(db.config);
  pool = createPool(db.config);
});

after(async () => {
  await pool?.end().catch(() => undefined);
  await db?.drop().catch(() => undefined);
  await admin?.disconnect().catch(() => undefined);
});

async function freshTables(): Promise<void> {
  for (const t of ['manager_group_alerts', 'manager_groups', 'manager_alerts', 'manager_nflog']) await pool.query(`DELETE FROM ${t}`);
}

function runId(): string {
  return `vigil.test.manager.ha.${process.pid}.${Math.random().toString(36).slice(2, 8)}`;
}

async function leaseOwners(): Promise<Map<string, string | null>> {
  const [rows] = await pool.query('SELECT group_key, lease_owner FROM manager_groups');
  return new Map((rows as Array<{ group_key: string; lease_owner: string | null }>).map((r) => [r.group_key, r.lease_owner]));
}

test('HA: the lease holder dies between taking alerts and flushing them; the survivor takes over after the lease expires', { timeout: 80_000 }, async () => {
  await freshTables();
  const fleet = new Fleet(admin, brokers, runId(), urlOf(db.config));
  const groups = ['HA1', 'HA2', 'HA3', 'HA4'];
  try {
    // group_interval long enough to kill the holder after the second alerts are stored and before they flush.
    await fleet.start(['ha-a', 'ha-b'], { groupWait: '1s', groupInterval: '6s' });
    await fleet.fire(groups.map((g) => ({ alertname: g, instance: 'one' })));
    await until('the first notification of every group', () => (groups.every((g) => fleet.hooks(g).length >= 1 && fleet.pds(g).length >= 1) ? true : undefined), 20_000, () => fleet.logs());

    const owners = await leaseOwners();
    const victim = owners.get(groupKeyOf('HA1'));
    assert.ok(victim === 'ha-a' || victim === 'ha-b', `HA1 is leased by a live instance (${victim})`);
    const survivor = victim === 'ha-a' ? 'ha-b' : 'ha-a';
    const victimGroups = groups.filter((g) => owners.get(groupKeyOf(g)) === victim);

    await fleet.fire(groups.map((g) => ({ alertname: g, instance: 'two' })));
    await until('the second alerts in their groups', async () => {
      const [rows] = await pool.query('SELECT COUNT(*) AS n FROM manager_group_alerts');
      return Number((rows as Array<{ n: number }>)[0]!.n) === 2 * groups.length ? true : undefined;
    }, 5_000, () => fleet.logs());
    const [due] = await pool.query('SELECT MIN(next_flush_at) AS t FROM manager_groups WHERE lease_owner = ?', [victim]);
    const killAt = Date.now();
    assert.ok(Number((due as Array<{ t: number }>)[0]!.t) > killAt + 500, 'the kill comes before the victim\'s next flush');
    await fleet.instance(victim).kill9();

    for (const g of groups) {
      await until(`${g}'s notification with both alerts`, () => fleet.hooks(g).find((h) => instancesOf(h) === 'one,two'), 20_000, () => fleet.logs());
    }
    // Long enough for a duplicate flush (one group_interval) to show up.
    await sleep(7_000);
    for (const g of groups) {
      const both = fleet.hooks(g).filter((h) => instancesOf(h) === 'one,two');
      assert.ok(both.length >= 1 && both.length <= 2, `${g}: ${both.length} webhook notifications with both alerts (at most one duplicate)`);
      assert.ok(both.every((h) => h.at > killAt), `${g}: notified after the kill`);
      if (victimGroups.includes(g)) {
        assert.ok(both[0]!.at >= killAt + LEASE_MS - 2 * TICK_MS - 500, `${g}: the survivor waited for the lease to expire (${both[0]!.at - killAt} ms)`);
      }
      const pds = fleet.pds(g);
      assert.ok(pds.length >= 2 && pds.length <= 3, `${g}: ${pds.length} PagerDuty events (first, update, at most one duplicate)`);
      assert.deepEqual(new Set(pds.map((h) => h.body.dedup_key)), new Set([dedupKeyOf(g)]), `${g}: one PagerDuty incident`);
      assert.ok(pds.every((h) => h.body.event_action === 'trigger'));
      assert.equal(pds.at(-1)!.body.payload.custom_details.num_firing, '2');
    }
    const after = await leaseOwners();
    for (const g of groups) assert.equal(after.get(groupKeyOf(g)), survivor, `${g} is now leased by the survivor`);
  } finally {
    await fleet.stop();
  }
});

test('HA: the sender dies -9 with its webhook request open; the survivor re-sends it once', { timeout: 60_000 }, async () => {
  await freshTables();
  const fleet = new Fleet(admin, brokers, runId(), urlOf(db.config));
  try {
    await fleet.start(['hb-a', 'hb-b'], { groupWait: '1s', groupInterval: '5s' });
    let holding = true;
    fleet.hook.hold = () => holding;
    await fleet.fire([{ alertname: 'HB', instance: 'one' }]);
    await until('the held webhook request', () => (fleet.hooks('HB').length >= 1 ? true : undefined), 20_000, () => fleet.logs());
    holding = false;
    const sender = (await leaseOwners()).get(groupKeyOf('HB'));
    assert.ok(sender === 'hb-a' || sender === 'hb-b', `the sender holds the lease (${sender})`);
    const killAt = Date.now();
    await fleet.instance(sender).kill9();

    const resent = await until('the re-sent notification', () => fleet.hooks('HB').find((h) => h.body.held !== true), 20_000, () => fleet.logs());
    assert.ok(resent.at >= killAt + LEASE_MS - 2 * TICK_MS - 1_000, `re-sent after the lease expired (${resent.at - killAt} ms)`);
    await sleep(6_000);
    const hooks = fleet.hooks('HB');
    assert.equal(hooks.length, 2, `the held request and exactly one re-send: ${hooks.map((h) => (h.body.held ? 'held' : 'ok')).join(',')}`);
    assert.equal(instancesOf(hooks[1]!), 'one');
    // PagerDuty was answered before the kill: the survivor's dedup stage finds it in the notification log.
    const pds = fleet.pds('HB');
    assert.ok(pds.length >= 1 && pds.length <= 2, `${pds.length} PagerDuty events`);
    assert.deepEqual(new Set(pds.map((h) => h.body.dedup_key)), new Set([dedupKeyOf('HB')]));
    const survivor = sender === 'hb-a' ? 'hb-b' : 'hb-a';
    assert.equal((await leaseOwners()).get(groupKeyOf('HB')), survivor);
  } finally {
    await fleet.stop();
  }
});

test('HA: the database goes away and comes back; nothing is lost and notifications continue', { timeout: 80_000 }, async () => {
  await freshTables();
  const proxy = new Proxy({ host: db.config.host, port: db.config.port });
  await proxy.up();
  const fleet = new Fleet(admin, brokers, runId(), urlOf(db.config, proxy.port));
  try {
    await fleet.start(['hc-a', 'hc-b'], { groupWait: '1s', groupInterval: '2s' });
    await fleet.fire([{ alertname: 'HC1', instance: 'one' }, { alertname: 'HC2', instance: 'one' }]);
    await until('the notifications before the outage', () => (['HC1', 'HC2'].every((g) => fleet.hooks(g).length === 1) ? true : undefined), 20_000, () => fleet.logs());

    await proxy.down();
    const downAt = Date.now();
    await fleet.fire([{ alertname: 'HC1', instance: 'two' }, { alertname: 'HC3', instance: 'one' }, { alertname: 'HC4', instance: 'one' }]);
    await sleep(4_000);
    assert.equal(fleet.hooks('HC3').length, 0, 'nothing is sent while the database is away');
    await proxy.up();
    const upAt = Date.now();

    await until('every notification after recovery', () => (
      fleet.hooks('HC1').some((h) => instancesOf(h) === 'one,two') && fleet.hooks('HC3').length >= 1 && fleet.hooks('HC4').length >= 1 ? true : undefined
    ), 45_000, () => fleet.logs());
    for (const g of ['HC3', 'HC4']) assert.ok(fleet.hooks(g)[0]!.at >= upAt, `${g} after recovery`);
    assert.ok(fleet.instances.every((i) => i.alive), 'the managers rode out the outage');
    assert.ok(fleet.instances.some((i) => i.lines.some((l) => /ECONNREFUSED|ECONNRESET|closed|lost|failed/i.test(l))), 'the outage was noticed');
    await sleep(3_000);
    for (const g of ['HC1', 'HC2', 'HC3', 'HC4']) {
      const counts = new Map<string, number>();
      for (const h of fleet.hooks(g)) counts.set(instancesOf(h), (counts.get(instancesOf(h)) ?? 0) + 1);
      for (const [set, n] of counts) assert.ok(n <= 2, `${g} {${set}} notified ${n} times`);
    }
    assert.ok(Date.now() - downAt < 60_000);
  } finally {
    await fleet.stop();
    await proxy.down();
  }
});

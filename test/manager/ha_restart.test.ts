// A real database crash under two `vigil manager` processes: a private MariaDB server (its own
// datadir, port and socket in a temp dir; the machine's server on 3306 is never touched) is
// killed -9 while alert events stream in through Kafka and groups flush, stays down, and is
// started again on the same datadir and port (InnoDB crash recovery). The managers must ride it
// out without a restart, and every group must be notified at least once, with its latest alerts.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import mysql from 'mysql2/promise';
import type { Admin } from 'kafkajs';
import { encodeAlertEvent, type AlertEvent } from '../../src/evaluate/event.js';
import { fingerprint } from '../../src/evaluate/fingerprint.js';
import { kafkaClient, SafeProducer } from '../../src/kafka/producer.js';
import { labelsFromRecord } from '../../src/promql/labels.js';
import { sharedKafka } from '../../src/services/kafka.js';
import { freePort } from '../../src/services/process.js';
import { ManagerProcess } from './harness.js';

const INSTALL_DB = '/usr/bin/mariadb-install-db';
const MARIADBD = '/usr/sbin/mariadbd';
const TICK_MS = 200;
const LEASE_MS = 2_000;
const run = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const missing = [INSTALL_DB, MARIADBD].filter((p) => !existsSync(p));
const skip = missing.length > 0 ? `a private MariaDB server needs ${missing.join(' and ')} (apt-get install mariadb-server)` : false;

async function until<T>(what: string, f: () => T | undefined | Promise<T | undefined>, timeoutMs: number, extra: () => string = () => ''): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${extra()}`);
    await sleep(100);
  }
}

/** A private mariadbd on a temp datadir, loopback port and socket; killed -9 and started again at will. */
class PrivateMariaDB {
  private child: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();
  log = '';
  port = 0;
  readonly dir = mkdtempSync(join(tmpdir(), 'vigil-ha-restart-db-'));

  async install(): Promise<void> {
    this.port = await freePort();
    await run(INSTALL_DB, ['--no-defaults', `--datadir=${join(this.dir, 'data')}`, '--auth-root-authentication-method=normal', '--skip-test-db', '--user=root'], { timeout: 60_000 })
      .catch((e: Error & { stderr?: string }) => { throw new Error(`mariadb-install-db failed: ${e.message} ${e.stderr ?? ''}`); });
  }

  /** Starts mariadbd on the datadir and port; resolves once root can connect. */
  async start(): Promise<void> {
    const args = [
      '--no-defaults', `--datadir=${join(this.dir, 'data')}`, `--port=${this.port}`, '--bind-address=127.0.0.1',
      `--socket=${join(this.dir, 'mysqld.sock')}`, `--pid-file=${join(this.dir, 'mysqld.pid')}`,
      '--skip-name-resolve', '--innodb-buffer-pool-size=64M', '--max-connections=200',
    ];
    if (process.getuid?.() === 0) args.push('--user=root');
    const child = spawn(MARIADBD, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr!.on('data', (b: Buffer) => { this.log = (this.log + b.toString()).slice(-6000); });
    this.exited = new Promise((r) => child.once('exit', () => r()));
    this.child = child;
    await until('the private mariadbd to accept connections', async () => {
      if (child.exitCode !== null) throw new Error(`mariadbd exited with ${child.exitCode}: ${this.log}`);
      try {
        const c = await mysql.createConnection({ host: '127.0.0.1', port: this.port, user: 'root', password: '', connectTimeout: 1_000 });
        await c.end();
        return true;
      } catch {
        return undefined;
      }
    }, 30_000);
  }

  async kill9(): Promise<void> {
    this.child?.kill('SIGKILL');
    await this.exited;
    this.child = null;
  }

  async query(sql: string, params: unknown[] = []): Promise<unknown> {
    const c = await mysql.createConnection({ host: '127.0.0.1', port: this.port, user: 'root', password: '' });
    try {
      return (await c.query(sql, params))[0];
    } finally {
      await c.end();
    }
  }

  async stop(): Promise<void> {
    if (this.child !== null) {
      this.child.kill('SIGTERM');
      await Promise.race([this.exited, sleep(15_000)]);
      if (this.child !== null && this.child.exitCode === null) this.child.kill('SIGKILL');
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}


interface Hit { readonly at: number; readonly group: string; readonly instances: string }

let db: PrivateMariaDB | null = null;
let admin: Admin;
let brokers: string;

before(async () => {
  if (skip !== false) return;
  brokers = await sharedKafka();
  admin = kafkaClient({ brokers: brokers.split(','), logLevel: 'nothing' }).admin();
  await admin.connect();
  db = new PrivateMariaDB();
  await db.install();
  await db.start();
  await db.query('CREATE DATABASE vigil_ha_restart CHARACTER SET utf8mb4 COLLATE utf8mb4_bin');
});

after(async () => {
  await admin?.disconnect().catch(() => undefined);
  await db?.stop();
});

test('HA: the database server is killed -9 mid-flight and restarted; the managers recover by themselves and no notification is lost', { skip, timeout: 120_000 }, async () => {
  const topic = `vigil.test.manager.harestart.${process.pid}.${Math.random().toString(36).slice(2, 8)}`;
  const hits: Hit[] = [];
  const hook: Server = createServer((req, res) => {
    let b = '';
    req.on('data', (d) => (b += d));
    req.on('end', () => {
      const body = JSON.parse(b) as { groupLabels: { alertname: string }; alerts: Array<{ labels: { instance: string } }> };
      hits.push({ at: Date.now(), group: body.groupLabels.alertname, instances: body.alerts.map((a) => a.labels.instance).sort().join(',') });
      res.end();
    });
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
  const dir = mkdtempSync(join(tmpdir(), 'vigil-ha-restart-'));
  const config = join(dir, 'alertmanager.yml');
  writeFileSync(config, `route:
  receiver: hook
  group_by: [alertname]
  group_wait: 1s
  group_interval: 2s
  repeat_interval: 1h
receivers:
- name: hook
  webhook_configs:
  - url: http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook
`);
  await admin.createTopics({ topics: [{ topic, numPartitions: 2, replicationFactor: 1 }], waitForLeaders: true });
  const producer = new SafeProducer(kafkaClient({ brokers: brokers.split(','), logLevel: 'nothing' }));
  const instances: ManagerProcess[] = [];
  const logs = () => `\n${instances.map((i) => `--- ${i.name}\n${i.lines.slice(-25).join('\n')}`).join('\n')}\n--- mariadbd\n${db!.log.slice(-1500)}`;
  const fire = async (alerts: Record<string, string>[]): Promise<void> => {
    const now = Date.now();
    await producer.send(topic, alerts.map((labels) => {
      const fp = fingerprint(labelsFromRecord(labels));
      const event: AlertEvent = {
        fingerprint: fp, tenant: 'acme', labels, annotations: { summary: 'ha restart test' }, state: 'firing',
        activeAt: now - 60_000, firedAt: now, resolvedAt: null, validUntil: now + 10 * 60_000, value: 1,
        rule: { group: 'ha', file: 'ha.yml', name: labels.alertname! }, evalTime: now, generatorURL: 'http://vigil/graph', source: { partition: 0, offset: 0 }, resend: false,
      };
      return { key: fp, value: encodeAlertEvent(event) };
    }));
  };
  const of = (g: string) => hits.filter((h) => h.group === g);
  try {
    for (const name of ['hr-a', 'hr-b']) {
      instances.push(new ManagerProcess(name, [
        '--config', config, '--mysql-url', `mysql://root:@127.0.0.1:${db!.port}/vigil_ha_restart`, '--brokers', brokers, '--topic', topic,
        '--group', `${topic}.group`, '--port', '0', '--listen-host', '127.0.0.1', '--tick', String(TICK_MS), '--lease', String(LEASE_MS),
      ]));
    }
    for (const i of instances) {
      await until(`${i.name} to join the consumer group`, () => {
        if (!i.alive) throw new Error(`${i.name} exited:${logs()}`);
        return i.lines.some((l) => /assigned partitions/.test(l)) ? true : undefined;
      }, 30_000, logs);
    }
    const before = ['R1', 'R2', 'R3'];
    await fire(before.map((g) => ({ alertname: g, instance: 'one' })));
    await until('the notifications before the crash', () => (before.every((g) => of(g).length >= 1) ? true : undefined), 20_000, logs);

    // Mid-flight: a stream of new groups (one every 100 ms) and news for R1..R3 (flushing
    // every group_interval) when the server dies; the stream goes on while it is down.
    const stream: string[] = [];
    let n = 0;
    const produceSome = async (count: number) => {
      for (let k = 0; k < count; k++, n++) {
        const g = `S${n}`;
        stream.push(g);
        await fire([{ alertname: g, instance: 'one' }]);
        await sleep(100);
      }
    };
    await fire(before.map((g) => ({ alertname: g, instance: 'two' })));
    // 1.5 s of stream: the first groups' group_wait (1 s) is over, so flushes run when the kill comes.
    await produceSome(15);
    const killAt = Date.now();
    await db!.kill9();
    await produceSome(20);
    await sleep(1_000);
    assert.ok(instances.every((i) => i.alive), `the managers live through the outage${logs()}`);
    await db!.start();
    const upAt = Date.now();
    await produceSome(5);

    const all = [...before, ...stream];
    await until('every group notified with its latest alerts after the restart', () => (
      before.every((g) => of(g).some((h) => h.instances === 'one,two')) && stream.every((g) => of(g).length >= 1) ? true : undefined
    ), 60_000, () => `\nmissing: ${all.filter((g) => of(g).length === 0 || (before.includes(g) && !of(g).some((h) => h.instances === 'one,two'))).join(' ')}${logs()}`);
    await sleep(2 * 2_000);
    assert.ok(instances.every((i) => i.alive), `no manager exited${logs()}`);
    assert.ok(instances.some((i) => i.lines.some((l) => /ECONNREFUSED|ECONNRESET|closed|lost|failed/i.test(l))), `the crash was noticed${logs()}`);
    const duplicates: string[] = [];
    for (const g of all) {
      const counts = new Map<string, number>();
      for (const h of of(g)) counts.set(h.instances, (counts.get(h.instances) ?? 0) + 1);
      for (const [set, c] of counts) if (c > 1) duplicates.push(`${g}{${set}}x${c}`);
      for (const [set, c] of counts) assert.ok(c <= 2, `${g} {${set}} notified ${c} times (at most once more for a send whose log write the crash lost)`);
    }
    const beforeCrash = stream.filter((g) => of(g)[0]!.at < killAt).length;
    const afterCrash = stream.filter((g) => of(g)[0]!.at > upAt).length;
    // Shown by --test-reporter=spec: what the crash cost.
    console.log(`ha_restart: killed at +0, up again at +${upAt - killAt} ms; ${all.length} groups all notified; of the stream's ${stream.length}, ${beforeCrash} first notified before the kill, ${afterCrash} after the restart; duplicates: ${duplicates.join(' ') || 'none'}`);
  } finally {
    await Promise.all(instances.map((i) => i.kill9()));
    await producer.close().catch(() => undefined);
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    hook.closeAllConnections();
    hook.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

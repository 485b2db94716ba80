// The manager role on the real broker: an AlertEvent (firing) produced to a per-test alerts
// topic reaches a loopback webhook as Alertmanager's version 4 payload after group_wait; a
// corrupt record is counted and skipped; offsets are committed; a clean close releases leases.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeAlertEvent, type AlertEvent } from '../../src/evaluate/event.js';
import { fingerprint } from '../../src/evaluate/fingerprint.js';
import { kafkaClient, SafeProducer } from '../../src/kafka/producer.js';
import { labelsFromRecord } from '../../src/promql/labels.js';
import { sharedKafka } from '../../src/services/kafka.js';
import { testDatabase } from '../../src/services/mariadb.js';
import { parseManagerRunConfig, startManager } from '../../src/manager/run.js';
import { createPool } from '../../src/store/pool.js';

async function until<T>(what: string, f: () => T | undefined | Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

test('manager role: vigil.alerts event -> webhook v4 payload after group_wait; bad record skipped; close releases leases', { timeout: 90_000 }, async () => {
  const run = `${process.pid}.${Math.random().toString(36).slice(2, 8)}`;
  const topic = `vigil.test.manager.${run}.alerts`;
  const brokers = await sharedKafka();
  const kafka = kafkaClient({ brokers: brokers.split(','), logLevel: 'nothing' });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 2, replicationFactor: 1 }], waitForLeaders: true });
  const producer = new SafeProducer(kafka);
  const db = await testDatabase('vigil_mgr_role');
  const received: { at: number; body: Record<string, any> }[] = [];
  const hook = createServer((req, res) => {
    let b = '';
    req.on('data', (d) => (b += d));
    req.on('end', () => {
      received.push({ at: Date.now(), body: JSON.parse(b) });
      res.end();
    });
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
  const dir = mkdtempSync(join(tmpdir(), 'vigil-mgr-role-'));
  writeFileSync(join(dir, 'alertmanager.yml'), `route:
  receiver: hook
  group_by: [alertname]
  group_wait: 2s
  group_interval: 1m
receivers:
- name: hook
  webhook_configs:
  - url: http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook
`);
  const lines: string[] = [];
  const c = db.config;
  const manager = await startManager(parseManagerRunConfig({
    configFile: join(dir, 'alertmanager.yml'), listen: { host: '127.0.0.1', port: 0 }, instance: 'role-a', externalURL: 'http://vigil.example',
    mysql: { url: `mysql://${c.user}:${c.password}@${c.host}:${c.port}/${c.database}` },
    kafka: { brokers, topic, groupId: `${topic}.group`, sessionTimeoutMs: 6000 }, tickMs: 200,
  }), { log: (l) => lines.push(l) });
  const pool = createPool(db.config);
  try {
    await until('the consumer to join', () => (manager.consumer!.hasJoined ? true : undefined), 30_000);
    const now = Date.now();
    const labels = { alertname: 'DiskFull', instance: 'db1', tenant: 'acme' };
    const fp = fingerprint(labelsFromRecord(labels));
    const event: AlertEvent = {
      fingerprint: fp, tenant: 'acme', labels, annotations: { summary: 'disk is full' }, state: 'firing',
      activeAt: now - 60_000, firedAt: now - 1_000, resolvedAt: null, validUntil: now + 4 * 60_000, value: 97.5,
      rule: { group: 'disk', file: 'disk.yml', name: 'DiskFull' }, evalTime: now - 1_000, generatorURL: 'http://vigil/graph', source: { partition: 0, offset: 7 }, resend: false,
    };
    const sentAt = Date.now();
    await producer.send(topic, [{ key: 'garbage', value: '{"not": "an event"}' }, { key: fp, value: encodeAlertEvent(event) }]);

    const got = await until('the webhook notification', () => received[0], 30_000);
    assert.ok(got.at - sentAt >= 1_500, `waited for group_wait (${got.at - sentAt} ms)`);
    const b = got.body;
    assert.equal(b.version, '4');
    assert.equal(b.receiver, 'hook');
    assert.equal(b.status, 'firing');
    assert.equal(b.externalURL, 'http://vigil.example');
    assert.deepEqual(b.groupLabels, { alertname: 'DiskFull' });
    assert.equal(b.groupKey, '{}:{alertname="DiskFull"}');
    assert.equal(b.alerts.length, 1);
    assert.deepEqual(b.alerts[0], {
      status: 'firing', labels, annotations: { summary: 'disk is full' }, startsAt: new Date(now - 1_000).toISOString(),
      endsAt: '0001-01-01T00:00:00Z', generatorURL: 'http://vigil/graph', fingerprint: fp,
    });
    assert.equal(manager.consumer!.stats.invalid, 1, 'the corrupt record was counted');
    assert.ok(lines.some((l) => /skipped: alert event: bad or missing field/.test(l)), lines.join('\n'));
    const metrics = await (await fetch(`${manager.url}/metrics`)).text();
    assert.match(metrics, /^alertmanager_notifications_total\{integration="webhook"\} 1$/m);
    assert.match(metrics, /^vigil_manager_kafka_invalid_total 1$/m);
    const listed = await (await fetch(`${manager.url}/api/v2/alerts`)).json() as Array<{ fingerprint: string }>;
    assert.deepEqual(listed.map((a) => a.fingerprint), [fp]);

    const offsets = await until('the offsets to be committed', async () => {
      const o = await admin.fetchOffsets({ groupId: `${topic}.group`, topics: [topic] });
      const sum = o[0]!.partitions.reduce((s, p) => s + Math.max(0, Number(p.offset)), 0);
      return sum >= 2 ? sum : undefined;
    }, 15_000);
    assert.equal(offsets, 2);
    const [held] = await pool.query('SELECT COUNT(*) AS n FROM manager_groups WHERE lease_owner = ?', ['role-a']);
    assert.equal(Number((held as Array<{ n: number }>)[0]!.n), 1, 'the flushing instance holds the group lease');
  } finally {
    await manager.close();
    const [held] = await pool.query('SELECT COUNT(*) AS n FROM manager_groups WHERE lease_owner IS NOT NULL');
    assert.equal(Number((held as Array<{ n: number }>)[0]!.n), 0, 'a clean close releases the leases');
    await pool.end();
    await producer.close();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
    hook.close();
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('manager flags: flush concurrency and the policy route timing reach the run configuration', async () => {
  const { managerCommand, managerConfigInput } = await import('../../src/cli/manager.js');
  const { parseArgs } = await import('../../src/cli/command.js');
  const args = parseArgs(['--config', 'am.yml', '--mysql-url', 'mysql://root@127.0.0.1/x', '--flush-concurrency', '16',
    '--policy-group-wait', '1000', '--policy-group-interval', '60000'], managerCommand.flags);
  const cfg = parseManagerRunConfig(managerConfigInput(args, {}));
  assert.equal(cfg.flushConcurrency, 16);
  assert.deepEqual([cfg.policies.groupWaitMs, cfg.policies.groupIntervalMs, cfg.policies.repeatIntervalMs], [1000, 60_000, 4 * 3600_000]);
  const defaults = parseManagerRunConfig(managerConfigInput(parseArgs(['--config', 'am.yml'], managerCommand.flags), { VIGIL_MYSQL_URL: 'mysql://root@h/x' }));
  assert.equal(defaults.flushConcurrency, 8);
  assert.equal(defaults.policies.groupIntervalMs, 300_000);
  assert.throws(() => parseManagerRunConfig(managerConfigInput(parseArgs(['--config', 'a', '--flush-concurrency', '0'], managerCommand.flags), { VIGIL_MYSQL_URL: 'mysql://root@h/x' })), /flushConcurrency/);
});

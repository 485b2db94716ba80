/**
 * Worker integration on the real broker: remote_write -> ingest gateway -> vigil.samples
 * -> `vigil evaluate` child process -> vigil.alerts; kill -9 of the child under load,
 * an in-process successor takes the partitions over from vigil.state and the commit
 * metadata, and the `for: 10m` alert fires at the same evaluation time as in a run
 * without the kill (a fresh replay of the same partition). Then `vigil replay`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Consumer } from 'kafkajs';
import { ManualClock } from '../../src/clock.js';
import { kafkaClient, SafeProducer } from '../../src/kafka/producer.js';
import { encodeTick } from '../../src/kafka/samples_codec.js';
import { ensureTopics } from '../../src/kafka/topics.js';
import { sharedKafka } from '../../src/services/kafka.js';
import { NO_LIMITS } from '../../src/store/tenants.js';
import { parseIngestConfig } from '../../src/ingest/config.js';
import { IngestGateway } from '../../src/ingest/gateway.js';
import { encodeRemoteWriteBody } from '../../src/ingest/remote_write.js';
import { decodeAlertEvent, type AlertEvent } from '../../src/evaluate/event.js';
import { PartitionEvaluator } from '../../src/evaluate/partition.js';
import { decodeCommitMetadata, PartitionWorker } from '../../src/evaluate/worker.js';
import { parseEvaluateConfig, startEvaluate } from '../../src/evaluate/run.js';
import { main } from '../../src/cli/main.js';
import { CapturedIO } from '../../src/cli/io.js';
import { ruleFile } from './helpers.js';

const RULES = `groups:
- name: temps
  interval: 10s
  rules:
  - alert: Hot
    expr: temp > 50
    for: 10m
    labels: { severity: page }
`;
const STEP = 10_000;

function until(what: string, ok: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const poll = async () => {
      if (await ok()) return resolve();
      if (Date.now() > end) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(() => void poll(), 100);
    };
    void poll();
  });
}

const key = (e: AlertEvent) => `${e.fingerprint}/${e.state}/${e.evalTime}`;

test('evaluate: firing event end to end; kill -9 of a worker process, takeover, same firing time, nothing lost', { timeout: 170_000 }, async () => {
  const run = `${process.pid}.${Math.random().toString(36).slice(2, 8)}`;
  const prefix = `vigil.test.eval.${run}`;
  const topics = { samples: `${prefix}.samples`, alerts: `${prefix}.alerts`, rules: `${prefix}.rules`, state: `${prefix}.state` };
  const group = `${prefix}.group`;
  const brokers = await sharedKafka();
  const kafka = kafkaClient({ brokers: brokers.split(','), logLevel: 'nothing' });
  const admin = kafka.admin();
  await admin.connect();
  await ensureTopics(admin, { names: topics, samplesPartitions: 2 });
  const dir = mkdtempSync(join(tmpdir(), 'vigil-eval-'));
  writeFileSync(join(dir, 'temps.yml'), RULES);
  // A 3 s session with 1 s heartbeats (the local broker allows it): batches must heartbeat
  // in time under load, or the group rebalances and the successor is assigned twice.
  writeFileSync(join(dir, 'evaluate.yaml'), `kafka:\n  sessionTimeoutMs: 3000\n  heartbeatIntervalMs: 1000\nevaluation:\n  snapshotIntervalMs: 30000\n`);
  const producer = new SafeProducer(kafka);
  await producer.connect();
  // Log time: near the broker's clock so retention keeps it; minute-aligned.
  const T0 = Math.floor(Date.now() / 60_000) * 60_000 - 30 * 60_000;
  const clock = new ManualClock(T0);
  const ingestConfig = parseIngestConfig({ kafka: { brokers, topics, partitions: 2 }, mysql: { url: 'mysql://x@127.0.0.1/x' } });
  const gateway = new IngestGateway({
    config: ingestConfig,
    authenticate: async (t) => (t === 'tok-acme' || t === 'tok-noise'
      ? { tokenId: 1, prefix: t, tenant: t.slice(4), scopes: new Set(['write'] as const), machines: null, limits: NO_LIMITS } : null),
    producer,
    clock,
  });
  const alerts: AlertEvent[] = [];
  const reader: Consumer = kafka.consumer({ groupId: `${prefix}.reader`, sessionTimeout: 6_000, heartbeatInterval: 500 });
  await reader.connect();
  await reader.subscribe({ topic: topics.alerts, fromBeginning: true });
  await reader.run({ eachMessage: async ({ message }) => void alerts.push(decodeAlertEvent(message.value!.toString())) });

  let step = 0;
  /** Pushes one log step: acme's temp (remote_write), noise from another tenant, ticks to both partitions. */
  const push = async () => {
    const t = T0 + step * STEP;
    clock.set(t);
    for (const [tok, series] of [['tok-acme', [{ labels: [{ name: '__name__', value: 'temp' }, { name: 'room', value: 'r1' }], samples: [{ value: 100, timestamp: t }] }]],
      ['tok-noise', Array.from({ length: 20 }, (_, i) => ({ labels: [{ name: '__name__', value: 'temp' }, { name: 'room', value: `n${i}` }], samples: [{ value: 10, timestamp: t }] }))]] as const) {
      const res = await gateway.handle({ method: 'POST', path: '/api/v1/write', headers: { authorization: `Bearer ${tok}`, 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', 'x-prometheus-remote-write-version': '0.1.0' }, body: encodeRemoteWriteBody(series as never) });
      assert.equal(res.status, 204, res.body);
    }
    await producer.send(topics.samples, [0, 1].map((partition) => ({ partition, value: encodeTick(t), timestamp: String(t) })));
    step++;
  };

  const child = spawn(process.execPath, ['bin/vigil.js', 'evaluate', '--config', join(dir, 'evaluate.yaml'), '--brokers', brokers, '--rules', dir,
    '--topic-prefix', prefix, '--group', group, '--port', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let childErr = '';
  child.stderr!.on('data', (d) => (childErr += d));
  const successorLog: string[] = [];
  let successor: Awaited<ReturnType<typeof startEvaluate>> | null = null;
  try {
    await until('the child to be assigned both partitions', () => /assigned partitions \[0,1\]/.test(childErr), 30_000);
    // Log minutes 0..6: the alert goes pending and stays pending.
    while (step <= 36) await push();
    await until('the pending event', () => alerts.some((e) => e.state === 'pending'), 30_000);
    await until('the child to commit past minute 5', async () => {
      const offs = await admin.fetchOffsets({ groupId: group, topics: [topics.samples] });
      const through = offs[0]!.partitions.map((p) => decodeCommitMetadata(p.metadata).evaluatedThrough ?? 0);
      return Math.min(...through) >= T0 + 5 * 60_000;
    }, 30_000);
    assert.equal((childErr.match(/assigned partitions/g) ?? []).length, 1, `the child rebalanced while alone:\n${childErr}`);
    // Under load: keep pushing while the child dies.
    const loading = (async () => { for (let i = 0; i < 6; i++) await push(); })();
    child.kill('SIGKILL');
    await loading;
    const committedAtKill = Math.min(...(await admin.fetchOffsets({ groupId: group, topics: [topics.samples] }))[0]!.partitions
      .map((p) => decodeCommitMetadata(p.metadata).evaluatedThrough ?? 0));
    assert.ok(!alerts.some((e) => e.state === 'firing'), 'fired too early');

    successor = await startEvaluate(parseEvaluateConfig({
      listen: { host: '127.0.0.1', port: 0 },
      kafka: { brokers, groupId: group, topics, sessionTimeoutMs: 3_000, heartbeatIntervalMs: 1_000 },
      rules: [dir],
      evaluation: { snapshotIntervalMs: 30_000 },
    }), { log: (l) => successorLog.push(l) });
    const s = successor;
    await until('the successor to take both partitions', () => s.consumer.assignedPartitions.length === 2, 40_000);
    // Log minutes 7..13: the alert fires at activeAt + 10m.
    while (step <= 13 * 6) await push();
    await until('the firing event', () => alerts.some((e) => e.state === 'firing'), 40_000);
    const metrics = await (await fetch(`${s.url}/metrics`)).text();
    assert.match(metrics, /vigil_evaluator_takeovers_total [12]/);
    assert.match(metrics, /vigil_evaluator_consumer_lag\{partition="[01]"\}/);

    // The run without the kill: a fresh worker over the same partition's records.
    const acmePartition = alerts.find((e) => e.tenant === 'acme')!.source.partition;
    const reference = await replayPartition(kafka, topics.samples, acmePartition, [ruleFile(RULES, join(dir, 'temps.yml'))]);
    const refFiring = reference.find((e) => e.state === 'firing')!;
    const gotFiring = alerts.find((e) => e.state === 'firing')!;
    assert.equal(gotFiring.evalTime, refFiring.evalTime);
    assert.equal(gotFiring.activeAt, refFiring.activeAt);
    assert.equal(gotFiring.firedAt! - gotFiring.activeAt, 10 * 60_000);
    assert.equal(gotFiring.labels.tenant, 'acme');
    assert.ok(successorLog.some((l) => new RegExp(`partition ${acmePartition}: restored snapshot`).test(l)), successorLog.join('\n'));
    // One assignment: no rebalance from a missed heartbeat while it replayed and kept up.
    assert.equal(successorLog.filter((l) => /assigned partitions/.test(l)).length, 1, successorLog.join('\n'));
    assert.doesNotMatch(childErr, /batch abandoned/);
    // No event lost: every state change of the reference (up to the last slot the successor saw) is in vigil.alerts.
    const lastSeen = Math.max(...alerts.map((e) => e.evalTime));
    const got = new Set(alerts.map(key));
    for (const e of reference.filter((x) => !x.resend && x.evalTime <= lastSeen)) assert.ok(got.has(key(e)), `lost ${key(e)}`);
    // Duplicates only after the last commit before the kill.
    const counts = new Map<string, number>();
    for (const e of alerts) counts.set(key(e), (counts.get(key(e)) ?? 0) + 1);
    for (const e of alerts) if (counts.get(key(e))! > 1) assert.ok(e.evalTime > committedAtKill, `duplicate ${key(e)} at or before the commit ${committedAtKill}`);

    // vigil replay over the same history prints the pending and firing lines.
    const io = new CapturedIO();
    const from = new Date(T0).toISOString();
    const to = new Date(T0 + 12 * 60_000).toISOString();
    assert.equal(await main(['replay', '--rules', join(dir, 'temps.yml'), '--from', from, '--to', to, '--brokers', brokers, '--samples-topic', topics.samples], io), 0, io.stderr);
    const lines = io.stdout.trim().split('\n');
    assert.ok(lines.some((l) => l.startsWith(`${new Date(refFiring.evalTime).toISOString()} firing   Hot{`)), io.stdout);
    assert.ok(lines.some((l) => / pending  Hot\{.*tenant="acme"/.test(l)), io.stdout);
  } finally {
    child.kill('SIGKILL');
    await successor?.close();
    await reader.disconnect().catch(() => undefined);
    await producer.close();
    await admin.deleteTopics({ topics: Object.values(topics) }).catch(() => undefined);
    await admin.disconnect();
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Every event a fresh worker produces over the whole partition. */
async function replayPartition(kafka: ReturnType<typeof kafkaClient>, topic: string, partition: number, rules: ReturnType<typeof ruleFile>[]): Promise<AlertEvent[]> {
  const admin = kafka.admin();
  await admin.connect();
  const high = Number((await admin.fetchTopicOffsets(topic)).find((o) => o.partition === partition)!.high);
  await admin.disconnect();
  const w = new PartitionWorker(new PartitionEvaluator(rules, { partition }));
  const events: AlertEvent[] = [];
  const c = kafka.consumer({ groupId: `${topic}.ref.${Math.random()}`, sessionTimeout: 6_000, heartbeatInterval: 500 });
  await c.connect();
  await c.subscribe({ topic, fromBeginning: true });
  await new Promise<void>((resolve, reject) => {
    void c.run({
      eachBatch: async ({ batch }) => {
        if (batch.partition !== partition) return;
        for (const m of batch.messages) events.push(...w.apply(Number(m.offset), m.value));
        if ((w.nextOffset ?? 0) >= high) resolve();
      },
    }).catch(reject);
  });
  await c.disconnect();
  return events;
}

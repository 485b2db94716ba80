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
import { freePort } from '../../src/services/process.js';
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

/** Topics, an ingest gateway on a manual clock, a reader of vigil.alerts: one pipeline per test. */
async function pipeline(name: string) {
  const run = `${process.pid}.${name}.${Math.random().toString(36).slice(2, 8)}`;
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
  // Apart from the rules directory, which the evaluators load whole.
  const configDir = mkdtempSync(join(tmpdir(), 'vigil-eval-config-'));
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
  /** Pushes until log step `last` (10 s steps: minute m is step 6m). */
  const pushThrough = async (last: number) => {
    while (step <= last) await push();
  };
  /** The lowest evaluation time the group's commits say was produced on both partitions. */
  const committedThrough = async () => Math.min(...(await admin.fetchOffsets({ groupId: group, topics: [topics.samples] }))[0]!.partitions
    .map((p) => decodeCommitMetadata(p.metadata).evaluatedThrough ?? 0));
  /** A `vigil evaluate` child process of the group. */
  const spawnEvaluator = (config: string, port = 0) => {
    const file = join(configDir, `evaluate-${Math.random().toString(36).slice(2, 8)}.yaml`);
    writeFileSync(file, config);
    const child = spawn(process.execPath, ['bin/vigil.js', 'evaluate', '--config', file, '--brokers', brokers, '--rules', dir,
      '--topic-prefix', prefix, '--group', group, '--port', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
    const proc = { child, err: '' };
    child.stderr!.on('data', (d) => (proc.err += d));
    return proc;
  };
  /**
   * After the takeover: the firing event came at the same evaluation time as in a run
   * without the kill (a fresh worker over the partition), no state change of that run
   * is missing, and duplicates are only of evaluations after the last commit before the kill.
   */
  const checkAgainstReference = async (committedAtKill: number) => {
    const acmePartition = alerts.find((e) => e.tenant === 'acme')!.source.partition;
    const reference = await replayPartition(kafka, topics.samples, acmePartition, [ruleFile(RULES, join(dir, 'temps.yml'))]);
    const refFiring = reference.find((e) => e.state === 'firing')!;
    const gotFiring = alerts.find((e) => e.state === 'firing')!;
    assert.equal(gotFiring.evalTime, refFiring.evalTime);
    assert.equal(gotFiring.activeAt, refFiring.activeAt);
    assert.equal(gotFiring.firedAt! - gotFiring.activeAt, 10 * 60_000);
    assert.equal(gotFiring.labels.tenant, 'acme');
    const lastSeen = Math.max(...alerts.map((e) => e.evalTime));
    const got = new Set(alerts.map(key));
    for (const e of reference.filter((x) => !x.resend && x.evalTime <= lastSeen)) assert.ok(got.has(key(e)), `lost ${key(e)}`);
    const counts = new Map<string, number>();
    for (const e of alerts) counts.set(key(e), (counts.get(key(e)) ?? 0) + 1);
    for (const e of alerts) if (counts.get(key(e))! > 1) assert.ok(e.evalTime > committedAtKill, `duplicate ${key(e)} at or before the commit ${committedAtKill}`);
    return { reference, refFiring, acmePartition };
  };
  const cleanup = async () => {
    await reader.disconnect().catch(() => undefined);
    await producer.close();
    await admin.deleteTopics({ topics: Object.values(topics) }).catch(() => undefined);
    await admin.disconnect();
    rmSync(dir, { recursive: true, force: true });
    rmSync(configDir, { recursive: true, force: true });
  };
  return { topics, group, brokers, admin, dir, T0, alerts, pushThrough, committedThrough, spawnEvaluator, checkAgainstReference, cleanup };
}

// A 3 s session with 1 s heartbeats (the local broker allows it): batches must heartbeat
// in time under load, or the group rebalances and the successor is assigned twice.
const EVALUATE_YAML = `kafka:\n  sessionTimeoutMs: 3000\n  heartbeatIntervalMs: 1000\nevaluation:\n  snapshotIntervalMs: 30000\n`;

test('evaluate: firing event end to end; kill -9 of a worker process, takeover, same firing time, nothing lost', { timeout: 170_000 }, async () => {
  const pl = await pipeline('replay');
  const { topics, group, brokers, dir, T0, alerts } = pl;
  const a = pl.spawnEvaluator(EVALUATE_YAML);
  const successorLog: string[] = [];
  let successor: Awaited<ReturnType<typeof startEvaluate>> | null = null;
  try {
    await until('the child to be assigned both partitions', () => /assigned partitions \[0,1\]/.test(a.err), 30_000);
    // Log minutes 0..6: the alert goes pending and stays pending.
    await pl.pushThrough(36);
    await until('the pending event', () => alerts.some((e) => e.state === 'pending'), 30_000);
    await until('the child to commit past minute 5', async () => (await pl.committedThrough()) >= T0 + 5 * 60_000, 30_000);
    assert.equal((a.err.match(/assigned partitions/g) ?? []).length, 1, `the child rebalanced while alone:\n${a.err}`);
    // Under load: keep pushing while the child dies.
    const loading = pl.pushThrough(42);
    a.child.kill('SIGKILL');
    await loading;
    const committedAtKill = await pl.committedThrough();
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
    await pl.pushThrough(13 * 6);
    await until('the firing event', () => alerts.some((e) => e.state === 'firing'), 40_000);
    const metrics = await (await fetch(`${s.url}/metrics`)).text();
    assert.match(metrics, /vigil_evaluator_takeovers_total [12]/);
    assert.match(metrics, /vigil_evaluator_consumer_lag\{partition="[01]"\}/);

    const { refFiring, acmePartition } = await pl.checkAgainstReference(committedAtKill);
    assert.ok(successorLog.some((l) => new RegExp(`partition ${acmePartition}: restored snapshot`).test(l)), successorLog.join('\n'));
    // One assignment: no rebalance from a missed heartbeat while it replayed and kept up.
    assert.equal(successorLog.filter((l) => /assigned partitions/.test(l)).length, 1, successorLog.join('\n'));
    assert.doesNotMatch(a.err, /batch abandoned/);

    // vigil replay over the same history prints the pending and firing lines.
    const io = new CapturedIO();
    const from = new Date(T0).toISOString();
    const to = new Date(T0 + 12 * 60_000).toISOString();
    assert.equal(await main(['replay', '--rules', join(dir, 'temps.yml'), '--from', from, '--to', to, '--brokers', brokers, '--samples-topic', topics.samples], io), 0, io.stderr);
    const lines = io.stdout.trim().split('\n');
    assert.ok(lines.some((l) => l.startsWith(`${new Date(refFiring.evalTime).toISOString()} firing   Hot{`)), io.stdout);
    assert.ok(lines.some((l) => / pending  Hot\{.*tenant="acme"/.test(l)), io.stdout);
  } finally {
    a.child.kill('SIGKILL');
    await successor?.close();
    await pl.cleanup();
  }
});

test('evaluate: standby: two members keep each other\'s partitions warm; kill -9 of the owner, the other continues from its shadow, same firing time, nothing lost', { timeout: 170_000 }, async () => {
  const pl = await pipeline('standby');
  const { T0, alerts } = pl;
  const yaml = EVALUATE_YAML.replace('evaluation:\n', 'evaluation:\n  standby: true\n');
  const ports = [await freePort(), await freePort()];
  const members = ports.map((port) => pl.spawnEvaluator(yaml, port));
  try {
    const lastAssigned = (m: { err: string }) => [...m.err.matchAll(/assigned partitions \[([0-9,]*)\]/g)].pop()?.[1];
    await until('each member to own one partition and keep the other warm', () => members.every((m) => /^[01]$/.test(lastAssigned(m) ?? '') && /standby for partitions \[[01]\]/.test(m.err)), 40_000);
    // Log minutes 0..6: the alert goes pending and stays pending.
    await pl.pushThrough(36);
    await until('the pending event', () => alerts.some((e) => e.state === 'pending'), 30_000);
    const acmePartition = alerts.find((e) => e.state === 'pending')!.source.partition;
    await until('both members to commit past minute 5', async () => (await pl.committedThrough()) >= T0 + 5 * 60_000, 30_000);
    const ownerIndex = members.findIndex((m) => lastAssigned(m) === String(acmePartition));
    assert.ok(ownerIndex >= 0, members.map((m) => m.err).join('\n---\n'));
    const owner = members[ownerIndex]!;
    const other = members[1 - ownerIndex]!;
    // The other member's shadow of acme's partition has caught up.
    await until('the standby to be warm', async () => {
      const m = await (await fetch(`http://127.0.0.1:${ports[1 - ownerIndex]}/metrics`)).text();
      return new RegExp(`vigil_evaluator_standby_lag\\{partition="${acmePartition}"\\} 0\\b`).test(m);
    }, 30_000);
    const loading = pl.pushThrough(42);
    owner.child.kill('SIGKILL');
    await loading;
    const committedAtKill = await pl.committedThrough();
    assert.ok(!alerts.some((e) => e.state === 'firing'), 'fired too early');
    await until('the other member to take the partition from its standby', () => new RegExp(`partition ${acmePartition}: taken over from the standby`).test(other.err), 40_000);
    // Log minutes 7..13: the alert fires at activeAt + 10m.
    await pl.pushThrough(13 * 6);
    await until('the firing event', () => alerts.some((e) => e.state === 'firing'), 40_000);
    await pl.checkAgainstReference(committedAtKill);
    // The shadow was restored (from the start of the log, as the owner began, or from a snapshot) before it took over.
    assert.match(other.err, new RegExp(`standby partition ${acmePartition}: restored`));
    assert.doesNotMatch(other.err, new RegExp(`^evaluate: partition ${acmePartition}: restored snapshot`, 'm'));
    assert.doesNotMatch(other.err, /batch abandoned/);
    const m = await (await fetch(`http://127.0.0.1:${ports[1 - ownerIndex]}/metrics`)).text();
    assert.match(m, /vigil_evaluator_standby_handovers_total 1\b/);
  } finally {
    for (const m of members) m.child.kill('SIGKILL');
    await pl.cleanup();
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

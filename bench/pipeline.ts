/**
 * Pipeline bench on a local broker, with real `vigil evaluate` processes:
 *  (a) throughput: vigil.samples pre-filled with N samples of the bench fleet, a fresh
 *      evaluator (shipped rules) consumes to the head; samples/s and samples per CPU-second;
 *  (b) lag: remote_write pushes at a fixed rate through an in-process ingest; the
 *      evaluator's consumer lag (records) sampled every 250 ms;
 *  (c) latency: probe samples that make a 500 ms rule fire, from the POST to the alert
 *      event read back from vigil.alerts;
 *  (d) takeover: a 1-partition topic of S series holding a whole window (the shipped node
 *      rules plus one reading 15 minutes back: a 15-minute window, 70 scrapes in the log);
 *      kill -9 the owner, time until the other evaluator has restored the snapshot and
 *      replayed the window to the head;
 *  (s) the same with `evaluation.standby` on both evaluators: the other one keeps the
 *      partition warm, and continues from its shadow.
 * Args: [samples=2000000] [rate=50000] [takeoverSeries=100000] [stages=abcds]. Final line: one JSON object.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kafka } from 'kafkajs';
import { labelsFromRecord, type Labels } from '../src/promql/labels.js';
import { encodeRemoteWriteBody, type WriteSeries } from '../src/ingest/remote_write.js';
import { parseIngestConfig } from '../src/ingest/config.js';
import { startIngest } from '../src/ingest/run.js';
import { kafkaClient } from '../src/kafka/producer.js';
import { ensureTopics, topicNames, type TopicNames } from '../src/kafka/topics.js';
import { sharedKafka } from '../src/services/kafka.js';
import { dropDatabase, ensureMariaDB } from '../src/services/mariadb.js';
import { freePort, projectRoot, sleep } from '../src/services/process.js';
import { migrate } from '../src/store/migrate.js';
import { createPool } from '../src/store/pool.js';
import { upsertTenant } from '../src/store/tenants.js';
import { createToken } from '../src/store/tokens.js';
import { tailAlerts } from '../src/stack/alerts_tail.js';
import { startChild, type RunningChild } from '../src/stack/children.js';
import { fleet, groupByTenant, scrapeRecords, SCRAPE_INTERVAL, type FleetSeries } from './fleet.js';

const now = () => performance.now();
/** The evaluators' session timeout: the local broker allows it (group.min.session.timeout.ms=1000). */
const SESSION_MS = Number(process.env.VIGIL_BENCH_SESSION_MS ?? 3_000);
const HEARTBEAT_MS = Number(process.env.VIGIL_BENCH_HEARTBEAT_MS ?? 500);

function topicsOf(prefix: string): TopicNames {
  return topicNames({ samples: `${prefix}.samples`, alerts: `${prefix}.alerts`, rules: `${prefix}.rules`, state: `${prefix}.state` });
}

async function createTopics(kafka: Kafka, names: TopicNames, partitions: number): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await ensureTopics(admin, { names, samplesPartitions: partitions });
  } finally {
    await admin.disconnect();
  }
}

/** Deletes the bench's topics (`prefix`*): a run writes ~64 MB to the shared broker. */
async function deleteTopics(kafka: Kafka, prefix: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
    if (topics.length > 0) await admin.deleteTopics({ topics });
  } finally {
    await admin.disconnect();
  }
}

async function headRecords(kafka: Kafka, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return (await admin.fetchTopicOffsets(topic)).reduce((s, p) => s + Number(p.high), 0);
  } finally {
    await admin.disconnect();
  }
}

/** Writes `steps` scrapes of `series` (in time order, records of 2000 series keyed by tenant); returns samples written. */
async function prefill(kafka: Kafka, topic: string, series: FleetSeries[], steps: number, start: number): Promise<number> {
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const byTenant = groupByTenant(series);
  let n = 0;
  for (let step = 0; step < steps; step++) {
    const messages = scrapeRecords(byTenant, start, step);
    n += series.length;
    for (let i = 0; i < messages.length; i += 50) await producer.send({ topic, messages: messages.slice(i, i + 50), acks: -1 });
  }
  await producer.disconnect();
  return n;
}

/** Sums of the evaluator's per-partition metrics, by family. */
async function scrape(url: string): Promise<Map<string, Map<string, number>>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const out = new Map<string, Map<string, number>>();
  for (const line of text.split('\n')) {
    const m = /^(vigil_evaluator_(?:records_total|consumer_lag|replaying|standby_lag))\{partition="(\d+)"\} (\S+)$/.exec(line);
    if (!m) continue;
    if (!out.has(m[1]!)) out.set(m[1]!, new Map());
    out.get(m[1]!)!.set(m[2]!, Number(m[3]));
  }
  return out;
}

/**
 * Partition 0 applied records and its last batch ended at the head. (The replaying flag
 * clears only at the first commit past the predecessor's, which needs a record newer than
 * the head: with ingest ticks that is at most a tick interval later.)
 */
function caughtUp(m: Map<string, Map<string, number>>): boolean {
  return (m.get('vigil_evaluator_records_total')?.get('0') ?? 0) > 0 && m.get('vigil_evaluator_consumer_lag')?.get('0') === 0;
}

const sum = (m: Map<string, number> | undefined) => [...(m ?? new Map<string, number>()).values()].reduce((a, b) => a + b, 0);

function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

/** Sums over partitions of the evaluator's work counters. */
async function totals(url: string): Promise<{ appended: number; rejected: number; evaluations: number; events: number }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const sumOf = (name: string) => text.split('\n').filter((l) => l.startsWith(`${name}{`))
    .reduce((s, l) => s + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
  return {
    appended: sumOf('vigil_evaluator_samples_appended_total'),
    rejected: sumOf('vigil_evaluator_samples_rejected_total'),
    evaluations: sumOf('vigil_rule_group_evaluations_total'),
    events: sumOf('vigil_alert_events_total'),
  };
}

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

async function evaluator(name: string, brokers: string, names: TopicNames, group: string, rules: readonly string[], dirs: { logs: string; configs: string }, extra: Record<string, unknown> = {}): Promise<RunningChild> {
  const port = await freePort();
  // VIGIL_BENCH_CPU_PROF=DIR: each evaluator writes a V8 CPU profile into DIR when it stops.
  const prof = process.env.VIGIL_BENCH_CPU_PROF;
  const preload = join(projectRoot(), 'bench', 'cpu_prof.js');
  return startChild({
    name, role: 'evaluate', url: `http://127.0.0.1:${port}`,
    ...(prof ? { env: { NODE_OPTIONS: `--import=${preload}`, VIGIL_CPU_PROF_DIR: prof } } : {}),
    config: {
      listen: { host: '127.0.0.1', port },
      kafka: {
        brokers, topics: names, groupId: group, clientId: name, sessionTimeoutMs: SESSION_MS, heartbeatIntervalMs: HEARTBEAT_MS,
        // VIGIL_BENCH_FETCH='{"maxBytesPerPartition":...}' tries other fetch options.
        ...(process.env.VIGIL_BENCH_FETCH ? { fetch: JSON.parse(process.env.VIGIL_BENCH_FETCH) as unknown } : {}),
      },
      rules, rulesTopic: false,
      evaluation: { snapshotIntervalMs: 60_000, ...extra },
    },
  }, dirs);
}

/** Runs the bench. */
export async function main(args: string[]): Promise<void> {
  const N = Number(args[0] ?? 2_000_000);
  const rate = Number(args[1] ?? 50_000);
  const takeoverSeries = Number(args[2] ?? 100_000);
  const stages = args[3] ?? 'abcds';
  const brokers = await sharedKafka();
  const kafka = kafkaClient({ brokers: brokers.split(','), clientId: 'bench-pipeline' });
  const work = mkdtempSync(join(tmpdir(), 'vigil-bench-pipeline-'));
  const dirs = { logs: join(work, 'logs'), configs: join(work, 'configs') };
  writeFileSync(join(work, 'probe.rules.yml'), `groups:\n  - name: bench-probe\n    interval: 500ms\n    rules:\n      - alert: BenchProbe\n        expr: bench_probe > 0\n`);
  const rules = [join(projectRoot(), 'rules'), join(work, 'probe.rules.yml')];
  const prefix = `benchpipe${process.pid}`;
  const names = topicsOf(prefix);
  const children: RunningChild[] = [];
  const db = await ensureMariaDB({ database: `vigil_bench_${process.pid}` });
  const result: Record<string, number> = {};
  try {
    if (/[abc]/.test(stages)) {
      // (a) throughput; (b) and (c) reuse its evaluator
      await createTopics(kafka, names, 4);
      const seriesCount = 100_000;
      const series = [...fleet({ seed: 11, series: seriesCount, tenants: 20 })];
      const steps = Math.max(1, Math.ceil(N / seriesCount));
      const start = Date.now() - (steps + 1) * SCRAPE_INTERVAL - (Date.now() % SCRAPE_INTERVAL);
      let t = now();
      const samples = await prefill(kafka, names.samples, series, steps, start);
      const records = await headRecords(kafka, names.samples);
      console.log(`prefill: ${samples} samples of ${seriesCount} series in ${records} records, ${((now() - t) / 1000).toFixed(1)} s`);
      const ev = await evaluator('evaluate-a', brokers, names, `${prefix}-g`, rules, dirs);
      children.push(ev);
      let first = 0;
      let firstCpu = 0;
      for (;;) {
        const m = await scrape(ev.spec.url);
        const applied = sum(m.get('vigil_evaluator_records_total'));
        if (first === 0 && applied > 0) {
          first = now();
          firstCpu = cpuSeconds(ev.pid);
        }
        if (applied >= records) break;
        await sleep(100);
      }
      const secs = (now() - first) / 1000;
      const cpu = cpuSeconds(ev.pid) - firstCpu;
      result.samples = samples;
      result.series = seriesCount;
      result.samples_per_s = Math.round(samples / secs);
      result.samples_per_cpu_s = Math.round(samples / cpu);
      result.consume_s = Number(secs.toFixed(2));
      console.log(`(a) one evaluator: ${samples} samples to the head in ${secs.toFixed(2)} s from its first record: ${result.samples_per_s} samples/s, ${cpu.toFixed(2)} CPU-s: ${result.samples_per_cpu_s} samples per CPU-second`);
      // What the evaluator did with them, so the rate above can be checked against the work.
      const done = await totals(ev.spec.url);
      console.log(`    appended ${done.appended}, rejected ${done.rejected}, rule group evaluations ${done.evaluations}, alert events ${done.events}`);

      if (/[bc]/.test(stages)) {
        // (b) lag under a fixed push rate through a ticking ingest
        const mysqlUrl = `mysql://${db.user}@${db.host}:${db.port}/${db.database}`;
        await migrate(db);
        const pool = createPool(mysqlUrl, { connectionLimit: 2 });
        await upsertTenant(pool, 'bench');
        const token = (await createToken(pool, { tenant: 'bench', scopes: ['write'] })).token;
        await pool.end();
        const ingest = await startIngest(parseIngestConfig({
          listen: { host: '127.0.0.1', port: 0 }, kafka: { brokers, topics: names, createTopics: false }, mysql: { url: mysqlUrl },
          limits: { samplesPerSecond: 1e9, maxSeries: 1_000_000 },
        }));
        const post = async (body: Buffer) => {
          const r = await fetch(`${ingest.url}/api/v1/write`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-encoding': 'snappy', 'content-type': 'application/x-protobuf' }, body: new Uint8Array(body) });
          if (r.status !== 204) throw new Error(`push: ${r.status} ${await r.text()}`);
        };
        const perPush = Math.max(1, Math.round(rate / 10));
        const live = series.slice(0, perPush).map((s) => s.labels);
        const lags: number[] = [];
        let pushed = 0;
        const pushSecs = 20;
        t = now();
        const sampler = setInterval(() => void scrape(ev.spec.url).then((m) => lags.push(sum(m.get('vigil_evaluator_consumer_lag')))).catch(() => undefined), 250);
        for (let i = 0; now() - t < pushSecs * 1000; i++) {
          const ts = Date.now();
          await post(encodeRemoteWriteBody(live.map((labels, k) => ({ labels, samples: [{ value: (i + k) % 97, timestamp: ts }] }))));
          pushed += live.length;
          const wait = t + (i + 1) * 100 - now();
          if (wait > 0) await sleep(wait);
        }
        clearInterval(sampler);
        result.push_rate_samples_per_s = Math.round(pushed / ((now() - t) / 1000));
        result.lag_records_p50 = quantile(lags, 0.5);
        result.lag_records_max = Math.max(...lags);
        result.lag_samples = result.lag_records_max * perPush;
        console.log(`(b) pushing ${result.push_rate_samples_per_s} samples/s (${perPush} per request, 1 record each) for ${pushSecs} s: consumer lag p50 ${result.lag_records_p50} records, max ${result.lag_records_max} records (~${result.lag_samples} samples)`);

        // (c) latency: probe samples stamped at their 500 ms slot, from POST to the event on the alerts topic
        const tail = await tailAlerts(kafka, names.alerts, () => undefined);
        await sleep(1_000);
        const lat: number[] = [];
        for (let i = 0; i < 40; i++) {
          const slot = Math.ceil((Date.now() + 50) / 500) * 500;
          await sleep(Math.max(0, slot - 100 - Date.now()));
          const labels: Labels = labelsFromRecord({ __name__: 'bench_probe', probe: String(i) });
          const sent = now();
          const w = tail.waitFor((e) => e.rule.name === 'BenchProbe' && e.labels.probe === String(i) && e.state === 'firing', 10_000);
          await post(encodeRemoteWriteBody([{ labels, samples: [{ value: 1, timestamp: slot }] } satisfies WriteSeries]));
          await w;
          lat.push(now() - sent);
          await sleep(Math.max(0, slot + 100 - Date.now()));
        }
        await tail.stop();
        await ingest.close();
        result.p50_ms = Number(quantile(lat, 0.5).toFixed(1));
        result.p99_ms = Number(quantile(lat, 0.99).toFixed(1));
        result.max_ms = Number(Math.max(...lat).toFixed(1));
        console.log(`(c) ${lat.length} probes, POST to firing event read back: p50 ${result.p50_ms} ms, p99 ${result.p99_ms} ms, max ${result.max_ms} ms`);
      }
      await ev.stop();
      children.length = 0;
    }

    // (d) takeover of one partition of S series, replaying its window; (s) from a warm standby
    const takeoverRules = [join(projectRoot(), 'rules', 'node.rules.yml'), join(work, 'window.rules.yml')];
    writeFileSync(takeoverRules[1]!, `groups:\n  - name: bench-window\n    rules:\n      - alert: BenchWindow\n        expr: max_over_time(node_load1[15m]) > 1e9\n`);
    for (const [stage, standby] of [['d', false], ['s', true]] as const) {
      if (!stages.includes(stage)) continue;
      const key = standby ? 'takeover_standby' : 'takeover';
      try {
        Object.assign(result, await takeover({ kafka, brokers, prefix: `${prefix}${stage}`, series: takeoverSeries, rules: takeoverRules, dirs, children, standby }, key));
      } catch (e) {
        // Reported, not hidden: the JSON line then has no takeover figures for this stage.
        console.log(`(${stage}) takeover NOT measured: ${(e as Error).message}`);
        result[`${key}_failed`] = 1;
      }
      for (const c of children.splice(0)) await c.stop().catch(() => undefined);
    }
  } finally {
    for (const c of children) await c.stop().catch(() => undefined);
    await deleteTopics(kafka, prefix).catch(() => undefined);
    await dropDatabase(db).catch(() => undefined);
    if (!process.env.VIGIL_BENCH_KEEP) rmSync(work, { recursive: true, force: true });
  }
  console.log(JSON.stringify(result));
}

/** Scrapes in the takeover log: the 15-minute window, the snapshot interval and the replay slack (60 s each), and 90 s more. */
const TAKEOVER_SCRAPES = 70;

/**
 * One takeover: a 1-partition topic of `series` series with a window of scrapes in it,
 * two evaluators; kill -9 the owner and time until the other reached the head.
 */
async function takeover(o: { kafka: Kafka; brokers: string; prefix: string; series: number; rules: readonly string[]; dirs: { logs: string; configs: string }; children: RunningChild[]; standby: boolean }, key: string): Promise<Record<string, number>> {
  const tnames = topicsOf(o.prefix);
  await createTopics(o.kafka, tnames, 1);
  const tseries = [...fleet({ seed: 13, series: o.series, tenants: 1 })];
  const tstart = Date.now() - (TAKEOVER_SCRAPES + 1) * SCRAPE_INTERVAL;
  let t = now();
  await prefill(o.kafka, tnames.samples, tseries, TAKEOVER_SCRAPES, tstart);
  const trecords = await headRecords(o.kafka, tnames.samples);
  console.log(`(${o.standby ? 's' : 'd'}) prefill: ${o.series * TAKEOVER_SCRAPES} samples of ${o.series} series (${TAKEOVER_SCRAPES} scrapes) in ${trecords} records, ${((now() - t) / 1000).toFixed(1)} s`);
  const extra = { snapshotIntervalMs: 60_000, standby: o.standby };
  const a = await evaluator(`${key}-a`, o.brokers, tnames, `${o.prefix}-t`, o.rules, o.dirs, extra);
  o.children.push(a);
  while (sum((await scrape(a.spec.url)).get('vigil_evaluator_records_total')) < trecords) await sleep(200);
  const b = await evaluator(`${key}-b`, o.brokers, tnames, `${o.prefix}-t`, o.rules, o.dirs, extra);
  o.children.push(b);
  // B's join rebalances the group: wait until exactly one of them owns the partition, caught
  // up (and, with standby, the other keeps it warm and caught up too).
  let owner: RunningChild | undefined;
  for (let i = 0; i < 600 && owner === undefined; i++) {
    for (const c of [a, b]) {
      const m = await scrape(c.spec.url);
      if (caughtUp(m)) owner = c;
    }
    if (owner !== undefined && o.standby) {
      const other = owner === a ? b : a;
      if ((await scrape(other.spec.url)).get('vigil_evaluator_standby_lag')?.get('0') !== 0) owner = undefined;
    }
    if (owner === undefined) await sleep(200);
  }
  if (owner === undefined) throw new Error('no evaluator owns the partition (or, with standby, none keeps it warm)');
  const successor = owner === a ? b : a;
  await sleep(2_000);
  const killed = now();
  owner.kill();
  let assigned = 0;
  for (;;) {
    const m = await scrape(successor.spec.url).catch(() => null);
    if (m && assigned === 0 && m.get('vigil_evaluator_replaying')?.has('0')) assigned = now();
    if (m && caughtUp(m)) break;
    if (now() - killed > 120_000) throw new Error(`successor did not catch up within 120 s; its metrics: ${JSON.stringify(m && [...m].map(([k, v]) => [k, [...v]]))}; log ${successor.logFile}`);
    await sleep(50);
  }
  const r: Record<string, number> = {};
  r[`${key}_s`] = Number(((now() - killed) / 1000).toFixed(2));
  r[`${key}_assign_s`] = assigned === 0 ? NaN : Number(((assigned - killed) / 1000).toFixed(2));
  r[`${key}_replay_s`] = Number((r[`${key}_s`]! - r[`${key}_assign_s`]!).toFixed(2));
  r[`${key}_series`] = o.series;
  r[`${key}_window_samples`] = o.series * TAKEOVER_SCRAPES;
  await sleep(300);
  // The successor's own account: when it restored the snapshot (or took the standby) and reached the head.
  for (const line of readFileSync(successor.logFile, 'utf8').split('\n')) if (/partition 0: (restored|taken over|at the head)/.test(line)) console.log(`    successor: ${line}`);
  console.log(`(${o.standby ? 's' : 'd'}) partition of ${o.series} series, ${o.standby ? 'warm standby' : 'replay'}: kill -9 of the owner to successor caught up ${r[`${key}_s`]} s: partition assigned after ${r[`${key}_assign_s`]} s (session timeout ${SESSION_MS / 1000} s), ${o.standby ? 'handover + catch-up' : 'restore + replay to the head'} ${r[`${key}_replay_s`]} s`);
  return r;
}

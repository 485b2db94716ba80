/**
 * Manager bench: one in-process `vigil manager` (startManager) on the local broker and MariaDB.
 * (a) Throughput: N firing alert events (distinct alerts over G groups) are produced to a
 * fresh alerts topic first; the manager then consumes them, upserting each into MySQL and into
 * its aggregation group. Timed from the consumer's join to the last event applied; group_wait
 * is 1h so no flush competes. (b) Latency: with group_wait 0, events of new groups at a steady
 * rate; each event's produce time travels in a label, and the loopback webhook's arrival time
 * minus it gives p50/p99 produce → notification. Prints a final JSON line.
 * Args: [--events N=100000] [--groups G=1000] [--rate R=200] [--seconds S=5] [--tick MS=100].
 */
import { createServer } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeAlertEvent, type AlertEvent } from '../src/evaluate/event.js';
import { fingerprint } from '../src/evaluate/fingerprint.js';
import { kafkaClient, SafeProducer } from '../src/kafka/producer.js';
import { parseManagerRunConfig, startManager, type RunningManager } from '../src/manager/run.js';
import { labelsFromRecord } from '../src/promql/labels.js';
import { sharedKafka } from '../src/services/kafka.js';
import { testDatabase } from '../src/services/mariadb.js';

function flag(args: string[], name: string, dflt: number): number {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return dflt;
  const v = Number(args[i + 1]);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`bench manager: --${name} needs a positive number, got ${JSON.stringify(args[i + 1])}`);
  return v;
}

function event(labels: Record<string, string>, now: number): { key: string; value: string } {
  const fp = fingerprint(labelsFromRecord(labels));
  const e: AlertEvent = {
    fingerprint: fp, tenant: 'bench', labels, annotations: { summary: 'bench alert' }, state: 'firing',
    activeAt: now - 60_000, firedAt: now, resolvedAt: null, validUntil: now + 3600_000, value: 1,
    rule: { group: 'bench', file: 'bench.yml', name: labels.alertname! }, evalTime: now, generatorURL: 'http://vigil/graph', source: { partition: 0, offset: 0 }, resend: false,
  };
  return { key: fp, value: encodeAlertEvent(e) };
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

async function until(what: string, f: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!f()) {
    if (Date.now() > end) throw new Error(`bench manager: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Runs the bench. */
export async function main(args: string[]): Promise<void> {
  const events = flag(args, 'events', 100_000);
  const groups = flag(args, 'groups', 1_000);
  const rate = flag(args, 'rate', 200);
  const seconds = flag(args, 'seconds', 5);
  const tickMs = flag(args, 'tick', 100);
  const brokers = await sharedKafka();
  const kafka = kafkaClient({ brokers: brokers.split(','), logLevel: 'nothing' });
  const admin = kafka.admin();
  await admin.connect();
  const producer = new SafeProducer(kafka);
  const db = await testDatabase('vigil_bench_mgr');
  const c = db.config;
  const mysqlUrl = `mysql://${c.user}:${c.password}@${c.host}:${c.port}/${c.database}`;
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-mgr-'));
  const run = `${process.pid}.${Date.now().toString(36)}`;
  const arrivals: { at: number; sent: number }[] = [];
  const hook = createServer((req, res) => {
    let b = '';
    req.on('data', (d) => (b += d));
    req.on('end', () => {
      const at = Date.now();
      const body = JSON.parse(b) as { alerts: Array<{ labels: Record<string, string> }> };
      for (const a of body.alerts) arrivals.push({ at, sent: Number(a.labels.sent) });
      res.end();
    });
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
  const hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`;
  const managers: RunningManager[] = [];
  const topics: string[] = [];
  const prepare = async (name: string, groupWait: string): Promise<{ topic: string; file: string }> => {
    const topic = `vigil.bench.manager.${run}.${name}`;
    topics.push(topic);
    await admin.createTopics({ topics: [{ topic, numPartitions: 4, replicationFactor: 1 }], waitForLeaders: true });
    const file = join(dir, `${name}.yml`);
    writeFileSync(file, `route:
  receiver: hook
  group_by: [alertname]
  group_wait: ${groupWait}
  group_interval: 1h
  repeat_interval: 1h
receivers:
- name: hook
  webhook_configs:
  - url: ${hookUrl}
`);
    return { topic, file };
  };
  try {
    // (a) throughput: produce first, then consume.
    const ta = await prepare('throughput', '1h');
    const now = Date.now();
    const t0p = performance.now();
    for (let i = 0; i < events; i += 5_000) {
      const chunk: { key: string; value: string }[] = [];
      for (let j = i; j < Math.min(events, i + 5_000); j++) chunk.push(event({ alertname: `Bench${j % groups}`, instance: `host-${j}`, job: 'bench' }, now));
      await producer.send(ta.topic, chunk);
    }
    console.log(`produced ${events} events over ${groups} groups in ${((performance.now() - t0p) / 1000).toFixed(1)} s`);
    const m = await startManager(parseManagerRunConfig({
      configFile: ta.file, listen: { host: '127.0.0.1', port: 0 }, instance: 'bench-a', mysql: { url: mysqlUrl },
      kafka: { brokers, topic: ta.topic, groupId: `${ta.topic}.group` }, tickMs: 1_000,
    }), { log: (l) => process.stderr.write(`${l}\n`) });
    managers.push(m);
    await until('the consumer to join', () => m.consumer!.hasJoined, 60_000);
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    let last = 0;
    let lastAt = t0;
    await until(`${events} events applied`, () => {
      const n = m.consumer!.stats.firing + m.consumer!.stats.invalid;
      if (n !== last) {
        last = n;
        lastAt = performance.now();
      }
      if (performance.now() - lastAt > 30_000) throw new Error(`bench manager: stuck at ${n} of ${events} events`);
      return n >= events;
    }, 3600_000);
    const applySeconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const eventsPerS = Math.round(events / applySeconds);
    console.log(`(a) applied ${events} events in ${applySeconds.toFixed(2)} s: ${eventsPerS} events/s ` +
      `(process CPU ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s; invalid ${m.consumer!.stats.invalid})`);
    await m.close();
    managers.length = 0;

    // (b) latency: group_wait 0, a new group per event, at a steady rate.
    const tb = await prepare('latency', '0s');
    const ml = await startManager(parseManagerRunConfig({
      configFile: tb.file, listen: { host: '127.0.0.1', port: 0 }, instance: 'bench-b', mysql: { url: mysqlUrl },
      kafka: { brokers, topic: tb.topic, groupId: `${tb.topic}.group`, startFrom: 'earliest' }, tickMs,
    }), { log: (l) => process.stderr.write(`${l}\n`) });
    managers.push(ml);
    await until('the consumer to join', () => ml.consumer!.hasJoined, 60_000);
    const probes = Math.round(rate * seconds);
    const tick = 1000 / rate * 10;
    const t1 = Date.now();
    for (let i = 0; i < probes; i += 10) {
      const batch: { key: string; value: string }[] = [];
      const sent = Date.now();
      for (let j = i; j < Math.min(probes, i + 10); j++) batch.push(event({ alertname: `Probe${j}`, sent: String(sent) }, sent));
      await producer.send(tb.topic, batch);
      const wait = t1 + ((i + 10) * 1000) / rate - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, Math.min(wait, tick)));
    }
    await until(`${probes} notifications`, () => arrivals.length >= probes, 60_000);
    const lat = arrivals.map((a) => a.at - a.sent).sort((a, b) => a - b);
    const p50 = quantile(lat, 0.5);
    const p99 = quantile(lat, 0.99);
    console.log(`(b) ${probes} events at ${rate}/s, group_wait 0, tick ${tickMs} ms: produce -> webhook p50 ${p50} ms, p99 ${p99} ms, max ${lat.at(-1)} ms`);
    console.log(JSON.stringify({ events, groups, events_per_s: eventsPerS, apply_s: Number(applySeconds.toFixed(2)), p50_ms: p50, p99_ms: p99, latency_events: probes, latency_rate: rate, tick_ms: tickMs }));
  } finally {
    for (const m of managers) await m.close().catch(() => undefined);
    await producer.close().catch(() => undefined);
    await admin.deleteTopics({ topics }).catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
    hook.closeAllConnections();
    hook.close();
    await db.drop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

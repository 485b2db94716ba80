/**
 * Manager bench: one in-process `vigil manager` (startManager) on the local broker and MariaDB.
 * (a) Throughput: N firing alert events (distinct alerts over G groups) are produced to a
 * fresh alerts topic first; the manager then consumes them, upserting each into MySQL and into
 * its aggregation group. Timed from the consumer's join to the last event applied; group_wait
 * is 1h so no flush competes. (b) Latency: with group_wait 0, events of new groups at a steady
 * rate; each event's produce time travels in a label, and the loopback webhook's arrival time
 * minus it gives p50/p99 produce → notification. Prints a final JSON line.
 * With --peer (or VIGIL_BENCH_PEER=1) the same jobs also go through POST /api/v2/alerts, in
 * Prometheus's batches of 64 with one request in flight, to Vigil's API (a', b') and to a real
 * Alertmanager 0.25 (bench/manager_peer.ts), with the same route (group_by, group_wait).
 * Args: [--events N=100000] [--groups G=1000] [--rate R=200] [--seconds S=5] [--tick MS=100] [--peer].
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
import { alertmanagerMissing, metricValue, postInBatches, postProbes, PROMETHEUS_BATCH, scrape, startAlertmanager, type Alertmanager } from './manager_peer.js';

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
  const peer = args.includes('--peer') || process.env.VIGIL_BENCH_PEER === '1';
  if (peer && alertmanagerMissing() !== null) throw new Error(`bench manager --peer: ${alertmanagerMissing()}`);
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
  const arrivals: { at: number; sent: number; alertname: string }[] = [];
  const hook = createServer((req, res) => {
    let b = '';
    req.on('data', (d) => (b += d));
    req.on('end', () => {
      const at = Date.now();
      const body = JSON.parse(b) as { alerts: Array<{ labels: Record<string, string> }> };
      for (const a of body.alerts) arrivals.push({ at, sent: Number(a.labels.sent), alertname: a.labels.alertname ?? '' });
      res.end();
    });
  });
  const latencies = (prefix: string): { p50: number; p99: number; max: number; n: number } => {
    const lat = arrivals.filter((a) => a.alertname.startsWith(prefix)).map((a) => a.at - a.sent).sort((a, b) => a - b);
    return { p50: quantile(lat, 0.5), p99: quantile(lat, 0.99), max: lat.at(-1) ?? NaN, n: lat.length };
  };
  const arrived = (prefix: string) => arrivals.filter((a) => a.alertname.startsWith(prefix)).length;
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
  const hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`;
  const managers: RunningManager[] = [];
  const peers: Alertmanager[] = [];
  const topics: string[] = [];
  // One route for Vigil and Alertmanager alike.
  const routeYaml = (groupWait: string) => `route:
  receiver: hook
  group_by: [alertname]
  group_wait: ${groupWait}
  group_interval: 1h
  repeat_interval: 1h
receivers:
- name: hook
  webhook_configs:
  - url: ${hookUrl}
`;
  const prepare = async (name: string, groupWait: string): Promise<{ topic: string; file: string }> => {
    const topic = `vigil.bench.manager.${run}.${name}`;
    topics.push(topic);
    await admin.createTopics({ topics: [{ topic, numPartitions: 4, replicationFactor: 1 }], waitForLeaders: true });
    const file = join(dir, `${name}.yml`);
    writeFileSync(file, routeYaml(groupWait));
    return { topic, file };
  };
  const ratio = (a: number, b: number) => Number((a / b).toFixed(2));
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
    let postPerS = NaN;
    if (peer) {
      // (a') the same job through Vigil's API: new alerts (other alertnames), the same grouping.
      const s = await postInBatches(m.url, events, (j) => ({ labels: { alertname: `Post${j % groups}`, instance: `host-${j}`, job: 'bench' }, annotations: { summary: 'bench alert' } }));
      postPerS = Math.round(events / s);
      console.log(`(a') Vigil POST /api/v2/alerts: ${events} alerts in batches of ${PROMETHEUS_BATCH}, one request in flight: ${s.toFixed(2)} s, ${postPerS} alerts/s`);
    }
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
    const kb = latencies('Probe');
    const p50 = kb.p50;
    const p99 = kb.p99;
    console.log(`(b) ${probes} events at ${rate}/s, group_wait 0, tick ${tickMs} ms: produce -> webhook p50 ${p50} ms, p99 ${p99} ms, max ${kb.max} ms`);
    const result: Record<string, number | string> = { events, groups, events_per_s: eventsPerS, apply_s: Number(applySeconds.toFixed(2)), p50_ms: p50, p99_ms: p99, latency_events: probes, latency_rate: rate, tick_ms: tickMs };
    if (peer) {
      // (b') the same through Vigil's API.
      await postProbes(ml.url, 'PostProbe', rate, probes);
      await until(`${probes} notifications (Vigil POST)`, () => arrived('PostProbe') >= probes, 60_000);
      const vb = latencies('PostProbe');
      console.log(`(b') Vigil POST -> webhook, ${probes} alerts at ${rate}/s: p50 ${vb.p50} ms, p99 ${vb.p99} ms, max ${vb.max} ms`);
      await ml.close();
      managers.length = 0;

      // Alertmanager (a): the same alerts over the same groups, group_wait 1h.
      const amA = await startAlertmanager(routeYaml('1h'));
      peers.push(amA);
      const t0a = performance.now();
      const postS = await postInBatches(amA.url, events, (j) => ({ labels: { alertname: `Bench${j % groups}`, instance: `host-${j}`, job: 'bench' }, annotations: { summary: 'bench alert' } }));
      // POST answers once the alerts are in its store; the dispatcher groups them from a channel after.
      let m0 = '';
      const grouped = async (): Promise<boolean> => {
        m0 = await scrape(amA.url);
        return metricValue(m0, 'alertmanager_dispatcher_aggregation_groups') >= groups;
      };
      const groupedBy = performance.now() + 60_000;
      while (!(await grouped())) {
        if (performance.now() > groupedBy) throw new Error(`bench manager: Alertmanager made ${metricValue(m0, 'alertmanager_dispatcher_aggregation_groups')} of ${groups} groups`);
        await new Promise((r) => setTimeout(r, 20));
      }
      const inS = (performance.now() - t0a) / 1000;
      const amAlerts = (await (await fetch(`${amA.url}/api/v2/alerts`)).json()) as unknown[];
      const peerPerS = Math.round(events / inS);
      console.log(`(a) Alertmanager 0.25 POST /api/v2/alerts: ${events} alerts in batches of ${PROMETHEUS_BATCH}: ${inS.toFixed(2)} s to all grouped (POSTs ${postS.toFixed(2)} s), ${peerPerS} alerts/s ` +
        `(then ${metricValue(m0, 'alertmanager_dispatcher_aggregation_groups')} groups, GET /api/v2/alerts lists ${amAlerts.length}; RSS ${(metricValue(m0, 'process_resident_memory_bytes') / 2 ** 20).toFixed(0)} MiB)`);
      if (amAlerts.length !== events) throw new Error(`bench manager: Alertmanager lists ${amAlerts.length} alerts, not ${events}`);

      // Alertmanager (b): on the same process, so its (a) alerts stay resident as Vigil's stay in
      // MySQL; they keep group_wait 1h on a receiver with no integrations, the probes take a route with group_wait 0.
      await amA.reload(`route:
  receiver: quiet
  group_by: [alertname]
  group_wait: 1h
  group_interval: 1h
  repeat_interval: 1h
  routes:
  - matchers: ['alertname=~"AmProbe.*"']
    receiver: hook
    group_wait: 0s
receivers:
- name: quiet
- name: hook
  webhook_configs:
  - url: ${hookUrl}
`);
      const regroupBy = performance.now() + 60_000;
      while (!(await grouped())) {
        if (performance.now() > regroupBy) throw new Error('bench manager: Alertmanager did not regroup its alerts after the reload');
        await new Promise((r) => setTimeout(r, 50));
      }
      await new Promise((r) => setTimeout(r, 1_000));
      await postProbes(amA.url, 'AmProbe', rate, probes);
      await until(`${probes} notifications (Alertmanager)`, () => arrived('AmProbe') >= probes, 60_000);
      const ab = latencies('AmProbe');
      console.log(`(b) Alertmanager POST -> webhook, ${probes} alerts at ${rate}/s, group_wait 0, ${events} alerts resident: p50 ${ab.p50} ms, p99 ${ab.p99} ms, max ${ab.max} ms`);
      await amA.stop();
      Object.assign(result, {
        post_events_per_s: postPerS, peer: 'alertmanager 0.25', peer_batch: PROMETHEUS_BATCH, peer_events_per_s: peerPerS,
        ratio_events_per_s: ratio(eventsPerS, peerPerS), ratio_post_events_per_s: ratio(postPerS, peerPerS),
        post_p50_ms: vb.p50, post_p99_ms: vb.p99, peer_p50_ms: ab.p50, peer_p99_ms: ab.p99,
        ratio_p99: ratio(p99, ab.p99), ratio_post_p99: ratio(vb.p99, ab.p99),
      });
    }
    console.log(JSON.stringify(result));
  } finally {
    for (const m of managers) await m.close().catch(() => undefined);
    for (const p of peers) await p.stop().catch(() => undefined);
    await producer.close().catch(() => undefined);
    await admin.deleteTopics({ topics }).catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
    hook.closeAllConnections();
    hook.close();
    await db.drop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

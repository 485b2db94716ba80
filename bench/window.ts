/**
 * Window bench: 100k node_exporter series x 60 samples (15 minutes at 15s).
 * Prints append rate, bytes per series (heap + array buffers delta after gc) and
 * select latency for typical rule selectors; ends with one JSON line.
 * Args: [series] [samplesPerSeries].
 */
import { newMatcher, type Matcher } from '../src/promql/matcher.js';
import type { Labels } from '../src/promql/labels.js';
import { SeriesWindow } from '../src/window/window.js';
import { fleet, scrapeTime, SCRAPE_INTERVAL } from './fleet.js';

const gc = (globalThis as { gc?: () => void }).gc;
/** Input data stays referenced here, so V8 cannot free it mid-measurement and skew the heap delta. */
const retained: unknown[] = [];

function heap(): number {
  if (gc) { gc(); gc(); }
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

const ms = (n: number) => n.toFixed(3);

/** Runs the bench. */
export async function main(args: string[] = []): Promise<void> {
  const nSeries = Number(args[0] ?? 100_000);
  const steps = Number(args[1] ?? 60);
  const start = 1_700_000_000_000;

  // Generate everything first so only the window's work is timed and weighed.
  const labels: Labels[] = [];
  const hosts: number[] = [];
  const values = new Float64Array(nSeries * steps);
  let i = 0;
  for (const s of fleet({ seed: 42, series: nSeries })) {
    labels.push(s.labels);
    hosts.push(s.host);
    for (let k = 0; k < steps; k++) values[k * nSeries + i] = s.next();
    i++;
  }
  const times = new Float64Array(nSeries * steps);
  for (let k = 0; k < steps; k++) for (let j = 0; j < nSeries; j++) times[k * nSeries + j] = scrapeTime(start, hosts[j]!, k);
  retained.push(labels, hosts, values, times);
  const labelCount = labels.reduce((a, l) => a + l.length, 0) / nSeries;
  console.log(`window bench: ${nSeries} series (${labelCount.toFixed(1)} labels avg), ${steps} samples each, ${SCRAPE_INTERVAL / 1000}s apart`);

  const before = heap();
  const win = new SeriesWindow();
  const refs = new Int32Array(nSeries);
  let t0 = performance.now();
  for (let j = 0; j < nSeries; j++) refs[j] = win.getRef(labels[j]!);
  const createMs = performance.now() - t0;

  t0 = performance.now();
  let rejected = 0;
  for (let k = 0; k < steps; k++) {
    const off = k * nSeries;
    for (let j = 0; j < nSeries; j++) if (win.appendRef(refs[j]!, times[off + j]!, values[off + j]!) !== 0) rejected++;
  }
  const appendMs = performance.now() - t0;
  const samples = nSeries * steps;
  const samplesPerS = samples / (appendMs / 1000);
  const after = heap();
  const bytesPerSeries = (after - before) / nSeries;
  const st = win.stats();

  // getRef on existing series, as an ingest without a ref cache would do every sample.
  t0 = performance.now();
  let sink = 0;
  for (let j = 0; j < nSeries; j++) sink += win.getRef(labels[j]!);
  const lookupMs = performance.now() - t0;

  console.log(`series created:    ${ms(createMs)} ms (${Math.round(nSeries / (createMs / 1000))} series/s)`);
  console.log(`appendRef:         ${samples} samples in ${ms(appendMs)} ms = ${Math.round(samplesPerS)} samples/s (${rejected} rejected)`);
  console.log(`getRef (existing): ${Math.round(nSeries / (lookupMs / 1000))} lookups/s`);
  console.log(`memory:            ${(bytesPerSeries).toFixed(1)} bytes/series measured (heap+arrayBuffers delta), ` +
    `${(st.bytes / nSeries).toFixed(1)} bytes/series estimated by stats(), ${((after - before) / samples).toFixed(2)} bytes/sample`);

  // Select: typical alerting-rule selectors, over a 5m range (rate) or the 5m lookback.
  const end = start + steps * SCRAPE_INTERVAL;
  const m = (n: string, t: '=' | '!=' | '=~' | '!~', v: string) => newMatcher(t, n, v);
  const queries: [string, Matcher[], number][] = [
    ['rate(node_cpu_seconds_total{mode="idle"}[5m])', [m('__name__', '=', 'node_cpu_seconds_total'), m('mode', '=', 'idle')], 300_000],
    ['node_filesystem_avail_bytes{fstype!="tmpfs",mountpoint="/"}', [m('__name__', '=', 'node_filesystem_avail_bytes'), m('fstype', '!=', 'tmpfs'), m('mountpoint', '=', '/')], 300_000],
    ['node_memory_MemAvailable_bytes', [m('__name__', '=', 'node_memory_MemAvailable_bytes')], 300_000],
    ['node_load1', [m('__name__', '=', 'node_load1')], 300_000],
    ['rate(node_network_receive_bytes_total{device!="lo"}[5m])', [m('__name__', '=', 'node_network_receive_bytes_total'), m('device', '!=', 'lo')], 300_000],
    ['up{job="node"}', [m('__name__', '=', 'up'), m('job', '=', 'node')], 300_000],
    ['{__name__=~"node_disk_.*_total",tenant="tenant-3"}[15m]', [m('__name__', '=~', 'node_disk_.*_total'), m('tenant', '=', 'tenant-3')], 900_000],
  ];
  const all: number[] = [];
  let largeP50 = 0;
  let largeSeries = 0;
  for (const [name, matchers, range] of queries) {
    const lat: number[] = [];
    let nSel = 0;
    let nSamples = 0;
    for (let r = 0; r < 30; r++) {
      const q0 = performance.now();
      const res = win.select(matchers, end - range, end);
      lat.push(performance.now() - q0);
      nSel = res.length;
      nSamples = res.reduce((a, s) => a + s.t.length, 0);
    }
    const warm = lat.slice(5);
    all.push(...warm);
    if (nSel > largeSeries) { largeSeries = nSel; largeP50 = pct(warm, 50); }
    console.log(`select ${name}: ${nSel} series, ${nSamples} samples, p50 ${ms(pct(warm, 50))} ms, p99 ${ms(pct(warm, 99))} ms`);
  }
  if (sink === -1) console.log('');
  console.log(JSON.stringify({
    bench: 'window',
    series: nSeries,
    samples_per_series: steps,
    samples_per_s: Math.round(samplesPerS),
    series_created_per_s: Math.round(nSeries / (createMs / 1000)),
    getref_lookups_per_s: Math.round(nSeries / (lookupMs / 1000)),
    bytes_per_series: Math.round(bytesPerSeries * 10) / 10,
    bytes_per_series_estimate: Math.round((st.bytes / nSeries) * 10) / 10,
    bytes_per_sample: Math.round(((after - before) / samples) * 100) / 100,
    select_p50_ms: Math.round(pct(all, 50) * 1000) / 1000,
    select_p99_ms: Math.round(pct(all, 99) * 1000) / 1000,
    select_largest_series: largeSeries,
    select_largest_p50_ms: Math.round(largeP50 * 1000) / 1000,
    gc_exposed: gc !== undefined,
  }));
  retained.length = 0;
}

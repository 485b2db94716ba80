/**
 * Window bench: 100k node_exporter series x 60 samples (15 minutes at 15s).
 * Prints the fleet's mix, append rate, bytes per series (heap + array buffers delta
 * after gc, after a warm-up) and select latency for typical rule selectors; ends with
 * one JSON line.
 * Args: [series] [samplesPerSeries]; or `steady [series] [windowMinutes] [windows] [chunkRangeMinutes,...] [truncateEveryMinutes]`
 * for the steady state with truncation (window_steady.ts).
 */
import { newMatcher, type Matcher } from '../src/promql/matcher.js';
import { chunkRangeFor } from '../src/evaluate/window_length.js';
import { SeriesWindow } from '../src/window/window.js';
import { SCRAPE_INTERVAL } from './fleet.js';
import { fill, fleetData, heapInUse, warmUp } from './load.js';
import { steady } from './window_steady.js';

const gc = (globalThis as { gc?: () => void }).gc;
/** Input data stays referenced here, so V8 cannot free it mid-measurement and skew the heap delta. */
const retained: unknown[] = [];

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

const ms = (n: number) => n.toFixed(3);
const round1 = (n: number) => Math.round(n * 10) / 10;

/** Runs the bench (`steady ...` runs the steady-state mode of window_steady.ts). */
export async function main(args: string[] = []): Promise<void> {
  if (args[0] === 'steady') return steady(args.slice(1));
  const nSeries = Number(args[0] ?? 100_000);
  const steps = Number(args[1] ?? 60);
  const start = 1_700_000_000_000;

  const d = fleetData(nSeries, steps, start);
  const { labels, values } = d;
  retained.push(d);
  const labelCount = labels.reduce((a, l) => a + l.length, 0) / nSeries;
  let flat = 0;
  for (let j = 0; j < nSeries; j++) {
    let same = true;
    for (let k = 1; k < steps && same; k++) same = Object.is(values[k * nSeries + j], values[j]);
    if (same) flat++;
  }
  const kinds = new Map<string, number>();
  for (const k of d.kinds) kinds.set(k, (kinds.get(k) ?? 0) + 1);
  console.log(`window bench: ${nSeries} series (${labelCount.toFixed(1)} labels avg, ${new Set(d.hosts).size} hosts), ` +
    `${steps} samples each, ${SCRAPE_INTERVAL / 1000}s apart`);
  console.log(`fleet mix:         ${[...kinds].map(([k, n]) => `${k} ${(100 * n / nSeries).toFixed(1)}%`).join(', ')}; ` +
    `${(100 * flat / nSeries).toFixed(1)}% of series flat over the window`);

  warmUp();
  const refs = new Int32Array(nSeries);
  const before = heapInUse();
  const win = new SeriesWindow();
  let t0 = performance.now();
  for (let j = 0; j < nSeries; j++) refs[j] = win.getRef(labels[j]!);
  const createMs = performance.now() - t0;

  t0 = performance.now();
  let rejected = 0;
  for (let k = 0; k < steps; k++) {
    const off = k * nSeries;
    for (let j = 0; j < nSeries; j++) if (win.appendRef(refs[j]!, d.times[off + j]!, values[off + j]!) !== 0) rejected++;
  }
  const appendMs = performance.now() - t0;
  const samples = nSeries * steps;
  const samplesPerS = samples / (appendMs / 1000);
  const after = heapInUse();
  const bytesPerSeries = (after - before) / nSeries;
  const st = win.stats();
  const parts = win.memory();

  // The same data with the chunk range the evaluator uses for a 15-minute window.
  const range = chunkRangeFor(15 * 60_000);
  const before2 = heapInUse();
  const win2 = new SeriesWindow({ chunkRange: range });
  fill(win2, d, new Int32Array(nSeries));
  const bytes2 = (heapInUse() - before2) / nSeries;
  retained.push(win2);

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
  console.log(`  of which (stats): ${Object.entries(parts).map(([k, v]) => `${k} ${(v / nSeries).toFixed(1)}`).join(', ')}`);
  console.log(`memory, ${range / 60_000}-min chunks (evaluator's chunkRange for a 15m window): ${bytes2.toFixed(1)} bytes/series`);

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
    bytes_per_series: round1(bytesPerSeries),
    bytes_per_series_5m_chunks: round1(bytes2),
    flat_series_pct: round1(100 * flat / nSeries),
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

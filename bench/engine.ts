/**
 * Engine bench: a SeriesWindow of 100k node_exporter series (15 minutes at 15s) and 100
 * rules (the shipped rules/*.yml plus generated tenant policies, recording rules and
 * alerts over the same metrics), evaluated as RuleGroups by the PromQL Engine.
 * Prints append throughput, the time of one evaluation cycle of all rules (median and
 * p99), bytes per series held, the slowest rules, and a final JSON line.
 * With --peer (or VIGIL_BENCH_PEER=1) the same fleet and rules also run on Prometheus
 * (see peer.ts) and the ratios are printed.
 * Args: [--series N] [--cycles N] [--peer].
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SeriesRetention } from '../src/evaluate/retention.js';
import { chunkRangeFor } from '../src/evaluate/window_length.js';
import type { Labels } from '../src/promql/labels.js';
import { Engine } from '../src/promql/engine.js';
import { loadRuleFiles, parseRuleFile } from '../src/rules/file.js';
import { RuleGroup } from '../src/rules/group.js';
import type { RuleContext } from '../src/rules/rule.js';
import type { RuleGroupSpec } from '../src/rules/schema.js';
import { SeriesWindow } from '../src/window/window.js';
import { SCRAPE_INTERVAL } from './fleet.js';
import { fill, fleetData, heapInUse, warmUp } from './load.js';
import { runPeer, type PeerResult } from './peer.js';
import { generatedRules } from './rulegen.js';

const RULES = 100;
const LOOKBACK = 5 * 60_000;
const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** Input data stays referenced, so its memory is not freed mid-measurement. */
const retained: unknown[] = [];

function pct(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}
const r1 = (n: number) => Math.round(n * 10) / 10;
const r3 = (n: number) => Math.round(n * 1000) / 1000;

function argValue(args: string[], name: string, dflt: number): number {
  const i = args.indexOf(name);
  if (i < 0) return dflt;
  const v = Number(args[i + 1]);
  if (!Number.isInteger(v) || v <= 0) throw new RangeError(`engine bench: ${name} needs a positive integer, got ${args[i + 1]}`);
  return v;
}

/** The shipped rule files plus the generated ones: specs, and the files for the peer. */
async function loadRules(): Promise<{ specs: { file: string; spec: RuleGroupSpec }[]; shipped: string[]; generated: string; shippedCount: number }> {
  const dir = join(repoRoot, 'rules');
  const shipped = readdirSync(dir).filter((f) => f.endsWith('.rules.yml')).sort().map((f) => join(dir, f));
  const { files, errors } = await loadRuleFiles(shipped);
  if (errors.length > 0) throw new Error(`engine bench: shipped rules do not load:\n${errors.map((e) => e.text).join('\n')}`);
  const specs = files.flatMap((f) => f.file.groups.map((spec) => ({ file: f.path, spec })));
  const shippedCount = specs.reduce((n, s) => n + s.spec.rules.length, 0);
  const generated = generatedRules(RULES - shippedCount);
  const parsed = parseRuleFile(generated, 'generated.rules.yml');
  if (parsed.file === null) throw new Error(`engine bench: generated rules do not parse:\n${parsed.errors.map((e) => e.text).join('\n')}`);
  for (const spec of parsed.file.groups) specs.push({ file: 'generated.rules.yml', spec });
  return { specs, shipped, generated, shippedCount };
}

/** Evaluates every group at each of `times`; returns the cycle durations in ms. */
function evalCycles(groups: RuleGroup[], ctx: RuleContext, times: readonly number[]): number[] {
  const out: number[] = [];
  for (const t of times) {
    const t0 = performance.now();
    for (const g of groups) g.eval(t, ctx);
    out.push(performance.now() - t0);
  }
  return out;
}

/** Runs the bench. */
export async function main(args: string[] = []): Promise<void> {
  const nSeries = argValue(args, '--series', 100_000);
  const cycles = argValue(args, '--cycles', 25);
  const peer = args.includes('--peer') || process.env.VIGIL_BENCH_PEER === '1';
  const steps = 60;
  const start = 1_700_000_040_000;

  const rules = await loadRules();
  const groups = rules.specs.map(({ file, spec }) => new RuleGroup(spec, { file }));
  const nRules = groups.reduce((n, g) => n + g.rules.length, 0);
  const windowLen = new SeriesRetention(groups, LOOKBACK).longest;
  const chunkRange = chunkRangeFor(windowLen);
  console.log(`engine bench: ${nSeries} series x ${steps} samples (${SCRAPE_INTERVAL / 1000}s), ${nRules} rules in ${groups.length} groups ` +
    `(${rules.shippedCount} shipped, ${nRules - rules.shippedCount} generated); window for these rules ${windowLen / 60_000} min, chunk range ${chunkRange / 60_000} min`);

  const d = fleetData(nSeries, steps, start);
  retained.push(d);
  warmUp();
  const refs = new Int32Array(nSeries);
  const before = heapInUse();
  const win = new SeriesWindow({ chunkRange });
  const t0 = performance.now();
  const rejected = fill(win, d, refs);
  const appendMs = performance.now() - t0;
  const bytesPerSeries = (heapInUse() - before) / nSeries;
  const samplesPerS = (nSeries * steps) / (appendMs / 1000);
  console.log(`append:            ${nSeries * steps} samples in ${appendMs.toFixed(0)} ms = ${Math.round(samplesPerS)} samples/s ` +
    `(series creation included, ${rejected} rejected)`);
  console.log(`memory:            ${bytesPerSeries.toFixed(1)} bytes/series held (heap+arrayBuffers delta after gc)`);

  const engine = new Engine();
  const ctx: RuleContext = {
    engine,
    querier: win,
    appender: {
      append: (labels: Labels, t: number, v: number) => win.append(labels, t, v),
      appendStale: (labels: Labels, t: number) => win.appendStale(win.getRef(labels), t),
    },
    externalLabels: {},
    externalURL: 'http://vigil.bench',
  };
  // Evaluate across the last minutes of data, every 15s, as an evaluator keeping up would;
  // the first cycles warm up the JIT and are not counted.
  const dataEnd = start + (steps - 1) * SCRAPE_INTERVAL;
  const warm = 5;
  const times = Array.from({ length: cycles + warm }, (_, i) => dataEnd - (cycles + warm - 1 - i) * 15_000 + 7_000);
  const all = evalCycles(groups, ctx, times);
  const measured = all.slice(warm);
  const median = pct(measured, 50);
  const p99 = pct(measured, 99);
  console.log(`eval cycle:        ${nRules} rules, median ${median.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms over ${measured.length} cycles ` +
    `(min ${Math.min(...measured).toFixed(1)}, max ${Math.max(...measured).toFixed(1)})`);

  const health = groups.flatMap((g) => g.rules.map((r) => ({ g, r })));
  const failing = health.filter(({ r }) => r.health === 'err');
  for (const { g, r } of failing.slice(0, 10)) console.log(`  rule error: ${g.name}/${r.name}: ${r.lastError?.message}`);
  const firing = groups.flatMap((g) => g.alertingRules()).reduce((n, r) => n + r.activeAlerts().length, 0);
  console.log(`rules:             ${nRules - failing.length} ok, ${failing.length} failing; ${firing} active alerts; ` +
    `${win.seriesCount - nSeries} series recorded by rules`);
  const slow = [...health].sort((a, b) => b.r.evaluationSeconds - a.r.evaluationSeconds).slice(0, 6);
  console.log('slowest rules (last cycle):');
  for (const { g, r } of slow) {
    console.log(`  ${(r.evaluationSeconds * 1000).toFixed(2).padStart(8)} ms  ${g.name}/${r.name}: ${r.exprText.replace(/\s+/g, ' ').slice(0, 110)}`);
  }

  let peerResult: PeerResult | null = null;
  if (peer) {
    peerResult = await runPeer({ data: d, ruleFiles: rules.shipped, generatedRules: rules.generated, log: (s) => console.log(`peer: ${s}`) });
    // Evaluate Vigil again at the data ages Prometheus evaluated at, so both see equally full windows.
    const agedTimes = peerResult.evalAgesMs.map((age) => dataEnd + age);
    const aged = agedTimes.length > 0 ? evalCycles(groups, ctx, agedTimes) : [];
    const vigilAged = aged.length > 0 ? pct(aged, 50) : NaN;
    console.log(`peer: Prometheus eval cycle (sum of group evaluationTime) median ${peerResult.evalCycleMs.toFixed(1)} ms, ` +
      `p99 ${peerResult.evalCycleP99Ms.toFixed(1)} ms over ${peerResult.cycles} cycles; Vigil at the same data ages ${vigilAged.toFixed(1)} ms ` +
      `(ratio Prometheus/Vigil ${(peerResult.evalCycleMs / vigilAged).toFixed(2)})`);
    console.log(`peer: Prometheus RSS ${(peerResult.rssBytes / 2 ** 20).toFixed(0)} MiB, heap in use ${(peerResult.heapInuseBytes / 2 ** 20).toFixed(0)} MiB ` +
      `(${(peerResult.heapInuseBytes / nSeries).toFixed(0)} B/series, data in mmapped blocks, not head), ` +
      `blocks on disk ${(peerResult.blockBytes / nSeries).toFixed(0)} B/series; rules failing ${peerResult.rulesFailing}`);
    retained.push(aged);
  }

  console.log(JSON.stringify({
    bench: 'engine',
    series: nSeries,
    rules: nRules,
    samples_per_s: Math.round(samplesPerS),
    eval_cycle_ms: r3(median),
    eval_cycle_p99_ms: r3(p99),
    bytes_per_series: r1(bytesPerSeries),
    rules_failing: failing.length,
    chunk_range_min: chunkRange / 60_000,
    ...(peerResult === null ? {} : {
      peer_eval_cycle_ms: r3(peerResult.evalCycleMs),
      peer_eval_cycle_p99_ms: r3(peerResult.evalCycleP99Ms),
      peer_heap_inuse_bytes_per_series: r1(peerResult.heapInuseBytes / nSeries),
      peer_rss_bytes_per_series: r1(peerResult.rssBytes / nSeries),
      peer_block_bytes_per_series: r1(peerResult.blockBytes / nSeries),
    }),
  }));
  retained.length = 0;
}

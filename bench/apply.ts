/**
 * The evaluator's per-sample path without Kafka: the bench fleet's records (as the
 * pipeline bench writes them to vigil.samples: 2,000 series a record, one tenant a
 * record) applied in memory to a PartitionWorker with the shipped rules, so decode,
 * series lookup, window append and rule evaluation are measured on one core with no
 * fetch, no produce and no commit. What the pipeline bench's stage (a) adds on top of
 * this is the Kafka client.
 *
 * Args: [series=100000] [scrapes=20] [passes=3]. Each pass is a fresh worker over the
 * same records: the first scrape creates the series, the others append to them.
 * Final line: {"samples_per_cpu_s":…,"steady_samples_per_cpu_s":…,"create_series_per_s":…}.
 * VIGIL_BENCH_CPU_PROF=DIR writes a V8 CPU profile of the applies alone (not of building
 * the fleet and its records) into DIR, one per pass.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { PartitionEvaluator } from '../src/evaluate/partition.js';
import { PartitionWorker } from '../src/evaluate/worker.js';
import { loadRuleFiles } from '../src/rules/file.js';
import { expandRulePaths } from '../src/evaluate/rules_source.js';
import { projectRoot } from '../src/services/process.js';
import { fleet, groupByTenant, scrapeRecords, SCRAPE_INTERVAL, type FleetSeries } from './fleet.js';

/** The records of `steps` scrapes, in the order the pipeline bench's prefill writes them. */
function records(series: FleetSeries[], steps: number, start: number): { scrapes: Buffer[][]; samples: number } {
  const byTenant = groupByTenant(series);
  const scrapes = Array.from({ length: steps }, (_, step) => scrapeRecords(byTenant, start, step).map((m) => m.value));
  return { scrapes, samples: steps * series.length };
}

/** Profiles what runs between start() and stop(FILE), when VIGIL_BENCH_CPU_PROF names a directory. */
async function profiler(): Promise<{ start(): Promise<void>; stop(file: string): Promise<void> }> {
  const dir = process.env.VIGIL_BENCH_CPU_PROF;
  if (!dir) return { start: async () => {}, stop: async () => {} };
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 250 });
  return {
    start: async () => void (await session.post('Profiler.start')),
    stop: async (file) => {
      const { profile } = await session.post('Profiler.stop');
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, file), JSON.stringify(profile));
    },
  };
}

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** Runs the bench. */
export async function main(args: string[]): Promise<void> {
  const nSeries = Number(args[0] ?? 100_000);
  const steps = Number(args[1] ?? 20);
  const passes = Number(args[2] ?? 3);
  const { files, errors } = await loadRuleFiles(expandRulePaths(join(projectRoot(), 'rules')));
  if (errors.length > 0) throw new Error(`rules: ${errors.map((e) => e.message).join('; ')}`);
  const series = [...fleet({ seed: 11, series: nSeries, tenants: 20 })];
  const start = 1_800_000_000_000 - (1_800_000_000_000 % SCRAPE_INTERVAL);
  const { scrapes, samples } = records(series, steps, start);
  const bytes = scrapes.flat().reduce((n, r) => n + r.length, 0);
  console.log(`${samples} samples of ${nSeries} series in ${scrapes.flat().length} records (${(bytes / samples).toFixed(1)} bytes/sample), ${files.length} rule files`);
  let best = { all: 0, steady: 0, create: 0 };
  const prof = await profiler();
  for (let pass = 0; pass < passes; pass++) {
    const w = new PartitionWorker(new PartitionEvaluator(files, { partition: 0 }));
    let offset = 0;
    let events = 0;
    await prof.start();
    const c0 = cpuMs();
    for (const r of scrapes[0]!) events += w.apply(offset++, r).length;
    const c1 = cpuMs();
    for (let s = 1; s < steps; s++) for (const r of scrapes[s]!) events += w.apply(offset++, r).length;
    const c2 = cpuMs();
    await prof.stop(`apply-pass${pass + 1}.cpuprofile`);
    const all = samples / ((c2 - c0) / 1000);
    const steady = (samples - nSeries) / ((c2 - c1) / 1000);
    const create = nSeries / ((c1 - c0) / 1000);
    const st = w.evaluator.stats();
    console.log(`pass ${pass + 1}: ${Math.round(all)} samples per CPU-second overall; first scrape (series creation) ${Math.round(create)} series/s; later scrapes ${Math.round(steady)} samples per CPU-second; ${st.evaluations} evaluations, ${events} events; window ${(st.window.bytes / st.window.series).toFixed(1)} bytes/series (window length ${st.windowLength / 60_000} min)`);
    if (all > best.all) best = { all, steady, create };
  }
  console.log(JSON.stringify({ samples, series: nSeries, samples_per_cpu_s: Math.round(best.all), steady_samples_per_cpu_s: Math.round(best.steady), create_series_per_s: Math.round(best.create) }));
}

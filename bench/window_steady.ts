/**
 * Steady state of the window (the `steady` mode of the window bench): the fleet appended
 * scrape by scrape for several window lengths, truncated as the evaluator truncates
 * (PartitionEvaluator.maybeTruncate: to `now - window` every max(60 s, chunk range / 2)
 * of data), for several chunk ranges. Memory is measured around every truncation of the
 * last window (heap + array buffers after gc, minus the heap before the window existed):
 * the mean and the peak (just before a truncation) per series; and the mean time a
 * truncation of the last window takes, since it re-encodes the chunks it cuts through.
 */
import { chunkRangeFor } from '../src/evaluate/window_length.js';
import { SeriesWindow } from '../src/window/window.js';
import { fleet, SCRAPE_INTERVAL, scrapeTime } from './fleet.js';
import { heapInUse, warmUp } from './load.js';

/** One chunk range's steady state. */
export interface SteadyResult {
  readonly chunkRangeMin: number | null;
  readonly bytesPerSeriesMean: number;
  readonly bytesPerSeriesPeak: number;
  readonly bytesPerSeriesLow: number;
  /**
   * The window's own estimate (stats().bytes) at the same points, per series: the heap
   * delta moves by a few bytes a series from run to run with V8's own allocations, this
   * does not.
   */
  readonly statsBytesPerSeriesMean: number;
  readonly samplesPerS: number;
  /** Mean time of one truncation in the last window, ms. */
  readonly truncateMs: number;
  /** Truncation time per minute of data, ms: what the cadence costs, comparable across cadences. */
  readonly truncateMsPerMinute: number;
}

/** Appends `windows` window lengths of the fleet with `chunkRange`, truncating; measures the last window. */
function run(nSeries: number, windowMs: number, windows: number, chunkRange: number, everyMs: number | null): SteadyResult {
  const start = 1_700_000_000_000;
  const series = [...fleet({ seed: 42, series: nSeries })];
  const refs = new Int32Array(nSeries);
  const before = heapInUse();
  const win = new SeriesWindow({ chunkRange });
  for (let j = 0; j < nSeries; j++) refs[j] = win.getRef(series[j]!.labels);
  const steps = Math.round((windows * windowMs) / SCRAPE_INTERVAL);
  const every = everyMs ?? Math.max(60_000, Number.isFinite(chunkRange) ? chunkRange / 2 : 0);
  const measureFrom = start + (windows - 1) * windowMs;
  let lastTruncate = -Infinity;
  const seen: number[] = [];
  const own: number[] = [];
  let appendMs = 0;
  let truncateMs = 0;
  let truncations = 0;
  const measure = () => {
    seen.push(heapInUse() - before);
    own.push(win.stats().bytes);
  };
  for (let k = 0; k < steps; k++) {
    const now = start + k * SCRAPE_INTERVAL;
    const minTime = now - windowMs;
    if (minTime - lastTruncate >= every) {
      if (now >= measureFrom) measure();
      const t0 = performance.now();
      win.truncate(minTime);
      // Timed in the last window only: the first window's truncations find nothing to drop.
      if (now >= measureFrom) {
        truncateMs += performance.now() - t0;
        truncations++;
      }
      lastTruncate = minTime;
      if (now >= measureFrom) measure();
    }
    const t0 = performance.now();
    for (let j = 0; j < nSeries; j++) {
      const s = series[j]!;
      if (win.appendRef(refs[j]!, scrapeTime(start, s.host, k), s.next()) === 3) refs[j] = win.getRef(s.labels);
    }
    appendMs += performance.now() - t0;
  }
  const per = seen.map((b) => b / nSeries);
  const parts = Object.entries(win.memory()).map(([k, v]) => `${k} ${(v / nSeries).toFixed(1)}`).join(', ');
  console.log(`  at the end (stats, bytes/series): ${parts}; ${win.stats().chunks} chunks`);
  return {
    chunkRangeMin: Number.isFinite(chunkRange) ? chunkRange / 60_000 : null,
    bytesPerSeriesMean: Math.round((per.reduce((a, b) => a + b, 0) / per.length) * 10) / 10,
    bytesPerSeriesPeak: Math.round(Math.max(...per) * 10) / 10,
    bytesPerSeriesLow: Math.round(Math.min(...per) * 10) / 10,
    statsBytesPerSeriesMean: Math.round((own.reduce((a, b) => a + b, 0) / own.length / nSeries) * 10) / 10,
    samplesPerS: Math.round((steps * nSeries) / (appendMs / 1000)),
    truncateMs: Math.round(truncateMs / truncations),
    truncateMsPerMinute: Math.round((truncateMs / (windowMs / 60_000)) * 10) / 10,
  };
}

/**
 * Runs the steady-state mode: args [series=100000] [windowMinutes=15] [windows=4] [chunkRangeMinutes,...]
 * [truncateEveryMinutes] (default: as the evaluator).
 */
export function steady(args: string[]): void {
  const nSeries = Number(args[0] ?? 100_000);
  const windowMs = Number(args[1] ?? 15) * 60_000;
  const windows = Number(args[2] ?? 4);
  const everyMs = args[4] !== undefined ? Number(args[4]) * 60_000 : null;
  const current = chunkRangeFor(windowMs);
  const ranges = args[3] !== undefined
    ? args[3].split(',').map((x) => (x === 'inf' ? Infinity : Number(x) * 60_000))
    : [...new Set([current, 150_000, 300_000, 600_000, 900_000, Infinity])];
  warmUp();
  console.log(`window steady state: ${nSeries} series, ${windowMs / 60_000}-minute window, ${windows} windows of data, ` +
    `truncated as the evaluator does; chunkRangeFor(window) = ${current / 60_000} min`);
  const results: SteadyResult[] = [];
  for (const r of ranges) {
    const res = run(nSeries, windowMs, windows, r, everyMs);
    results.push(res);
    console.log(`chunk range ${res.chunkRangeMin === null ? 'none (120 samples)' : `${res.chunkRangeMin} min`}: ` +
      `${res.bytesPerSeriesMean} bytes/series mean, ${res.bytesPerSeriesLow}–${res.bytesPerSeriesPeak} low–peak (window's own estimate ${res.statsBytesPerSeriesMean} mean); appends ${res.samplesPerS} samples/s, truncates in ${res.truncateMs} ms (${res.truncateMsPerMinute} ms a minute of data)`);
  }
  // The evaluator's range when it was measured, else the first.
  const chosen = results.find((r) => (r.chunkRangeMin === null ? Infinity : r.chunkRangeMin * 60_000) === current) ?? results[0]!;
  console.log(JSON.stringify({
    bench: 'window-steady',
    series: nSeries,
    window_minutes: windowMs / 60_000,
    chunk_range_minutes: chosen.chunkRangeMin,
    bytes_per_series: chosen.bytesPerSeriesMean,
    bytes_per_series_peak: chosen.bytesPerSeriesPeak,
    by_chunk_range: results,
  }));
}

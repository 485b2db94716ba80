/**
 * Fleet data for benches, generated up front so only the window's work is timed and
 * weighed: label sets, hosts, value kinds, and samples laid out scrape by scrape.
 */
import type { Labels } from '../src/promql/labels.js';
import { SeriesWindow } from '../src/window/window.js';
import { fleet, scrapeTime, type SeriesKind } from './fleet.js';

/** `steps` scrapes of `series` fleet series; sample k of series j is at [k * series + j]. */
export interface FleetData {
  readonly series: number;
  readonly steps: number;
  readonly labels: Labels[];
  readonly hosts: number[];
  readonly kinds: SeriesKind[];
  readonly times: Float64Array;
  readonly values: Float64Array;
}

/** Generates the fleet's data starting at `start` (ms). */
export function fleetData(series: number, steps: number, start: number, seed = 42): FleetData {
  const labels: Labels[] = [];
  const hosts: number[] = [];
  const kinds: SeriesKind[] = [];
  const values = new Float64Array(series * steps);
  let i = 0;
  for (const s of fleet({ seed, series })) {
    labels.push(s.labels);
    hosts.push(s.host);
    kinds.push(s.kind);
    for (let k = 0; k < steps; k++) values[k * series + i] = s.next();
    i++;
  }
  const times = new Float64Array(series * steps);
  for (let k = 0; k < steps; k++) for (let j = 0; j < series; j++) times[k * series + j] = scrapeTime(start, hosts[j]!, k);
  return { series, steps, labels, hosts, kinds, times, values };
}

/** Appends all of `d` to `win` through `refs` (resolved first); returns the rejected count. */
export function fill(win: SeriesWindow, d: FleetData, refs: Int32Array): number {
  for (let j = 0; j < d.series; j++) refs[j] = win.getRef(d.labels[j]!);
  let rejected = 0;
  for (let k = 0; k < d.steps; k++) {
    const off = k * d.series;
    for (let j = 0; j < d.series; j++) if (win.appendRef(refs[j]!, d.times[off + j]!, d.values[off + j]!) !== 0) rejected++;
  }
  return rejected;
}

/**
 * Runs the window's code paths once on a small fleet, so that compiled code and other
 * one-time allocations of the process (about 1.2 MB) are not charged to the series
 * measured afterwards.
 */
export function warmUp(): void {
  const d = fleetData(5000, 30, 1_600_000_000_000, 7);
  const w = new SeriesWindow({ chunkRange: 120_000 });
  fill(w, d, new Int32Array(d.series));
  w.truncate(1_600_000_000_000 + 200_000);
}

/** Heap plus array buffers in use after full collections (needs --expose-gc, which bench/run.js gives). */
export function heapInUse(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) { gc(); gc(); }
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/**
 * Random input series in the style of the conformance sample: counters with resets, gauges,
 * `up`, filesystem bytes, histogram buckets, with gaps (`_`), staleness markers and the
 * expanding notation (`1+2x3`, `_x2`, `5x4`).
 */
import type { Rng } from './rng.js';

/** One input series of a test group. */
export interface GeneratedSeries {
  readonly series: string;
  readonly values: string;
}

/** A metric the expression generator may select, with the label names its series carry. */
export interface MetricInfo {
  readonly name: string;
  readonly labels: readonly string[];
  readonly kind: 'counter' | 'gauge' | 'bucket';
}

/** The series of one test group and what the expression generator needs to know about them. */
export interface SeriesWorld {
  readonly series: readonly GeneratedSeries[];
  /** Sample spacing, ms. */
  readonly intervalMs: number;
  /** Samples per series (the last one at (samples - 1) * interval). */
  readonly samples: number;
  readonly metrics: readonly MetricInfo[];
  /** Label values in use, by label name. */
  readonly values: Readonly<Record<string, readonly string[]>>;
}

/** Probabilities of a gap and of a staleness marker at one step. */
interface Holes {
  readonly gap: number;
  readonly stale: number;
}

function withHoles(rng: Rng, vals: string[], holes: Holes): string[] {
  return vals.map((v) => (rng.chance(holes.gap) ? '_' : rng.chance(holes.stale) ? 'stale' : v));
}

function counter(rng: Rng, n: number): string[] {
  let v = rng.pick([0, 1, 5, 10, 30]);
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    out.push(String(v));
    if (rng.chance(0.07)) v = rng.pick([0, 1, 2, 5]);
    else v += rng.pick([0, 0, 1, 1, 2, 5, 5, 10, 30]);
  }
  return out;
}

function gauge(rng: Rng, n: number, lo: number, hi: number, step: number): string[] {
  let v = lo + rng.next() * (hi - lo);
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    out.push(v.toFixed(1));
    v = Math.min(hi, Math.max(lo, v + (rng.next() - 0.5) * 2 * step));
  }
  return out;
}

function falling(rng: Rng, n: number, start: number): string[] {
  let v = start;
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    out.push(v.toFixed(1));
    v -= rng.next() * 20 - 4;
  }
  return out;
}

/** Values in the expanding notation, `n` samples long in total. */
function expanding(rng: Rng, n: number): string {
  const parts: string[] = [];
  let left = n;
  let v = rng.int(-5, 20);
  while (left > 0) {
    const k = Math.min(left - 1, rng.int(0, 6));
    const form = rng.int(0, 5);
    if (form === 0) parts.push(`${v}+${rng.pick([1, 2, 0.5, 10])}x${k}`);
    else if (form === 1) parts.push(`${v}-${rng.pick([1, 3, 0.25])}x${k}`);
    else if (form === 2) parts.push(k === 0 ? '_' : `_x${k}`);
    else if (form === 3) parts.push(`${v}x${k}`);
    else if (form === 4) parts.push(rng.pick(['stale', String(v), `${v}e1`, '-2.5']));
    else parts.push(`${v}`);
    left -= form === 4 || form === 5 ? 1 : k + 1;
    v = rng.int(-5, 40);
  }
  return parts.join(' ');
}

/** Generates one test group's input series. */
export function generateSeries(rng: Rng): SeriesWorld {
  const n = rng.int(18, 40);
  const intervalMs = rng.weighted<number>([[6, 60_000], [2, 30_000], [1, 15_000], [1, 120_000]]);
  const jobs = rng.subset(['api', 'db', 'web'], 2);
  const instances = ['a', 'b', 'c'];
  const holes: Holes = { gap: rng.pick([0, 0.03, 0.08]), stale: rng.pick([0, 0.01, 0.03]) };
  const series: GeneratedSeries[] = [];
  const add = (s: string, vals: string[] | string): void => {
    series.push({ series: s, values: Array.isArray(vals) ? vals.join(' ') : vals });
  };
  for (const job of jobs) {
    for (const inst of instances) {
      for (const code of ['200', '500']) {
        if (rng.chance(0.75)) add(`http_requests_total{job="${job}",instance="${inst}",code="${code}"}`, withHoles(rng, counter(rng, n), { gap: holes.gap, stale: holes.stale / 3 }));
      }
      if (rng.chance(0.85)) add(`cpu_usage_percent{job="${job}",instance="${inst}"}`, withHoles(rng, gauge(rng, n, 0, 100, 12), holes));
      if (rng.chance(0.85)) add(`up{job="${job}",instance="${inst}"}`, withHoles(rng, Array.from({ length: n }, () => (rng.chance(0.7) ? '1' : '0')), { gap: holes.gap / 2, stale: 0 }));
    }
  }
  for (const inst of instances) {
    add(`node_filesystem_avail_bytes{instance="${inst}",mountpoint="/"}`, withHoles(rng, falling(rng, n, 200 + rng.next() * 700), { gap: holes.gap / 2, stale: 0 }));
    add(`node_filesystem_size_bytes{instance="${inst}",mountpoint="/"}`, `1000x${n - 1}`);
  }
  for (const inst of rng.subset(instances, 1)) {
    const les = rng.pick([['0.1', '0.5', '1', '+Inf'], ['0.05', '0.25', '1.0', '2.5', '+Inf'], ['1', '+Inf']]);
    const cum: number[] = [];
    les.forEach((_, j) => cum.push((j > 0 ? cum[j - 1]! : 0) + rng.int(0, 3)));
    const rows: string[][] = les.map(() => []);
    for (let i = 0; i < n; i++) {
      les.forEach((_, j) => rows[j]!.push(String(cum[j])));
      // Increments grow with le, so every bucket stays cumulative; sometimes all reset.
      if (rng.chance(0.04)) cum.fill(0);
      let inc = 0;
      for (let j = 0; j < les.length; j++) {
        inc += rng.int(0, 4);
        cum[j] = cum[j]! + inc;
      }
    }
    les.forEach((le, j) => add(`req_duration_seconds_bucket{instance="${inst}",le="${le}"}`, rows[j]!));
  }
  if (rng.chance(0.6)) {
    for (const job of jobs) add(`queue_length{job="${job}"}`, expanding(rng, n));
  }
  const metrics: MetricInfo[] = [
    { name: 'http_requests_total', labels: ['job', 'instance', 'code'], kind: 'counter' },
    { name: 'cpu_usage_percent', labels: ['job', 'instance'], kind: 'gauge' },
    { name: 'up', labels: ['job', 'instance'], kind: 'gauge' },
    { name: 'node_filesystem_avail_bytes', labels: ['instance', 'mountpoint'], kind: 'gauge' },
    { name: 'node_filesystem_size_bytes', labels: ['instance', 'mountpoint'], kind: 'gauge' },
    { name: 'req_duration_seconds_bucket', labels: ['instance', 'le'], kind: 'bucket' },
    { name: 'queue_length', labels: ['job'], kind: 'gauge' },
  ];
  return {
    series, intervalMs, samples: n, metrics,
    values: { job: [...jobs, 'nope'], instance: instances, code: ['200', '500'], mountpoint: ['/'], le: ['0.1', '1', '+Inf'] },
  };
}

/**
 * Functions over range vectors (rate, *_over_time, deriv, ...): each computes one value
 * from the samples of one series inside the range window, as Prometheus's functions.go.
 * Windows are views (t, v, lo, hi) into shared arrays, so no per-sample objects are made.
 */
import { EvalError, goFormatF } from './eval_error.js';
import { KahanSum, kahanSumInc } from './float_math.js';
import { quantile } from './quantile.js';

/** The samples of one series inside the range: indices [lo, hi) of t and v. Never empty. */
export interface RangeWindow {
  readonly t: ArrayLike<number>;
  readonly v: ArrayLike<number>;
  readonly lo: number;
  readonly hi: number;
}

/** Where and how a range function is evaluated. */
export interface RangeContext {
  /** Evaluation time (ms). */
  readonly ts: number;
  /** Range boundaries (ms) after offset and `@`. */
  readonly rangeStart: number;
  readonly rangeEnd: number;
  /** Range length in ms. */
  readonly rangeMs: number;
  readonly compat: 2 | 3;
  /** Values of the function's scalar arguments, in argument order. */
  readonly params: readonly number[];
}

/** A range-vector function: the value for one series, or null for no output sample. */
export type RangeFn = (w: RangeWindow, ctx: RangeContext) => number | null;

/** Go's time.Duration.Seconds() for a whole number of milliseconds. */
export function durationSeconds(ms: number): number {
  const sec = Math.trunc(ms / 1000);
  const rem = ms - sec * 1000;
  return sec + (rem * 1e6) / 1e9;
}

/** rate/increase/delta with Prometheus's extrapolation to the range boundaries. */
function extrapolatedRate(w: RangeWindow, ctx: RangeContext, isCounter: boolean, isRate: boolean): number | null {
  const { t, v, lo, hi } = w;
  const n = hi - lo;
  if (n < 2) return null;
  const first = v[lo]!;
  const last = v[hi - 1]!;
  const firstT = t[lo]!;
  const lastT = t[hi - 1]!;
  let result = last - first;
  if (isCounter) {
    for (let i = lo + 1; i < hi; i++) if (v[i]! < v[i - 1]!) result += v[i - 1]!;
  }
  let durationToStart = (firstT - ctx.rangeStart) / 1000;
  let durationToEnd = (ctx.rangeEnd - lastT) / 1000;
  const sampledInterval = (lastT - firstT) / 1000;
  const avgBetween = sampledInterval / (n - 1);
  const threshold = avgBetween * 1.1;
  if (ctx.compat === 2) {
    if (isCounter && result > 0 && first >= 0) {
      const durationToZero = sampledInterval * (first / result);
      if (durationToZero < durationToStart) durationToStart = durationToZero;
    }
    let extrapolateTo = sampledInterval;
    extrapolateTo += durationToStart < threshold ? durationToStart : avgBetween / 2;
    extrapolateTo += durationToEnd < threshold ? durationToEnd : avgBetween / 2;
    let factor2 = extrapolateTo / sampledInterval;
    if (isRate) factor2 /= durationSeconds(ctx.rangeMs);
    return result * factor2;
  }
  if (durationToStart >= threshold) durationToStart = avgBetween / 2;
  if (isCounter && result > 0 && first >= 0) {
    const durationToZero = sampledInterval * (first / result);
    if (durationToZero < durationToStart) durationToStart = durationToZero;
  }
  if (durationToEnd >= threshold) durationToEnd = avgBetween / 2;
  let factor = (sampledInterval + durationToStart + durationToEnd) / sampledInterval;
  if (isRate) factor /= durationSeconds(ctx.rangeMs);
  return result * factor;
}

/** irate/idelta: from the last two samples only. */
function instantValue(w: RangeWindow, isRate: boolean): number | null {
  const { t, v, hi } = w;
  if (hi - w.lo < 2) return null;
  const last = v[hi - 1]!;
  const prev = v[hi - 2]!;
  const interval = t[hi - 1]! - t[hi - 2]!;
  if (interval === 0) return null;
  let result = isRate && last < prev ? last : last - prev;
  if (isRate) result /= interval / 1000;
  return result;
}

/** Least-squares fit of the window; slope per second and intercept at interceptTime. */
function linearRegression(w: RangeWindow, interceptTime: number): [number, number] {
  const { t, v, lo, hi } = w;
  let n = 0;
  const sx = new KahanSum(), sy = new KahanSum(), sxy = new KahanSum(), sx2 = new KahanSum();
  const initY = v[lo]!;
  let constY = true;
  for (let i = lo; i < hi; i++) {
    const y = v[i]!;
    if (constY && i > lo && y !== initY) constY = false;
    n += 1;
    const x = (t[i]! - interceptTime) / 1e3;
    sx.add(x);
    sy.add(y);
    sxy.add(x * y);
    sx2.add(x * x);
  }
  if (constY) {
    if (initY === Infinity || initY === -Infinity) return [NaN, NaN];
    return [0, initY];
  }
  const sumX = sx.sum + sx.c;
  const sumY = sy.sum + sy.c;
  const sumXY = sxy.sum + sxy.c;
  const sumX2 = sx2.sum + sx2.c;
  const covXY = sumXY - (sumX * sumY) / n;
  const varX = sumX2 - (sumX * sumX) / n;
  const slope = covXY / varX;
  const intercept = sumY / n - (slope * sumX) / n;
  return [slope, intercept];
}

function avgOverTime(w: RangeWindow, ctx: RangeContext): number {
  const { v, lo, hi } = w;
  if (ctx.compat === 2) {
    // Prometheus 2.42: incremental mean with Kahan compensation.
    let mean = 0, count = 0, c = 0;
    for (let i = lo; i < hi; i++) {
      const x = v[i]!;
      count++;
      if (mean === Infinity || mean === -Infinity) {
        if ((x === Infinity || x === -Infinity) && mean > 0 === x > 0) continue;
        if (x !== Infinity && x !== -Infinity && !Number.isNaN(x)) continue;
      }
      [mean, c] = kahanSumInc(x / count - mean / count, mean, c);
    }
    if (mean === Infinity || mean === -Infinity) return mean;
    return mean + c;
  }
  // Prometheus 3: direct mean while the Kahan sum stays finite, then incremental.
  let sum = v[lo]!, count = 1, mean = 0, c = 0, incremental = false;
  for (let i = lo + 1; i < hi; i++) {
    const x = v[i]!;
    count = i - lo + 1;
    if (!incremental) {
      const [ns, nc] = kahanSumInc(x, sum, c);
      if (ns !== Infinity && ns !== -Infinity) {
        sum = ns;
        c = nc;
        continue;
      }
      incremental = true;
      mean = sum / (count - 1);
      c /= count - 1;
    }
    const q = (count - 1) / count;
    [mean, c] = kahanSumInc(x / count, q * mean, q * c);
  }
  if (incremental) return mean + c;
  return sum / count + c / count;
}

function sumOverTime(w: RangeWindow): number {
  const k = new KahanSum();
  for (let i = w.lo; i < w.hi; i++) k.add(w.v[i]!);
  return k.value();
}

function varianceOverTime(w: RangeWindow): number {
  let count = 0, mean = 0, cMean = 0, aux = 0, cAux = 0;
  for (let i = w.lo; i < w.hi; i++) {
    const x = w.v[i]!;
    count++;
    const delta = x - (mean + cMean);
    [mean, cMean] = kahanSumInc(delta / count, mean, cMean);
    [aux, cAux] = kahanSumInc(delta * (x - (mean + cMean)), aux, cAux);
  }
  return (aux + cAux) / count;
}

function extremeOverTime(w: RangeWindow, isMax: boolean): number {
  let m = w.v[w.lo]!;
  for (let i = w.lo; i < w.hi; i++) {
    const x = w.v[i]!;
    if ((isMax ? x > m : x < m) || Number.isNaN(m)) m = x;
  }
  return m;
}

function windowValues(w: RangeWindow): number[] {
  const out = new Array<number>(w.hi - w.lo);
  for (let i = w.lo; i < w.hi; i++) out[i - w.lo] = w.v[i]!;
  return out;
}

/** holt_winters (2.x) / double_exponential_smoothing (3.x). */
function doubleExponentialSmoothing(w: RangeWindow, ctx: RangeContext): number | null {
  const sf = ctx.params[0]!;
  const tf = ctx.params[1]!;
  if (!(sf > 0 && sf < 1)) throw new EvalError(`invalid smoothing factor. Expected: 0 < sf < 1, got: ${goFormatF(sf)}`);
  if (!(tf > 0 && tf < 1)) throw new EvalError(`invalid trend factor. Expected: 0 < tf < 1, got: ${goFormatF(tf)}`);
  const { v, lo, hi } = w;
  if (hi - lo < 2) return null;
  let s0 = 0;
  let s1 = v[lo]!;
  let b = v[lo + 1]! - v[lo]!;
  for (let i = 1; i < hi - lo; i++) {
    const x = sf * v[lo + i]!;
    if (i - 1 !== 0) b = tf * (s1 - s0) + (1 - tf) * b;
    const y = (1 - sf) * (s1 + b);
    s0 = s1;
    s1 = x + y;
  }
  return s1;
}

function changes(w: RangeWindow): number {
  let n = 0;
  for (let i = w.lo + 1; i < w.hi; i++) {
    const cur = w.v[i]!;
    const prev = w.v[i - 1]!;
    if (cur !== prev && !(Number.isNaN(cur) && Number.isNaN(prev))) n++;
  }
  return n;
}

function resets(w: RangeWindow): number {
  let n = 0;
  for (let i = w.lo + 1; i < w.hi; i++) if (w.v[i]! < w.v[i - 1]!) n++;
  return n;
}

function tsOfExtreme(w: RangeWindow, cmp: (cur: number, best: number) => boolean): number {
  let best = w.v[w.lo]!;
  let bestT = w.t[w.lo]!;
  for (let i = w.lo; i < w.hi; i++) {
    const x = w.v[i]!;
    if (cmp(x, best)) {
      best = x;
      bestT = w.t[i]!;
    }
  }
  return bestT / 1000;
}

/** Range-vector functions by name; `keepName` ones keep the metric name in their output. */
export const RANGE_FUNCTIONS: Record<string, { fn: RangeFn; keepName?: boolean }> = {
  rate: { fn: (w, c) => extrapolatedRate(w, c, true, true) },
  increase: { fn: (w, c) => extrapolatedRate(w, c, true, false) },
  delta: { fn: (w, c) => extrapolatedRate(w, c, false, false) },
  irate: { fn: (w) => instantValue(w, true) },
  idelta: { fn: (w) => instantValue(w, false) },
  deriv: { fn: (w) => (w.hi - w.lo < 2 ? null : linearRegression(w, w.t[w.lo]!)[0]) },
  predict_linear: {
    fn: (w, c) => {
      if (w.hi - w.lo < 2) return null;
      const [slope, intercept] = linearRegression(w, c.ts);
      return slope * c.params[0]! + intercept;
    },
  },
  avg_over_time: { fn: avgOverTime },
  sum_over_time: { fn: sumOverTime },
  count_over_time: { fn: (w) => w.hi - w.lo },
  min_over_time: { fn: (w) => extremeOverTime(w, false) },
  max_over_time: { fn: (w) => extremeOverTime(w, true) },
  quantile_over_time: { fn: (w, c) => quantile(c.params[0]!, windowValues(w)) },
  stddev_over_time: { fn: (w) => Math.sqrt(varianceOverTime(w)) },
  stdvar_over_time: { fn: (w) => varianceOverTime(w) },
  mad_over_time: {
    fn: (w) => {
      const vals = windowValues(w);
      const median = quantile(0.5, vals);
      return quantile(0.5, vals.map((x) => Math.abs(x - median)));
    },
  },
  last_over_time: { fn: (w) => w.v[w.hi - 1]!, keepName: true },
  first_over_time: { fn: (w) => w.v[w.lo]!, keepName: true },
  present_over_time: { fn: () => 1 },
  absent_over_time: { fn: () => 1 },
  changes: { fn: changes },
  resets: { fn: resets },
  holt_winters: { fn: doubleExponentialSmoothing },
  double_exponential_smoothing: { fn: doubleExponentialSmoothing },
  ts_of_first_over_time: { fn: (w) => w.t[w.lo]! / 1000 },
  ts_of_last_over_time: { fn: (w) => w.t[w.hi - 1]! / 1000 },
  ts_of_max_over_time: { fn: (w) => tsOfExtreme(w, (cur, m) => cur >= m || Number.isNaN(m)) },
  ts_of_min_over_time: { fn: (w) => tsOfExtreme(w, (cur, m) => cur <= m || Number.isNaN(m)) },
};

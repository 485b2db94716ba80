/**
 * Quantiles: over a set of values (quantile, quantile_over_time, mad_over_time) and over
 * classic histogram buckets (histogram_quantile), as Prometheus's quantile.go computes them.
 */

/** Sorts values ascending with NaNs first, as Prometheus's vectorByValueHeap orders them. */
function sortNaNFirst(values: number[]): Float64Array {
  const a = Float64Array.from(values).sort(); // typed sort puts NaNs last
  let nans = 0;
  for (let i = a.length - 1; i >= 0 && Number.isNaN(a[i]!); i--) nans++;
  if (nans === 0) return a;
  const out = new Float64Array(a.length);
  out.fill(NaN, 0, nans);
  out.set(a.subarray(0, a.length - nans), nans);
  return out;
}

/**
 * The q-quantile of values, interpolating linearly between the two nearest ranks.
 * NaN for no values or q = NaN; -Inf for q < 0; +Inf for q > 1.
 */
export function quantile(q: number, values: number[]): number {
  if (values.length === 0 || Number.isNaN(q)) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  const sorted = sortNaNFirst(values);
  const n = sorted.length;
  const rank = q * (n - 1);
  const lowerIndex = Math.max(0, Math.floor(rank));
  const upperIndex = Math.min(n - 1, lowerIndex + 1);
  const weight = rank - Math.floor(rank);
  return sorted[lowerIndex]! * (1 - weight) + sorted[upperIndex]! * weight;
}

/** One classic histogram bucket: its `le` upper bound and cumulative count. */
export interface Bucket {
  upperBound: number;
  count: number;
}

function coalesceBuckets(buckets: Bucket[]): Bucket[] {
  const out: Bucket[] = [];
  let last = { ...buckets[0]! };
  for (let i = 1; i < buckets.length; i++) {
    const b = buckets[i]!;
    if (b.upperBound === last.upperBound) {
      last.count += b.count;
    } else {
      out.push(last);
      last = { ...b };
    }
  }
  out.push(last);
  return out;
}

/** Prometheus 3 treats relative differences up to 1e-12 between neighbours as equal counts. */
function correctPrecisionErrors(buckets: Bucket[], tolerance: number): void {
  let prev = buckets[0]!.count;
  for (let i = 1; i < buckets.length; i++) {
    const curr = buckets[i]!.count;
    const delta = Math.abs(curr - prev);
    if (delta === 0) continue;
    if (delta / curr <= tolerance) buckets[i]!.count = prev;
    else prev = curr;
  }
}

/** Forces counts to be non-decreasing with the upper bound (the "envelope" of the buckets). */
function ensureMonotonic(buckets: Bucket[]): void {
  let max = buckets[0]!.count;
  for (let i = 1; i < buckets.length; i++) {
    const c = buckets[i]!.count;
    if (c > max) max = c;
    else if (c < max) buckets[i]!.count = max;
  }
}

/**
 * histogram_quantile over classic buckets: linear interpolation within the bucket holding
 * the rank; the highest bucket must be +Inf; a quantile in it yields the second-highest bound.
 */
export function bucketQuantile(q: number, input: Bucket[], compat: 2 | 3): number {
  if (Number.isNaN(q)) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  const sorted = input.slice().sort((a, b) => (a.upperBound < b.upperBound ? -1 : a.upperBound > b.upperBound ? 1 : 0));
  if (sorted[sorted.length - 1]!.upperBound !== Infinity) return NaN;
  const buckets = coalesceBuckets(sorted);
  if (compat === 3) correctPrecisionErrors(buckets, 1e-12);
  ensureMonotonic(buckets);
  if (buckets.length < 2) return NaN;
  const observations = buckets[buckets.length - 1]!.count;
  if (observations === 0) return NaN;
  let rank = q * observations;
  // First bucket (among all but the last) whose count reaches the rank.
  let lo = 0;
  let hi = buckets.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (buckets[mid]!.count >= rank) hi = mid;
    else lo = mid + 1;
  }
  const b = lo;
  if (b === buckets.length - 1) return buckets[buckets.length - 2]!.upperBound;
  if (b === 0 && buckets[0]!.upperBound <= 0) return buckets[0]!.upperBound;
  let bucketStart = 0;
  const bucketEnd = buckets[b]!.upperBound;
  let count = buckets[b]!.count;
  if (b > 0) {
    bucketStart = buckets[b - 1]!.upperBound;
    count -= buckets[b - 1]!.count;
    rank -= buckets[b - 1]!.count;
  }
  return bucketStart + (bucketEnd - bucketStart) * (rank / count);
}

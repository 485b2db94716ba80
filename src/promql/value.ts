/**
 * Values produced by evaluation and the storage contract the engine reads through.
 * Times are integer milliseconds since the epoch.
 */
import type { Labels } from './labels.js';
import type { Matcher } from './matcher.js';

/** One sample of an instant vector. */
export interface Sample {
  readonly metric: Labels;
  /** Evaluation timestamp (ms). */
  readonly t: number;
  readonly v: number;
}

/** One series of a range vector; `t` and `v` are parallel, ascending in time. */
export interface MatrixSeries {
  readonly metric: Labels;
  readonly t: number[];
  readonly v: number[];
}

export interface Scalar { readonly type: 'scalar'; readonly t: number; readonly v: number }
export interface StringValue { readonly type: 'string'; readonly t: number; readonly v: string }
export interface Vector { readonly type: 'vector'; readonly samples: Sample[] }
export interface Matrix { readonly type: 'matrix'; readonly series: MatrixSeries[] }

/** The result of evaluating an expression. */
export type Value = Scalar | StringValue | Vector | Matrix;

/**
 * Raw samples of one stored series in a time range. `t` and `v` are parallel and
 * ascending in time. Stale markers (Prometheus's StaleNaN) cannot be carried in a JS
 * number, so they are flagged in `stale` (null when the range holds none).
 */
export interface SeriesData {
  readonly labels: Labels;
  readonly t: ArrayLike<number>;
  readonly v: ArrayLike<number>;
  readonly stale: ArrayLike<number> | null;
}

/** Read access to stored series, as Prometheus's storage.Querier. */
export interface Querier {
  /**
   * Series whose labels satisfy every matcher, with their samples in [mint, maxt]
   * (inclusive at both ends; the engine applies open/closed boundaries itself).
   */
  select(matchers: readonly Matcher[], mint: number, maxt: number): SeriesData[];
}

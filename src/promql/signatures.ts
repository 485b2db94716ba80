/**
 * The one table of PromQL function signatures (name → argument types, variadic count,
 * return type), used by the parser's type checks. Implementations live elsewhere.
 */
import type { ValueType } from './ast.js';

/** A function's type signature, as Prometheus's parser.Function. */
export interface FunctionSignature {
  readonly name: string;
  readonly argTypes: readonly ValueType[];
  /** 0: exactly argTypes; n > 0: up to n more of the last type; -1: unbounded. */
  readonly variadic: number;
  readonly returnType: ValueType;
  /** Behind Prometheus's `--enable-feature=promql-experimental-functions`. */
  readonly experimental?: boolean;
  /** Present only in this Prometheus major version (absent: both 2.x and 3.x). */
  readonly only?: 2 | 3;
}

const S: ValueType = 'scalar';
const V: ValueType = 'vector';
const M: ValueType = 'matrix';
const STR: ValueType = 'string';

type Def = [args: ValueType[], ret: ValueType, variadic?: number, flags?: { experimental?: boolean; only?: 2 | 3 }];

const DEFS: Record<string, Def> = {
  abs: [[V], V], absent: [[V], V], absent_over_time: [[M], V],
  acos: [[V], V], acosh: [[V], V], asin: [[V], V], asinh: [[V], V], atan: [[V], V], atanh: [[V], V],
  avg_over_time: [[M], V], ceil: [[V], V], changes: [[M], V],
  clamp: [[V, S, S], V], clamp_max: [[V, S], V], clamp_min: [[V, S], V],
  cos: [[V], V], cosh: [[V], V], count_over_time: [[M], V],
  days_in_month: [[V], V, 1], day_of_month: [[V], V, 1], day_of_week: [[V], V, 1], day_of_year: [[V], V, 1],
  deg: [[V], V], delta: [[M], V], deriv: [[M], V],
  double_exponential_smoothing: [[M, S, S], V, 0, { experimental: true, only: 3 }],
  exp: [[V], V],
  first_over_time: [[M], V, 0, { experimental: true }],
  floor: [[V], V],
  histogram_avg: [[V], V], histogram_count: [[V], V], histogram_sum: [[V], V],
  histogram_stddev: [[V], V], histogram_stdvar: [[V], V],
  histogram_fraction: [[S, S, V], V], histogram_quantile: [[S, V], V],
  holt_winters: [[M, S, S], V, 0, { only: 2 }],
  hour: [[V], V, 1], idelta: [[M], V], increase: [[M], V],
  info: [[V, V], V, 1, { experimental: true, only: 3 }],
  irate: [[M], V],
  label_replace: [[V, STR, STR, STR, STR], V],
  label_join: [[V, STR, STR, STR], V, -1],
  last_over_time: [[M], V], ln: [[V], V], log10: [[V], V], log2: [[V], V],
  mad_over_time: [[M], V, 0, { experimental: true }],
  max_over_time: [[M], V], min_over_time: [[M], V],
  ts_of_first_over_time: [[M], V, 0, { experimental: true, only: 3 }],
  ts_of_last_over_time: [[M], V, 0, { experimental: true, only: 3 }],
  ts_of_max_over_time: [[M], V, 0, { experimental: true, only: 3 }],
  ts_of_min_over_time: [[M], V, 0, { experimental: true, only: 3 }],
  minute: [[V], V, 1], month: [[V], V, 1], pi: [[], S],
  predict_linear: [[M, S], V], present_over_time: [[M], V],
  quantile_over_time: [[S, M], V], rad: [[V], V], rate: [[M], V], resets: [[M], V],
  round: [[V, S], V, 1], scalar: [[V], S], sgn: [[V], V], sin: [[V], V], sinh: [[V], V],
  sort: [[V], V], sort_desc: [[V], V],
  sort_by_label: [[V, STR], V, -1, { experimental: true }],
  sort_by_label_desc: [[V, STR], V, -1, { experimental: true }],
  sqrt: [[V], V], stddev_over_time: [[M], V], stdvar_over_time: [[M], V], sum_over_time: [[M], V],
  tan: [[V], V], tanh: [[V], V], time: [[], S], timestamp: [[V], V], vector: [[S], V], year: [[V], V, 1],
};

function build(): Record<string, FunctionSignature> {
  const out: Record<string, FunctionSignature> = {};
  for (const [name, [argTypes, returnType, variadic = 0, flags = {}]] of Object.entries(DEFS)) {
    out[name] = Object.freeze({ name, argTypes: Object.freeze(argTypes), variadic, returnType, ...flags });
  }
  return Object.freeze(out);
}

/** Every PromQL function known to Prometheus 2.x or 3.x, by name. */
export const FUNCTION_SIGNATURES: Readonly<Record<string, FunctionSignature>> = build();

/** The signature of `name` as seen by a parser in the given compat mode, or undefined. */
export function lookupFunction(name: string, compat: 2 | 3 = 3): FunctionSignature | undefined {
  if (!Object.prototype.hasOwnProperty.call(FUNCTION_SIGNATURES, name)) return undefined;
  const f = FUNCTION_SIGNATURES[name]!;
  if (f.only !== undefined && f.only !== compat) return undefined;
  return f;
}

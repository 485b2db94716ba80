/**
 * Implementations of PromQL functions, keyed by name (their signatures live in
 * signatures.ts; a test checks the two tables have the same keys). Range-vector functions
 * are in range_eval.ts; this file holds those over instant vectors and scalars.
 */
import type { Call, Expr } from './ast.js';
import { EvalError } from './eval_error.js';
import { goLog10, goLog2, parseGoFloat } from './float_math.js';
import { daysIn, goDateParts, type GoDateParts } from './go_time.js';
import { goAcos, goAcosh, goAsinh, goExp, goLog, goAsin, goAtan, goCos, goCosh, goSin, goSinh, goTan, goTanh } from './go_math.js';
import { dropName } from './binary.js';
import {
  METRIC_NAME, compareLabels, getLabel, labelsFromRecord, labelsKey, labelsKeyWithout, withLabel, type Labels,
} from './labels.js';
import { compileRE2 } from './matcher.js';
import { bucketQuantile, type Bucket } from './quantile.js';
import { RANGE_FUNCTIONS, type RangeFn } from './range_eval.js';
import type { Sample } from './value.js';

/** An evaluated argument: a scalar, an instant vector, or a string. */
export type ArgValue = number | readonly Sample[] | string;

/** What an instant function sees besides its arguments. */
export interface FunctionContext {
  readonly ts: number;
  readonly compat: 2 | 3;
  readonly call: Call;
  /** The query's memo of label sets without their name (see dropName). */
  readonly dropped: Map<Labels, Labels>;
}

/** An instant function returns a vector, or a number for a scalar result. */
export type InstantFn = (args: readonly ArgValue[], ctx: FunctionContext) => Sample[] | number;

/** How a function is evaluated: over range windows, or over evaluated arguments. */
export type FunctionImpl =
  | { readonly kind: 'range'; readonly fn: RangeFn; readonly keepName: boolean }
  | { readonly kind: 'instant'; readonly fn: InstantFn };

const vec = (a: ArgValue | undefined): readonly Sample[] => a as readonly Sample[];
const num = (a: ArgValue | undefined): number => a as number;
const str = (a: ArgValue | undefined): string => a as string;

function simple(f: (x: number) => number): FunctionImpl {
  return {
    kind: 'instant',
    fn: (args, ctx) => vec(args[0]).map((s) => ({ metric: dropName(s.metric, ctx.dropped), t: ctx.ts, v: f(s.v) })),
  };
}

function clamp(samples: readonly Sample[], min: number, max: number, ctx: FunctionContext): Sample[] {
  if (max < min) return [];
  return samples.map((s) => ({ metric: dropName(s.metric, ctx.dropped), t: ctx.ts, v: Math.max(min, Math.min(max, s.v)) }));
}

/** The labels `absent` and `absent_over_time` give: those fixed by one equality matcher. */
export function absentLabels(arg: Expr): Labels {
  let e = arg;
  while (e.kind === 'ParenExpr') e = e.expr;
  const vs = e.kind === 'VectorSelector' ? e : e.kind === 'MatrixSelector' ? e.vectorSelector : null;
  if (vs === null) return [];
  const rec = new Map<string, string>();
  const has = new Set<string>();
  for (const m of vs.matchers) {
    if (m.name === METRIC_NAME) continue;
    if (m.type === '=' && !has.has(m.name)) {
      rec.set(m.name, m.value);
      has.add(m.name);
    } else {
      rec.delete(m.name);
    }
  }
  return labelsFromRecord(Object.fromEntries(rec));
}

/** A date function: a field of Go's time.Unix(int64(v), 0).UTC(); no argument means vector(time()). */
function dateFn(f: (d: GoDateParts) => number): FunctionImpl {
  return {
    kind: 'instant',
    fn: (args, ctx) => {
      if (args.length === 0) return [{ metric: [], t: ctx.ts, v: f(goDateParts(ctx.ts / 1000)) }];
      return vec(args[0]).map((s) => ({ metric: dropName(s.metric, ctx.dropped), t: ctx.ts, v: f(goDateParts(s.v)) }));
    },
  };
}

/** facette/natsort's Compare (a < b), used by sort_by_label. */
export function natLess(a: string, b: string): boolean {
  const ca = a.match(/\d+|\D+/g) ?? [];
  const cb = b.match(/\d+|\D+/g) ?? [];
  for (let i = 0; i < ca.length; i++) {
    if (i >= cb.length) return false;
    const x = ca[i]!;
    const y = cb[i]!;
    const nx = /^\d+$/.test(x) && x.length < 19 ? Number(x) : NaN;
    const ny = /^\d+$/.test(y) && y.length < 19 ? Number(y) : NaN;
    if (!Number.isNaN(nx) && !Number.isNaN(ny)) {
      if (nx === ny) {
        if (i === ca.length - 1) return true;
        if (i === cb.length - 1) return false;
        continue;
      }
      return nx < ny;
    }
    if (x === y) {
      if (i === ca.length - 1) return true;
      if (i === cb.length - 1) return false;
      continue;
    }
    return x < y;
  }
  return false;
}

function sortByLabel(desc: boolean): FunctionImpl {
  return {
    kind: 'instant',
    fn: (args) => {
      const names = args.slice(1).map(str);
      return vec(args[0]).slice().sort((a, b) => {
        for (const n of names) {
          const x = getLabel(a.metric, n);
          const y = getLabel(b.metric, n);
          if (x === y) continue;
          const r = natLess(x, y) ? -1 : 1;
          return desc ? -r : r;
        }
        const c = compareLabels(a.metric, b.metric);
        return desc ? -c : c;
      });
    },
  };
}

const LEGACY_LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function validLabelName(name: string, compat: 2 | 3): boolean {
  return compat === 2 ? LEGACY_LABEL_NAME.test(name) : name !== '' && !/[\uD800-\uDFFF]/.test(name.replace(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g, ''));
}

/** Go's regexp Expand: $1, ${1}, $name, ${name}, $$. */
export function expandTemplate(template: string, m: RegExpExecArray): string {
  let out = '';
  for (let i = 0; i < template.length; i++) {
    const c = template[i]!;
    if (c !== '$' || i + 1 >= template.length) {
      out += c;
      continue;
    }
    const next = template[i + 1]!;
    if (next === '$') {
      out += '$';
      i++;
      continue;
    }
    let name: string;
    let end: number;
    if (next === '{') {
      const close = template.indexOf('}', i + 2);
      const inner = close < 0 ? '' : template.slice(i + 2, close);
      if (close < 0 || !/^[A-Za-z0-9_]+$/.test(inner)) {
        out += c;
        continue;
      }
      name = inner;
      end = close;
    } else {
      const mm = /^[A-Za-z0-9_]+/.exec(template.slice(i + 1));
      if (!mm) {
        out += c;
        continue;
      }
      name = mm[0];
      end = i + mm[0].length;
    }
    if (/^\d+$/.test(name)) {
      const idx = Number(name);
      if (idx < m.length) out += m[idx] ?? '';
    } else {
      out += m.groups?.[name] ?? '';
    }
    i = end;
  }
  return out;
}

function checkNoDuplicates(samples: readonly Sample[]): void {
  const seen = new Set<string>();
  for (const s of samples) {
    const k = labelsKey(s.metric);
    if (seen.has(k)) throw new EvalError('vector cannot contain metrics with the same labelset');
    seen.add(k);
  }
}

const labelReplace: InstantFn = (args, ctx) => {
  const dst = str(args[1]);
  const repl = str(args[2]);
  const src = str(args[3]);
  const regexStr = str(args[4]);
  let re: RegExp;
  try {
    re = compileRE2(regexStr, { dotAll: ctx.compat === 3 });
  } catch {
    throw new EvalError(`invalid regular expression in label_replace(): ${regexStr}`);
  }
  if (!validLabelName(dst, ctx.compat)) throw new EvalError(`invalid destination label name in label_replace(): ${dst}`);
  const out = vec(args[0]).map((s) => {
    const m = re.exec(getLabel(s.metric, src));
    if (m === null) return { metric: s.metric, t: ctx.ts, v: s.v };
    return { metric: withLabel(s.metric, dst, expandTemplate(repl, m)), t: ctx.ts, v: s.v };
  });
  checkNoDuplicates(out);
  return out;
};

const labelJoin: InstantFn = (args, ctx) => {
  const dst = str(args[1]);
  const sep = str(args[2]);
  const srcs = args.slice(3).map(str);
  for (const s of srcs) if (!validLabelName(s, ctx.compat)) throw new EvalError(`invalid source label name in label_join(): ${s}`);
  if (!validLabelName(dst, ctx.compat)) throw new EvalError(`invalid destination label name in label_join(): ${dst}`);
  const out = vec(args[0]).map((s) => ({
    metric: withLabel(s.metric, dst, srcs.map((n) => getLabel(s.metric, n)).join(sep)),
    t: ctx.ts,
    v: s.v,
  }));
  checkNoDuplicates(out);
  return out;
};

const histogramQuantile: InstantFn = (args, ctx) => {
  const q = num(args[0]);
  const byHistogram = new Map<string, { metric: Labels; buckets: Bucket[] }>();
  for (const s of vec(args[1])) {
    const ub = parseGoFloat(getLabel(s.metric, 'le'));
    if (ub === null) continue;
    const key = labelsKeyWithout(s.metric, ['le']);
    let h = byHistogram.get(key);
    if (h === undefined) {
      h = { metric: s.metric.filter((l) => l.name !== METRIC_NAME && l.name !== 'le'), buckets: [] };
      byHistogram.set(key, h);
    }
    h.buckets.push({ upperBound: ub, count: s.v });
  }
  const out: Sample[] = [];
  for (const h of byHistogram.values()) out.push({ metric: h.metric, t: ctx.ts, v: bucketQuantile(q, h.buckets, ctx.compat) });
  return out;
};

/** Sorts by value, NaNs last in both directions, as Prometheus. */
function sortByValue(desc: boolean): FunctionImpl {
  return {
    kind: 'instant',
    fn: (args) => vec(args[0]).slice().sort((a, b) => {
      const an = Number.isNaN(a.v);
      const bn = Number.isNaN(b.v);
      if (an || bn) return an === bn ? 0 : an ? 1 : -1;
      return desc ? b.v - a.v : a.v - b.v;
    }),
  };
}

const nativeHistogramOnly: FunctionImpl = { kind: 'instant', fn: () => [] };

const rangeImpls: Record<string, FunctionImpl> = Object.fromEntries(
  Object.entries(RANGE_FUNCTIONS).map(([name, r]) => [name, { kind: 'range', fn: r.fn, keepName: r.keepName === true }]),
);

/** Every function's implementation, by name. */
export const FUNCTIONS: Record<string, FunctionImpl> = {
  ...rangeImpls,
  abs: simple(Math.abs),
  ceil: simple(Math.ceil),
  floor: simple(Math.floor),
  exp: simple(goExp),
  sqrt: simple(Math.sqrt),
  ln: simple(goLog),
  log2: simple(goLog2),
  log10: simple(goLog10),
  sin: simple(goSin),
  cos: simple(goCos),
  tan: simple(goTan),
  asin: simple(goAsin),
  acos: simple(goAcos),
  atan: simple(goAtan),
  sinh: simple(goSinh),
  cosh: simple(goCosh),
  tanh: simple(goTanh),
  asinh: simple(goAsinh),
  acosh: simple(goAcosh),
  atanh: simple(Math.atanh),
  rad: simple((v) => (v * Math.PI) / 180),
  deg: simple((v) => (v * 180) / Math.PI),
  sgn: simple((v) => (v < 0 ? -1 : v > 0 ? 1 : v)),
  round: {
    kind: 'instant',
    fn: (args, ctx) => {
      const toNearestInverse = 1 / (args.length >= 2 ? num(args[1]) : 1);
      return vec(args[0]).map((s) => ({
        metric: dropName(s.metric, ctx.dropped), t: ctx.ts, v: Math.floor(s.v * toNearestInverse + 0.5) / toNearestInverse,
      }));
    },
  },
  clamp: { kind: 'instant', fn: (args, ctx) => clamp(vec(args[0]), num(args[1]), num(args[2]), ctx) },
  clamp_min: { kind: 'instant', fn: (args, ctx) => clamp(vec(args[0]), num(args[1]), Infinity, ctx) },
  clamp_max: { kind: 'instant', fn: (args, ctx) => clamp(vec(args[0]), -Infinity, num(args[1]), ctx) },
  // The engine passes samples of a plain selector argument with their own timestamps.
  timestamp: { kind: 'instant', fn: (args, ctx) => vec(args[0]).map((s) => ({ metric: dropName(s.metric, ctx.dropped), t: ctx.ts, v: s.t / 1000 })) },
  time: { kind: 'instant', fn: (_args, ctx) => ctx.ts / 1000 },
  pi: { kind: 'instant', fn: () => Math.PI },
  vector: { kind: 'instant', fn: (args, ctx) => [{ metric: [], t: ctx.ts, v: num(args[0]) }] },
  scalar: {
    kind: 'instant',
    fn: (args) => {
      const v = vec(args[0]);
      return v.length === 1 ? v[0]!.v : NaN;
    },
  },
  absent: {
    kind: 'instant',
    fn: (args, ctx) => (vec(args[0]).length > 0 ? [] : [{ metric: absentLabels(ctx.call.args[0]!), t: ctx.ts, v: 1 }]),
  },
  sort: sortByValue(false),
  sort_desc: sortByValue(true),
  sort_by_label: sortByLabel(false),
  sort_by_label_desc: sortByLabel(true),
  histogram_quantile: { kind: 'instant', fn: histogramQuantile },
  label_replace: { kind: 'instant', fn: labelReplace },
  label_join: { kind: 'instant', fn: labelJoin },
  day_of_month: dateFn((d) => d.day),
  day_of_week: dateFn((d) => d.weekday),
  day_of_year: dateFn((d) => d.yearDay),
  days_in_month: dateFn((d) => daysIn(d.month, d.year)),
  hour: dateFn((d) => d.hour),
  minute: dateFn((d) => d.minute),
  month: dateFn((d) => d.month),
  year: dateFn((d) => d.year),
  // Native histograms do not exist in this engine (float samples only): these select nothing.
  histogram_count: nativeHistogramOnly,
  histogram_sum: nativeHistogramOnly,
  histogram_avg: nativeHistogramOnly,
  histogram_fraction: nativeHistogramOnly,
  histogram_stddev: nativeHistogramOnly,
  histogram_stdvar: nativeHistogramOnly,
  // info() joins labels of info series (experimental in 3.x); not supported here.
  info: {
    kind: 'instant',
    fn: () => {
      throw new EvalError('function "info" is not supported by this engine');
    },
  },
};

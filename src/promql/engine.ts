/**
 * The PromQL evaluator. A query is evaluated step by step: each node is evaluated at an
 * instant `ts` to a scalar, string, instant vector or (for range selectors and subqueries)
 * a set of range windows. Storage is read once per selector for the whole time span the
 * query needs, then sliced by binary search at every step.
 */
import type {
  AggregateExpr, BinaryExpr, Call, Expr, MatrixSelector, SubqueryExpr, VectorMatching, VectorSelector,
} from './ast.js';
import { aggregate, aggregateK, countValues, newAggregateCache, type AggregateCache } from './aggregate.js';
import {
  dropName, dropsName, newBinopCache, scalarBinop, setBinop, vectorBinop, vectorScalarBinop, type BinopCache,
} from './binary.js';
import { EvalError } from './eval_error.js';
import { FUNCTIONS, absentLabels, type ArgValue } from './functions.js';
import { METRIC_NAME, compareLabels, getLabel, labelsKey, type Labels } from './labels.js';
import type { RangeContext } from './range_eval.js';
import type { Matrix, MatrixSeries, Querier, Sample, Value } from './value.js';

export { EvalError } from './eval_error.js';

/** Evaluation settings. */
export interface EngineOptions {
  /** 3 (default) or 2: Prometheus 2.x semantics where they differ. */
  compat?: 2 | 3;
  /** How far back an instant selector looks for a sample, ms (default 5m). */
  lookbackDelta?: number;
  /** Step of subqueries written without one (`[5m:]`), ms (default 1m). */
  noStepSubqueryInterval?: number;
  /** Upper bound of samples held at once (default 50e6). */
  maxSamples?: number;
}

/** A series of a range vector: the whole arrays, all points inside the window. */
interface RangeSeries {
  readonly metric: Labels;
  readonly t: ArrayLike<number>;
  readonly v: ArrayLike<number>;
}

/** The value of a node at one evaluation step. */
type StepValue =
  | { readonly type: 'scalar'; readonly v: number }
  | { readonly type: 'string'; readonly v: string }
  | { readonly type: 'vector'; readonly samples: Sample[] }
  | { readonly type: 'matrix'; readonly series: RangeSeries[] };

/** Samples of one stored series, stale markers flagged (instant selectors) or dropped (ranges). */
interface Fetched {
  readonly metric: Labels;
  readonly t: ArrayLike<number>;
  readonly v: ArrayLike<number>;
  readonly stale: ArrayLike<number> | null;
}

const TOO_MANY_SAMPLES = 'query processing would load too many samples into memory in query execution';
const DEFAULT_MATCHING: VectorMatching = { card: 'one-to-one', matchingLabels: [], on: false, include: [] };

/** First index in [lo, hi) whose time is > x (hi if none). */
function upperBound(t: ArrayLike<number>, x: number, lo: number, hi: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (t[mid]! > x) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** First index in [lo, hi) whose time is >= x (hi if none). */
function lowerBound(t: ArrayLike<number>, x: number, lo: number, hi: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (t[mid]! >= x) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function unwrapParens(e: Expr): Expr {
  while (e.kind === 'ParenExpr') e = e.expr;
  return e;
}

function typeName(v: StepValue): string {
  return v.type === 'vector' ? 'instant vector' : v.type === 'matrix' ? 'range vector' : v.type;
}

/** Throws Prometheus's error if two samples have equal labels. */
function checkNoDuplicates(samples: readonly Sample[]): void {
  if (samples.length < 2) return;
  const seen = new Set<string>();
  for (const s of samples) {
    const k = labelsKey(s.metric);
    if (seen.has(k)) throw new EvalError('vector cannot contain metrics with the same labelset');
    seen.add(k);
  }
}

/** Dropping the metric name can only make label sets collide if the names differed. */
function checkDroppedNames(inputs: readonly { metric: Labels }[], outputs: readonly Sample[]): void {
  if (outputs.length < 2 || inputs.length < 2) return;
  const first = getLabel(inputs[0]!.metric, METRIC_NAME);
  for (const s of inputs) {
    if (getLabel(s.metric, METRIC_NAME) !== first) {
      checkNoDuplicates(outputs);
      return;
    }
  }
}

/** One query's evaluation: its time span, fetched data and memoized subquery steps. */
class Evaluation {
  private readonly compat: 2 | 3;
  private readonly lookback: number;
  private readonly subqueryStep: number;
  private readonly maxSamples: number;
  private readonly spans = new Map<VectorSelector, [number, number]>();
  private readonly fetched = new Map<VectorSelector, Fetched[]>();
  private readonly memo = new Map<Expr, Map<number, StepValue>>();
  private subqueryDepth = 0;
  /** The query's label caches, per node (see BinopCache). */
  private readonly binopCaches = new Map<Expr, BinopCache>();
  private readonly aggregateCaches = new Map<Expr, AggregateCache>();
  private readonly dropped = new Map<Labels, Labels>();
  /** Samples currently held, checked against maxSamples. */
  samples = 0;

  constructor(
    opts: Required<EngineOptions>,
    private readonly querier: Querier,
    private readonly start: number,
    private readonly end: number,
    private readonly isRange: boolean,
    root: Expr,
  ) {
    this.compat = opts.compat;
    this.lookback = opts.lookbackDelta;
    this.subqueryStep = opts.noStepSubqueryInterval;
    this.maxSamples = opts.maxSamples;
    this.collectSpans(root, start, end);
  }

  private atTime(timestamp: number | null, startOrEnd: 'start' | 'end' | null): number | null {
    if (startOrEnd === 'start') return this.start;
    if (startOrEnd === 'end') return this.end;
    return timestamp;
  }

  private subqueryStart(end: number, range: number, step: number): number {
    const raw = end - range;
    let start = step * Math.trunc(raw / step);
    if (this.compat === 3 ? start <= raw : start < raw) start += step;
    return start;
  }

  /** Records, per selector, the time range of samples the query can read. */
  private collectSpans(e: Expr, lo: number, hi: number): void {
    const widen = (vs: VectorSelector, back: number): void => {
      const at = this.atTime(vs.timestamp, vs.startOrEnd);
      const a = (at ?? lo) - vs.offset - back;
      const b = (at ?? hi) - vs.offset;
      const prev = this.spans.get(vs);
      this.spans.set(vs, prev ? [Math.min(prev[0], a), Math.max(prev[1], b)] : [a, b]);
    };
    switch (e.kind) {
      case 'VectorSelector': widen(e, this.lookback); return;
      case 'MatrixSelector': widen(e.vectorSelector, e.range); return;
      case 'SubqueryExpr': {
        const at = this.atTime(e.timestamp, e.startOrEnd);
        this.collectSpans(e.expr, (at ?? lo) - e.offset - e.range, (at ?? hi) - e.offset);
        return;
      }
      case 'ParenExpr': case 'UnaryExpr': this.collectSpans(e.expr, lo, hi); return;
      case 'BinaryExpr': this.collectSpans(e.lhs, lo, hi); this.collectSpans(e.rhs, lo, hi); return;
      case 'AggregateExpr':
        this.collectSpans(e.expr, lo, hi);
        if (e.param) this.collectSpans(e.param, lo, hi);
        return;
      case 'Call': for (const a of e.args) this.collectSpans(a, lo, hi); return;
      default: return;
    }
  }

  private fetch(vs: VectorSelector, dropStale: boolean): Fetched[] {
    let data = this.fetched.get(vs);
    if (data !== undefined) return data;
    const span = this.spans.get(vs) ?? [this.start - this.lookback, this.end];
    data = [];
    for (const s of this.querier.select(vs.matchers, span[0], span[1])) {
      if (s.t.length === 0) continue;
      if (!dropStale || s.stale === null) {
        data.push({ metric: s.labels, t: s.t, v: s.v, stale: s.stale });
        continue;
      }
      const t: number[] = [];
      const v: number[] = [];
      for (let i = 0; i < s.t.length; i++) {
        if (s.stale[i]) continue;
        t.push(s.t[i]!);
        v.push(s.v[i]!);
      }
      if (t.length > 0) data.push({ metric: s.labels, t, v, stale: null });
    }
    this.fetched.set(vs, data);
    return data;
  }

  private count(n: number): void {
    this.samples += n;
    if (this.samples > this.maxSamples) throw new EvalError(TOO_MANY_SAMPLES);
  }

  /** Evaluates a node at one step. */
  evalAt(e: Expr, ts: number): StepValue {
    switch (e.kind) {
      case 'NumberLiteral': return { type: 'scalar', v: e.value };
      case 'StringLiteral': return { type: 'string', v: e.value };
      case 'ParenExpr': return this.evalAt(e.expr, ts);
      case 'UnaryExpr': return this.unaryAt(e.op, e.expr, ts);
      case 'VectorSelector': return { type: 'vector', samples: this.selectVector(e, ts, false) };
      case 'MatrixSelector': return { type: 'matrix', series: this.matrixAt(e, ts) };
      case 'SubqueryExpr': return { type: 'matrix', series: this.subqueryAt(e, ts) };
      case 'BinaryExpr': return this.binaryAt(e, ts);
      case 'AggregateExpr': return this.aggregateAt(e, ts);
      case 'Call': return this.callAt(e, ts);
    }
  }

  private vectorAt(e: Expr, ts: number): Sample[] {
    const v = this.evalAt(e, ts);
    if (v.type !== 'vector') throw new EvalError(`expected instant vector, got ${typeName(v)}`);
    return v.samples;
  }

  private scalarAt(e: Expr, ts: number): number {
    const v = this.evalAt(e, ts);
    if (v.type !== 'scalar') throw new EvalError(`expected scalar, got ${typeName(v)}`);
    return v.v;
  }

  private unaryAt(op: '+' | '-', inner: Expr, ts: number): StepValue {
    const v = this.evalAt(inner, ts);
    if (op === '+') return v;
    if (v.type === 'scalar') return { type: 'scalar', v: -v.v };
    if (v.type !== 'vector') throw new EvalError(`unary expression only allowed on expressions of type scalar or instant vector, got "${typeName(v)}"`);
    const out = v.samples.map((s) => ({ metric: dropName(s.metric, this.dropped), t: ts, v: -s.v }));
    checkDroppedNames(v.samples, out);
    return { type: 'vector', samples: out };
  }

  /** The latest sample of each series within the lookback window (none if it is a stale marker). */
  private selectVector(vs: VectorSelector, ts: number, keepSampleTime: boolean): Sample[] {
    const data = this.fetch(vs, false);
    const ref = (this.atTime(vs.timestamp, vs.startOrEnd) ?? ts) - vs.offset;
    const oldest = ref - this.lookback;
    const open = this.compat === 3;
    const out: Sample[] = [];
    for (const s of data) {
      const i = upperBound(s.t, ref, 0, s.t.length) - 1;
      if (i < 0) continue;
      const t = s.t[i]!;
      if (open ? t <= oldest : t < oldest) continue;
      if (s.stale !== null && s.stale[i]) continue;
      out.push({ metric: s.metric, t: keepSampleTime ? t : ts, v: s.v[i]! });
    }
    this.count(out.length);
    return out;
  }

  /** Window [lo, hi) of a series for a range ending at `end` of length `range`. */
  private windowOf(t: ArrayLike<number>, end: number, range: number): [number, number] {
    const hi = upperBound(t, end, 0, t.length);
    const lo = this.compat === 3 ? upperBound(t, end - range, 0, hi) : lowerBound(t, end - range, 0, hi);
    return [lo, hi];
  }

  private matrixAt(ms: MatrixSelector, ts: number): RangeSeries[] {
    const vs = ms.vectorSelector;
    const end = (this.atTime(vs.timestamp, vs.startOrEnd) ?? ts) - vs.offset;
    const out: RangeSeries[] = [];
    for (const s of this.fetch(vs, true)) {
      const [lo, hi] = this.windowOf(s.t, end, ms.range);
      if (hi <= lo) continue;
      this.count(hi - lo);
      out.push({ metric: s.metric, t: Array.prototype.slice.call(s.t, lo, hi), v: Array.prototype.slice.call(s.v, lo, hi) });
    }
    return out;
  }

  /** Evaluates the inner expression of a subquery at its aligned steps in the range. */
  private subqueryAt(sq: SubqueryExpr, ts: number): RangeSeries[] {
    const end = (this.atTime(sq.timestamp, sq.startOrEnd) ?? ts) - sq.offset;
    const step = sq.step > 0 ? sq.step : this.subqueryStep;
    const collector = new SeriesCollector();
    const memoize = this.isRange || this.subqueryDepth > 0;
    let memo = memoize ? this.memo.get(sq.expr) : undefined;
    if (memoize && memo === undefined) {
      memo = new Map();
      this.memo.set(sq.expr, memo);
    }
    this.subqueryDepth++;
    try {
      for (let t = this.subqueryStart(end, sq.range, step); t <= end; t += step) {
        let val = memo?.get(t);
        // What the step's evaluation held is released; its result joins the subquery's matrix.
        const stepBase = this.samples;
        if (val === undefined) {
          val = this.evalAt(sq.expr, t);
          memo?.set(t, val);
        }
        this.samples = stepBase;
        if (val.type !== 'vector') throw new EvalError(`subquery is only allowed on instant vector, got ${typeName(val)}`);
        this.count(val.samples.length);
        for (const s of val.samples) {
          const series = collector.seriesFor(s.metric);
          series.t.push(t);
          series.v.push(s.v);
        }
      }
    } finally {
      this.subqueryDepth--;
    }
    return collector.all();
  }

  private binaryAt(e: BinaryExpr, ts: number): StepValue {
    const l = this.evalAt(e.lhs, ts);
    const r = this.evalAt(e.rhs, ts);
    if (l.type === 'scalar' && r.type === 'scalar') return { type: 'scalar', v: scalarBinop(e.op, l.v, r.v) };
    let cache = this.binopCaches.get(e);
    if (cache === undefined) {
      cache = newBinopCache();
      this.binopCaches.set(e, cache);
    }
    if (l.type === 'vector' && r.type === 'vector') {
      const m = e.matching ?? DEFAULT_MATCHING;
      if (e.op === 'and' || e.op === 'or' || e.op === 'unless') {
        return { type: 'vector', samples: setBinop(e.op, l.samples, r.samples, m, ts, cache) };
      }
      return { type: 'vector', samples: vectorBinop(e.op, l.samples, r.samples, m, e.returnBool, ts, cache, this.compat, this.dropped) };
    }
    if (l.type === 'vector' && r.type === 'scalar') {
      const out = vectorScalarBinop(e.op, l.samples, r.v, false, e.returnBool, ts, this.compat, this.dropped);
      if (dropsName(e.op, this.compat) || e.returnBool) checkDroppedNames(l.samples, out);
      return { type: 'vector', samples: out };
    }
    if (l.type === 'scalar' && r.type === 'vector') {
      const out = vectorScalarBinop(e.op, r.samples, l.v, true, e.returnBool, ts, this.compat, this.dropped);
      if (dropsName(e.op, this.compat) || e.returnBool) checkDroppedNames(r.samples, out);
      return { type: 'vector', samples: out };
    }
    throw new EvalError(`binary expression must contain only scalar and instant vector types, got ${typeName(l)} and ${typeName(r)}`);
  }

  private aggregateAt(e: AggregateExpr, ts: number): StepValue {
    let cache = this.aggregateCaches.get(e);
    if (cache === undefined) {
      cache = newAggregateCache();
      this.aggregateCaches.set(e, cache);
    }
    if (e.op === 'count_values') {
      const label = e.param ? this.evalAt(unwrapParens(e.param), ts) : null;
      if (label === null || label.type !== 'string') throw new EvalError('count_values expects a string parameter');
      if (!(this.compat === 2 ? /^[a-zA-Z_][a-zA-Z0-9_]*$/.test(label.v) : label.v !== '')) {
        throw new EvalError(`invalid label name ${JSON.stringify(label.v)}`);
      }
      return { type: 'vector', samples: countValues(e, this.vectorAt(unwrapParens(e.expr), ts), label.v, ts) };
    }
    const param = e.param ? this.scalarAt(unwrapParens(e.param), ts) : NaN;
    const input = this.vectorAt(unwrapParens(e.expr), ts);
    if (e.op === 'topk' || e.op === 'bottomk' || e.op === 'limitk' || e.op === 'limit_ratio') {
      return { type: 'vector', samples: aggregateK(e, input, param, ts, this.compat, cache) };
    }
    return { type: 'vector', samples: aggregate(e, input, param, ts, this.compat, cache) };
  }

  private callAt(e: Call, ts: number): StepValue {
    const impl = FUNCTIONS[e.func];
    if (impl === undefined) throw new EvalError(`unknown function "${e.func}"`);
    const args = e.args.map(unwrapParens);
    if (impl.kind === 'range') return this.rangeCallAt(e, args, impl.fn, impl.keepName, ts);
    let argVals: ArgValue[];
    if (e.func === 'timestamp' && args[0]?.kind === 'VectorSelector') {
      argVals = [this.selectVector(args[0], ts, true)];
    } else {
      argVals = args.map((a) => {
        const v = this.evalAt(a, ts);
        if (v.type === 'matrix') throw new EvalError(`function "${e.func}" does not take a range vector here`);
        return v.type === 'vector' ? v.samples : v.v;
      });
    }
    const res = impl.fn(argVals, { ts, compat: this.compat, call: e, dropped: this.dropped });
    if (typeof res === 'number') return { type: 'scalar', v: res };
    const input = argVals.find((a): a is readonly Sample[] => Array.isArray(a));
    if (input !== undefined) checkDroppedNames(input, res);
    return { type: 'vector', samples: res };
  }

  private rangeCallAt(
    e: Call, args: Expr[], fn: (w: { t: ArrayLike<number>; v: ArrayLike<number>; lo: number; hi: number }, c: RangeContext) => number | null,
    keepName: boolean, ts: number,
  ): StepValue {
    const idx = args.findIndex((a) => a.kind === 'MatrixSelector' || a.kind === 'SubqueryExpr');
    if (idx < 0) throw new EvalError(`function "${e.func}" expects a range vector argument`);
    const params: number[] = [];
    args.forEach((a, i) => { if (i !== idx) params.push(this.scalarAt(a, ts)); });
    const arg = args[idx] as MatrixSelector | SubqueryExpr;
    const out: Sample[] = [];
    const inputs: { metric: Labels }[] = [];
    // As Prometheus counts: what is held before the call, plus the outputs so far, plus the
    // window of the series at hand (then its output) must stay within maxSamples.
    let held = this.samples;
    const emit = (metric: Labels, t: ArrayLike<number>, v: ArrayLike<number>, lo: number, hi: number, ctx: RangeContext): void => {
      if (held + (hi - lo) > this.maxSamples) throw new EvalError(TOO_MANY_SAMPLES);
      const r = fn({ t, v, lo, hi }, ctx);
      if (r === null) return;
      if (held + (hi - lo) + 1 > this.maxSamples) throw new EvalError(TOO_MANY_SAMPLES);
      held++;
      inputs.push({ metric });
      out.push({ metric: keepName ? metric : dropName(metric, this.dropped), t: ts, v: r });
    };
    if (arg.kind === 'MatrixSelector') {
      const vs = arg.vectorSelector;
      const end = (this.atTime(vs.timestamp, vs.startOrEnd) ?? ts) - vs.offset;
      const ctx: RangeContext = { ts, rangeStart: end - arg.range, rangeEnd: end, rangeMs: arg.range, compat: this.compat, params };
      for (const s of this.fetch(vs, true)) {
        const [lo, hi] = this.windowOf(s.t, end, arg.range);
        if (hi <= lo) continue;
        emit(s.metric, s.t, s.v, lo, hi, ctx);
      }
    } else {
      const end = (this.atTime(arg.timestamp, arg.startOrEnd) ?? ts) - arg.offset;
      const ctx: RangeContext = { ts, rangeStart: end - arg.range, rangeEnd: end, rangeMs: arg.range, compat: this.compat, params };
      const before = this.samples;
      // The subquery's whole result stays held while the function runs over it.
      const series = this.subqueryAt(arg, ts);
      held = this.samples;
      for (const s of series) emit(s.metric, s.t, s.v, 0, s.t.length, ctx);
      held = before + (held - this.samples);
    }
    this.samples = held;
    if (e.func === 'absent_over_time') {
      return { type: 'vector', samples: out.length > 0 ? [] : [{ metric: absentLabels(arg), t: ts, v: 1 }] };
    }
    if (!keepName) checkDroppedNames(inputs, out);
    return { type: 'vector', samples: out };
  }
}

function toMatrixSeries(s: RangeSeries): MatrixSeries {
  return { metric: s.metric, t: Array.from(s.t), v: Array.from(s.v) };
}

/** Evaluates PromQL expressions against a Querier. */
export class Engine {
  private readonly opts: Required<EngineOptions>;

  constructor(opts: EngineOptions = {}) {
    this.opts = {
      compat: opts.compat ?? 3,
      lookbackDelta: opts.lookbackDelta ?? 5 * 60 * 1000,
      noStepSubqueryInterval: opts.noStepSubqueryInterval ?? 60 * 1000,
      maxSamples: opts.maxSamples ?? 50e6,
    };
  }

  /** The Prometheus version whose semantics this engine follows. */
  get compat(): 2 | 3 {
    return this.opts.compat;
  }

  /** Evaluates `expr` at time `t` (ms). Vector samples carry t as their timestamp. */
  instantQuery(q: Querier, expr: Expr, t: number): Value {
    const ev = new Evaluation(this.opts, q, t, t, false, expr);
    const v = ev.evalAt(expr, t);
    switch (v.type) {
      case 'scalar': return { type: 'scalar', t, v: v.v };
      case 'string': return { type: 'string', t, v: v.v };
      case 'vector': return { type: 'vector', samples: v.samples };
      case 'matrix': return { type: 'matrix', series: v.series.map(toMatrixSeries) };
    }
  }

  /** Evaluates `expr` at start, start+step, ..., end (ms); series sorted by labels. */
  rangeQuery(q: Querier, expr: Expr, start: number, end: number, step: number): Matrix {
    if (!(step > 0)) throw new EvalError('zero or negative query resolution step widths are not accepted. Try a positive integer');
    if (end < start) throw new EvalError('end timestamp must not be before start time');
    const ev = new Evaluation(this.opts, q, start, end, true, expr);
    const collector = new SeriesCollector();
    let held = 0;
    for (let ts = start; ts <= end; ts += step) {
      ev.samples = held;
      const v = ev.evalAt(expr, ts);
      let samples: readonly Sample[];
      if (v.type === 'scalar') samples = [{ metric: [], t: ts, v: v.v }];
      else if (v.type === 'vector') samples = v.samples;
      else throw new EvalError(`invalid expression type "${typeName(v)}" for range query, must be Scalar or instant Vector`);
      held += samples.length;
      for (const s of samples) {
        const series = collector.seriesFor(s.metric);
        if (series.t.length > 0 && series.t[series.t.length - 1] === ts) {
          throw new EvalError('vector cannot contain metrics with the same labelset');
        }
        series.t.push(ts);
        series.v.push(s.v);
      }
    }
    const series = collector.all().sort((a, b) => compareLabels(a.metric, b.metric));
    return { type: 'matrix', series };
  }
}

/**
 * Gathers per-step vectors into matrix series. Steps usually hand back the same label
 * objects, so the identity map spares hashing the label set at every step.
 */
class SeriesCollector {
  private readonly byIdentity = new Map<Labels, MatrixSeries>();
  private readonly byKey = new Map<string, MatrixSeries>();

  /** The series for `metric`, created empty on first sight. */
  seriesFor(metric: Labels): MatrixSeries {
    let series = this.byIdentity.get(metric);
    if (series === undefined) {
      const key = labelsKey(metric);
      series = this.byKey.get(key);
      if (series === undefined) {
        series = { metric, t: [], v: [] };
        this.byKey.set(key, series);
      }
      this.byIdentity.set(metric, series);
    }
    return series;
  }

  /** Every series gathered, in first-seen order. */
  all(): MatrixSeries[] {
    return [...this.byKey.values()];
  }
}

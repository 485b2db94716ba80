/**
 * Binary operators at one evaluation step: scalar/scalar, vector/scalar and vector/vector
 * with one-to-one, many-to-one and one-to-many matching, and the set operators — with
 * Prometheus's label rules and error messages. Label computations are cached per AST node
 * and per label set identity, since the same series recur at every step and every query.
 */
import type { ArithOp, BinaryOp, CompareOp, VectorMatching } from './ast.js';
import { EvalError } from './eval_error.js';
import { goMod } from './float_math.js';
import { goAtan2, goPow } from './go_math.js';
import {
  METRIC_NAME, dropMetricName, labelsKeyOn, labelsKeyWithout, labelsToBraces, withLabel, getLabel,
  type Label, type Labels,
} from './labels.js';
import type { Sample } from './value.js';

const ARITH = new Set<BinaryOp>(['+', '-', '*', '/', '%', '^', 'atan2']);
const COMPARE = new Set<BinaryOp>(['==', '!=', '>', '<', '>=', '<=']);

/** True for operators whose result has a different meaning than its inputs (the name is dropped). */
export function isArithmetic(op: BinaryOp): op is ArithOp {
  return ARITH.has(op);
}

/** True if the operator drops the metric name (Prometheus 2.x kept it for atan2). */
export function dropsName(op: BinaryOp, compat: 2 | 3): boolean {
  return ARITH.has(op) && (compat === 3 || op !== 'atan2');
}

/** True for comparison operators. */
export function isComparison(op: BinaryOp): op is CompareOp {
  return COMPARE.has(op);
}

/** Arithmetic on two floats, as Go does it. */
export function arith(op: ArithOp, a: number, b: number): number {
  switch (op) {
    case '+': return a + b;
    case '-': return a - b;
    case '*': return a * b;
    case '/': return a / b;
    case '%': return goMod(a, b);
    case '^': return goPow(a, b);
    case 'atan2': return goAtan2(a, b);
  }
}

/** A comparison on two floats. */
export function compare(op: CompareOp, a: number, b: number): boolean {
  switch (op) {
    case '==': return a === b;
    case '!=': return a !== b;
    case '>': return a > b;
    case '<': return a < b;
    case '>=': return a >= b;
    case '<=': return a <= b;
  }
}

/** scalar OP scalar (comparisons give 1 or 0; the parser requires `bool` there). */
export function scalarBinop(op: BinaryOp, a: number, b: number): number {
  if (isArithmetic(op)) return arith(op, a, b);
  if (isComparison(op)) return compare(op, a, b) ? 1 : 0;
  throw new EvalError(`operator "${op}" not allowed for Scalar operations`);
}

/**
 * Caches of one binary-operator node in one query, keyed by label set identity: the steps
 * of a range query (or a subquery) meet the same label sets again. They live as long as
 * the query. Kept across queries they would have to be weak maps, and a rule selects
 * fresh label sets at every evaluation, so those only grew by an entry per series per
 * evaluation, which costs the garbage collector (weak map entries are ephemerons) far
 * more than computing the labels again.
 */
export interface BinopCache {
  readonly sig: Map<Labels, string>;
  readonly result: Map<Labels, Labels>;
  readonly resultPair: Map<Labels, Map<Labels, Labels>>;
}

/** A fresh cache for one binary-operator node. */
export function newBinopCache(): BinopCache {
  return { sig: new Map(), result: new Map(), resultPair: new Map() };
}

/** The label set without `__name__`, memoized by identity in `memo` (one query's, see BinopCache). */
export function dropName(ls: Labels, memo: Map<Labels, Labels>): Labels {
  let out = memo.get(ls);
  if (out === undefined) {
    out = dropMetricName(ls);
    memo.set(ls, out);
  }
  return out;
}

/** vector OP scalar (swap: scalar OP vector). Comparisons keep the vector's value. */
export function vectorScalarBinop(
  op: BinaryOp, vec: readonly Sample[], scalar: number, swap: boolean, returnBool: boolean, ts: number, compat: 2 | 3,
  dropped: Map<Labels, Labels>,
): Sample[] {
  const out: Sample[] = [];
  if (isArithmetic(op)) {
    const drop = dropsName(op, compat);
    for (const s of vec) {
      const v = swap ? arith(op, scalar, s.v) : arith(op, s.v, scalar);
      out.push({ metric: drop ? dropName(s.metric, dropped) : s.metric, t: ts, v });
    }
    return out;
  }
  if (!isComparison(op)) throw new EvalError(`operator "${op}" not allowed for vector/scalar operations`);
  for (const s of vec) {
    const keep = swap ? compare(op, scalar, s.v) : compare(op, s.v, scalar);
    if (returnBool) out.push({ metric: dropName(s.metric, dropped), t: ts, v: keep ? 1 : 0 });
    else if (keep) out.push(s.t === ts ? s : { metric: s.metric, t: ts, v: s.v });
  }
  return out;
}

function signature(ls: Labels, m: VectorMatching, cache: BinopCache): string {
  let sig = cache.sig.get(ls);
  if (sig === undefined) {
    sig = m.on ? labelsKeyOn(ls, m.matchingLabels) : labelsKeyWithout(ls, [METRIC_NAME, ...m.matchingLabels]);
    cache.sig.set(ls, sig);
  }
  return sig;
}

/** Prometheus's Labels.MatchLabels: the `on` labels, or all but the ignored ones and the name. */
function matchLabels(ls: Labels, m: VectorMatching): Labels {
  return ls.filter((l) => (m.on ? m.matchingLabels.includes(l.name) : !m.matchingLabels.includes(l.name) && l.name !== METRIC_NAME));
}

function computeResultMetric(many: Labels, one: Labels, op: BinaryOp, m: VectorMatching, compat: 2 | 3): Labels {
  let ls: Labels = dropsName(op, compat) ? dropMetricName(many) : many;
  if (m.card === 'one-to-one') {
    ls = m.on ? ls.filter((l: Label) => m.matchingLabels.includes(l.name)) : ls.filter((l: Label) => !m.matchingLabels.includes(l.name));
  }
  for (const name of m.include) ls = withLabel(ls, name, getLabel(one, name));
  return ls;
}

function resultMetric(many: Labels, one: Labels, op: BinaryOp, m: VectorMatching, cache: BinopCache, compat: 2 | 3): Labels {
  if (m.include.length === 0) {
    let r = cache.result.get(many);
    if (r === undefined) {
      r = computeResultMetric(many, one, op, m, compat);
      cache.result.set(many, r);
    }
    return r;
  }
  let inner = cache.resultPair.get(many);
  if (inner === undefined) {
    inner = new Map();
    cache.resultPair.set(many, inner);
  }
  let r = inner.get(one);
  if (r === undefined) {
    r = computeResultMetric(many, one, op, m, compat);
    inner.set(one, r);
  }
  return r;
}

/** vector OP vector for arithmetic and comparison operators. */
export function vectorBinop(
  op: BinaryOp, lhs: readonly Sample[], rhs: readonly Sample[], m: VectorMatching,
  returnBool: boolean, ts: number, cache: BinopCache, compat: 2 | 3, dropped: Map<Labels, Labels>,
): Sample[] {
  if (lhs.length === 0 || rhs.length === 0) return [];
  const swapped = m.card === 'one-to-many';
  const manySide = swapped ? rhs : lhs;
  const oneSide = swapped ? lhs : rhs;
  const oneBySig = new Map<string, Sample>();
  for (const rs of oneSide) {
    const sig = signature(rs.metric, m, cache);
    const dup = oneBySig.get(sig);
    if (dup !== undefined) {
      throw new EvalError(
        `found duplicate series for the match group ${labelsToBraces(matchLabels(rs.metric, m))} on the ` +
        `${swapped ? 'left' : 'right'} hand-side of the operation: [${labelsToBraces(rs.metric)}, ${labelsToBraces(dup.metric)}]` +
        ';many-to-many matching not allowed: matching labels must be unique on one side',
      );
    }
    oneBySig.set(sig, rs);
  }
  const arithmetic = isArithmetic(op);
  if (!arithmetic && !isComparison(op)) throw new EvalError(`operator "${op}" not allowed for operations between Vectors`);
  const matched = new Map<string, Set<string> | null>();
  const out: Sample[] = [];
  for (const ls of manySide) {
    const sig = signature(ls.metric, m, cache);
    const rs = oneBySig.get(sig);
    if (rs === undefined) continue;
    const a = swapped ? rs.v : ls.v;
    const b = swapped ? ls.v : rs.v;
    let v: number;
    let keep: boolean;
    if (arithmetic) {
      v = arith(op, a, b);
      keep = true;
    } else {
      keep = compare(op as CompareOp, a, b);
      v = a;
    }
    if (returnBool) {
      v = keep ? 1 : 0;
    } else if (!keep) {
      // Filtered-out samples never reach the uniqueness checks below, as in Prometheus.
      continue;
    }
    let metric = resultMetric(ls.metric, rs.metric, op, m, cache, compat);
    if (returnBool) metric = dropName(metric, dropped);
    if (m.card === 'one-to-one') {
      if (matched.has(sig)) throw new EvalError('multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)');
      matched.set(sig, null);
    } else {
      let inserted = matched.get(sig);
      if (inserted === undefined || inserted === null) {
        inserted = new Set();
        matched.set(sig, inserted);
      }
      const key = labelsKeyWithout(metric, []);
      if (inserted.has(key)) throw new EvalError('multiple matches for labels: grouping labels must ensure unique matches');
      inserted.add(key);
    }
    out.push({ metric, t: ts, v });
  }
  return out;
}

/** and / or / unless: set operations on label signatures (many-to-many). */
export function setBinop(op: 'and' | 'or' | 'unless', lhs: readonly Sample[], rhs: readonly Sample[], m: VectorMatching, ts: number, cache: BinopCache): Sample[] {
  const restamp = (s: Sample): Sample => (s.t === ts ? s : { metric: s.metric, t: ts, v: s.v });
  switch (op) {
    case 'and': {
      if (lhs.length === 0 || rhs.length === 0) return [];
      const right = new Set<string>();
      for (const s of rhs) right.add(signature(s.metric, m, cache));
      return lhs.filter((s) => right.has(signature(s.metric, m, cache))).map(restamp);
    }
    case 'or': {
      if (lhs.length === 0) return rhs.map(restamp);
      if (rhs.length === 0) return lhs.map(restamp);
      const left = new Set<string>();
      const out: Sample[] = [];
      for (const s of lhs) {
        left.add(signature(s.metric, m, cache));
        out.push(restamp(s));
      }
      for (const s of rhs) if (!left.has(signature(s.metric, m, cache))) out.push(restamp(s));
      return out;
    }
    case 'unless': {
      if (lhs.length === 0 || rhs.length === 0) return lhs.map(restamp);
      const right = new Set<string>();
      for (const s of rhs) right.add(signature(s.metric, m, cache));
      return lhs.filter((s) => !right.has(signature(s.metric, m, cache))).map(restamp);
    }
  }
}

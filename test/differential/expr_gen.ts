/**
 * Random PromQL expressions over a SeriesWorld, drawn from a typed grammar: selectors with
 * matchers, offsets and @, range functions over ranges and subqueries, every instant
 * function, aggregations with by/without, arithmetic and comparison operators (bool too)
 * with on/ignoring/group_left/group_right, and the set operators.
 */
import type { Rng } from './rng.js';
import type { MetricInfo, SeriesWorld } from './series_gen.js';

/** A generated vector expression and the label names its samples may carry. */
interface VecExpr {
  readonly text: string;
  readonly labels: readonly string[];
}

/** Knobs of the grammar. */
export interface ExprOptions {
  /** Allow subqueries, @ and holt_winters (whose 2.x and 3.x results differ on range boundaries). */
  readonly boundarySensitive: boolean;
}

const RANGE_FUNCS = [
  'rate', 'irate', 'increase', 'delta', 'idelta', 'deriv', 'changes', 'resets', 'avg_over_time', 'min_over_time',
  'max_over_time', 'sum_over_time', 'count_over_time', 'stddev_over_time', 'stdvar_over_time', 'last_over_time',
  'present_over_time', 'absent_over_time', 'quantile_over_time', 'predict_linear', 'holt_winters',
];
const MATH_FUNCS = [
  'abs', 'ceil', 'floor', 'exp', 'ln', 'log2', 'log10', 'sqrt', 'sgn', 'acos', 'acosh', 'asin', 'asinh', 'atan',
  'atanh', 'cos', 'cosh', 'sin', 'sinh', 'tan', 'tanh', 'deg', 'rad', 'timestamp', 'sort', 'sort_desc',
];
const DATE_FUNCS = ['day_of_month', 'day_of_week', 'day_of_year', 'days_in_month', 'hour', 'minute', 'month', 'year'];
const AGGS = ['sum', 'avg', 'min', 'max', 'count', 'group', 'stddev', 'stdvar'];
const ARITH = ['+', '-', '*', '/', '%', '^', 'atan2'];
const CMP = ['==', '!=', '>', '<', '>=', '<='];
const RANGES = ['30s', '1m', '2m', '3m', '5m', '10m', '15m'];

/** Generates expressions for one SeriesWorld. */
export class ExprGenerator {
  constructor(private readonly rng: Rng, private readonly world: SeriesWorld, private readonly opts: ExprOptions) {}

  /** A random instant-vector (or, rarely, scalar) expression. */
  expr(): string {
    if (this.rng.chance(0.04)) return this.scalar(0);
    return this.vector(0).text;
  }

  private metric(kind?: MetricInfo['kind']): MetricInfo {
    const ms = this.world.metrics.filter((m) => kind === undefined || m.kind === kind);
    return this.rng.pick(ms);
  }

  private matcher(label: string): string {
    const r = this.rng;
    const vals = this.world.values[label] ?? ['x'];
    const v = r.pick(vals);
    return r.weighted<string>([
      [5, `${label}="${v}"`],
      [2, `${label}!="${v}"`],
      [2, `${label}=~"${r.pick([`${v}|${r.pick(vals)}`, `${v[0] ?? ''}.*`, '.+', '.*', v])}"`],
      [1, `${label}!~"${r.pick([`${v[0] ?? ''}.*`, `${v}|${r.pick(vals)}`, ''])}"`],
      [0.3, `${label}=""`],
    ]);
  }

  private modifiers(): string {
    const r = this.rng;
    let out = '';
    if (this.opts.boundarySensitive && r.chance(0.06)) {
      out += ` @ ${r.pick(['start()', 'end()', String(r.int(1, 30) * 60), `${r.int(1, 1800)}.5`])}`;
    }
    if (r.chance(0.15)) out += ` offset ${r.pick(['1m', '2m', '5m', '90s', '10m'])}`;
    else if (r.chance(0.02)) out += ` offset -${r.pick(['1m', '2m'])}`;
    return out;
  }

  /** A vector selector (without modifiers) of a metric, or by labels only. */
  private selector(m: MetricInfo): string {
    const r = this.rng;
    const ms = r.subset(m.labels).slice(0, 2).map((l) => this.matcher(l));
    if (r.chance(0.04)) return `{__name__=~"${m.name}|up"${ms.map((x) => `,${x}`).join('')}}`;
    if (r.chance(0.03)) return `{__name__="${m.name}"${ms.map((x) => `,${x}`).join('')}}`;
    return ms.length === 0 ? m.name : `${m.name}{${ms.join(',')}}`;
  }

  private matrix(depth: number, kind?: MetricInfo['kind']): VecExpr {
    const r = this.rng;
    if (this.opts.boundarySensitive && depth < 3 && r.chance(0.12)) {
      const inner = this.vector(depth + 1);
      const step = r.pick(['', '30s', '1m', '2m', '45s']);
      return { text: `(${inner.text})[${r.pick(['2m', '5m', '10m'])}:${step}]${this.modifiers()}`, labels: inner.labels };
    }
    const m = this.metric(kind);
    return { text: `${this.selector(m)}[${r.pick(RANGES)}]${this.modifiers()}`, labels: ['__name__', ...m.labels] };
  }

  /** A scalar expression. */
  scalar(depth: number): string {
    const r = this.rng;
    return r.weighted<() => string>([
      [8, () => r.pick(['0', '1', '2', '0.5', '10', '100', '60', '-1', '3', '0.25', '1e3', '50'])],
      [depth < 2 ? 0.5 : 0, () => `scalar(${this.vector(depth + 1).text})`],
      [0.5, () => 'time()'],
      [0.2, () => 'pi()'],
      [depth < 2 ? 0.5 : 0, () => `(${this.scalar(depth + 1)} ${r.pick(ARITH.filter((o) => o !== 'atan2'))} ${this.scalar(depth + 1)})`],
    ])();
  }

  private threshold(): string {
    return this.rng.pick(['0', '0.5', '1', '2', '10', '30', '50', '60', '80', '100', '300', '500']);
  }

  private grouping(labels: readonly string[]): { clause: string; labels: string[] } {
    const r = this.rng;
    const pool = [...labels.filter((l) => l !== '__name__'), 'nope'];
    const chosen = r.subset(pool);
    if (r.chance(0.2)) return { clause: '', labels: [] };
    if (r.chance(0.65)) return { clause: `by (${chosen.join(', ')})`, labels: chosen };
    return { clause: `without (${chosen.join(', ')})`, labels: labels.filter((l) => l !== '__name__' && !chosen.includes(l)) };
  }

  /** An instant-vector expression. */
  vector(depth: number): VecExpr {
    const r = this.rng;
    const deep = depth >= 3;
    return r.weighted<() => VecExpr>([
      [3, () => { const m = this.metric(); return { text: this.selector(m) + this.modifiers(), labels: ['__name__', ...m.labels] }; }],
      [4, () => this.rangeCall(depth)],
      [deep ? 0 : 1.5, () => this.mathCall(depth)],
      [deep ? 0 : 3, () => this.aggregate(depth)],
      [deep ? 0 : 2, () => this.vectorScalar(depth)],
      [deep ? 0 : 2, () => this.vectorVector(depth)],
      [deep ? 0 : 0.7, () => this.setOp(depth)],
      [deep ? 0 : 0.5, () => this.histogramQuantile()],
      [deep ? 0 : 0.6, () => this.labelFunc(depth)],
      [deep ? 0 : 0.3, () => ({ text: `absent(${this.selector(this.metric())})`, labels: ['job', 'instance', 'code'] })],
      [deep ? 0 : 0.2, () => ({ text: `vector(${this.scalar(depth + 1)})`, labels: [] })],
      [deep ? 0 : 0.3, () => { const v = this.vector(depth + 1); return { text: `-${v.text.includes(' ') ? `(${v.text})` : v.text}`, labels: v.labels.filter((l) => l !== '__name__') }; }],
    ])();
  }

  private rangeCall(depth: number): VecExpr {
    const r = this.rng;
    let f = r.pick(RANGE_FUNCS);
    if (f === 'holt_winters' && !this.opts.boundarySensitive) f = 'deriv';
    const m = this.matrix(depth, f === 'rate' || f === 'increase' || f === 'irate' || f === 'resets' ? r.pick(['counter', 'counter', 'gauge'] as const) : undefined);
    const labels = f === 'last_over_time' ? m.labels : m.labels.filter((l) => l !== '__name__');
    switch (f) {
      case 'quantile_over_time': return { text: `${f}(${r.pick(['0', '0.5', '0.9', '0.99', '1', '-0.5', '1.5'])}, ${m.text})`, labels };
      case 'predict_linear': return { text: `${f}(${m.text}, ${r.pick(['60', '300', '3600', '-60', '0'])})`, labels };
      case 'holt_winters': return { text: `${f}(${m.text}, ${r.pick(['0.5', '0.1', '0.9'])}, ${r.pick(['0.5', '0.3', '0.9'])})`, labels };
      case 'absent_over_time': return { text: `${f}(${m.text})`, labels: [] };
      default: return { text: `${f}(${m.text})`, labels };
    }
  }

  private mathCall(depth: number): VecExpr {
    const r = this.rng;
    const v = this.vector(depth + 1);
    const labels = v.labels.filter((l) => l !== '__name__');
    return r.weighted<() => VecExpr>([
      [5, () => { const f = r.pick(MATH_FUNCS); return { text: `${f}(${v.text})`, labels: f === 'sort' || f === 'sort_desc' ? v.labels : labels }; }],
      [1, () => ({ text: `round(${v.text}${r.chance(0.5) ? `, ${r.pick(['0.1', '5', '10', '0.3'])}` : ''})`, labels })],
      [1, () => ({ text: `clamp(${v.text}, ${r.pick(['0', '10', '-1'])}, ${r.pick(['50', '100', '5'])})`, labels })],
      [1, () => ({ text: `${r.pick(['clamp_min', 'clamp_max'])}(${v.text}, ${r.pick(['0', '10', '50'])})`, labels })],
      [1, () => ({ text: r.chance(0.2) ? `${r.pick(DATE_FUNCS)}()` : `${r.pick(DATE_FUNCS)}(${v.text})`, labels })],
    ])();
  }

  private aggregate(depth: number): VecExpr {
    const r = this.rng;
    const v = this.vector(depth + 1);
    const g = this.grouping(v.labels);
    const form = (op: string, param: string | null, labels: readonly string[]): VecExpr => {
      const args = param === null ? v.text : `${param}, ${v.text}`;
      if (g.clause === '') return { text: `${op}(${args})`, labels };
      return { text: r.chance(0.5) ? `${op} ${g.clause} (${args})` : `${op}(${args}) ${g.clause}`, labels };
    };
    return r.weighted<() => VecExpr>([
      [6, () => form(r.pick(AGGS), null, g.labels)],
      [1, () => form(r.pick(['topk', 'bottomk']), r.pick(['1', '2', '3', '0']), v.labels)],
      [1, () => form('quantile', r.pick(['0.5', '0.9', '0', '1', '0.25', '2']), g.labels)],
      [0.5, () => form('count_values', `"${r.pick(['value', 'v', 'job'])}"`, [...g.labels, 'value'])],
    ])();
  }

  private vectorScalar(depth: number): VecExpr {
    const r = this.rng;
    const v = this.vector(depth + 1);
    const labels = v.labels.filter((l) => l !== '__name__');
    const s = r.chance(0.85) ? (r.chance(0.5) ? this.threshold() : this.scalar(depth + 1)) : this.scalar(depth + 1);
    const lhs = v.text.includes(' ') ? `(${v.text})` : v.text;
    if (r.chance(0.5)) {
      const op = r.pick(CMP);
      const bool = r.chance(0.3) ? ' bool' : '';
      return r.chance(0.8) ? { text: `${lhs} ${op}${bool} ${s}`, labels: bool ? labels : v.labels } : { text: `${s} ${op}${bool} ${lhs}`, labels: bool ? labels : v.labels };
    }
    const op = r.pick(ARITH);
    return r.chance(0.7) ? { text: `${lhs} ${op} ${s}`, labels } : { text: `${s} ${op} ${lhs}`, labels };
  }

  /** Two vectors joined by an operator with a matching clause likely to be valid. */
  private vectorVector(depth: number): VecExpr {
    const r = this.rng;
    const a = this.vector(depth + 1);
    const b = this.vector(depth + 1);
    const common = a.labels.filter((l) => l !== '__name__' && b.labels.includes(l));
    const op = r.chance(0.6) ? r.pick(ARITH) : `${r.pick(CMP)}${r.chance(0.3) ? ' bool' : ''}`;
    const wrap = (x: string): string => (x.includes(' ') ? `(${x})` : x);
    const on = r.subset(common, Math.min(1, common.length));
    const kind = r.weighted<string>([[3, 'plain'], [3, 'on'], [1, 'ignoring'], [2, 'group_left'], [1, 'group_right']]);
    const outLabels = a.labels.filter((l) => l !== '__name__');
    switch (kind) {
      case 'on': return { text: `${wrap(a.text)} ${op} on(${on.join(', ')}) ${wrap(b.text)}`, labels: outLabels };
      case 'ignoring': return { text: `${wrap(a.text)} ${op} ignoring(${r.subset(common).join(', ')}) ${wrap(b.text)}`, labels: outLabels };
      case 'group_left': {
        // The "one" side aggregated by the matching labels, so it is unique on them.
        const extra = r.chance(0.3) ? `(${r.pick(b.labels.filter((l) => l !== '__name__' && !on.includes(l)).concat(['nope']))})` : '';
        return { text: `${wrap(a.text)} ${op} on(${on.join(', ')}) group_left${extra} ${r.pick(['sum', 'max', 'count'])} by (${on.join(', ')}) (${b.text})`, labels: outLabels };
      }
      case 'group_right':
        // An operand in parentheses right after group_right would read as its label list.
        return { text: `${r.pick(['sum', 'min'])} by (${on.join(', ')}) (${a.text}) ${op} on(${on.join(', ')}) group_right${wrap(b.text).startsWith('(') ? '()' : ''} ${wrap(b.text)}`, labels: b.labels.filter((l) => l !== '__name__') };
      default: return { text: `${wrap(a.text)} ${op} ${wrap(b.text)}`, labels: outLabels };
    }
  }

  private setOp(depth: number): VecExpr {
    const r = this.rng;
    const a = this.vector(depth + 1);
    const b = this.vector(depth + 1);
    const common = a.labels.filter((l) => b.labels.includes(l) && l !== '__name__');
    const op = r.pick(['and', 'or', 'unless']);
    const m = r.weighted<string>([[3, ''], [2, ` on(${r.subset(common).join(', ')})`], [1, ` ignoring(${r.subset(common).join(', ')})`]]);
    const wrap = (x: string): string => (x.includes(' ') ? `(${x})` : x);
    return { text: `${wrap(a.text)} ${op}${m} ${wrap(b.text)}`, labels: op === 'or' ? [...new Set([...a.labels, ...b.labels])] : a.labels };
  }

  private histogramQuantile(): VecExpr {
    const r = this.rng;
    const q = r.pick(['0.5', '0.9', '0.99', '0', '1', '0.25', '-1', '2']);
    const fn = r.pick(['rate', 'increase']);
    const range = r.pick(['1m', '2m', '5m', '10m']);
    const by = r.pick(['le', 'le, instance', 'instance, le']);
    const inner = r.chance(0.7)
      ? `sum by (${by}) (${fn}(req_duration_seconds_bucket${r.chance(0.3) ? '{instance="a"}' : ''}[${range}]))`
      : `${fn}(req_duration_seconds_bucket[${range}])`;
    return { text: `histogram_quantile(${q}, ${inner})`, labels: ['instance'] };
  }

  private labelFunc(depth: number): VecExpr {
    const r = this.rng;
    const v = this.vector(depth + 1);
    const src = r.pick([...v.labels, 'nope']);
    if (r.chance(0.6)) {
      const dst = r.pick(['host', 'job', 'instance', 'new', '__name__']);
      const repl = r.pick(['$1', 'x-$1', '$2', '', '${1}y', '$1$1']);
      const re = r.pick(['(.*)', '(a|b)', '([a-z])(.*)', '(.+)', '.*', 'a(.*)', '(', '']);
      return { text: `label_replace(${v.text}, "${dst}", "${repl}", "${src}", "${re}")`, labels: [...new Set([...v.labels, dst])] };
    }
    const dst = r.pick(['joined', 'job', 'instance']);
    const srcs = r.subset([...v.labels, 'nope']).map((l) => `, "${l}"`).join('');
    return { text: `label_join(${v.text}, "${dst}", "${r.pick(['-', ',', '', '/'])}"${srcs})`, labels: [...new Set([...v.labels, dst])] };
  }
}

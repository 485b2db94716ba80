/**
 * Aggregation operators at one evaluation step (sum, avg, min, max, count, group, stddev,
 * stdvar, quantile, topk, bottomk, limitk, limit_ratio, count_values), with the float
 * arithmetic of the Prometheus version selected by `compat`.
 */
import type { AggregateExpr } from './ast.js';
import { EvalError } from './eval_error.js';
import { formatFloatGo, formatFloatPlain, kahanSumInc } from './float_math.js';
import {
  METRIC_NAME, labelsKey, labelsKeyOn, labelsKeyWithout, withLabel, type Labels,
} from './labels.js';
import { quantile } from './quantile.js';
import type { Sample } from './value.js';

/** Caches of one aggregation node in one query: grouping key and group labels by input label set identity (see BinopCache). */
export interface AggregateCache {
  readonly key: Map<Labels, string>;
  readonly groupLabels: Map<Labels, Labels>;
}

/** A fresh cache for one aggregation node. */
export function newAggregateCache(): AggregateCache {
  return { key: new Map(), groupLabels: new Map() };
}

function groupingKey(ls: Labels, e: AggregateExpr, cache: AggregateCache): string {
  let k = cache.key.get(ls);
  if (k === undefined) {
    k = e.without ? labelsKeyWithout(ls, [METRIC_NAME, ...e.grouping]) : labelsKeyOn(ls, e.grouping);
    cache.key.set(ls, k);
  }
  return k;
}

function groupLabels(ls: Labels, e: AggregateExpr, cache: AggregateCache): Labels {
  let g = cache.groupLabels.get(ls);
  if (g === undefined) {
    g = e.without
      ? ls.filter((l) => l.name !== METRIC_NAME && !e.grouping.includes(l.name))
      : ls.filter((l) => e.grouping.includes(l.name));
    cache.groupLabels.set(ls, g);
  }
  return g;
}

interface Group {
  labels: Labels;
  value: number;
  mean: number;
  kahanC: number;
  count: number;
  incrementalMean: boolean;
  values: number[] | null;
}

/** sum, avg, min, max, count, group, stddev, stdvar, quantile over one step's vector. */
export function aggregate(e: AggregateExpr, input: readonly Sample[], param: number, ts: number, compat: 2 | 3, cache: AggregateCache): Sample[] {
  const op = e.op;
  const groups = new Map<string, Group>();
  const order: Group[] = [];
  for (const s of input) {
    const key = groupingKey(s.metric, e, cache);
    const f = s.v;
    let g = groups.get(key);
    if (g === undefined) {
      g = { labels: groupLabels(s.metric, e, cache), value: f, mean: f, kahanC: 0, count: 1, incrementalMean: false, values: null };
      if (op === 'stddev' || op === 'stdvar') {
        g.value = compat === 3 && !Number.isFinite(f) ? NaN : 0;
      } else if (op === 'quantile') {
        g.values = [f];
      } else if (op === 'group') {
        g.value = 1;
      }
      groups.set(key, g);
      order.push(g);
      continue;
    }
    switch (op) {
      case 'sum':
        if (compat === 3) {
          const t = g.value + f;
          if (t === Infinity || t === -Infinity) g.kahanC = 0;
          else if (Math.abs(g.value) >= Math.abs(f)) g.kahanC += (g.value - t) + f;
          else g.kahanC += (f - t) + g.value;
          g.value = t;
        } else {
          g.value += f;
        }
        break;
      case 'avg':
        g.count++;
        if (compat === 2) {
          if (g.mean === Infinity || g.mean === -Infinity) {
            if ((f === Infinity || f === -Infinity) && g.mean > 0 === f > 0) break;
            if (f !== Infinity && f !== -Infinity && !Number.isNaN(f)) break;
          }
          g.mean += f / g.count - g.mean / g.count;
        } else {
          if (!g.incrementalMean) {
            const [nv, nc] = kahanSumInc(f, g.value, g.kahanC);
            if (nv !== Infinity && nv !== -Infinity) {
              g.value = nv;
              g.kahanC = nc;
              break;
            }
            g.incrementalMean = true;
            g.mean = g.value / (g.count - 1);
            g.kahanC /= g.count - 1;
          }
          const q = (g.count - 1) / g.count;
          [g.mean, g.kahanC] = kahanSumInc(f / g.count, q * g.mean, q * g.kahanC);
        }
        break;
      case 'max':
        if (g.value < f || Number.isNaN(g.value)) g.value = f;
        break;
      case 'min':
        if (g.value > f || Number.isNaN(g.value)) g.value = f;
        break;
      case 'count':
        g.count++;
        break;
      case 'group':
        break;
      case 'stddev':
      case 'stdvar': {
        g.count++;
        const delta = f - g.mean;
        g.mean += delta / g.count;
        g.value += delta * (f - g.mean);
        break;
      }
      case 'quantile':
        g.values!.push(f);
        break;
      default:
        throw new EvalError(`expected aggregation operator but got "${op}"`);
    }
  }
  const out: Sample[] = new Array(order.length);
  for (let i = 0; i < order.length; i++) {
    const g = order[i]!;
    let v = g.value;
    switch (op) {
      case 'sum':
        if (compat === 3) v = g.value + g.kahanC;
        break;
      case 'avg':
        if (compat === 2) v = g.mean;
        else if (g.incrementalMean) v = g.mean + g.kahanC;
        else v = g.value / g.count + g.kahanC / g.count;
        break;
      case 'count':
        v = g.count;
        break;
      case 'stdvar':
        v = g.value / g.count;
        break;
      case 'stddev':
        v = Math.sqrt(g.value / g.count);
        break;
      case 'quantile':
        v = quantile(param, g.values!);
        break;
    }
    out[i] = { metric: g.labels, t: ts, v };
  }
  return out;
}

/** Go's container/heap on samples ordered by `less`. */
class SampleHeap {
  readonly items: Sample[] = [];
  constructor(private readonly less: (a: Sample, b: Sample) => boolean) {}
  push(s: Sample): void {
    this.items.push(s);
    this.up(this.items.length - 1);
  }
  fixTop(): void {
    if (!this.down(0, this.items.length)) this.up(0);
  }
  private up(j: number): void {
    const h = this.items;
    for (;;) {
      const i = Math.trunc((j - 1) / 2);
      if (i === j || !this.less(h[j]!, h[i]!)) break;
      [h[i], h[j]] = [h[j]!, h[i]!];
      j = i;
    }
  }
  private down(i0: number, n: number): boolean {
    const h = this.items;
    let i = i0;
    for (;;) {
      const j1 = 2 * i + 1;
      if (j1 >= n) break;
      let j = j1;
      const j2 = j1 + 1;
      if (j2 < n && this.less(h[j2]!, h[j1]!)) j = j2;
      if (!this.less(h[j]!, h[i]!)) break;
      [h[i], h[j]] = [h[j]!, h[i]!];
      i = j;
    }
    return i > i0;
  }
}

const byValue = (a: Sample, b: Sample): boolean => Number.isNaN(a.v) || a.v < b.v;
const byReverseValue = (a: Sample, b: Sample): boolean => Number.isNaN(a.v) || a.v > b.v;

/** A deterministic fraction in [0, 1) from a label set, for limit_ratio's sampling. */
function labelsFraction(ls: Labels): number {
  const s = labelsKey(ls);
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193) >>> 0;
    h2 = Math.imul(h2 ^ c, 0x5bd1e995) >>> 0;
  }
  return (h1 * 2 ** 21 + (h2 >>> 11)) / 2 ** 53;
}

/** topk, bottomk, limitk, limit_ratio: keep input samples (with their labels) per group. */
export function aggregateK(e: AggregateExpr, input: readonly Sample[], param: number, ts: number, compat: 2 | 3, cache: AggregateCache): Sample[] {
  const op = e.op;
  let k = 0;
  let ratio = 0;
  if (op === 'limit_ratio') {
    if (Number.isNaN(param)) throw new EvalError('Ratio value is NaN');
    if (param === 0) return [];
    ratio = Math.max(-1, Math.min(1, param));
  } else {
    if (compat === 2) {
      if (!(param > -9223372036854775808 && param < 9223372036854775807)) {
        throw new EvalError(`Scalar value ${formatFloatGo(param)} overflows int64`);
      }
    } else {
      if (Number.isNaN(param)) throw new EvalError('Parameter value is NaN');
      if (param <= -9223372036854775808) throw new EvalError(`Scalar value ${formatFloatGo(param)} underflows int64`);
      if (param >= 9223372036854775807) throw new EvalError(`Scalar value ${formatFloatGo(param)} overflows int64`);
    }
    k = Math.min(Math.trunc(param), input.length);
    if (k < 1) return [];
  }
  const groups = new Map<string, SampleHeap>();
  const order: SampleHeap[] = [];
  for (const s of input) {
    const key = groupingKey(s.metric, e, cache);
    let h = groups.get(key);
    if (h === undefined) {
      h = new SampleHeap(op === 'bottomk' ? byReverseValue : byValue);
      groups.set(key, h);
      order.push(h);
    }
    const items = h.items;
    switch (op) {
      case 'topk':
        if (items.length < k) h.push(s);
        else if (items[0]!.v < s.v || (Number.isNaN(items[0]!.v) && !Number.isNaN(s.v))) {
          items[0] = s;
          if (k > 1) h.fixTop();
        }
        break;
      case 'bottomk':
        if (items.length < k) h.push(s);
        else if (items[0]!.v > s.v || (Number.isNaN(items[0]!.v) && !Number.isNaN(s.v))) {
          items[0] = s;
          if (k > 1) h.fixTop();
        }
        break;
      case 'limitk':
        if (items.length < k) h.push(s);
        break;
      case 'limit_ratio': {
        const f = labelsFraction(s.metric);
        if ((ratio >= 0 && f < ratio) || (ratio < 0 && f >= 1 + ratio)) h.push(s);
        break;
      }
    }
  }
  const out: Sample[] = [];
  for (const h of order) {
    let items = h.items;
    if (op === 'topk') items = items.slice().sort((a, b) => (byValue(b, a) ? -1 : byValue(a, b) ? 1 : 0));
    else if (op === 'bottomk') items = items.slice().sort((a, b) => (byReverseValue(b, a) ? -1 : byReverseValue(a, b) ? 1 : 0));
    for (const s of items) out.push(s.t === ts ? s : { metric: s.metric, t: ts, v: s.v });
  }
  return out;
}

/** count_values: one output series per distinct value (as Go's FormatFloat 'f' -1 prints it). */
export function countValues(e: AggregateExpr, input: readonly Sample[], valueLabel: string, ts: number): Sample[] {
  const grouping = e.without ? e.grouping : [...e.grouping, valueLabel];
  const groups = new Map<string, { labels: Labels; count: number }>();
  for (const s of input) {
    const metric = withLabel(s.metric, valueLabel, formatFloatPlain(s.v));
    const key = e.without ? labelsKeyWithout(metric, [METRIC_NAME, ...grouping]) : labelsKeyOn(metric, grouping);
    const g = groups.get(key);
    if (g !== undefined) {
      g.count++;
      continue;
    }
    const labels = e.without
      ? metric.filter((l) => l.name !== METRIC_NAME && !grouping.includes(l.name))
      : metric.filter((l) => grouping.includes(l.name));
    groups.set(key, { labels, count: 1 });
  }
  const out: Sample[] = [];
  for (const g of groups.values()) out.push({ metric: g.labels, t: ts, v: g.count });
  return out;
}

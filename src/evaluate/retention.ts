/**
 * How long each series must stay in a partition's window: as far back as the selectors
 * that can match it read, not as far as the longest rule reads. One `predict_linear(
 * node_filesystem_avail_bytes[6h], ...)` would otherwise keep every series of the
 * partition for six hours. A series no selector matches keeps the lookback delta, so an
 * ad-hoc instant query still sees it.
 */
import type { Expr } from '../promql/ast.js';
import { getLabel, type Labels } from '../promql/labels.js';
import type { Matcher } from '../promql/matcher.js';
import type { RuleGroup } from '../rules/group.js';

/** A selector of some rule and how far before its evaluation time it reads (ms). */
export interface SelectorReach {
  readonly matchers: readonly Matcher[];
  readonly reach: number;
}

/**
 * Every selector of `e` with its reach: a vector selector reads lookback + offset, a
 * range selector range + offset, and a subquery adds its range and offset to everything
 * inside it. `@` modifiers pin a selector to a fixed time and cannot be bounded; they
 * count as if absent.
 */
export function selectorReaches(e: Expr, lookbackDelta: number, outer = 0, out: SelectorReach[] = []): SelectorReach[] {
  switch (e.kind) {
    case 'VectorSelector':
      out.push({ matchers: e.matchers, reach: Math.max(0, outer + lookbackDelta + e.offset) });
      break;
    case 'MatrixSelector':
      out.push({ matchers: e.vectorSelector.matchers, reach: Math.max(0, outer + e.range + e.vectorSelector.offset) });
      break;
    case 'SubqueryExpr':
      selectorReaches(e.expr, lookbackDelta, outer + e.range + e.offset, out);
      break;
    case 'ParenExpr':
    case 'UnaryExpr':
      selectorReaches(e.expr, lookbackDelta, outer, out);
      break;
    case 'BinaryExpr':
      selectorReaches(e.lhs, lookbackDelta, outer, out);
      selectorReaches(e.rhs, lookbackDelta, outer, out);
      break;
    case 'AggregateExpr':
      selectorReaches(e.expr, lookbackDelta, outer, out);
      if (e.param) selectorReaches(e.param, lookbackDelta, outer, out);
      break;
    case 'Call':
      for (const a of e.args) selectorReaches(a, lookbackDelta, outer, out);
      break;
    case 'NumberLiteral':
    case 'StringLiteral':
      break;
  }
  return out;
}

/** Per series, how long the rules need it kept (ms before the evaluation time). */
export class SeriesRetention {
  /** Selectors with a metric name equality, by that name: a series is checked against its own name's only. */
  private readonly byName = new Map<string, SelectorReach[]>();
  /** Selectors without one (e.g. `{__name__=~"node_.*"}`), checked against every series. */
  private readonly general: SelectorReach[] = [];
  /** The longest reach of all: the window length. */
  readonly longest: number;

  constructor(groups: readonly RuleGroup[], private readonly lookbackDelta: number) {
    let longest = lookbackDelta;
    for (const g of groups) {
      for (const r of g.rules) {
        for (const s of selectorReaches(r.expr, lookbackDelta, g.queryOffset)) {
          longest = Math.max(longest, s.reach);
          const name = s.matchers.find((m) => m.name === '__name__' && m.type === '=');
          if (name === undefined) this.general.push(s);
          else {
            const list = this.byName.get(name.value);
            if (list === undefined) this.byName.set(name.value, [s]);
            else list.push(s);
          }
        }
      }
    }
    this.longest = longest;
  }

  /** How long a series with these labels is kept: the longest reach of the selectors matching it, at least the lookback delta. */
  keepFor(labels: Labels): number {
    let keep = this.lookbackDelta;
    const own = this.byName.get(getLabel(labels, '__name__'));
    if (own !== undefined) for (const s of own) if (s.reach > keep && matchesAll(s.matchers, labels)) keep = s.reach;
    for (const s of this.general) if (s.reach > keep && matchesAll(s.matchers, labels)) keep = s.reach;
    return keep;
  }
}

function matchesAll(matchers: readonly Matcher[], labels: Labels): boolean {
  for (const m of matchers) if (!m.matches(getLabel(labels, m.name))) return false;
  return true;
}

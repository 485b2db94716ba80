/**
 * A recording rule: its query's result, renamed and relabelled, stored as a new series.
 */
import type { Expr } from '../promql/ast.js';
import { labelsFromPairs, labelsKey, labelsToString, METRIC_NAME, type Labels } from '../promql/labels.js';
import type { Sample } from '../promql/value.js';
import { BaseRule, queryVector, RuleEvalError, type Rule, type RuleContext, type RuleEvalOptions } from './rule.js';

/** Definition of a recording rule, expression already parsed. */
export interface RecordingRuleOptions {
  name: string;
  expr: Expr;
  exprText: string;
  labels?: Labels;
}

/** Prometheus's RecordingRule. */
export class RecordingRule extends BaseRule implements Rule {
  readonly kind = 'recording' as const;
  readonly name: string;
  readonly expr: Expr;
  readonly exprText: string;
  readonly labels: Labels;

  constructor(opts: RecordingRuleOptions) {
    super();
    this.name = opts.name;
    this.expr = opts.expr;
    this.exprText = opts.exprText;
    this.labels = opts.labels ?? [];
  }

  /** Output samples are stamped t - queryOffset, the time the query ran at. */
  eval(t: number, ctx: RuleContext, opts: RuleEvalOptions = {}): Sample[] {
    const qt = t - (opts.queryOffset ?? 0);
    const input = queryVector(ctx, this.expr, qt);
    const out: Sample[] = [];
    const seen = new Set<string>();
    for (const s of input) {
      const pairs: [string, string][] = s.metric.map((l) => [l.name, l.value]);
      pairs.push([METRIC_NAME, this.name]);
      for (const l of this.labels) pairs.push([l.name, l.value]);
      const metric = labelsFromPairs(pairs);
      const key = labelsKey(metric);
      if (seen.has(key)) {
        throw new RuleEvalError('vector contains metrics with the same labelset after applying rule labels');
      }
      seen.add(key);
      out.push({ metric, t: qt, v: s.v });
    }
    const limit = opts.limit ?? 0;
    if (limit > 0 && out.length > limit) {
      throw new RuleEvalError(`exceeded limit of ${limit} with ${out.length} series`);
    }
    return out;
  }

  definition(): string {
    return `record: ${this.name}\nexpr: ${this.exprText}\nlabels: ${labelsToString(this.labels)}\n`;
  }
}

/**
 * A rule group: its rules evaluated in order at one time, each rule's output appended
 * so that later rules see it, and stale markers for series a rule stopped producing
 * (Prometheus's group.go).
 */
import { parseExpr } from '../promql/parser.js';
import { labelsKey, labelsToString, type Label, type Labels } from '../promql/labels.js';
import { AlertingRule, type Alert } from './alerting.js';
import { RecordingRule } from './recording.js';
import { appendStatusError, type Rule, type RuleContext } from './rule.js';
import type { RuleGroupSpec } from './schema.js';

/** Prometheus's default global evaluation_interval. */
export const DEFAULT_EVALUATION_INTERVAL_MS = 60_000;
/** Prometheus's default --rules.alert.resend-delay. */
export const DEFAULT_RESEND_DELAY_MS = 60_000;

/** Receives the alerts a rule wants sent after an evaluation. */
export type NotifyFunc = (group: RuleGroup, rule: AlertingRule, alerts: Alert[]) => void;

/** How a group is built and run. */
export interface RuleGroupOptions {
  /** File the group came from (part of its identity). */
  file?: string;
  /** Global evaluation interval (ms), used when the group sets none. */
  defaultInterval?: number;
  /** Global rule_query_offset (ms), used when the group sets none. */
  defaultQueryOffset?: number;
  /** PromQL dialect for the expressions. */
  compat?: 2 | 3;
  /** Called after each alerting rule's evaluation with the alerts due for sending. */
  notify?: NotifyFunc;
  resendDelay?: number;
  /** Whether alerting rules start restored (see AlertingRuleOptions.restored). Default true. */
  restored?: boolean;
  /** Monotonic time source (ms) for measuring evaluation durations only. */
  perfNow?: () => number;
}

/** Largest multiple of `interval` at or before `t`: Vigil's evaluation slots. */
export function alignedEvalTime(interval: number, t: number): number {
  return t - (((t % interval) + interval) % interval);
}

/** The first aligned slot strictly after `t`. */
export function nextEvalTime(interval: number, t: number): number {
  return alignedEvalTime(interval, t) + interval;
}

function sortedPairs(rec: Record<string, string>, keepEmpty: boolean): Labels {
  const out: Label[] = [];
  for (const [name, value] of Object.entries(rec)) if (keepEmpty || value !== '') out.push({ name, value });
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Builds a rule from its spec, group labels under the rule's own (Prometheus 3). Throws on a bad expression. */
export function buildRule(
  spec: RuleGroupSpec['rules'][number],
  groupLabels: Record<string, string>,
  opts: { compat?: 2 | 3; restored?: boolean } = {},
): Rule {
  const expr = parseExpr(spec.expr, { compat: opts.compat ?? 3 });
  const labels = sortedPairs({ ...groupLabels, ...spec.labels }, false);
  if (spec.alert !== '') {
    return new AlertingRule({
      name: spec.alert,
      expr,
      exprText: spec.expr,
      holdDuration: spec.for,
      keepFiringFor: spec.keep_firing_for,
      labels,
      annotations: sortedPairs(spec.annotations, true),
      restored: opts.restored ?? true,
    });
  }
  return new RecordingRule({ name: spec.record, expr, exprText: spec.expr, labels });
}

/** Prometheus's rules.Group, evaluated by the caller at times it chooses. */
export class RuleGroup {
  readonly name: string;
  readonly file: string;
  /** Evaluation interval (ms). */
  readonly interval: number;
  /** Query offset (ms). */
  readonly queryOffset: number;
  /** Limit on alerts / series per rule; 0 is none. */
  readonly limit: number;
  readonly rules: Rule[];
  /** Time (ms) of the last evaluation, null before the first. */
  lastEvaluation: number | null = null;
  /** Duration of the last evaluation in seconds. */
  evaluationSeconds = 0;
  /** Series each rule appended in the previous evaluation, by rule index. */
  private seriesInPreviousEval: Map<string, Labels>[];
  /** Series of rules removed by a reload, to be marked stale at the next evaluation. */
  private staleSeries: Labels[] = [];
  private readonly opts: RuleGroupOptions;

  /**
   * Builds the group's rules from `spec.rules`, unless `rules` is given: rules built in
   * code (tests, compiled tenant policies) replace the spec's.
   */
  constructor(spec: RuleGroupSpec, opts: RuleGroupOptions = {}, rules?: Rule[]) {
    this.opts = opts;
    this.name = spec.name;
    this.file = opts.file ?? '';
    this.interval = spec.interval ?? opts.defaultInterval ?? DEFAULT_EVALUATION_INTERVAL_MS;
    this.queryOffset = spec.query_offset ?? opts.defaultQueryOffset ?? 0;
    this.limit = spec.limit;
    this.rules = rules ?? spec.rules.map((r) => buildRule(r, spec.labels, opts));
    this.seriesInPreviousEval = this.rules.map(() => new Map());
  }

  /** Identifies the group across reloads, as Prometheus's GroupKey. */
  key(): string {
    return groupKey(this.file, this.name);
  }

  /** The alerting rules, in file order. */
  alertingRules(): AlertingRule[] {
    return this.rules.filter((r): r is AlertingRule => r instanceof AlertingRule);
  }

  /**
   * Evaluates every rule at `t` in order. A failing rule is marked unhealthy and
   * skipped; it neither appends nor marks stale, so its series survive a transient error.
   */
  eval(t: number, ctx: RuleContext): void {
    const perfNow = this.opts.perfNow ?? (() => performance.now());
    const groupStart = perfNow();
    const stampAt = t - this.queryOffset;
    this.rules.forEach((rule, i) => {
      const start = perfNow();
      try {
        let samples;
        try {
          samples = rule.eval(t, ctx, { queryOffset: this.queryOffset, limit: this.limit });
        } catch (e) {
          rule.health = 'err';
          rule.lastError = e instanceof Error ? e : new Error(String(e));
          return;
        }
        rule.health = 'ok';
        rule.lastError = null;

        if (rule instanceof AlertingRule && this.opts.notify) {
          const due = rule.sendAlerts(t, this.opts.resendDelay ?? DEFAULT_RESEND_DELAY_MS, this.interval);
          if (due.length > 0) this.opts.notify(this, rule, due);
        }

        const returned = new Map<string, Labels>();
        for (const s of samples) {
          try {
            const status = ctx.appender.append(s.metric, s.t, s.v);
            if (typeof status === 'number' && status !== 0) throw appendStatusError(status);
            returned.set(labelsKey(s.metric), s.metric);
          } catch (e) {
            rule.health = 'err';
            rule.lastError = e instanceof Error ? e : new Error(String(e));
          }
        }
        for (const [key, lset] of this.seriesInPreviousEval[i]!) {
          if (!returned.has(key)) this.appendStale(ctx, lset, stampAt);
        }
        this.seriesInPreviousEval[i] = returned;
      } finally {
        rule.lastEvaluation = t;
        rule.evaluationSeconds = (perfNow() - start) / 1000;
      }
    });
    for (const lset of this.staleSeries) this.appendStale(ctx, lset, stampAt);
    this.staleSeries = [];
    this.lastEvaluation = t;
    this.evaluationSeconds = (perfNow() - groupStart) / 1000;
  }

  private appendStale(ctx: RuleContext, lset: Labels, t: number): void {
    try {
      ctx.appender.appendStale(lset, t);
    } catch {
      // Another rule may already have written this series at t; Prometheus ignores that too.
    }
  }

  /** Health of the group: err if any rule errs, unknown before any evaluation. */
  health(): 'unknown' | 'ok' | 'err' {
    if (this.rules.some((r) => r.health === 'err')) return 'err';
    if (this.rules.some((r) => r.health === 'unknown')) return 'unknown';
    return 'ok';
  }

  /** True if both groups would evaluate identically (Prometheus's Group.Equals). */
  equals(other: RuleGroup): boolean {
    return (
      this.name === other.name &&
      this.file === other.file &&
      this.interval === other.interval &&
      this.queryOffset === other.queryOffset &&
      this.limit === other.limit &&
      this.rules.length === other.rules.length &&
      this.rules.every((r, i) => r.definition() === other.rules[i]!.definition())
    );
  }

  /**
   * Takes over state from the group this one replaces on reload (Prometheus's
   * CopyState): rules are matched by name and labels, duplicates in order; series of
   * unmatched old rules are marked stale at the next evaluation.
   */
  copyState(from: RuleGroup): void {
    this.lastEvaluation = from.lastEvaluation;
    this.evaluationSeconds = from.evaluationSeconds;
    const byIdentity = new Map<string, number[]>();
    from.rules.forEach((r, i) => {
      const k = ruleIdentity(r);
      byIdentity.set(k, [...(byIdentity.get(k) ?? []), i]);
    });
    this.rules.forEach((rule, i) => {
      const k = ruleIdentity(rule);
      const candidates = byIdentity.get(k);
      if (!candidates || candidates.length === 0) return;
      const fi = candidates.shift()!;
      this.seriesInPreviousEval[i] = from.seriesInPreviousEval[fi]!;
      const old = from.rules[fi]!;
      if (rule instanceof AlertingRule && old instanceof AlertingRule) rule.copyStateFrom(old);
    });
    this.staleSeries = [...from.staleSeries];
    for (const indexes of byIdentity.values()) {
      for (const fi of indexes) this.staleSeries.push(...from.seriesInPreviousEval[fi]!.values());
    }
  }

  /** Series of all rules, to be marked stale when the group is removed. */
  allSeries(): Labels[] {
    return [...this.staleSeries, ...this.seriesInPreviousEval.flatMap((m) => [...m.values()])];
  }
}

/** Rules with equal identity share state across reloads: name and labels. */
export function ruleIdentity(rule: Rule): string {
  return rule.name + labelsToString(rule.labels);
}

/** Prometheus's GroupKey: file and group name. */
export function groupKey(file: string, name: string): string {
  return `${file};${name}`;
}

/**
 * The JSON bodies of Prometheus's HTTP API v1 (web/api/v1/api.go): query results,
 * rule groups and alerts, built from Vigil's values so Grafana and promtool-era
 * clients read them unchanged.
 */
import { labelsToRecord } from '../promql/labels.js';
import type { Value } from '../promql/value.js';
import type { Alert, AlertingRule } from '../rules/alerting.js';
import type { RuleGroup } from '../rules/group.js';
import type { Rule } from '../rules/rule.js';
import { formatGoFloatE, formatGoFloatF } from '../http/gofloat.js';
import { formatRFC3339, GO_ZERO_TIME } from '../http/params.js';

/** `[unix seconds, "value"]`, Prometheus's sample pair. */
export type SamplePair = [number, string];

/** The `data` of a successful query. */
export interface QueryData {
  resultType: 'vector' | 'matrix' | 'scalar' | 'string';
  result: unknown;
}

/** Seconds as Prometheus writes timestamps (ms precision). */
function secs(ms: number): number {
  return ms / 1000;
}

/** The data of a query result. */
export function queryData(v: Value): QueryData {
  switch (v.type) {
    case 'vector':
      return {
        resultType: 'vector',
        result: v.samples.map((s) => ({ metric: labelsToRecord(s.metric), value: [secs(s.t), formatGoFloatF(s.v)] as SamplePair })),
      };
    case 'matrix':
      return {
        resultType: 'matrix',
        result: v.series.map((s) => ({
          metric: labelsToRecord(s.metric),
          values: s.t.map((t, i): SamplePair => [secs(t), formatGoFloatF(s.v[i]!)]),
        })),
      };
    case 'scalar':
      return { resultType: 'scalar', result: [secs(v.t), formatGoFloatF(v.v)] };
    case 'string':
      return { resultType: 'string', result: [secs(v.t), v.v] };
  }
}

/** An alert as /api/v1/alerts and /api/v1/rules show it. */
export interface ApiAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: string;
  activeAt?: string;
  keepFiringSince?: string;
  value: string;
}

/** Prometheus's API view of one alert. */
export function apiAlert(a: Alert): ApiAlert {
  const out: ApiAlert = {
    labels: labelsToRecord(a.labels),
    annotations: labelsToRecord(a.annotations),
    state: a.state,
    activeAt: formatRFC3339(a.activeAt),
    value: formatGoFloatE(a.value),
  };
  if (a.keepFiringSince !== null) out.keepFiringSince = formatRFC3339(a.keepFiringSince);
  return out;
}

function lastEval(t: number | null): string {
  return t === null ? GO_ZERO_TIME : formatRFC3339(t);
}

/** A rule as the API reports it, possibly merged over several partitions. */
export interface RuleView {
  readonly rule: Rule;
  readonly health: Rule['health'];
  readonly lastError: string | null;
  readonly evaluationSeconds: number;
  readonly lastEvaluation: number | null;
  /** Active (pending and firing) alerts of an alerting rule. */
  readonly alerts: readonly Alert[];
}

/** The view of a rule of one partition. */
export function ruleView(rule: Rule): RuleView {
  return {
    rule,
    health: rule.health,
    lastError: rule.lastError?.message ?? null,
    evaluationSeconds: rule.evaluationSeconds,
    lastEvaluation: rule.lastEvaluation,
    alerts: rule.kind === 'alerting' ? (rule as AlertingRule).activeAlerts() : [],
  };
}

/** One rule as /api/v1/rules shows it. */
export function apiRule(v: RuleView, withAlerts: boolean): Record<string, unknown> {
  const rule = v.rule;
  const err = v.lastError !== null && v.lastError !== '' ? { lastError: v.lastError } : {};
  if (rule.kind === 'recording') {
    return {
      name: rule.name, query: rule.exprText, labels: labelsToRecord(rule.labels), health: v.health, ...err,
      evaluationTime: v.evaluationSeconds, lastEvaluation: lastEval(v.lastEvaluation), type: 'recording',
    };
  }
  const ar = rule as AlertingRule;
  return {
    state: ruleState(v.alerts),
    name: ar.name,
    query: ar.exprText,
    duration: ar.holdDuration / 1000,
    keepFiringFor: ar.keepFiringFor / 1000,
    labels: labelsToRecord(ar.labels),
    annotations: labelsToRecord(ar.annotations),
    ...(withAlerts ? { alerts: v.alerts.map(apiAlert) } : {}),
    health: v.health,
    ...err,
    evaluationTime: v.evaluationSeconds,
    lastEvaluation: lastEval(v.lastEvaluation),
    type: 'alerting',
  };
}

/** The highest state of the alerts: firing > pending > inactive. */
function ruleState(alerts: readonly Alert[]): string {
  if (alerts.some((a) => a.state === 'firing')) return 'firing';
  if (alerts.some((a) => a.state === 'pending')) return 'pending';
  return 'inactive';
}

/** One group as /api/v1/rules shows it; `rules` already filtered and rendered. */
export function apiGroup(g: RuleGroup, rules: Record<string, unknown>[]): Record<string, unknown> {
  return {
    name: g.name,
    file: g.file,
    rules,
    interval: g.interval / 1000,
    limit: g.limit,
    evaluationTime: g.evaluationSeconds,
    lastEvaluation: lastEval(g.lastEvaluation),
  };
}

/** A rule of /api/v1/rules as JSON: the fields a merge reads; the others are kept as they are. */
export type RuleJson = { name?: string; health?: string; lastError?: string; state?: string; alerts?: unknown[] };
/** A rule group of /api/v1/rules as JSON. */
export type RuleGroupJson<R extends RuleJson = RuleJson> = { name?: string; file?: string; rules?: R[] };

const HEALTH_RANK: Record<string, number> = { ok: 0, unknown: 1, err: 2 };
const STATE_RANK: Record<string, number> = { inactive: 0, pending: 1, firing: 2 };

/**
 * One group as several evaluators report it (each holds only its partitions' alerts):
 * rules by position, alerts joined, the worst health with its error (err, then unknown,
 * then ok, as an evaluator merges its own partitions), the most active state. Evaluators
 * that loaded different versions of the rule set: the first one's view is kept.
 */
export function mergeRuleGroupJson<R extends RuleJson, G extends RuleGroupJson<R>>(a: G, b: G): G {
  const ra = a.rules ?? [];
  const rb = b.rules ?? [];
  if (ra.length !== rb.length || ra.some((r, i) => r.name !== rb[i]!.name)) return a;
  const rules = ra.map((x, i): R => {
    const y = rb[i]!;
    const rank = (r: R) => HEALTH_RANK[r.health ?? 'ok'] ?? 0;
    const worse = rank(y) > rank(x) ? y : x;
    const state = (STATE_RANK[y.state ?? 'inactive'] ?? 0) > (STATE_RANK[x.state ?? 'inactive'] ?? 0) ? y.state : x.state;
    const merged: R = { ...x, health: worse.health };
    if (worse.lastError !== undefined) merged.lastError = worse.lastError;
    else delete merged.lastError;
    if (state !== undefined) merged.state = state;
    if (x.alerts !== undefined || y.alerts !== undefined) merged.alerts = [...(x.alerts ?? []), ...(y.alerts ?? [])];
    return merged;
  });
  return { ...a, rules };
}

/** The groups of several evaluators' /api/v1/rules, one per file and name, in first-seen order. */
export function mergeRuleGroupLists<R extends RuleJson, G extends RuleGroupJson<R>>(lists: readonly (readonly G[])[]): G[] {
  const out = new Map<string, G>();
  for (const groups of lists) {
    for (const g of groups) {
      const key = `${g.file ?? ''}\u0000${g.name ?? ''}`;
      const have = out.get(key);
      out.set(key, have === undefined ? g : mergeRuleGroupJson<R, G>(have, g));
    }
  }
  return [...out.values()];
}

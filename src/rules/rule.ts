/**
 * What every rule shares: the context it evaluates in, the appender its output goes
 * to, and the health it reports to /api/v1/rules.
 */
import type { Expr } from '../promql/ast.js';
import type { Labels } from '../promql/labels.js';
import type { Querier, Sample, Value } from '../promql/value.js';

/**
 * Where a rule group writes its output series, so later rules in the same cycle see
 * them. A rejected sample is reported by throwing or by returning a non-zero status
 * code (the window's AppendStatus: 1 out of order, 2 duplicate); undefined or 0 is ok.
 */
export interface Appender {
  append(labels: Labels, t: number, v: number): void | number;
  appendStale(labels: Labels, t: number): void | number;
}

/** Prometheus's words for an append status code. */
export function appendStatusError(status: number): Error {
  if (status === 1) return new Error('out of order sample');
  if (status === 2) return new Error('duplicate sample for timestamp');
  return new Error(`sample rejected by storage (status ${status})`);
}

/** The query engine as the rules see it (src/promql/engine.ts's Engine satisfies it). */
export interface QueryEngine {
  instantQuery(querier: Querier, expr: Expr, tMs: number): Value;
}

/** Everything a rule needs at evaluation time; nothing else is reachable from a rule. */
export interface RuleContext {
  engine: QueryEngine;
  querier: Querier;
  appender: Appender;
  externalLabels: Record<string, string>;
  externalURL: string;
}

/** Rule health as Prometheus's API reports it. */
export type RuleHealth = 'unknown' | 'ok' | 'err';

/** Per-evaluation knobs a group passes its rules. */
export interface RuleEvalOptions {
  /** The group's query_offset (ms): queries run, and output is stamped, at t - offset. */
  queryOffset?: number;
  /** The group's alert/series limit; 0 means none. */
  limit?: number;
}

/** Raised when a rule's output is invalid (duplicate label sets, limit exceeded, not a vector). */
export class RuleEvalError extends Error {
  override name = 'RuleEvalError';
}

/** The common face of recording and alerting rules. */
export interface Rule {
  readonly kind: 'recording' | 'alerting';
  readonly name: string;
  readonly expr: Expr;
  /** The expression as written in the rule file. */
  readonly exprText: string;
  /** Rule labels (group labels merged in), as written: untemplated. */
  readonly labels: Labels;
  /** Evaluates at `t` (ms) and returns the output series; throws on query or rule errors. */
  eval(t: number, ctx: RuleContext, opts?: RuleEvalOptions): Sample[];
  health: RuleHealth;
  lastError: Error | null;
  /** Evaluation time (ms) of the last evaluation, null before the first. */
  lastEvaluation: number | null;
  /** Duration of the last evaluation in seconds. */
  evaluationSeconds: number;
  /** The full definition; equal strings mean an identical rule (group equality on reload). */
  definition(): string;
}

/** Runs a rule's query and insists on a vector (a scalar becomes one unlabelled sample), as EngineQueryFunc. */
export function queryVector(ctx: RuleContext, expr: Expr, t: number): Sample[] {
  const v = ctx.engine.instantQuery(ctx.querier, expr, t);
  switch (v.type) {
    case 'vector':
      return v.samples;
    case 'scalar':
      return [{ metric: [], t: v.t, v: v.v }];
    default:
      throw new RuleEvalError('rule result is not a vector or scalar');
  }
}

/** Common state of a rule: health and evaluation bookkeeping. */
export abstract class BaseRule {
  health: RuleHealth = 'unknown';
  lastError: Error | null = null;
  lastEvaluation: number | null = null;
  evaluationSeconds = 0;
}

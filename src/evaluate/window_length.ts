/**
 * How much history a partition's window must hold: the furthest any rule reads back
 * from its evaluation time (ranges, lookback, offsets, subqueries, query_offset).
 */
import type { Expr } from '../promql/ast.js';
import type { RuleGroup } from '../rules/group.js';

/**
 * How far before its evaluation time `e` reads samples (ms). `@` modifiers pin a
 * selector to a fixed time and cannot be bounded; they count as if absent.
 */
export function exprLookback(e: Expr, lookbackDelta: number): number {
  switch (e.kind) {
    case 'VectorSelector':
      return Math.max(0, lookbackDelta + e.offset);
    case 'MatrixSelector':
      return Math.max(0, e.range + e.vectorSelector.offset);
    case 'SubqueryExpr':
      return Math.max(0, e.offset + e.range + exprLookback(e.expr, lookbackDelta));
    case 'ParenExpr':
    case 'UnaryExpr':
      return exprLookback(e.expr, lookbackDelta);
    case 'BinaryExpr':
      return Math.max(exprLookback(e.lhs, lookbackDelta), exprLookback(e.rhs, lookbackDelta));
    case 'AggregateExpr':
      return Math.max(exprLookback(e.expr, lookbackDelta), e.param ? exprLookback(e.param, lookbackDelta) : 0);
    case 'Call':
      return e.args.reduce((m, a) => Math.max(m, exprLookback(a, lookbackDelta)), 0);
    case 'NumberLiteral':
    case 'StringLiteral':
      return 0;
  }
}

/** The window length the groups need: at least the lookback delta. */
export function windowLengthFor(groups: readonly RuleGroup[], lookbackDelta: number): number {
  let len = lookbackDelta;
  for (const g of groups) {
    for (const r of g.rules) len = Math.max(len, g.queryOffset + exprLookback(r.expr, lookbackDelta));
  }
  return len;
}

/**
 * Chunk time span for a window: the window length, between 2 and 10 minutes.
 * Truncation frees whole chunks, so a series holds the window plus part of a chunk; but
 * every sealed chunk costs ~24 bytes of chunk table and ~10 of codec restart. Measured in
 * steady state (`npm run bench -- window steady`, 100k series, 15-minute window): 2.5-min
 * chunks 381 B/series, 5-min 277, 10-min 234, 15-min 234. Above 10 minutes memory stops
 * improving while an instant selector, which decodes its chunk from the start, gets slower.
 */
export function chunkRangeFor(windowLength: number): number {
  return Math.min(10 * 60_000, Math.max(2 * 60_000, windowLength));
}

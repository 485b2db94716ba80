/**
 * How much history a partition's window must hold: the furthest any rule reads back
 * from its evaluation time (ranges, lookback, offsets, subqueries, query_offset).
 */
import type { RuleGroup } from '../rules/group.js';
import { selectorReaches } from './retention.js';

/**
 * The window length the groups need: the furthest any selector reaches back (with its
 * group's query_offset), at least the lookback delta. It is the longest per-series
 * retention too (SeriesRetention.longest), being the same traversal.
 */
export function windowLengthFor(groups: readonly RuleGroup[], lookbackDelta: number): number {
  let len = lookbackDelta;
  for (const g of groups) {
    for (const r of g.rules) {
      for (const s of selectorReaches(r.expr, lookbackDelta, g.queryOffset)) len = Math.max(len, s.reach);
    }
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

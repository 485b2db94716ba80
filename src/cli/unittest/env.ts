/** The storage and query engine a test group runs on, as promtool's LazyLoader sets them up. */
import type { Labels } from '../../promql/labels.js';
import { Engine } from '../../promql/engine.js';
import type { Matcher } from '../../promql/matcher.js';
import type { Querier, SeriesData } from '../../promql/value.js';
import type { Appender, QueryEngine } from '../../rules/rule.js';
import { MemoryStorage } from '../../window/memory.js';
import { AppendStatus } from '../../window/window.js';

/** Prometheus's default lookback delta. */
export const LOOKBACK_DELTA_MS = 5 * 60_000;

/** TSDB's wording of a rejected append, which promtool reports as the rule's error. */
const APPEND_ERRORS: Partial<Record<AppendStatus, string>> = {
  [AppendStatus.outOfOrder]: 'out of order sample',
  [AppendStatus.duplicate]: 'duplicate sample for timestamp',
  [AppendStatus.invalidTime]: 'invalid timestamp',
};

/** Storage the input series and rule outputs go to; a rejected append throws, as TSDB's appender errs. */
export class TestStorage implements Querier, Appender {
  private readonly mem = new MemoryStorage();

  append(labels: Labels, t: number, v: number): void {
    TestStorage.check(this.mem.append(labels, t, v));
  }

  appendStale(labels: Labels, t: number): void {
    TestStorage.check(this.mem.appendStale(labels, t));
  }

  select(matchers: readonly Matcher[], mint: number, maxt: number): SeriesData[] {
    return this.mem.select(matchers, mint, maxt);
  }

  private static check(status: AppendStatus): void {
    const msg = APPEND_ERRORS[status];
    if (msg !== undefined) throw new Error(msg);
  }
}

/** A fresh, empty storage. */
export function newTestStorage(): TestStorage {
  return new TestStorage();
}

/** The sample limit of promql's test engine (promql.NewLazyLoader), which promtool runs on. */
export const MAX_SAMPLES = 10_000;

/** The engine: default lookback, step-less subqueries stepping by the evaluation interval, promtool's sample limit. */
export function newTestEngine(compat: 2 | 3, evalIntervalMs: number): QueryEngine {
  return new Engine({ compat, lookbackDelta: LOOKBACK_DELTA_MS, noStepSubqueryInterval: evalIntervalMs, maxSamples: MAX_SAMPLES });
}

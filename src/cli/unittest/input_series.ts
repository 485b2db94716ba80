/**
 * promtool's lazy loading of `input_series`: samples are expanded once, then added to
 * storage only up to each evaluation time, so a query never sees input past the last
 * evaluation step (as promql.LazyLoader.WithSamplesTill).
 */
import { labelsKey, type Labels } from '../../promql/labels.js';
import { parseSeriesDesc } from '../../promql/series_desc.js';
import type { Appender } from '../../rules/rule.js';
import type { InputSeries } from './test_file.js';

interface PendingSeries {
  readonly labels: Labels;
  readonly t: number[];
  /** null marks a staleness marker. */
  readonly v: (number | null)[];
  /** Index of the first sample not yet appended. */
  next: number;
}

/** The expanded input series of one test group, appended to storage step by step. */
export class InputSeriesLoader {
  private constructor(private readonly series: PendingSeries[]) {}

  /** Expands the series; sample i is at i*interval ms. Throws the parse error of a bad entry. */
  static parse(input: readonly InputSeries[], intervalMs: number, compat: 2 | 3 = 3): InputSeriesLoader {
    // Keyed by label set: a series given twice keeps its last definition, as promtool's loader.
    const byKey = new Map<string, PendingSeries>();
    for (const is of input) {
      const desc = parseSeriesDesc(is.series, is.values, compat);
      const t: number[] = [];
      const v: (number | null)[] = [];
      desc.values.forEach((val, i) => {
        if (val.kind === 'omitted') return;
        t.push(i * intervalMs);
        v.push(val.kind === 'stale' ? null : val.v);
      });
      const key = labelsKey(desc.labels);
      byKey.delete(key);
      byKey.set(key, { labels: desc.labels, t, v, next: 0 });
    }
    return new InputSeriesLoader([...byKey.values()]);
  }

  /** Appends every not yet appended sample at or before `t`. */
  appendTill(t: number, storage: Appender): void {
    for (const s of this.series) {
      while (s.next < s.t.length && s.t[s.next]! <= t) {
        const v = s.v[s.next];
        if (v === null || v === undefined) storage.appendStale(s.labels, s.t[s.next]!);
        else storage.append(s.labels, s.t[s.next]!, v);
        s.next++;
      }
    }
  }
}

/**
 * An uncompressed Querier over plain arrays: the reference the compressed window is
 * tested against, and a simple store for tests of other parts.
 */
import { labelsKey, type Labels } from '../promql/labels.js';
import type { Matcher } from '../promql/matcher.js';
import type { Querier, SeriesData } from '../promql/value.js';
import { AppendStatus } from './window.js';

interface MemSeries {
  readonly labels: Labels;
  readonly t: number[];
  readonly v: number[];
  readonly stale: boolean[];
}

/** Plain-array storage with the same append and rejection rules as SeriesWindow. */
export class MemoryStorage implements Querier {
  private readonly series = new Map<string, MemSeries>();

  /** Appends one sample. */
  append(labels: Labels, t: number, v: number): AppendStatus {
    return this.add(labels, t, v, false);
  }

  /** Appends a stale marker. */
  appendStale(labels: Labels, t: number): AppendStatus {
    return this.add(labels, t, NaN, true);
  }

  /** Drops samples older than `minTime` and series left empty. */
  truncate(minTime: number): void {
    for (const [k, s] of this.series) {
      let i = 0;
      while (i < s.t.length && s.t[i]! < minTime) i++;
      s.t.splice(0, i);
      s.v.splice(0, i);
      s.stale.splice(0, i);
      if (s.t.length === 0) this.series.delete(k);
    }
  }

  /** Series matching all matchers with samples in [mint, maxt], in creation order. */
  select(matchers: readonly Matcher[], mint: number, maxt: number): SeriesData[] {
    const out: SeriesData[] = [];
    for (const s of this.series.values()) {
      if (!matchers.every((m) => m.matches(valueOf(s.labels, m.name)))) continue;
      const t: number[] = [];
      const v: number[] = [];
      const flags: number[] = [];
      let anyStale = false;
      for (let i = 0; i < s.t.length; i++) {
        if (s.t[i]! < mint || s.t[i]! > maxt) continue;
        t.push(s.t[i]!);
        v.push(s.v[i]!);
        flags.push(s.stale[i] ? 1 : 0);
        anyStale ||= s.stale[i]!;
      }
      if (t.length > 0) out.push({ labels: s.labels, t, v, stale: anyStale ? flags : null });
    }
    return out;
  }

  private add(labels: Labels, t: number, v: number, stale: boolean): AppendStatus {
    if (!Number.isSafeInteger(t)) return AppendStatus.invalidTime;
    const k = labelsKey(labels);
    let s = this.series.get(k);
    if (s === undefined) this.series.set(k, (s = { labels, t: [], v: [], stale: [] }));
    const n = s.t.length;
    if (n > 0) {
      const lastT = s.t[n - 1]!;
      if (t < lastT) return AppendStatus.outOfOrder;
      if (t === lastT) {
        return sameValue(s.v[n - 1]!, s.stale[n - 1]!, v, stale) ? AppendStatus.ok : AppendStatus.duplicate;
      }
    }
    s.t.push(t);
    s.v.push(v);
    s.stale.push(stale);
    return AppendStatus.ok;
  }
}

/** Bit-level equality as Prometheus compares duplicates: NaN equals NaN, -0 differs from 0. */
function sameValue(a: number, aStale: boolean, b: number, bStale: boolean): boolean {
  return aStale === bStale && Object.is(a, b);
}

function valueOf(ls: Labels, name: string): string {
  for (const l of ls) if (l.name === name) return l.value;
  return '';
}

/** What the wire-format parsers hand their series to (the admission stage). */
import type { Label } from '../promql/labels.js';

/** Receives parsed series: `series`, then `sample` for each of its samples. */
export interface SeriesSink {
  /**
   * A series begins. `labels` are as the client sent them: any order, maybe empty values.
   * `where` names it in errors, e.g. `timeseries[3]` or `line 12`.
   */
  series(labels: Label[], where: string): void;
  /** A sample of the current series; `stale` marks Prometheus's StaleNaN. */
  sample(t: number, v: number, stale: boolean): void;
  /** Samples of a kind Vigil does not store (native histograms), counted and dropped. */
  unsupported(kind: 'native_histogram', count: number): void;
}

/** The evaluator's /metrics: window, ingest, evaluation and event counters per partition. */
import { MetricsWriter, writeProcessMetrics } from '../http/exposition.js';
import type { PartitionEvaluator } from './partition.js';

/** Renders the metrics of `evaluators` (and the process) in the text format. */
export function evaluatorMetrics(evaluators: readonly PartitionEvaluator[], w = new MetricsWriter()): string {
  const per = evaluators.map((e) => ({ p: { partition: String(e.partition) }, e, s: e.stats() }));
  w.family('vigil_evaluator_watermark_seconds', 'gauge', 'Watermark of the partition (the time its data has reached).',
    per.filter((x) => x.e.watermark !== null).map((x) => ({ labels: x.p, value: x.e.watermark! / 1000 })));
  w.family('vigil_evaluator_window_length_seconds', 'gauge', 'History the rules need, kept in the window.',
    per.map((x) => ({ labels: x.p, value: x.s.windowLength / 1000 })));
  w.family('vigil_window_series', 'gauge', 'Series held in the partition window.', per.map((x) => ({ labels: x.p, value: x.s.window.series })));
  w.family('vigil_window_chunks', 'gauge', 'Chunks held in the partition window.', per.map((x) => ({ labels: x.p, value: x.s.window.chunks })));
  w.family('vigil_window_bytes', 'gauge', 'Estimated heap bytes of the partition window.', per.map((x) => ({ labels: x.p, value: x.s.window.bytes })));
  w.family('vigil_evaluator_samples_appended_total', 'counter', 'Samples appended to the window.',
    per.map((x) => ({ labels: x.p, value: x.s.ingested.appended })));
  w.family('vigil_evaluator_samples_rejected_total', 'counter', 'Samples rejected by the window, by reason.',
    per.flatMap((x) => [
      { labels: { ...x.p, reason: 'out_of_order' }, value: x.s.ingested.outOfOrder },
      { labels: { ...x.p, reason: 'duplicate' }, value: x.s.ingested.duplicate },
      { labels: { ...x.p, reason: 'invalid' }, value: x.s.ingested.invalid },
    ]));
  w.family('vigil_rule_group_evaluations_total', 'counter', 'Rule group evaluations.',
    per.map((x) => ({ labels: x.p, value: x.s.evaluations })));
  w.family('vigil_rule_evaluation_failures_total', 'counter', 'Rule evaluations that failed.',
    per.map((x) => ({ labels: x.p, value: x.s.ruleFailures })));
  w.family('vigil_alert_events_total', 'counter', 'Alert events emitted, by state.',
    per.flatMap((x) => (['pending', 'firing', 'resolved'] as const).map((state) => ({ labels: { ...x.p, state }, value: x.s.events[state] }))));
  w.family('vigil_alert_resends_total', 'counter', 'Alert events that re-sent an unchanged alert.',
    per.map((x) => ({ labels: x.p, value: x.s.resends })));
  w.family('vigil_rule_group_last_evaluation_timestamp_seconds', 'gauge', 'Slot of the last evaluation of the group.',
    per.flatMap((x) => x.e.ruleGroups().filter((g) => g.lastEvaluation !== null).map((g) => ({
      labels: { ...x.p, rule_group: `${g.file};${g.name}` }, value: g.lastEvaluation! / 1000,
    }))));
  w.family('vigil_rule_group_last_duration_seconds', 'gauge', 'Duration of the last evaluation of the group.',
    per.flatMap((x) => x.e.ruleGroups().map((g) => ({ labels: { ...x.p, rule_group: `${g.file};${g.name}` }, value: g.evaluationSeconds }))));
  writeProcessMetrics(w);
  return w.text();
}

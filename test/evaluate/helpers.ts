/** Helpers for evaluator tests: rule files from YAML text, input series in promtool notation. */
import { parseSeriesDesc } from '../../src/promql/series_desc.js';
import { parseRuleFile } from '../../src/rules/file.js';
import type { ManagedRuleFile } from '../../src/rules/manager.js';
import type { AlertEvent } from '../../src/evaluate/event.js';
import type { IngestSample, PartitionEvaluator } from '../../src/evaluate/partition.js';

export const MIN = 60_000;

/** A rule file parsed from YAML; throws with the parse errors. */
export function ruleFile(yaml: string, path = 'rules.yml'): ManagedRuleFile {
  const res = parseRuleFile(yaml, path);
  if (res.file === null) throw new Error(res.errors.map((e) => e.text).join('\n'));
  return { path, file: res.file };
}

/** Samples of promtool-style series (`'up{job="x"}'`, `'1 0x5 _ stale'`), sample i at i*interval, in time order. */
export function series(defs: Record<string, string>, intervalMs = MIN): IngestSample[] {
  const out: IngestSample[] = [];
  for (const [sel, values] of Object.entries(defs)) {
    const d = parseSeriesDesc(sel, values);
    d.values.forEach((v, i) => {
      if (v.kind === 'omitted') return;
      out.push(v.kind === 'stale' ? { labels: d.labels, t: i * intervalMs, v: 0, stale: true } : { labels: d.labels, t: i * intervalMs, v: v.v });
    });
  }
  return out.sort((a, b) => a.t - b.t);
}

/**
 * Feeds `samples` to the evaluator step by step: at each watermark in [from, to] by
 * `step`, the samples up to it are ingested, then the watermark advanced. Returns the events.
 */
export function play(ev: PartitionEvaluator, samples: readonly IngestSample[], from: number, to: number, step = MIN): AlertEvent[] {
  const events: AlertEvent[] = [];
  let i = 0;
  while (i < samples.length && samples[i]!.t < from) i++;
  for (let w = from; w <= to; w += step) {
    const batch: IngestSample[] = [];
    while (i < samples.length && samples[i]!.t <= w) batch.push(samples[i++]!);
    ev.ingest(batch);
    events.push(...ev.advance(w, w / step));
  }
  return events;
}

/** `state@minute` of each event, e.g. `firing@7`, with `+` marking re-sends. */
export function timeline(events: readonly AlertEvent[]): string[] {
  return events.map((e) => `${e.state}${e.resend ? '+' : ''}@${e.evalTime / MIN}`);
}

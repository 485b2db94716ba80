/**
 * `vigil replay`'s engine: runs rules over the history of vigil.samples in
 * [from − window, to], every partition with a fresh evaluator, without committing or
 * producing anything, and collects the alert events the rules would have produced.
 */
import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import type { ManagedRuleFile } from '../rules/manager.js';
import type { AlertEvent } from './event.js';
import { PartitionEvaluator, type PartitionEvaluatorOptions } from './partition.js';
import { PartitionWorker } from './worker.js';

/** What to replay. */
export interface ReplayOptions {
  readonly kafka: Kafka;
  readonly topic: string;
  readonly rules: readonly ManagedRuleFile[];
  /** First evaluation time, ms. */
  readonly from: number;
  /** Last evaluation time, ms. */
  readonly to: number;
  readonly evaluator?: Omit<PartitionEvaluatorOptions, 'partition' | 'onEvent' | 'evaluateFrom'>;
  readonly evaluationDelayMs?: number;
  readonly futureSlackMs?: number;
  /** Extra history read before from − window (default 60 s). */
  readonly slackMs?: number;
  /** Give up waiting for records after this long (default 60 s). */
  readonly timeoutMs?: number;
}

/** The events (no re-sends) in evaluation order, partition order within a time. */
export async function replayHistory(o: ReplayOptions): Promise<AlertEvent[]> {
  if (!(o.to >= o.from)) throw new RangeError(`replay: --to (${o.to}) is before --from (${o.from})`);
  const admin = o.kafka.admin();
  await admin.connect();
  const workers = new Map<number, PartitionWorker>();
  const events: AlertEvent[] = [];
  let consumer;
  try {
    const probe = new PartitionEvaluator(o.rules, { ...o.evaluator });
    const start = o.from - probe.windowLength - (o.slackMs ?? 60_000);
    const starts = await admin.fetchTopicOffsetsByTimestamp(o.topic, start);
    const ends = new Map((await admin.fetchTopicOffsets(o.topic)).map((x) => [x.partition, Number(x.high)]));
    const pending = new Set<number>();
    const seekTo = new Map<number, number>();
    for (const s of starts) {
      const from = Number(s.offset);
      if (from < (ends.get(s.partition) ?? 0)) {
        pending.add(s.partition);
        seekTo.set(s.partition, from);
      }
      workers.set(s.partition, new PartitionWorker(
        new PartitionEvaluator(o.rules, { ...o.evaluator, partition: s.partition, evaluateFrom: o.from }),
        { evaluationDelayMs: o.evaluationDelayMs ?? 0, futureSlackMs: o.futureSlackMs ?? 60_000, stopAt: o.to },
      ));
    }
    if (pending.size === 0) return [];
    consumer = o.kafka.consumer({ groupId: `vigil-replay.${randomUUID()}`, sessionTimeout: 10_000, heartbeatInterval: 1_000 });
    await consumer.connect();
    await consumer.subscribe({ topic: o.topic, fromBeginning: true });
    const c = consumer;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`replay: partitions ${[...pending].join(',')} not read to their end within ${o.timeoutMs ?? 60_000} ms`)), o.timeoutMs ?? 60_000);
      const finish = (p: number) => {
        pending.delete(p);
        if (pending.size === 0) {
          clearTimeout(timer);
          resolve();
        }
      };
      c.on(c.events.GROUP_JOIN, () => {
        for (const [p, off] of seekTo) c.seek({ topic: o.topic, partition: p, offset: String(off) });
      });
      c.run({
        autoCommit: false,
        eachBatch: async ({ batch, isStale }) => {
          const p = batch.partition;
          const w = workers.get(p);
          if (w === undefined || !pending.has(p) || isStale()) return;
          const first = seekTo.get(p)!;
          if (Number(batch.firstOffset()) > first && w.nextOffset === null) return;
          const end = ends.get(p)!;
          for (const m of batch.messages) {
            const off = Number(m.offset);
            if (off < first || off >= end) continue;
            for (const e of w.apply(off, m.value)) if (!e.resend) events.push(e);
            const wm = w.evaluator.watermark;
            if (wm !== null && wm >= o.to) break;
          }
          const wm = w.evaluator.watermark;
          if ((wm !== null && wm >= o.to) || (w.nextOffset ?? 0) >= end) finish(p);
        },
      }).catch(reject);
    });
  } finally {
    await consumer?.disconnect().catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  }
  return events.sort((a, b) => a.evalTime - b.evalTime || a.source.partition - b.source.partition);
}

/** One line per event: `TIME STATE ALERT{labels} value=V partition=P`. */
export function formatReplayEvent(e: AlertEvent): string {
  const labels = Object.entries(e.labels).filter(([k]) => k !== 'alertname').sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const ls = labels.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ');
  return `${new Date(e.evalTime).toISOString()} ${e.state.padEnd(8)} ${e.rule.name}{${ls}} value=${e.value} partition=${e.source.partition}`;
}

/**
 * A worker: one kafkajs consumer-group member on vigil.samples, one PartitionWorker per
 * assigned partition. Per batch: apply the records, produce the alert events (acks=all)
 * to vigil.alerts, write a snapshot to vigil.state when due, and only then commit the
 * offset, with metadata saying through which evaluation time events were produced.
 *
 * Takeover (first batch of a newly assigned partition): read the partition's latest
 * snapshot, restore it (suppressing evaluations the commit metadata says were already
 * emitted), seek to the offset of (snapshot time − window length − slack) and replay.
 * Without a snapshot the partition starts at its committed offset as a fresh window.
 *
 * Duplicate window: events produced after the last successful commit (a crash or a
 * rebalance between produce and commit) are produced again by the successor. They carry
 * the same fingerprint, state and evaluation time, so the manager dedupes them. Events
 * are never lost: an offset is committed only after its events are acknowledged.
 */
import type { Admin, Consumer, EachBatchPayload, Kafka, Message } from 'kafkajs';
import type { TopicNames } from '../kafka/topics.js';
import type { ManagedRuleFile } from '../rules/manager.js';
import { encodeAlertEvent, type AlertEvent } from './event.js';
import { PartitionEvaluator, type PartitionEvaluatorOptions } from './partition.js';
import type { StateStore } from './state_store.js';
import { decodeCommitMetadata, encodeCommitMetadata, PartitionWorker, type PartitionWorkerOptions } from './worker.js';

/** Where events and snapshots go (SafeProducer in production). */
export interface EventProducer {
  send(topic: string, messages: Message[]): Promise<unknown>;
}

/** How a worker runs. */
export interface EvaluateConsumerOptions extends PartitionWorkerOptions {
  readonly kafka: Kafka;
  readonly groupId: string;
  readonly topics: TopicNames;
  readonly producer: EventProducer;
  readonly stateStore: StateStore;
  /** The current rules (read whenever a partition is taken over). */
  readonly rules: () => readonly ManagedRuleFile[];
  readonly evaluator?: Omit<PartitionEvaluatorOptions, 'partition' | 'onEvent' | 'evaluateFrom'>;
  /** Where a partition without committed offset starts (default earliest). */
  readonly startFrom?: 'earliest' | 'latest';
  /** Seek this much earlier than snapshot time − window, for accept-time vs sample-time skew (default 60 s). */
  readonly replaySlackMs?: number;
  readonly sessionTimeoutMs?: number;
  readonly log?: (line: string) => void;
}

/** Counters for /metrics. */
export interface ConsumerStats {
  batches: number;
  batchSeconds: number;
  eventsProduced: number;
  snapshotsWritten: number;
  takeovers: number;
  commitFailures: number;
}

/** Per-partition progress for /metrics. */
export interface PartitionProgress {
  readonly partition: number;
  /** Records between the last applied one and the partition's end, as of the last batch. */
  lag: number;
  /** The committed offset (-1 before the first commit). */
  committed: number;
  /** True while replaying records a predecessor already processed. */
  replaying: boolean;
}

/** A consumer-group member evaluating its partitions. */
export class EvaluateConsumer {
  private readonly consumer: Consumer;
  private readonly admin: Admin;
  private readonly workers = new Map<number, PartitionWorker>();
  private readonly progress = new Map<number, PartitionProgress>();
  /** Offsets to seek to, per partition, before its records count. */
  private readonly seeking = new Map<number, number>();
  private readonly skippedBeforeSeek = new Map<number, number>();
  private assigned = new Set<number>();
  readonly stats: ConsumerStats = { batches: 0, batchSeconds: 0, eventsProduced: 0, snapshotsWritten: 0, takeovers: 0, commitFailures: 0 };
  private readonly log: (line: string) => void;
  private running = false;

  constructor(private readonly o: EvaluateConsumerOptions) {
    const session = o.sessionTimeoutMs ?? 10_000;
    this.consumer = o.kafka.consumer({
      groupId: o.groupId,
      sessionTimeout: session,
      heartbeatInterval: Math.max(100, Math.floor(session / 5)),
      rebalanceTimeout: session,
    });
    this.admin = o.kafka.admin();
    this.log = o.log ?? (() => undefined);
    this.consumer.on(this.consumer.events.GROUP_JOIN, (e) => {
      const mine = new Set((e.payload.memberAssignment[o.topics.samples] ?? []).map(Number));
      for (const p of [...this.workers.keys()]) {
        // Revoked: everything applied was produced and committed at its batch's end.
        if (!mine.has(p)) this.drop(p);
      }
      this.assigned = mine;
      this.log(`evaluate: assigned partitions [${[...mine].sort((a, b) => a - b).join(',')}] of ${o.topics.samples}`);
    });
  }

  /** The evaluators of the partitions held now. */
  evaluators(): PartitionEvaluator[] {
    return [...this.workers.values()].map((w) => w.evaluator);
  }

  /** The partition workers held now. */
  partitionWorkers(): PartitionWorker[] {
    return [...this.workers.values()];
  }

  /** Progress of the partitions held now. */
  partitionProgress(): PartitionProgress[] {
    return [...this.progress.values()].filter((p) => this.workers.has(p.partition));
  }

  /** Partitions assigned by the last rebalance. */
  get assignedPartitions(): number[] {
    return [...this.assigned].sort((a, b) => a - b);
  }

  /** Installs new rules in every held partition, keeping alert state. */
  reloadRules(files: readonly ManagedRuleFile[]): void {
    for (const w of this.workers.values()) {
      try {
        w.evaluator.reloadRules(files);
      } catch (e) {
        this.log(`evaluate: partition ${w.partition}: rule reload failed, old rules kept: ${(e as Error).message}`);
      }
    }
  }

  /** Joins the group and starts consuming. */
  async start(): Promise<void> {
    await this.admin.connect();
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.o.topics.samples, fromBeginning: (this.o.startFrom ?? 'earliest') === 'earliest' });
    this.running = true;
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: (payload) => this.onBatch(payload),
    });
  }

  private drop(p: number): void {
    this.workers.delete(p);
    this.seeking.delete(p);
    this.skippedBeforeSeek.delete(p);
    this.progress.delete(p);
  }

  private async onBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const p = batch.partition;
    if (payload.isStale() || !this.running) return;
    const started = performance.now();
    let w = this.workers.get(p);
    if (w === undefined) {
      w = await this.takeover(p, Number(batch.firstOffset()), payload);
      if (w === undefined) return;
    }
    const seekTo = this.seeking.get(p);
    if (seekTo !== undefined) {
      // A batch fetched before the seek took effect starts past the seek offset; after a
      // few, assume retention removed the offset and the consumer reset past it.
      const skipped = this.skippedBeforeSeek.get(p) ?? 0;
      if (Number(batch.firstOffset()) > seekTo && skipped < 3) {
        this.skippedBeforeSeek.set(p, skipped + 1);
        return;
      }
      this.seeking.delete(p);
      this.skippedBeforeSeek.delete(p);
    }
    const events: AlertEvent[] = [];
    let last = -1;
    for (const m of batch.messages) {
      const off = Number(m.offset);
      for (const e of w.apply(off, m.value)) events.push(e);
      last = off;
    }
    if (w.lastDecodeError !== null) {
      this.log(`evaluate: skipped a corrupt record: ${w.lastDecodeError}`);
      w.lastDecodeError = null;
    }
    if (this.workers.get(p) !== w || last < 0) return;
    if (events.length > 0) {
      await this.o.producer.send(this.o.topics.alerts, events.map((e) => ({ key: e.fingerprint, value: encodeAlertEvent(e) })));
      this.stats.eventsProduced += events.length;
    }
    if (w.snapshotDue()) {
      await this.o.stateStore.write(this.o.producer, w.takeSnapshot());
      this.stats.snapshotsWritten++;
    }
    const prog = this.progress.get(p)!;
    prog.lag = Math.max(0, Number(batch.highWatermark) - (last + 1));
    if (last + 1 > prog.committed) {
      payload.resolveOffset(String(last));
      try {
        await this.consumer.commitOffsets([{ topic: this.o.topics.samples, partition: p, offset: String(last + 1), metadata: encodeCommitMetadata(w.commitMetadata()) }]);
        prog.committed = last + 1;
        prog.replaying = false;
      } catch (e) {
        // Rebalancing: the successor re-emits from the last commit (the duplicate window).
        this.stats.commitFailures++;
        this.log(`evaluate: partition ${p}: commit failed: ${(e as Error).message}`);
        throw e;
      }
    }
    this.stats.batches++;
    this.stats.batchSeconds += (performance.now() - started) / 1000;
    await payload.heartbeat();
  }

  /** Sets up a newly assigned partition; undefined when the batch must be skipped. */
  private async takeover(p: number, firstOffset: number, payload: EachBatchPayload): Promise<PartitionWorker | undefined> {
    const topic = this.o.topics.samples;
    const [committedRaw] = (await this.admin.fetchOffsets({ groupId: this.o.groupId, topics: [topic] }))
      .flatMap((t) => t.partitions).filter((x) => x.partition === p);
    const committedOffset = committedRaw === undefined ? -1 : Number(committedRaw.offset);
    const meta = decodeCommitMetadata(committedRaw?.metadata);
    await payload.heartbeat();
    const snap = await this.o.stateStore.latest(p);
    await payload.heartbeat();
    if (!this.assigned.has(p) || !this.running) return undefined;
    const ev = new PartitionEvaluator(this.o.rules(), { ...this.o.evaluator, partition: p });
    if (snap !== null) ev.restore(snap, meta.evaluatedThrough === null ? {} : { emitAfter: meta.evaluatedThrough });
    else if (meta.evaluatedThrough !== null) {
      // No state to restore, only what must not be emitted again.
      ev.restore({ version: 1, partition: p, watermark: null, offset: null, windowLength: 0, groups: [] }, { emitAfter: meta.evaluatedThrough });
    }
    const w = new PartitionWorker(ev, this.o, { snapshot: snap, committed: meta });
    this.workers.set(p, w);
    this.progress.set(p, { partition: p, lag: 0, committed: committedOffset, replaying: snap !== null });
    this.stats.takeovers++;
    if (snap === null || snap.watermark === null) {
      this.log(`evaluate: partition ${p}: no snapshot, fresh window from offset ${firstOffset}`);
      return w;
    }
    const from = snap.watermark - Math.max(snap.windowLength, ev.windowLength) - (this.o.replaySlackMs ?? 60_000);
    const offsets = await this.admin.fetchTopicOffsetsByTimestamp(topic, from);
    const found = offsets.find((x) => x.partition === p);
    const seekTo = found === undefined ? firstOffset : Number(found.offset);
    this.log(`evaluate: partition ${p}: restored snapshot at ${new Date(snap.watermark).toISOString()}, replaying from offset ${seekTo} (committed ${committedOffset}, emitted through ${meta.evaluatedThrough ?? 'unknown'})`);
    if (seekTo === firstOffset) return w;
    this.seeking.set(p, seekTo);
    this.consumer.seek({ topic, partition: p, offset: String(seekTo) });
    return undefined;
  }

  /** Writes a snapshot of every held partition (clean shutdown), then leaves the group. */
  async stop(): Promise<void> {
    if (this.running) {
      this.running = false;
      // Waits for the batch in flight, so a snapshot never covers unproduced events.
      await this.consumer.stop().catch(() => undefined);
      for (const w of this.workers.values()) {
        if (w.evaluator.watermark === null) continue;
        try {
          await this.o.stateStore.write(this.o.producer, w.takeSnapshot());
          this.stats.snapshotsWritten++;
        } catch (e) {
          this.log(`evaluate: partition ${w.partition}: final snapshot failed: ${(e as Error).message}`);
        }
      }
    }
    await this.consumer.disconnect().catch(() => undefined);
    await this.admin.disconnect().catch(() => undefined);
  }
}

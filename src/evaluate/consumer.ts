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
 * With `standby` on, each member also keeps warm the partitions the assigner names for
 * it (standby.ts), and a takeover of one of those continues from the shadow instead.
 *
 * Duplicate window: events produced after the last successful commit (a crash or a
 * rebalance between produce and commit) are produced again by the successor. They carry
 * the same fingerprint, state and evaluation time, so the manager dedupes them. Events
 * are never lost: an offset is committed only after its events are acknowledged.
 */
import { PartitionAssigners, type Admin, type Consumer, type EachBatchPayload, type Kafka, type Message } from 'kafkajs';
import type { TopicNames } from '../kafka/topics.js';
import type { ManagedRuleFile } from '../rules/manager.js';
import { standbyFromAssignment, warmAssigner } from './assigner.js';
import { encodeAlertEvent, type AlertEvent } from './event.js';
import type { PartitionEvaluator } from './partition.js';
import { StandbyFeeder, type Handover } from './standby.js';
import { committedOf, restorePartition, type PartitionSetup } from './takeover.js';
import { encodeCommitMetadata, PartitionWorker, type PartitionWorkerOptions } from './worker.js';

/** Lets timers, sockets (heartbeats, HTTP) and other partitions' batches run. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** kafkajs fetch options of the samples consumer. */
export interface FetchOptions {
  /** Bytes fetched per partition and request: bounds a batch's work. */
  readonly maxBytesPerPartition: number;
  /** Bytes per fetch request over all partitions. */
  readonly maxBytes: number;
  /** The broker answers a fetch once it has this many bytes (or maxWaitTimeMs passed). */
  readonly minBytes: number;
  /** Longest wait of a fetch at the head; a takeover's seek waits for the fetch in flight. */
  readonly maxWaitTimeMs: number;
  /** Batches of different partitions applied at once (interleaved at their awaits). */
  readonly partitionsConsumedConcurrently: number;
}

/**
 * Fetch defaults, chosen with the pipeline bench (docs/benchmarks.md): 4 MiB a partition
 * (about 80 records of 2,000 series) halves the fetch round trips the evaluator waits on
 * at 1 MiB; a batch is still applied in heartbeating slices.
 */
export const DEFAULT_FETCH: FetchOptions = {
  maxBytesPerPartition: 4 << 20,
  maxBytes: 16 << 20,
  minBytes: 1,
  maxWaitTimeMs: 250,
  partitionsConsumedConcurrently: 1,
};

/** Where events and snapshots go (SafeProducer in production). */
export interface EventProducer {
  send(topic: string, messages: Message[]): Promise<unknown>;
}

/** How a worker runs. */
export interface EvaluateConsumerOptions extends PartitionWorkerOptions, PartitionSetup {
  readonly kafka: Kafka;
  readonly groupId: string;
  readonly topics: TopicNames;
  readonly producer: EventProducer;
  /** Where a partition without committed offset starts (default earliest). */
  readonly startFrom?: 'earliest' | 'latest';
  readonly sessionTimeoutMs?: number;
  /** Heartbeat period (default a sixth of the session timeout). */
  readonly heartbeatIntervalMs?: number;
  /** Work between heartbeats and event-loop yields inside a batch (default 100 ms). */
  readonly sliceMs?: number;
  /** Fetch options (DEFAULT_FETCH for those not given). */
  readonly fetch?: Partial<FetchOptions>;
  /** Keep the partitions the assigner names warm for a fast takeover (doubles the work per member). */
  readonly standby?: boolean;
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
  /** performance.now() at assignment, until the first batch that reaches the head (then null). */
  assignedAt: number | null;
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
  /** Takeovers in progress (snapshot read, restore, seek), by partition. */
  private readonly preparing = new Map<number, Promise<void>>();
  private assigned = new Set<number>();
  readonly stats: ConsumerStats = { batches: 0, batchSeconds: 0, eventsProduced: 0, snapshotsWritten: 0, takeovers: 0, commitFailures: 0 };
  private readonly log: (line: string) => void;
  private running = false;
  private readonly sliceMs: number;
  private readonly concurrency: number;
  /** Keeps other members' partitions warm (null with `standby` off). */
  readonly standby: StandbyFeeder | null;

  constructor(private readonly o: EvaluateConsumerOptions) {
    const session = o.sessionTimeoutMs ?? 6_000;
    this.sliceMs = o.sliceMs ?? 100;
    const f = { ...DEFAULT_FETCH, ...o.fetch };
    this.concurrency = f.partitionsConsumedConcurrently;
    this.consumer = o.kafka.consumer({
      groupId: o.groupId,
      sessionTimeout: session,
      heartbeatInterval: o.heartbeatIntervalMs ?? Math.max(100, Math.floor(session / 6)),
      // A member finishing a slice must still make it back into the group.
      rebalanceTimeout: Math.max(session, 10_000),
      // A takeover's seek waits for the fetch in flight, which long-polls this long at the head.
      maxWaitTimeInMs: f.maxWaitTimeMs,
      minBytes: f.minBytes,
      maxBytesPerPartition: f.maxBytesPerPartition,
      maxBytes: Math.max(f.maxBytesPerPartition, f.maxBytes),
      // Sticky and standby-aware; round robin while members of an older version remain.
      partitionAssigners: [
        warmAssigner(o.topics.samples, () => ({ held: [...this.assigned], warm: this.standby?.warm() ?? [] })),
        PartitionAssigners.roundRobin,
      ],
    });
    this.admin = o.kafka.admin();
    this.log = o.log ?? (() => undefined);
    this.standby = o.standby === true ? new StandbyFeeder({ ...this.restoreDeps(), kafka: o.kafka, fetch: f, sessionTimeoutMs: session, startFrom: o.startFrom ?? 'earliest', sliceMs: this.sliceMs, log: this.log }) : null;
    this.consumer.on(this.consumer.events.GROUP_JOIN, (e) => {
      const mine = new Set((e.payload.memberAssignment[o.topics.samples] ?? []).map(Number));
      for (const p of [...this.workers.keys()]) {
        // Revoked: everything applied was produced and committed at its batch's end.
        if (!mine.has(p)) this.drop(p);
      }
      this.assigned = mine;
      // Take over at assignment, not at the first batch: a partition whose predecessor
      // committed its head has no batch to deliver until new records arrive.
      for (const p of mine) if (!this.workers.has(p) && !this.preparing.has(p)) void this.startTakeover(p);
      this.log(`evaluate: assigned partitions [${[...mine].sort((a, b) => a - b).join(',')}] of ${o.topics.samples}`);
      if (this.standby !== null) void this.refreshStandby(e.payload.memberId, mine);
    });
  }

  private restoreDeps() {
    const o = this.o;
    return {
      groupId: o.groupId, topic: o.topics.samples, stateStore: o.stateStore, rules: o.rules,
      ...(o.evaluator ? { evaluator: o.evaluator } : {}),
      worker: o,
      ...(o.replaySlackMs === undefined ? {} : { replaySlackMs: o.replaySlackMs }),
    };
  }

  /** Reads the leader's standby choice for this member (in its assignment) and follows it. */
  private async refreshStandby(memberId: string, mine: Set<number>): Promise<void> {
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        const { groups } = await this.admin.describeGroups([this.o.groupId]);
        if (this.assigned !== mine || !this.running) return;
        const me = groups.find((g) => g.groupId === this.o.groupId)?.members.find((m) => m.memberId === memberId);
        if (me !== undefined && me.memberAssignment.length > 0) {
          const want = standbyFromAssignment(me.memberAssignment).filter((p) => !mine.has(p));
          this.standby!.setPartitions(want);
          if (want.length > 0) this.log(`evaluate: standby for partitions [${want.join(',')}]`);
          return;
        }
      } catch (e) {
        this.log(`evaluate: reading the standby assignment failed: ${(e as Error).message}`);
      }
      await new Promise((r) => setTimeout(r, 200 * (attempt + 1)));
    }
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

  /** Installs new rules in every held partition (and standby), keeping alert state. */
  reloadRules(files: readonly ManagedRuleFile[]): void {
    this.standby?.reloadRules(files);
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
    // Before joining: the first assignment may already name partitions to keep warm.
    await this.standby?.start();
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.o.topics.samples, fromBeginning: (this.o.startFrom ?? 'earliest') === 'earliest' });
    this.running = true;
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.concurrency,
      eachBatch: (payload) => this.onBatch(payload),
    });
  }

  /**
   * Forgets a partition whose batch stopped half-applied: its window moved past records
   * whose events were not produced, so whoever holds the partition next (this member
   * again, or another) must restore from the snapshot and replay from the last commit.
   */
  private abandon(p: number, w: PartitionWorker, why: string): void {
    if (this.workers.get(p) === w) this.drop(p);
    this.log(`evaluate: partition ${p}: batch abandoned (${why}); it restarts from the last commit`);
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
      await (this.preparing.get(p) ?? this.startTakeover(p));
      w = this.workers.get(p);
      if (w === undefined || payload.isStale()) return;
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
    const prog = this.progress.get(p)!;
    let last = -1;
    try {
      // A batch can hold a megabyte of records (seconds of work on a replay): apply it in
      // slices, heartbeating and yielding between them, so the session and the HTTP API
      // stay alive, and stop as soon as the group took the partition away.
      let sliceStart = performance.now();
      for (const m of batch.messages) {
        const off = Number(m.offset);
        for (const e of w.apply(off, m.value)) events.push(e);
        last = off;
        if (performance.now() - sliceStart >= this.sliceMs) {
          prog.lag = Math.max(0, Number(batch.highWatermark) - (last + 1));
          await payload.heartbeat();
          await yieldToEventLoop();
          if (!payload.isRunning() || payload.isStale() || !this.running || this.workers.get(p) !== w) {
            this.abandon(p, w, 'rebalanced or stopped during a batch');
            return;
          }
          sliceStart = performance.now();
        }
      }
    } catch (e) {
      // Records were applied whose events are neither produced nor committed.
      this.abandon(p, w, (e as Error).message);
      throw e;
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
    prog.lag = Math.max(0, Number(batch.highWatermark) - (last + 1));
    if (prog.lag === 0 && prog.assignedAt !== null) {
      this.log(`evaluate: partition ${p}: at the head ${((performance.now() - prog.assignedAt) / 1000).toFixed(2)} s after assignment (${w.stats.records} records applied)`);
      prog.assignedAt = null;
    }
    // The fetch position moves on during a replay too; only the commit waits for new ground.
    payload.resolveOffset(String(last));
    if (last + 1 > prog.committed) {
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

  /** Starts (or joins) the takeover of `p`; a failed one is logged and retried at the next batch. */
  private startTakeover(p: number): Promise<void> {
    const running = this.preparing.get(p);
    if (running !== undefined) return running;
    const job = this.takeover(p)
      .catch((e) => this.log(`evaluate: partition ${p}: takeover failed, retried at its next batch: ${(e as Error).message}`))
      .finally(() => {
        if (this.preparing.get(p) === job) this.preparing.delete(p);
      });
    this.preparing.set(p, job);
    return job;
  }

  /** Sets up a newly assigned partition: from its standby shadow, or restored from its snapshot with a replay of the window. */
  private async takeover(p: number): Promise<void> {
    const started = performance.now();
    // Synchronously, before any await: the shadow applies nothing more once taken.
    const handover = this.standby?.take(p) ?? null;
    if (handover !== null) return this.adopt(p, handover, started);
    const topic = this.o.topics.samples;
    const r = await restorePartition({ ...this.restoreDeps(), admin: this.admin }, p);
    if (!this.assigned.has(p) || !this.running || this.workers.has(p)) return;
    const { snapshot: snap, committedOffset, committed: meta, seekTo } = r;
    const startAt = seekTo >= 0 ? seekTo : Math.max(0, committedOffset);
    this.workers.set(p, r.worker);
    this.progress.set(p, { partition: p, lag: Math.max(0, r.high - startAt), committed: committedOffset, replaying: snap !== null, assignedAt: started });
    this.stats.takeovers++;
    if (snap === null || snap.watermark === null) {
      this.log(`evaluate: partition ${p}: no snapshot, fresh window from offset ${committedOffset < 0 ? this.o.startFrom ?? 'earliest' : committedOffset}`);
      return;
    }
    this.log(`evaluate: partition ${p}: restored snapshot at ${new Date(snap.watermark).toISOString()}, replaying from offset ${seekTo} (committed ${committedOffset}, emitted through ${meta.evaluatedThrough ?? 'unknown'}; ${Math.round(performance.now() - started)} ms after assignment)`);
    if (seekTo < 0) return;
    this.seeking.set(p, seekTo);
    this.consumer.seek({ topic, partition: p, offset: String(seekTo) });
  }

  /**
   * Continues `p` from its standby shadow: the events the shadow computed past the
   * predecessor's last commit are produced now, evaluations the predecessor produced are
   * not emitted again, and reading goes on from the shadow's offset.
   */
  private async adopt(p: number, h: Handover, started: number): Promise<void> {
    const topic = this.o.topics.samples;
    const { offset: committedOffset, meta } = await committedOf(this.admin, this.o.groupId, topic, p);
    const through = meta.evaluatedThrough;
    if (through !== null) h.worker.producedThrough(through);
    const owed = through === null ? h.events : h.events.filter((e) => e.evalTime > through);
    if (!this.assigned.has(p) || !this.running || this.workers.has(p)) return;
    if (owed.length > 0) {
      await this.o.producer.send(this.o.topics.alerts, owed.map((e) => ({ key: e.fingerprint, value: encodeAlertEvent(e) })));
      this.stats.eventsProduced += owed.length;
      if (!this.assigned.has(p) || !this.running || this.workers.has(p)) return;
    }
    const next = h.worker.nextOffset ?? Math.max(0, committedOffset);
    this.workers.set(p, h.worker);
    this.progress.set(p, { partition: p, lag: h.lag, committed: committedOffset, replaying: false, assignedAt: started });
    this.stats.takeovers++;
    this.seeking.set(p, next);
    this.consumer.seek({ topic, partition: p, offset: String(next) });
    this.log(`evaluate: partition ${p}: taken over from the standby at offset ${next} (committed ${committedOffset}, emitted through ${through ?? 'unknown'}, ${owed.length} events produced for the predecessor; ${Math.round(performance.now() - started)} ms after assignment)`);
  }

  /** Writes a snapshot of every held partition (clean shutdown), then leaves the group. */
  async stop(): Promise<void> {
    if (this.running) {
      this.running = false;
      // Waits for the batch in flight, so a snapshot never covers unproduced events.
      await this.consumer.stop().catch(() => undefined);
      await this.standby?.stop();
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

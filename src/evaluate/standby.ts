/**
 * Warm standby of partitions another member owns. Without it a member that inherits a
 * partition from a dead owner replays the whole window from the log, which takes as
 * long as the window is long (seconds per million samples). A standby does that replay
 * ahead of time: it restores the partition as a takeover would and then follows the
 * log with a shadow PartitionWorker, evaluating every slot exactly as the owner does but
 * producing nothing. When the partition comes to this member, the consumer takes the
 * shadow over and continues from its offset (takeover = failure detection + catch-up).
 *
 * The shadow keeps the events it computed that the owner may not have produced yet,
 * trimmed by the owner's commit metadata (which says through which evaluation time
 * events were produced); the new owner produces those still above it, so nothing is
 * lost and nothing committed is sent again. The standby reads with its own consumer in
 * a group of its own (it never commits), paused on every partition it does not shadow.
 */
import { randomUUID } from 'node:crypto';
import type { Admin, Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import type { ManagedRuleFile } from '../rules/manager.js';
import type { AlertEvent } from './event.js';
import type { FetchOptions } from './consumer.js';
import type { PartitionWorker } from './worker.js';
import { decodeCommitMetadata } from './worker.js';
import { restorePartition, type RestoreDeps } from './takeover.js';

/** How a standby runs. */
export interface StandbyOptions extends Omit<RestoreDeps, 'admin'> {
  readonly kafka: Kafka;
  readonly fetch: FetchOptions;
  readonly sessionTimeoutMs: number;
  /** Where a partition without snapshot and commit starts. */
  readonly startFrom: 'earliest' | 'latest';
  /** A shadow holding more unconfirmed events than this is dropped (the owner is far behind). */
  readonly maxBufferedEvents?: number;
  /** How often the owners' commit metadata is read to trim the buffered events (default 5 s). */
  readonly trimIntervalMs?: number;
  readonly sliceMs?: number;
  readonly log: (line: string) => void;
}

/** A partition kept warm. */
interface Shadow {
  readonly partition: number;
  /** Null while restoring. */
  worker: PartitionWorker | null;
  /** Events computed and not yet known to be produced by the owner, in order. */
  events: AlertEvent[];
  /** Records between the last applied one and the partition's end, as of the last batch. */
  lag: number;
  /**
   * Holds the owner's state: restored from a snapshot, or begun at the start of the log
   * (as the owner did). Otherwise it is restarted once a snapshot exists (see trim).
   */
  settled: boolean;
}

/** Records behind the head a shadow may be and still count as warm (a few seconds of catch-up). */
const WARM_LAG = 1_000;

/** What the consumer receives when it takes a partition over from its standby. */
export interface Handover {
  readonly worker: PartitionWorker;
  /** Events the shadow computed, oldest first; the caller drops those the owner committed. */
  readonly events: AlertEvent[];
  readonly lag: number;
}

/** Counters for /metrics. */
export interface StandbyStats {
  handovers: number;
  dropped: number;
}

/** Keeps the partitions it is told to shadow warm. */
export class StandbyFeeder {
  private readonly consumer: Consumer;
  private readonly admin: Admin;
  private readonly shadows = new Map<number, Shadow>();
  private wanted = new Set<number>();
  private running = false;
  private trimTimer: NodeJS.Timeout | null = null;
  readonly stats: StandbyStats = { handovers: 0, dropped: 0 };

  constructor(private readonly o: StandbyOptions) {
    const f = o.fetch;
    this.consumer = o.kafka.consumer({
      groupId: `${o.groupId}.standby.${randomUUID().slice(0, 8)}`,
      sessionTimeout: o.sessionTimeoutMs,
      heartbeatInterval: Math.max(100, Math.floor(o.sessionTimeoutMs / 6)),
      rebalanceTimeout: Math.max(o.sessionTimeoutMs, 10_000),
      maxWaitTimeInMs: f.maxWaitTimeMs,
      minBytes: f.minBytes,
      maxBytesPerPartition: f.maxBytesPerPartition,
      maxBytes: Math.max(f.maxBytesPerPartition, f.maxBytes),
    });
    this.admin = o.kafka.admin();
    this.consumer.on(this.consumer.events.GROUP_JOIN, (e) => {
      // A group of one: it is assigned every partition; it reads only those it shadows.
      const all = (e.payload.memberAssignment[o.topic] ?? []).map(Number);
      const idle = all.filter((p) => this.shadows.get(p)?.worker == null);
      if (idle.length > 0) this.consumer.pause([{ topic: o.topic, partitions: idle }]);
    });
  }

  /** Joins its group of one and starts reading (everything paused until shadowed). */
  async start(): Promise<void> {
    await this.admin.connect();
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.o.topic, fromBeginning: true });
    this.running = true;
    await this.consumer.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch: (b) => this.onBatch(b) });
    this.trimTimer = setInterval(() => void this.trim().catch(() => undefined), this.o.trimIntervalMs ?? 5_000);
    this.trimTimer.unref();
  }

  /** The partitions to shadow from now on (the leader's choice, minus what this member owns). */
  setPartitions(partitions: Iterable<number>): void {
    this.wanted = new Set(partitions);
    for (const p of [...this.shadows.keys()]) if (!this.wanted.has(p)) this.forget(p);
    for (const p of this.wanted) if (!this.shadows.has(p)) void this.begin(p);
  }

  /**
   * Partitions shadowed and near the log's head (advertised to the assigner): restored,
   * and fewer than WARM_LAG records behind as of their last batch.
   */
  warm(): number[] {
    return [...this.shadows.values()].filter((s) => s.worker !== null && s.lag < WARM_LAG).map((s) => s.partition);
  }

  /** Per shadowed partition: lag, and whether it is restored yet. */
  progress(): { partition: number; lag: number; ready: boolean; buffered: number }[] {
    return [...this.shadows.values()].map((s) => ({ partition: s.partition, lag: s.lag, ready: s.worker !== null, buffered: s.events.length }));
  }

  /** The shadow workers (rule reloads reach them too). */
  workers(): PartitionWorker[] {
    return [...this.shadows.values()].flatMap((s) => (s.worker === null ? [] : [s.worker]));
  }

  /** Installs new rules in every shadow, keeping alert state. */
  reloadRules(files: readonly ManagedRuleFile[]): void {
    for (const w of this.workers()) {
      try {
        w.evaluator.reloadRules(files);
      } catch (e) {
        this.o.log(`evaluate: standby partition ${w.partition}: rule reload failed, old rules kept: ${(e as Error).message}`);
      }
    }
  }

  /**
   * Hands a restored shadow of `p` over (and stops shadowing it); null if there is none.
   * Synchronous, so no record is applied to the shadow after the caller took it.
   */
  take(p: number): Handover | null {
    const s = this.shadows.get(p);
    this.wanted.delete(p);
    this.forget(p);
    if (s === undefined || s.worker === null) return null;
    this.stats.handovers++;
    return { worker: s.worker, events: s.events, lag: s.lag };
  }

  private forget(p: number): void {
    if (!this.shadows.delete(p) || !this.running) return;
    try {
      this.consumer.pause([{ topic: this.o.topic, partitions: [p] }]);
    } catch {
      // Not joined yet: the join pauses every partition without a shadow.
    }
  }

  private async begin(p: number): Promise<void> {
    const s: Shadow = { partition: p, worker: null, events: [], lag: 0, settled: false };
    this.shadows.set(p, s);
    try {
      const r = await restorePartition({ ...this.o, admin: this.admin }, p);
      if (this.shadows.get(p) !== s || !this.running) return;
      const start = r.seekTo >= 0 ? r.seekTo : r.committedOffset >= 0 ? r.committedOffset : this.o.startFrom === 'earliest' ? 0 : r.high;
      r.worker.nextOffset = start;
      s.worker = r.worker;
      s.settled = r.snapshot?.watermark != null || start <= r.low;
      s.lag = Math.max(0, r.high - start);
      this.consumer.seek({ topic: this.o.topic, partition: p, offset: String(start) });
      this.consumer.resume([{ topic: this.o.topic, partitions: [p] }]);
      this.o.log(`evaluate: standby partition ${p}: restored${r.snapshot?.watermark == null ? ' (no snapshot)' : ` snapshot at ${new Date(r.snapshot.watermark).toISOString()}`}, following from offset ${start}`);
    } catch (e) {
      if (this.shadows.get(p) === s) this.shadows.delete(p);
      this.o.log(`evaluate: standby partition ${p}: restore failed, not kept warm: ${(e as Error).message}`);
    }
  }

  private async onBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const p = batch.partition;
    const s = this.shadows.get(p);
    const w = s?.worker;
    if (s === undefined || w == null || payload.isStale() || !this.running) return;
    // Only contiguous records: a batch from before the seek starts past the shadow's position.
    if (w.nextOffset !== null && Number(batch.firstOffset()) > w.nextOffset) return;
    const slice = this.o.sliceMs ?? 100;
    let sliceStart = performance.now();
    let last = -1;
    for (const m of batch.messages) {
      const off = Number(m.offset);
      for (const e of w.apply(off, m.value)) s.events.push(e);
      last = off;
      if (performance.now() - sliceStart >= slice) {
        payload.resolveOffset(String(last));
        s.lag = Math.max(0, Number(batch.highWatermark) - (last + 1));
        await payload.heartbeat();
        await new Promise<void>((resolve) => setImmediate(resolve));
        // Taken over or dropped meanwhile: the records applied so far went with it.
        if (this.shadows.get(p) !== s || !this.running || payload.isStale()) return;
        sliceStart = performance.now();
      }
    }
    if (last < 0) return;
    payload.resolveOffset(String(last));
    s.lag = Math.max(0, Number(batch.highWatermark) - (last + 1));
    if (s.events.length > (this.o.maxBufferedEvents ?? 100_000)) {
      // The owner is far behind (or not committing): a handover could not be trusted to be short.
      this.stats.dropped++;
      this.forget(p);
      this.o.log(`evaluate: standby partition ${p}: ${s.events.length} events ahead of the owner's commits, shadow dropped`);
    }
  }

  /**
   * Drops buffered events the owners have produced (their commit metadata says through
   * when). A shadow begun past the log's start before its partition had a snapshot has
   * alert state of its own, not the owner's: once a snapshot exists it starts over from it.
   */
  private async trim(): Promise<void> {
    if (this.shadows.size === 0) return;
    for (const s of [...this.shadows.values()]) {
      if (s.worker === null || s.settled || (await this.o.stateStore.latest(s.partition)) === null) continue;
      if (this.shadows.get(s.partition) !== s || !this.running) continue;
      this.forget(s.partition);
      this.o.log(`evaluate: standby partition ${s.partition}: a snapshot exists now, restoring from it`);
      void this.begin(s.partition);
    }
    const offsets = await this.admin.fetchOffsets({ groupId: this.o.groupId, topics: [this.o.topic] });
    for (const x of offsets.flatMap((t) => t.partitions)) {
      const s = this.shadows.get(x.partition);
      const through = decodeCommitMetadata(x.metadata).evaluatedThrough;
      if (s === undefined || through === null || s.events.length === 0) continue;
      s.events = s.events.filter((e) => e.evalTime > through);
    }
  }

  /** Stops reading; the shadows are discarded. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.trimTimer !== null) clearInterval(this.trimTimer);
    this.shadows.clear();
    await this.consumer.disconnect().catch(() => undefined);
    await this.admin.disconnect().catch(() => undefined);
  }
}

/**
 * The manager's Kafka side: a consumer-group member on vigil.alerts that turns alert events
 * into posted alerts for the dispatcher, a chunk of a batch at a time. Each put is an
 * idempotent MySQL upsert by fingerprint, and a partition's offset is committed only after every event before it is in
 * the database, so a crash at any point re-delivers at worst events already applied.
 */
import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import { decodeAlertEvent } from '../evaluate/event.js';
import { alertFromEvent, type PostableAlert } from './alert.js';

/** Alerts per sink.put: big enough to amortise the round trips, small enough for short row locks. */
const CHUNK = 500;

/** Where decoded alerts go (the Dispatcher in production). */
export interface AlertSink {
  /**
   * Stores alerts, in order; resolves with the faults of rejected ones and `group`, the
   * second stage (their aggregation groups), which may overlap the next call's storing.
   */
  putStaged(alerts: readonly PostableAlert[]): Promise<{ faults: string[]; group: () => Promise<void> }>;
}

/** How the consumer runs. */
export interface AlertConsumerOptions {
  readonly kafka: Kafka;
  readonly groupId: string;
  readonly topic: string;
  readonly sink: AlertSink;
  /** Where a group without committed offsets starts (default earliest). */
  readonly startFrom?: 'earliest' | 'latest';
  readonly sessionTimeoutMs?: number;
  readonly log?: (line: string) => void;
}

/** Counters for /metrics. */
export interface AlertConsumerStats {
  /** Records read. */
  records: number;
  /** Alerts handed to the dispatcher, by status. */
  firing: number;
  resolved: number;
  /** Pending events (Alertmanager never sees pending alerts). */
  pending: number;
  /** Records that did not decode, or alerts the dispatcher rejected. */
  invalid: number;
  commitFailures: number;
}

/** One consumer-group member on the alerts topic. */
export class AlertConsumer {
  private readonly consumer: Consumer;
  private readonly log: (line: string) => void;
  private running = false;
  private joined = false;
  readonly stats: AlertConsumerStats = { records: 0, firing: 0, resolved: 0, pending: 0, invalid: 0, commitFailures: 0 };

  constructor(private readonly o: AlertConsumerOptions) {
    const session = o.sessionTimeoutMs ?? 10_000;
    this.consumer = o.kafka.consumer({
      groupId: o.groupId,
      sessionTimeout: session,
      heartbeatInterval: Math.max(100, Math.floor(session / 5)),
      rebalanceTimeout: session,
    });
    this.log = o.log ?? (() => undefined);
    this.consumer.on(this.consumer.events.GROUP_JOIN, (e) => {
      this.joined = true;
      const mine = (e.payload.memberAssignment[o.topic] ?? []).map(Number).sort((a, b) => a - b);
      this.log(`manager: assigned partitions [${mine.join(',')}] of ${o.topic}`);
    });
  }

  /** True once the group has been joined. */
  get hasJoined(): boolean {
    return this.joined;
  }

  /** Joins the group and starts consuming. */
  async start(): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.o.topic, fromBeginning: (this.o.startFrom ?? 'earliest') === 'earliest' });
    this.running = true;
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: (payload) => this.onBatch(payload),
    });
  }

  private async onBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    let last: string | null = null;
    // Decoded alerts wait here and go to the sink a chunk at a time. A chunk's alerts are
    // stored while the previous chunk is grouped (two MySQL transactions in flight, on
    // different tables); offsets are resolved only once their chunk is stored and grouped.
    let chunk: { alert: PostableAlert; state: string }[] = [];
    let chunkLast: string | null = null;
    let grouping: { done: Promise<void>; last: string | null } | null = null;
    const finishGrouping = async (): Promise<void> => {
      if (grouping === null) return;
      const g = grouping;
      grouping = null;
      // A database error propagates: nothing past the last grouped offset is committed.
      await g.done;
      if (g.last !== null) {
        payload.resolveOffset(g.last);
        last = g.last;
      }
    };
    const apply = async (): Promise<void> => {
      const alerts = chunk.map((c) => c.alert);
      const states = chunk.map((c) => c.state);
      const chunkEnd = chunkLast;
      chunk = [];
      chunkLast = null;
      if (alerts.length === 0 && chunkEnd === null) return;
      // An empty chunk (pending events only) stores nothing and groups nothing, but still moves the offset.
      const { faults, group } = await this.o.sink.putStaged(alerts);
      this.stats.invalid += faults.length;
      for (const f of faults) this.log(`manager: ${batch.topic}[${batch.partition}]: alert rejected: ${f}`);
      const resolved = states.filter((st) => st === 'resolved').length;
      this.stats.resolved += resolved;
      this.stats.firing += alerts.length - faults.length - resolved;
      await finishGrouping();
      const done = group();
      // Awaited by the next chunk or at the batch's end; never left to reject unobserved.
      done.catch(() => undefined);
      grouping = { done, last: chunkEnd };
      await payload.heartbeat();
    };
    try {
      for (const message of batch.messages) {
        if (!this.running || payload.isStale()) break;
        this.stats.records++;
        try {
          const event = decodeAlertEvent(message.value === null ? '' : message.value.toString('utf8'));
          const alert = alertFromEvent(event);
          if (alert === null) this.stats.pending++;
          else chunk.push({ alert, state: event.state });
        } catch (e) {
          this.stats.invalid++;
          this.log(`manager: ${batch.topic}[${batch.partition}]@${message.offset}: skipped: ${(e as Error).message}`);
        }
        chunkLast = message.offset;
        if (chunk.length >= CHUNK) await apply();
      }
      await apply();
    } finally {
      await finishGrouping();
    }
    if (last === null) return;
    try {
      await this.consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: String(Number(last) + 1) }]);
    } catch (e) {
      // Rebalancing: whoever gets the partition re-applies from the last commit (idempotent).
      this.stats.commitFailures++;
      this.log(`manager: ${batch.topic}[${batch.partition}]: commit failed: ${(e as Error).message}`);
      throw e;
    }
  }

  /** Leaves the group. */
  async stop(): Promise<void> {
    this.running = false;
    await this.consumer.disconnect().catch(() => undefined);
  }
}


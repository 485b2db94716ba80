/**
 * Reads a compacted topic (vigil.state, vigil.rules) from its beginning and keeps
 * tailing it: the latest value per key is what matters. Its consumer group is private
 * to the process and never commits, since every reader wants the whole topic.
 */
import { randomUUID } from 'node:crypto';
import type { Consumer, Kafka } from 'kafkajs';

/** One record of the topic; `value` null is a tombstone. */
export interface CompactedRecord {
  readonly key: string;
  readonly value: Buffer | null;
  readonly partition: number;
  readonly offset: number;
}

/** How a reader runs. */
export interface CompactedTopicReaderOptions {
  /** Prefix of the private consumer group id. */
  readonly groupPrefix: string;
  readonly onRecord: (r: CompactedRecord) => void;
  readonly sessionTimeoutMs?: number;
}

/** Tails a compacted topic from the beginning. */
export class CompactedTopicReader {
  private readonly consumer: Consumer;
  /** Next offset to read, per partition. */
  private readonly position = new Map<number, number>();
  private waiters: { target: Map<number, number>; resolve: () => void }[] = [];
  private started = false;

  constructor(private readonly kafka: Kafka, readonly topic: string, private readonly opts: CompactedTopicReaderOptions) {
    const session = opts.sessionTimeoutMs ?? 10_000;
    this.consumer = kafka.consumer({
      groupId: `${opts.groupPrefix}.${randomUUID()}`,
      sessionTimeout: session,
      heartbeatInterval: Math.max(100, Math.floor(session / 5)),
      rebalanceTimeout: session,
    });
  }

  /** Connects and starts tailing. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.topic, fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) {
          const key = m.key?.toString('utf8') ?? '';
          this.opts.onRecord({ key, value: m.value ?? null, partition: batch.partition, offset: Number(m.offset) });
        }
        if (batch.messages.length > 0) this.position.set(batch.partition, Number(batch.lastOffset()) + 1);
        this.checkWaiters();
      },
    });
  }

  /**
   * Resolves once every record written before the call has been handed to onRecord:
   * the topic's end offsets are taken now and waited for.
   */
  async caughtUp(timeoutMs = 30_000): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    let offsets;
    try {
      offsets = await admin.fetchTopicOffsets(this.topic);
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
    const target = new Map(offsets.map((o) => [o.partition, Number(o.high)]));
    if (this.reached(target)) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.resolve !== done);
        reject(new Error(`${this.topic}: not caught up within ${timeoutMs} ms`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      this.waiters.push({ target, resolve: done });
    });
  }

  private reached(target: Map<number, number>): boolean {
    for (const [p, high] of target) {
      if (high > 0 && (this.position.get(p) ?? 0) < high) return false;
    }
    return true;
  }

  private checkWaiters(): void {
    const still: typeof this.waiters = [];
    for (const w of this.waiters) {
      if (this.reached(w.target)) w.resolve();
      else still.push(w);
    }
    this.waiters = still;
  }

  /** Stops tailing. */
  async stop(): Promise<void> {
    await this.consumer.disconnect().catch(() => undefined);
  }
}

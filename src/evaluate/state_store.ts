/**
 * vigil.state: the latest alert-state snapshot of every samples partition (key = the
 * partition number). A worker tails the whole compacted topic, so a partition it is
 * assigned finds its snapshot in memory once the reader has caught up.
 */
import type { Kafka, Message } from 'kafkajs';
import { CompactedTopicReader } from './consumer_compacted.js';
import { decodeSnapshot, encodeSnapshot, type PartitionSnapshot } from './snapshot.js';

/** Where snapshots are written (SafeProducer in production). */
export interface SnapshotProducer {
  send(topic: string, messages: Message[]): Promise<unknown>;
}

/** Latest snapshots by samples partition, read from vigil.state. */
export class StateStore {
  private readonly latestBy = new Map<number, PartitionSnapshot>();
  private readonly reader: CompactedTopicReader;
  /** Snapshot records that could not be decoded (kept out of takeovers). */
  badRecords = 0;

  constructor(kafka: Kafka, readonly topic: string, private readonly onError: (msg: string) => void = () => undefined, groupPrefix = 'vigil.state-reader') {
    this.reader = new CompactedTopicReader(kafka, topic, {
      groupPrefix,
      onRecord: (r) => {
        const partition = Number(r.key);
        if (!Number.isInteger(partition) || partition < 0) {
          this.badRecords++;
          this.onError(`${topic}: offset ${r.offset}: key ${JSON.stringify(r.key)} is not a partition number`);
          return;
        }
        if (r.value === null) {
          this.latestBy.delete(partition);
          return;
        }
        try {
          const s = decodeSnapshot(r.value.toString('utf8'));
          const cur = this.latestBy.get(partition);
          // A slow ex-owner's late snapshot must not replace a newer one.
          if (cur === undefined || (s.watermark ?? -Infinity) >= (cur.watermark ?? -Infinity)) this.latestBy.set(partition, s);
        } catch (e) {
          this.badRecords++;
          this.onError(`${topic}: offset ${r.offset}: ${(e as Error).message}`);
        }
      },
    });
  }

  /** Starts tailing the topic. */
  start(): Promise<void> {
    return this.reader.start();
  }

  /** The latest snapshot of `partition` written before this call, or null. */
  async latest(partition: number, timeoutMs?: number): Promise<PartitionSnapshot | null> {
    await this.reader.caughtUp(timeoutMs);
    return this.latestBy.get(partition) ?? null;
  }

  /** Writes `s` (after the alert events it covers have been acknowledged). */
  async write(producer: SnapshotProducer, s: PartitionSnapshot): Promise<void> {
    await producer.send(this.topic, [{ key: String(s.partition), value: encodeSnapshot(s) }]);
    const cur = this.latestBy.get(s.partition);
    if (cur === undefined || (s.watermark ?? -Infinity) >= (cur.watermark ?? -Infinity)) this.latestBy.set(s.partition, s);
  }

  /** Stops tailing. */
  stop(): Promise<void> {
    return this.reader.stop();
  }
}

/**
 * How a member sets up a partition it did not hold (DESIGN.md, "Time comes from the
 * log"): the committed offset and its metadata (through which evaluation time events
 * were produced), the latest vigil.state snapshot, a worker restored from it, and the
 * offset of (snapshot time − window length − slack) to replay from. The owner and a
 * standby (which keeps a partition warm for when its owner dies) start the same way.
 */
import type { Admin } from 'kafkajs';
import type { ManagedRuleFile } from '../rules/manager.js';
import { PartitionEvaluator, type PartitionEvaluatorOptions } from './partition.js';
import type { StateStore } from './state_store.js';
import type { PartitionSnapshot } from './snapshot.js';
import { decodeCommitMetadata, PartitionWorker, type CommitMetadata, type PartitionWorkerOptions } from './worker.js';

/** How partitions a member did not hold are set up (the consumer's options share these). */
export interface PartitionSetup {
  readonly stateStore: StateStore;
  /** The current rules (read whenever a partition is set up). */
  readonly rules: () => readonly ManagedRuleFile[];
  readonly evaluator?: Omit<PartitionEvaluatorOptions, 'partition' | 'onEvent' | 'evaluateFrom'>;
  /** Seek this much earlier than snapshot time − window, for accept-time vs sample-time skew (default 60 s). */
  readonly replaySlackMs?: number;
}

/** What a restore needs. */
export interface RestoreDeps extends PartitionSetup {
  readonly admin: Admin;
  readonly groupId: string;
  readonly topic: string;
  readonly worker: PartitionWorkerOptions;
}

/** A partition restored from its snapshot, ready to be fed records from `startAt`. */
export interface RestoredPartition {
  readonly worker: PartitionWorker;
  readonly snapshot: PartitionSnapshot | null;
  readonly committed: CommitMetadata;
  /** The group's committed offset (-1 if none). */
  readonly committedOffset: number;
  /** Where to seek for the replay (-1: no snapshot, start at the committed offset). */
  readonly seekTo: number;
  /** The partition's end offset when restored. */
  readonly high: number;
  /** Its first offset still in the log when restored. */
  readonly low: number;
}

/** The group's committed offset of `p` and its metadata. */
export async function committedOf(admin: Admin, groupId: string, topic: string, p: number): Promise<{ offset: number; meta: CommitMetadata }> {
  const [raw] = (await admin.fetchOffsets({ groupId, topics: [topic] })).flatMap((t) => t.partitions).filter((x) => x.partition === p);
  return { offset: raw === undefined ? -1 : Number(raw.offset), meta: decodeCommitMetadata(raw?.metadata) };
}

/** Restores `p` from its snapshot and finds the replay offset. */
export async function restorePartition(d: RestoreDeps, p: number): Promise<RestoredPartition> {
  const { offset: committedOffset, meta } = await committedOf(d.admin, d.groupId, d.topic, p);
  const snap = await d.stateStore.latest(p);
  const ev = new PartitionEvaluator(d.rules(), { ...d.evaluator, partition: p });
  if (snap !== null) ev.restore(snap, meta.evaluatedThrough === null ? {} : { emitAfter: meta.evaluatedThrough });
  else if (meta.evaluatedThrough !== null) {
    // No state to restore, only what must not be emitted again.
    ev.restore({ version: 1, partition: p, watermark: null, offset: null, windowLength: 0, groups: [] }, { emitAfter: meta.evaluatedThrough });
  }
  const worker = new PartitionWorker(ev, d.worker, { snapshot: snap, committed: meta });
  let seekTo = -1;
  if (snap !== null && snap.watermark !== null) {
    const from = snap.watermark - Math.max(snap.windowLength, ev.windowLength) - (d.replaySlackMs ?? 60_000);
    const found = (await d.admin.fetchTopicOffsetsByTimestamp(d.topic, from)).find((x) => x.partition === p);
    seekTo = found === undefined ? -1 : Number(found.offset);
  }
  const ends = (await d.admin.fetchTopicOffsets(d.topic)).find((x) => x.partition === p);
  const high = Number(ends?.high ?? 0);
  const low = Number(ends?.low ?? 0);
  return { worker, snapshot: snap, committed: meta, committedOffset, seekTo, high, low };
}

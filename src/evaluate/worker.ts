/**
 * One assigned samples partition, free of Kafka: decodes its records into the
 * partition evaluator, keeps the partition's watermark, and says when a snapshot is due.
 *
 * Watermark: the partition's time is the largest tick or sample time seen. Ticks are
 * the ingest's clock and guarantee progress on silent partitions. A tenant whose
 * clock runs ahead could otherwise drag the partition's evaluations into the future for
 * every other tenant sharing it, so once a tick has been seen a sample moves the
 * watermark at most `futureSlackMs` past the latest tick. Tenants that lag behind cannot
 * hold the watermark back: slot T is evaluated once the watermark reaches
 * T + `evaluationDelayMs`, and samples arriving later than that miss the slot (as they
 * would miss a Prometheus evaluation); the delay is what a deployment allows for lag.
 * Everything here is a function of the records in offset order, so a replay of the
 * same records gives the same watermarks and the same events.
 */
import { SamplesDecoder, type SampleVisitor, type SeriesView } from '../kafka/samples_codec.js';
import type { AlertEvent } from './event.js';
import type { PartitionEvaluator } from './partition.js';
import { SeriesCache } from './series_cache.js';
import type { PartitionSnapshot } from './snapshot.js';

/** How a partition worker turns records into time. */
export interface PartitionWorkerOptions {
  /** Slot T is evaluated once the watermark reaches T + this (default 0). */
  readonly evaluationDelayMs?: number;
  /** How far past the latest tick a sample may move the watermark (default 60 s). */
  readonly futureSlackMs?: number;
  /** Log time between snapshots (default 60 s). */
  readonly snapshotIntervalMs?: number;
  /** Evaluate no slot after this (replays of a time range). */
  readonly stopAt?: number;
}

/** What the successor of a partition learns from the commit metadata. */
export interface CommitMetadata {
  /** Every evaluation at or before this time had its events produced. */
  readonly evaluatedThrough: number | null;
}

/** The commit metadata string (Kafka keeps up to 4 KiB of it with the offset). */
export function encodeCommitMetadata(m: CommitMetadata): string {
  return JSON.stringify({ v: 1, evaluatedThrough: m.evaluatedThrough });
}

/** Parses encodeCommitMetadata's string; anything else (absent, foreign) means nothing is known. */
export function decodeCommitMetadata(s: string | null | undefined): CommitMetadata {
  if (s === null || s === undefined || s === '') return { evaluatedThrough: null };
  try {
    const o = JSON.parse(s) as { v?: unknown; evaluatedThrough?: unknown };
    if (o.v === 1 && (o.evaluatedThrough === null || Number.isSafeInteger(o.evaluatedThrough))) {
      return { evaluatedThrough: o.evaluatedThrough as number | null };
    }
  } catch {
    // Metadata written by another tool: treat as unknown.
  }
  return { evaluatedThrough: null };
}

/** Counters of one partition worker. */
export interface PartitionWorkerStats {
  records: number;
  ticks: number;
  decodeErrors: number;
  /** Samples whose time was clamped by futureSlackMs. */
  futureSamples: number;
}

/** The state of one assigned partition. */
export class PartitionWorker {
  private readonly decoder = new SamplesDecoder();
  /** Series by label pairs, with their window refs: resolved once per series, not per sample. */
  private readonly series = new SeriesCache();
  private maxTick: number | null = null;
  private rawWatermark: number | null = null;
  /** The next offset this worker expects; older records are re-deliveries and skipped. */
  nextOffset: number | null = null;
  /** Watermark of the last snapshot written (or restored). */
  lastSnapshotAt: number | null = null;
  /** Carried in commit metadata: the predecessor's value until this worker evaluates past it. */
  private committedThrough: number | null;
  readonly stats: PartitionWorkerStats = { records: 0, ticks: 0, decodeErrors: 0, futureSamples: 0 };
  /** Last decode error, for the log. */
  lastDecodeError: string | null = null;
  private readonly delay: number;
  private readonly slack: number;
  private readonly snapshotEvery: number;
  private readonly stopAt: number;
  private readonly visitor: SampleVisitor;
  /** The latest (clamped) sample time of the record being applied. */
  private candidate: number | null = null;

  constructor(readonly evaluator: PartitionEvaluator, opts: PartitionWorkerOptions = {}, from: { snapshot?: PartitionSnapshot | null; committed?: CommitMetadata } = {}) {
    this.delay = opts.evaluationDelayMs ?? 0;
    this.slack = opts.futureSlackMs ?? 60_000;
    this.snapshotEvery = opts.snapshotIntervalMs ?? 60_000;
    this.stopAt = opts.stopAt ?? Infinity;
    this.committedThrough = from.committed?.evaluatedThrough ?? null;
    const snap = from.snapshot ?? null;
    if (snap !== null && snap.watermark !== null) {
      // Ticks before the replay start are not seen again: assume the snapshot's time.
      this.rawWatermark = snap.watermark + this.delay;
      this.maxTick = this.rawWatermark;
      this.lastSnapshotAt = snap.watermark;
    }
    let current = -1;
    const ev = this.evaluator;
    const series = this.series;
    this.visitor = {
      series: (sv: SeriesView) => {
        current = series.lookup(sv);
      },
      samples: (ts: Float64Array, vs: Float64Array, stale: Uint8Array, from: number, to: number) => {
        ev.appendSamples(series, current, ts, vs, stale, from, to);
        this.noteTimes(ts, from, to);
      },
    };
  }

  /** Moves the record's candidate watermark to the latest (clamped) of these sample times. */
  private noteTimes(ts: Float64Array, from: number, to: number): void {
    let latest = -Infinity;
    for (let i = from; i < to; i++) {
      let t = ts[i]!;
      if (this.maxTick !== null && t > this.maxTick + this.slack) {
        t = this.maxTick + this.slack;
        this.stats.futureSamples++;
      }
      if (t > latest) latest = t;
    }
    if (latest > -Infinity && (this.candidate === null || latest > this.candidate)) this.candidate = latest;
  }

  get partition(): number {
    return this.evaluator.partition;
  }

  /**
   * Applies one record at `offset`: samples into the window, then the watermark, then
   * the evaluations it allows. Returns their events (already-committed ones suppressed
   * by the evaluator). A corrupt record is counted and skipped.
   */
  apply(offset: number, value: Uint8Array | null): AlertEvent[] {
    if (this.nextOffset !== null && offset < this.nextOffset) return [];
    this.nextOffset = offset + 1;
    this.stats.records++;
    if (value === null) return [];
    this.candidate = null;
    const res = this.decoder.decode(value, this.visitor);
    if (res.kind === 'error') {
      this.stats.decodeErrors++;
      this.lastDecodeError = `partition ${this.partition} offset ${offset}: ${res.error} at byte ${res.offset}`;
      return [];
    }
    let candidate: number | null = this.candidate;
    if (res.kind === 'tick') {
      this.stats.ticks++;
      if (this.maxTick === null || res.time > this.maxTick) this.maxTick = res.time;
      candidate = res.time;
    }
    if (candidate === null || (this.rawWatermark !== null && candidate <= this.rawWatermark)) return [];
    this.rawWatermark = candidate;
    return this.evaluator.advance(Math.min(candidate - this.delay, this.stopAt), offset);
  }

  /** The watermark of the records applied so far (before the evaluation delay). */
  get watermark(): number | null {
    return this.rawWatermark;
  }

  /** Whether enough log time passed since the last snapshot. */
  snapshotDue(): boolean {
    const wm = this.evaluator.watermark;
    if (wm === null) return false;
    return this.lastSnapshotAt === null || wm - this.lastSnapshotAt >= this.snapshotEvery;
  }

  /** The evaluator's snapshot, remembered as the last one written. */
  takeSnapshot(): PartitionSnapshot {
    const s = this.evaluator.snapshot();
    this.lastSnapshotAt = s.watermark;
    return s;
  }

  /**
   * The partition's owner produced the events of evaluations through `t` (a standby
   * taking over from it): they are not emitted again, and the next commit says so too.
   */
  producedThrough(t: number): void {
    if (this.committedThrough === null || t > this.committedThrough) this.committedThrough = t;
    this.evaluator.suppressThrough(t);
  }

  /** The commit metadata for the records applied so far. */
  commitMetadata(): CommitMetadata {
    const wm = this.evaluator.watermark;
    const through = wm === null ? this.committedThrough : this.committedThrough === null ? wm : Math.max(wm, this.committedThrough);
    this.committedThrough = through;
    return { evaluatedThrough: through };
  }
}

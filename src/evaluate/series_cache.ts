/**
 * The series of a partition's records, by their label pairs: a decoded record names
 * each series by indices into its own pair table, which is mapped to global pair ids
 * lazily, once per pair per record (a target's pairs are shared by all its series), so
 * a series costs an array read per label, with no string hashed or compared and no key
 * string built. The entry keeps the series' Labels and its window ref, so a sample
 * costs no lookup at all. The table is open addressing over typed arrays: a lookup touches a slot and the pair ids
 * of its candidate, where a Map of objects would chase several pointers per series.
 */
import type { SeriesView } from '../kafka/samples_codec.js';
import type { SeriesHandle } from './partition.js';

/** A cached series: its labels and its window ref (-1 until resolved). */
export type CachedSeries = SeriesHandle;

/** Series by label pairs, bounded: it is cleared when it grows past `maxSeries`. */
export class SeriesCache {
  private pairIds = new Map<string, Map<string, number>>();
  private nextPair = 0;
  private entries: CachedSeries[] = [];
  /** Per entry: its hash, and where its pair ids start in `arena` (they end where the next start). */
  private hashes: Int32Array = new Int32Array(1024);
  private starts: Int32Array = new Int32Array(1025);
  private arena: Int32Array = new Int32Array(8192);
  /** Open addressing: entry index + 1, 0 for empty. */
  private table = new Int32Array(2048);
  private scratch = new Int32Array(64);
  /** The entry last returned: a scrape's series come in the order of the previous scrape. */
  private last = -1;
  /** Global pair id by the current batch's pair index, -1 until first met in the batch. */
  private batchPairs = new Int32Array(1024);
  private batch = -1;

  constructor(private readonly maxSeries = 2_000_000) {}

  /** Series held. */
  get size(): number {
    return this.entries.length;
  }

  /** The cached series `s` names, added on first sight. */
  lookup(s: SeriesView): CachedSeries {
    const n = s.labelCount;
    if (this.scratch.length < n) this.scratch = new Int32Array(n * 2);
    if (s.batch !== this.batch) this.startBatch(s);
    const ids = this.scratch;
    const batchPairs = this.batchPairs;
    let h = 0x811c9dc5 ^ n;
    for (let i = 0; i < n; i++) {
      const p = s.pair(i);
      let id = batchPairs[p]!;
      if (id < 0) id = batchPairs[p] = this.pairId(s.labelName(i), s.labelValue(i));
      ids[i] = id;
      h = Math.imul(h ^ id, 0x01000193);
      h ^= h >>> 15;
    }
    // Entries are numbered in order of first sight, so the next series is most often the
    // next entry: checking it first touches memory next to the last hit, not a random slot.
    const guess = this.last + 1;
    if (guess < this.entries.length && this.hashes[guess] === h && this.sameIds(guess, n)) {
      this.last = guess;
      return this.entries[guess]!;
    }
    const table = this.table;
    const mask = table.length - 1;
    let at = h & mask;
    for (;;) {
      const e = table[at]! - 1;
      if (e < 0) break;
      if (this.hashes[e] === h && this.sameIds(e, n)) {
        this.last = e;
        return this.entries[e]!;
      }
      at = (at + 1) & mask;
    }
    if (this.entries.length >= this.maxSeries) {
      this.reset();
      return this.lookup(s);
    }
    return this.add(s, h, n, at);
  }

  /** Whether entry `e` has the `n` pair ids in scratch. */
  private sameIds(e: number, n: number): boolean {
    const from = this.starts[e]!;
    if (this.starts[e + 1]! - from !== n) return false;
    const arena = this.arena;
    const ids = this.scratch;
    for (let i = 0; i < n; i++) if (arena[from + i] !== ids[i]) return false;
    return true;
  }

  private startBatch(s: SeriesView): void {
    this.batch = s.batch;
    if (this.batchPairs.length < s.pairCount) this.batchPairs = new Int32Array(s.pairCount * 2);
    this.batchPairs.fill(-1, 0, s.pairCount);
  }

  private add(s: SeriesView, h: number, n: number, at: number): CachedSeries {
    const e = this.entries.length;
    if (e + 1 >= this.hashes.length) {
      this.hashes = grow(this.hashes, (e + 1) * 2);
      this.starts = grow(this.starts, (e + 2) * 2);
    }
    const from = this.starts[e]!;
    if (from + n > this.arena.length) this.arena = grow(this.arena, (from + n) * 2);
    this.arena.set(this.scratch.subarray(0, n), from);
    this.starts[e + 1] = from + n;
    this.hashes[e] = h;
    const entry: CachedSeries = { labels: s.labels(), ref: -1 };
    this.entries.push(entry);
    this.last = e;
    this.table[at] = e + 1;
    if (this.entries.length * 2 > this.table.length) this.rehash(this.table.length * 2);
    return entry;
  }

  private rehash(size: number): void {
    const table = new Int32Array(size);
    const mask = size - 1;
    for (let e = 0; e < this.entries.length; e++) {
      let at = this.hashes[e]! & mask;
      while (table[at] !== 0) at = (at + 1) & mask;
      table[at] = e + 1;
    }
    this.table = table;
  }

  private pairId(name: string, value: string): number {
    let values = this.pairIds.get(name);
    if (values === undefined) {
      values = new Map();
      this.pairIds.set(name, values);
    }
    let id = values.get(value);
    if (id === undefined) {
      id = this.nextPair++;
      values.set(value, id);
    }
    return id;
  }

  /** Series churn must not grow the cache forever: start over (refs are re-resolved by labels). */
  private reset(): void {
    this.pairIds = new Map();
    this.nextPair = 0;
    this.entries = [];
    this.starts[0] = 0;
    this.last = -1;
    this.table = new Int32Array(2048);
    // The batch's mapped pairs name ids of the cleared table.
    this.batch = -1;
  }
}

function grow(a: Int32Array, n: number): Int32Array {
  const b = new Int32Array(n);
  b.set(a);
  return b;
}

/**
 * The series of a partition's records, by their label pairs: a decoded record names
 * each series by indices into its own pair table, which is mapped to global pair ids
 * lazily, once per pair per distinct table (a target's pairs are shared by all its
 * series, and a scrape's records repeat the tables of the previous scrape's), so
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
  /**
   * Global pair id by pair index, -1 until first met, per pair table (SeriesView.table):
   * a scrape's records repeat their tables, so a pair is mapped once, not once a record.
   */
  private tablePairs = new Map<number, Int32Array>();
  /** Ints held by tablePairs, which is cleared past a bound. */
  private tablePairsSize = 0;
  /** The mapping of the current batch's table. */
  private batchPairs: Int32Array = new Int32Array(0);
  private currentTable = -1;

  constructor(private readonly maxSeries = 2_000_000) {}

  /** Series held. */
  get size(): number {
    return this.entries.length;
  }

  /** The cached series `s` names, added on first sight. */
  lookup(s: SeriesView): CachedSeries {
    const n = s.labelCount;
    if (this.scratch.length < n) this.scratch = new Int32Array(n * 2);
    if (s.table !== this.currentTable) this.startBatch(s);
    const ids = this.scratch;
    const batchPairs = this.batchPairs;
    let i = 0;
    // Entries are numbered in order of first sight, so the next series is most often the
    // next entry: its ids are compared while they are mapped, and a hit needs no hash
    // (equal ids have equal hashes) and touches memory next to the last hit.
    const guess = this.last + 1;
    if (guess < this.entries.length) {
      const from = this.starts[guess]!;
      if (this.starts[guess + 1]! - from === n) {
        const arena = this.arena;
        while (i < n) {
          const p = s.pair(i);
          let id = batchPairs[p]!;
          if (id < 0) id = batchPairs[p] = this.pairId(s.labelName(i), s.labelValue(i));
          ids[i] = id;
          if (arena[from + i] !== id) break;
          i++;
        }
        if (i === n) {
          this.last = guess;
          return this.entries[guess]!;
        }
      }
    }
    for (; i < n; i++) {
      const p = s.pair(i);
      let id = batchPairs[p]!;
      if (id < 0) id = batchPairs[p] = this.pairId(s.labelName(i), s.labelValue(i));
      ids[i] = id;
    }
    let h = 0x811c9dc5 ^ n;
    for (let k = 0; k < n; k++) {
      h = Math.imul(h ^ ids[k]!, 0x01000193);
      h ^= h >>> 15;
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
    this.currentTable = s.table;
    let pairs = this.tablePairs.get(s.table);
    if (pairs === undefined) {
      if (this.tablePairs.size >= MAX_TABLES || this.tablePairsSize + s.pairCount > MAX_TABLE_PAIRS) {
        this.tablePairs.clear();
        this.tablePairsSize = 0;
      }
      pairs = new Int32Array(s.pairCount).fill(-1);
      this.tablePairs.set(s.table, pairs);
      this.tablePairsSize += s.pairCount;
    }
    this.batchPairs = pairs;
  }

  private add(s: SeriesView, h: number, n: number, at: number): CachedSeries {
    const e = this.entries.length;
    if (e + 1 >= this.hashes.length) {
      this.hashes = grow(this.hashes, (e + 1) * 2);
      this.starts = grow(this.starts, (e + 2) * 2);
    }
    const from = this.starts[e]!;
    if (from + n > this.arena.length) this.arena = grow(this.arena, (from + n) * 2);
    const arena = this.arena;
    const ids = this.scratch;
    for (let i = 0; i < n; i++) arena[from + i] = ids[i]!;
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
    // The tables' mapped pairs name ids of the cleared table.
    this.tablePairs.clear();
    this.tablePairsSize = 0;
    this.currentTable = -1;
  }
}

/** Bounds of the pair mappings kept: tables, and pair ids in all (16 MiB). */
const MAX_TABLES = 1024;
const MAX_TABLE_PAIRS = 4 << 20;

function grow(a: Int32Array, n: number): Int32Array {
  const b = new Int32Array(n);
  b.set(a);
  return b;
}

/**
 * The series of a partition's records, by their label pairs: a decoded record names
 * each series by indices into its own pair table, which is mapped to global pair ids
 * lazily, once per pair per distinct table (a target's pairs are shared by all its
 * series, and a scrape's records repeat the tables of the previous scrape's), so
 * a series costs an array read per label, with no string hashed or compared and no key
 * string built. An entry keeps the series' window ref, so a sample costs no lookup at all.
 * The table is open addressing over typed arrays: a lookup touches a slot and the pair ids
 * of its candidate, where a Map of objects would chase several pointers per series.
 *
 * An entry is a number and holds no object: its labels are rebuilt from its pair ids
 * when its ref must be resolved (on creation, and after truncation renumbered the
 * window). A Labels array and a handle per series held some 170 heap bytes each (200
 * bytes a series in all after a first scrape of the bench fleet, 28 without), and the
 * garbage collector copied them all, as survivors, while the series were new.
 */
import type { SeriesView } from '../kafka/samples_codec.js';
import type { Label, Labels } from '../promql/labels.js';
import type { SeriesRefs } from './partition.js';

/** Series by label pairs, bounded: it is cleared when it grows past `maxSeries`. */
export class SeriesCache implements SeriesRefs {
  private pairIds = new Map<string, Map<string, number>>();
  /** The Label of each global pair id, shared by the label sets built for resolving refs. */
  private pairLabels: Label[] = [];
  private count = 0;
  /** Per entry: its window ref (-1 until resolved) and its hash. */
  private refs: Int32Array = new Int32Array(1024);
  private hashes: Int32Array = new Int32Array(1024);
  /** Per entry: where its pair ids start in `arena` (they end where the next start). */
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
    return this.count;
  }

  /** The window ref of entry `e`, -1 until resolved. */
  refOf(e: number): number {
    return this.refs[e]!;
  }

  setRef(e: number, ref: number): void {
    this.refs[e] = ref;
  }

  /** The labels of entry `e` (a new array; its Label objects are shared). */
  labelsOf(e: number): Labels {
    const from = this.starts[e]!;
    const n = this.starts[e + 1]! - from;
    const out = new Array<Label>(n);
    for (let i = 0; i < n; i++) out[i] = this.pairLabels[this.arena[from + i]!]!;
    return out;
  }

  /**
   * The entry of the series `s` names, added on first sight. Entries are numbered from 0
   * in order of first sight; past the bound the cache starts over, so an entry is valid
   * until the next lookup that adds one.
   */
  lookup(s: SeriesView): number {
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
    if (guess < this.count) {
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
          return guess;
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
        return e;
      }
      at = (at + 1) & mask;
    }
    if (this.count >= this.maxSeries) {
      this.reset();
      return this.lookup(s);
    }
    return this.add(h, n, at);
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

  private add(h: number, n: number, at: number): number {
    const e = this.count;
    if (e + 1 >= this.hashes.length) {
      this.refs = grow(this.refs, (e + 1) * 2);
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
    this.refs[e] = -1;
    this.count = e + 1;
    this.last = e;
    this.table[at] = e + 1;
    if (this.count * 2 > this.table.length) this.rehash(this.table.length * 2);
    return e;
  }

  private rehash(size: number): void {
    const table = new Int32Array(size);
    const mask = size - 1;
    for (let e = 0; e < this.count; e++) {
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
      id = this.pairLabels.length;
      values.set(value, id);
      this.pairLabels.push({ name, value });
    }
    return id;
  }

  /** Series churn must not grow the cache forever: start over (refs are re-resolved by labels). */
  private reset(): void {
    this.pairIds = new Map();
    this.pairLabels = [];
    this.count = 0;
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

/**
 * Series label sets: each series' labels as varint pair ids in one shared byte arena,
 * and an open-addressing hash table from a label set to its series slot, so finding a
 * series by labels stores no key string per series.
 *
 * Series of one target arrive together and share its target labels (instance, job,
 * tenant, region, ...). A set may therefore point at a shared context, a set of pairs
 * stored once, and keep only its own pairs plus a bit mask saying where the context's
 * pairs fall in label-name order. Contexts are learnt from consecutive series: what a
 * new set has in common with the previous one.
 */
import type { Label, Labels } from '../promql/labels.js';
import type { SymbolTable } from './symbols.js';

const EMPTY = 0;
const SLOT_BITS = 25;
const SLOT_PART = (1 << SLOT_BITS) - 1;
/** A deleted entry: tag bits set, no slot. */
const TOMBSTONE = 0x7f << SLOT_BITS;
/** Contexts smaller than this save less than their reference costs. */
const MIN_CONTEXT = 3;
/** Masks are varints of one bit per label; sets longer than this are stored whole. */
const MAX_MASKED = 28;
const MAX_LOAD = 0.8;
/** Arena offset of a slot without a set (never added, or removed). */
const REMOVED = 0xffffffff;
/** Growth of the arena and offsets: small steps keep the unused tail small. */
const GROWTH = 1.125;
/** Growth of the table: every rehash re-hashes each set, so it grows in bigger steps. */
const TABLE_GROWTH = 1.3;

/**
 * Hash of a label set by its pair ids (in label-name order): integers, so a rehash or a
 * removal re-hashes a set without touching its strings. Finished with murmur3's fmix32,
 * since buckets come from the high bits and tags from the low ones.
 */
export function hashPairs(pairs: ArrayLike<number>, n: number): number {
  let h = 0x811c9dc5 ^ n;
  for (let i = 0; i < n; i++) {
    h = Math.imul(h ^ pairs[i]!, 0x01000193);
    h ^= h >>> 15;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Label sets by series slot, with lookup by labels. */
export class LabelSets {
  /** Varint arena of sets and contexts. */
  private arena = new Uint8Array(1 << 16);
  private top = 0;
  /** Arena offset of each slot's set. */
  private offsets = new Uint32Array(1024).fill(REMOVED);
  /** One past the highest slot added. */
  private slotTop = 0;
  /** Arena offset of each context. */
  private contexts = new Uint32Array(64);
  private contextCount = 0;
  /** Per bucket: EMPTY, TOMBSTONE, or 7 hash bits << 25 | slot + 1. */
  private table = new Uint32Array(2048);
  private filled = 0;
  private scratch = new Int32Array(64);
  private ctxScratch = new Int32Array(64);
  /** The context decoded in ctxScratch (contexts never change once written), -1 none, and its size. */
  private ctxDecoded = -1;
  private ctxCount = 0;
  /** The previous set added, and its context (-1 none), to learn contexts from. */
  private prev: readonly number[] = [];
  private prevCtx = -1;
  private prevCtxPairs: number[] = [];

  constructor(private readonly symbols: SymbolTable) {}

  /** Stores the label set of a new `slot` given its pair ids (in label-name order). */
  add(slot: number, pairs: readonly number[], hash: number): void {
    if (slot >= this.offsets.length) {
      const o = new Uint32Array(Math.ceil(Math.max(slot + 1, this.offsets.length * GROWTH))).fill(REMOVED);
      o.set(this.offsets);
      this.offsets = o;
    }
    const ctx = this.chooseContext(pairs);
    this.reserve(5 * (pairs.length + 4));
    this.offsets[slot] = this.top;
    if (slot >= this.slotTop) this.slotTop = slot + 1;
    if (ctx < 0) {
      this.putVarint(pairs.length << 1);
      for (const p of pairs) this.putVarint(p);
    } else {
      // The context is a subset of the set (chooseContext picks no other), in the same order.
      const inCtx = this.prevCtxPairs;
      let mask = 0;
      let ci = 0;
      for (let i = 0; i < pairs.length; i++) {
        if (ci < inCtx.length && pairs[i] === inCtx[ci]) {
          mask |= 1 << i;
          ci++;
        }
      }
      this.putVarint(((pairs.length - inCtx.length) << 1) | 1);
      this.putVarint(ctx);
      this.putVarint(mask);
      for (let i = 0; i < pairs.length; i++) if (((mask >>> i) & 1) === 0) this.putVarint(pairs[i]!);
    }
    this.prev = pairs;
    this.insert(slot, hash);
  }

  /** The pair ids of `slot`, in label-name order. */
  pairs(slot: number): number[] {
    const n = this.decode(slot);
    return Array.from(this.scratch.subarray(0, n));
  }

  /** The OR of `flags[p]` over the pairs p of `slot` (select's per-candidate check; allocates nothing). */
  flagsOf(slot: number, flags: Int32Array): number {
    const n = this.decode(slot);
    const s = this.scratch;
    let acc = 0;
    for (let i = 0; i < n; i++) acc |= flags[s[i]!]!;
    return acc;
  }

  /** The labels of `slot`, built from shared per-pair Label objects. */
  labels(slot: number): Labels {
    const n = this.decode(slot);
    const out: Label[] = new Array(n);
    const pl = this.symbols.pairLabel;
    for (let i = 0; i < n; i++) out[i] = pl[this.scratch[i]!]!;
    return out;
  }

  /** Slot holding exactly the `n` pair ids `pairs` (whose hashPairs is `hash`), or -1. */
  find(pairs: ArrayLike<number>, n: number, hash: number): number {
    const t = this.table;
    const size = t.length;
    const tag = (hash & 0x7f) << SLOT_BITS;
    for (let i = bucketOf(hash, size); ; i = i + 1 === size ? 0 : i + 1) {
      const e = t[i]!;
      if (e === EMPTY) return -1;
      if ((e & ~SLOT_PART) >>> 0 === tag >>> 0 && (e & SLOT_PART) !== 0 && this.equals((e & SLOT_PART) - 1, pairs, n)) {
        return (e & SLOT_PART) - 1;
      }
    }
  }

  /** Removes `slot` (whose labels hash to `hash`) from the lookup table; its set is not read again. */
  remove(slot: number, hash: number): void {
    const t = this.table;
    const size = t.length;
    for (let i = bucketOf(hash, size); ; i = i + 1 === size ? 0 : i + 1) {
      const e = t[i]!;
      if (e === EMPTY) break;
      if ((e & SLOT_PART) === slot + 1) { t[i] = TOMBSTONE; break; }
    }
    this.offsets[slot] = REMOVED;
  }

  /** hashPairs of the stored set of `slot`. */
  hashOf(slot: number): number {
    return hashPairs(this.scratch, this.decode(slot));
  }

  /** Heap bytes of the arena, offsets, contexts and table. */
  get bytes(): number {
    return this.arena.byteLength + this.offsets.byteLength + this.contexts.byteLength + this.table.byteLength;
  }

  /**
   * The context for a new set: the previous set's context if it still applies and a new
   * one would not be clearly larger; else what the set shares with the previous set.
   */
  private chooseContext(pairs: readonly number[]): number {
    if (pairs.length > MAX_MASKED) return -1;
    const nShared = sharedPairs(this.prev, pairs, null);
    const keep = this.prevCtx >= 0 && isSubset(this.prevCtxPairs, pairs);
    if (keep && nShared <= this.prevCtxPairs.length + 1) return this.prevCtx;
    if (nShared >= MIN_CONTEXT) {
      const shared: number[] = [];
      sharedPairs(this.prev, pairs, shared);
      if (this.contextCount === this.contexts.length) {
        const c = new Uint32Array(Math.ceil(this.contexts.length * 1.5));
        c.set(this.contexts);
        this.contexts = c;
      }
      this.reserve(5 * (shared.length + 1));
      this.contexts[this.contextCount] = this.top;
      this.putVarint(shared.length);
      for (const p of shared) this.putVarint(p);
      this.prevCtx = this.contextCount++;
      this.prevCtxPairs = shared;
      return this.prevCtx;
    }
    if (keep) return this.prevCtx;
    this.prevCtx = -1;
    this.prevCtxPairs = [];
    return -1;
  }

  /** Decodes the pairs of `slot` into `scratch`; returns their count. */
  private decode(slot: number): number {
    const a = this.arena;
    let i = this.offsets[slot]!;
    let b: number;
    let x = 0;
    let shift = 0;
    do { b = a[i++]!; x |= (b & 0x7f) << shift; shift += 7; } while (b & 0x80);
    const own = x >>> 1;
    if ((x & 1) === 0) {
      if (own > this.scratch.length) this.scratch = new Int32Array(own * 2);
      const s = this.scratch;
      for (let k = 0; k < own; k++) {
        let p = 0;
        shift = 0;
        do { b = a[i++]!; p |= (b & 0x7f) << shift; shift += 7; } while (b & 0x80);
        s[k] = p;
      }
      return own;
    }
    let ctx = 0;
    shift = 0;
    do { b = a[i++]!; ctx |= (b & 0x7f) << shift; shift += 7; } while (b & 0x80);
    let mask = 0;
    shift = 0;
    do { b = a[i++]!; mask |= (b & 0x7f) << shift; shift += 7; } while (b & 0x80);
    // The context's pairs, then merge them with the set's own pairs by the mask.
    if (ctx !== this.ctxDecoded) this.decodeContext(ctx);
    const cs = this.ctxScratch;
    const n = this.ctxCount + own;
    const s = this.scratch;
    let ci = 0;
    for (let k = 0; k < n; k++) {
      if ((mask >>> k) & 1) {
        s[k] = cs[ci++]!;
      } else {
        let p = 0;
        shift = 0;
        do { b = a[i++]!; p |= (b & 0x7f) << shift; shift += 7; } while (b & 0x80);
        s[k] = p;
      }
    }
    return n;
  }

  /**
   * Decodes context `ctx` into ctxScratch. Sets of one target are stored next to each
   * other and share its context, so decoding slots in order (a rehash, a selection)
   * decodes each context about once rather than once a set.
   */
  private decodeContext(ctx: number): void {
    const a = this.arena;
    let j = this.contexts[ctx]!;
    let b: number;
    let nc = 0;
    let shift = 0;
    do { b = a[j++]!; nc |= (b & 0x7f) << shift; shift += 7; } while (b & 0x80);
    const cs = this.ctxScratch;
    for (let k = 0; k < nc; k++) {
      let p = 0;
      shift = 0;
      do { b = a[j++]!; p |= (b & 0x7f) << shift; shift += 7; } while (b & 0x80);
      cs[k] = p;
    }
    this.ctxCount = nc;
    this.ctxDecoded = ctx;
  }

  private equals(slot: number, pairs: ArrayLike<number>, n: number): boolean {
    // Decodes into scratch: this runs on every getRef, so it must not allocate.
    if (this.decode(slot) !== n) return false;
    const s = this.scratch;
    for (let k = 0; k < n; k++) if (s[k] !== pairs[k]) return false;
    return true;
  }

  private insert(slot: number, hash: number): void {
    if (this.filled + 1 > this.table.length * MAX_LOAD) this.rehash();
    const t = this.table;
    const size = t.length;
    let i = bucketOf(hash, size);
    while (t[i] !== EMPTY && t[i] !== TOMBSTONE) i = i + 1 === size ? 0 : i + 1;
    if (t[i] === EMPTY) this.filled++;
    t[i] = (((hash & 0x7f) << SLOT_BITS) | (slot + 1)) >>> 0;
  }

  /**
   * Rebuilds the table without tombstones, sized to the live entries: any size works
   * (buckets come from the hash's high bits), so it need not double. Sets are re-hashed
   * in slot order, which reads the arena front to back instead of at random.
   */
  private rehash(): void {
    let live = 0;
    for (let slot = 0; slot < this.slotTop; slot++) if (this.offsets[slot] !== REMOVED) live++;
    let size = this.table.length;
    if (live + 1 > size * MAX_LOAD * 0.7) size = Math.ceil(size * TABLE_GROWTH);
    const t = new Uint32Array(size);
    for (let slot = 0; slot < this.slotTop; slot++) {
      if (this.offsets[slot] === REMOVED) continue;
      const h = this.hashOf(slot);
      let i = bucketOf(h, size);
      while (t[i] !== EMPTY) i = i + 1 === size ? 0 : i + 1;
      t[i] = (((h & 0x7f) << SLOT_BITS) | (slot + 1)) >>> 0;
    }
    this.table = t;
    this.filled = live;
  }

  private reserve(n: number): void {
    if (this.top + n > this.arena.length) {
      const a = new Uint8Array(Math.ceil(this.arena.length * GROWTH) + n);
      a.set(this.arena.subarray(0, this.top));
      this.arena = a;
    }
  }

  private putVarint(x: number): void {
    while (x >= 0x80) {
      this.arena[this.top++] = (x & 0x7f) | 0x80;
      x >>>= 7;
    }
    this.arena[this.top++] = x;
  }
}

/*
 * Set operations on pair ids in label-name order. A pair id stands for one name, and a
 * set has each name once, so pairs two sets share come in the same order in both: one
 * forward pass finds them, with no search of the whole other set per pair.
 */

/** How many pairs `a` and `b` share; they are pushed to `out` in order when it is given. */
function sharedPairs(a: readonly number[], b: readonly number[], out: number[] | null): number {
  let n = 0;
  let from = 0;
  for (let i = 0; i < a.length; i++) {
    const p = a[i]!;
    for (let k = from; k < b.length; k++) {
      if (b[k] === p) {
        n++;
        out?.push(p);
        from = k + 1;
        break;
      }
    }
  }
  return n;
}

/** Whether every pair of `sub` is in `set`. */
function isSubset(sub: readonly number[], set: readonly number[]): boolean {
  let k = 0;
  for (let i = 0; i < sub.length; i++) {
    const p = sub[i]!;
    while (k < set.length && set[k] !== p) k++;
    if (k === set.length) return false;
    k++;
  }
  return true;
}

/** Bucket of `hash` in a table of `size`: the hash's high bits scaled, so any size works. */
function bucketOf(hash: number, size: number): number {
  return Math.floor((hash >>> 0) / 4294967296 * size);
}

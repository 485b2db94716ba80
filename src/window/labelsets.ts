/**
 * Series label sets: each series' labels as varint pair ids in one shared byte arena,
 * and an open-addressing hash table from a label set to its series slot, so finding a
 * series by labels stores no key string per series.
 */
import type { Label, Labels } from '../promql/labels.js';
import type { SymbolTable } from './symbols.js';

const EMPTY = 0;
const TOMBSTONE = -1;

/** Hash of a label set over its names and values (FNV-1a over UTF-16 code units). */
export function hashLabels(ls: Labels): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < ls.length; i++) {
    const l = ls[i]!;
    const n = l.name;
    for (let j = 0; j < n.length; j++) h = Math.imul(h ^ n.charCodeAt(j), 0x01000193);
    h = Math.imul(h ^ 0xff, 0x01000193);
    const v = l.value;
    for (let j = 0; j < v.length; j++) h = Math.imul(h ^ v.charCodeAt(j), 0x01000193);
    h = Math.imul(h ^ 0xfe, 0x01000193);
  }
  return h >>> 0;
}

/** Label sets by series slot, with lookup by labels. */
export class LabelSets {
  /** Varint arena: per set, the pair count then the pair ids in label-name order. */
  private arena = new Uint8Array(1 << 16);
  private top = 0;
  /** Arena offset of each slot's set. */
  offsets = new Uint32Array(1024);
  /** slot + 1 per bucket; 0 empty, -1 deleted. */
  private table = new Int32Array(2048);
  private filled = 0;

  constructor(private readonly symbols: SymbolTable) {}

  /** Stores the label set of a new `slot` given its pair ids. */
  add(slot: number, pairs: readonly number[], hash: number): void {
    if (slot >= this.offsets.length) {
      const o = new Uint32Array(Math.ceil(this.offsets.length * 1.25) + 1);
      o.set(this.offsets);
      this.offsets = o;
    }
    if (this.top + 5 * (pairs.length + 1) > this.arena.length) {
      const a = new Uint8Array(Math.ceil(this.arena.length * 1.25) + 5 * (pairs.length + 1));
      a.set(this.arena.subarray(0, this.top));
      this.arena = a;
    }
    this.offsets[slot] = this.top;
    this.putVarint(pairs.length);
    for (const p of pairs) this.putVarint(p);
    this.insert(slot, hash);
  }

  /** The pair ids of `slot`. */
  pairs(slot: number): number[] {
    const a = this.arena;
    let i = this.offsets[slot]!;
    const out: number[] = [];
    let n = 0;
    let shift = 0;
    let b: number;
    do { b = a[i++]!; n |= (b & 0x7f) << shift; shift += 7; } while (b & 0x80);
    for (let k = 0; k < n; k++) {
      let p = 0;
      shift = 0;
      do { b = a[i++]!; p |= (b & 0x7f) << shift; shift += 7; } while (b & 0x80);
      out.push(p);
    }
    return out;
  }

  /** The labels of `slot`, built from shared per-pair Label objects. */
  labels(slot: number): Labels {
    const ps = this.pairs(slot);
    const out: Label[] = new Array(ps.length);
    for (let i = 0; i < ps.length; i++) out[i] = this.symbols.pairLabel[ps[i]!]!;
    return out;
  }

  /** Slot holding exactly `ls` (with precomputed `hash`), or -1. */
  find(ls: Labels, hash: number): number {
    const t = this.table;
    const mask = t.length - 1;
    for (let i = hash & mask; ; i = (i + 1) & mask) {
      const e = t[i]!;
      if (e === EMPTY) return -1;
      if (e !== TOMBSTONE && this.equals(e - 1, ls)) return e - 1;
    }
  }

  /** Removes `slot` (whose labels hash to `hash`) from the lookup table. */
  remove(slot: number, hash: number): void {
    const t = this.table;
    const mask = t.length - 1;
    for (let i = hash & mask; ; i = (i + 1) & mask) {
      const e = t[i]!;
      if (e === EMPTY) return;
      if (e === slot + 1) { t[i] = TOMBSTONE; return; }
    }
  }

  /** Hash of the stored labels of `slot`. */
  hashOf(slot: number): number {
    return hashLabels(this.labels(slot));
  }

  /** Heap bytes of the arena, offsets and table. */
  get bytes(): number {
    return this.arena.byteLength + this.offsets.byteLength + this.table.byteLength;
  }

  private equals(slot: number, ls: Labels): boolean {
    // Walks the arena in place: this runs on every getRef, so it must not allocate.
    const a = this.arena;
    const pl = this.symbols.pairLabel;
    let i = this.offsets[slot]!;
    let n = 0;
    let shift = 0;
    let b: number;
    do { b = a[i++]!; n |= (b & 0x7f) << shift; shift += 7; } while (b & 0x80);
    if (n !== ls.length) return false;
    for (let k = 0; k < n; k++) {
      let p = 0;
      shift = 0;
      do { b = a[i++]!; p |= (b & 0x7f) << shift; shift += 7; } while (b & 0x80);
      const x = pl[p]!;
      const y = ls[k]!;
      if (x.name !== y.name || x.value !== y.value) return false;
    }
    return true;
  }

  private insert(slot: number, hash: number): void {
    if ((this.filled + 1) * 10 > this.table.length * 7) this.rehash();
    const t = this.table;
    const mask = t.length - 1;
    let i = hash & mask;
    while (t[i] !== EMPTY && t[i] !== TOMBSTONE) i = (i + 1) & mask;
    if (t[i] === EMPTY) this.filled++;
    t[i] = slot + 1;
  }

  /** Rebuilds the table without tombstones, doubling it when live entries need room. */
  private rehash(): void {
    const live: number[] = [];
    for (const e of this.table) if (e > 0) live.push(e - 1);
    let size = this.table.length;
    while ((live.length + 1) * 10 > size * 5) size *= 2;
    this.table = new Int32Array(size);
    this.filled = 0;
    const mask = size - 1;
    for (const slot of live) {
      let i = this.hashOf(slot) & mask;
      while (this.table[i] !== EMPTY) i = (i + 1) & mask;
      this.table[i] = slot + 1;
      this.filled++;
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

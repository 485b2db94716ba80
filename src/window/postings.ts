/**
 * Postings: for each label pair, the ascending series slots carrying it, stored as
 * runs of consecutive slots, each a varint gap from the previous run and a varint
 * length. A target's series are created together, so its target labels (instance, job,
 * tenant, ...) cover one run per target and cost almost nothing per series; the other
 * pairs cost a byte or two per slot. Slots are never reused without a full rebuild, so
 * lists only ever grow at their end; the open run of each list is kept aside until a
 * gap closes it.
 */

/** Postings lists by pair id. */
export class Postings {
  private bufs: Uint8Array[] = [];
  private lens: number[] = [];
  /** Last slot of the previous closed run of each list, -1 when none. */
  private closedEnd: number[] = [];
  /** First slot of the open run, -1 when the list is empty. */
  private runStart: number[] = [];
  private runLen: number[] = [];
  private counts: number[] = [];

  /** Appends `slot` to the list of `pair`; slots must arrive in ascending order per pair. */
  add(pair: number, slot: number): void {
    while (this.bufs.length <= pair) {
      this.bufs.push(EMPTY_BUF);
      this.lens.push(0);
      this.closedEnd.push(-1);
      this.runStart.push(-1);
      this.runLen.push(0);
      this.counts.push(0);
    }
    const start = this.runStart[pair]!;
    const end = start + this.runLen[pair]! - 1;
    if (start >= 0 && slot <= end) throw new Error(`window postings: slot ${slot} out of order for pair ${pair}`);
    this.counts[pair]!++;
    if (start >= 0 && slot === end + 1) {
      this.runLen[pair]!++;
      return;
    }
    if (start >= 0) this.closeRun(pair, start, end);
    this.runStart[pair] = slot;
    this.runLen[pair] = 1;
  }

  /** Number of slots listed for `pair`. */
  count(pair: number): number {
    return pair >= 0 && pair < this.counts.length ? this.counts[pair]! : 0;
  }

  /** The slots of `pair`, ascending. */
  get(pair: number): Int32Array {
    const out = new Int32Array(this.count(pair));
    if (out.length === 0) return out;
    const buf = this.bufs[pair]!;
    const n = this.lens[pair]!;
    let last = -1;
    let k = 0;
    for (let i = 0; i < n; ) {
      let gap = 0;
      let shift = 0;
      let b: number;
      do { b = buf[i++]!; gap |= (b & 0x7f) << shift; shift += 7; } while (b & 0x80);
      let len = 0;
      shift = 0;
      do { b = buf[i++]!; len |= (b & 0x7f) << shift; shift += 7; } while (b & 0x80);
      let s = last + gap;
      for (let j = 0; j <= len; j++) out[k++] = s++;
      last = s - 1;
    }
    const start = this.runStart[pair]!;
    for (let j = 0; j < this.runLen[pair]!; j++) out[k++] = start + j;
    return out;
  }

  /** Heap bytes of the lists. */
  get bytes(): number {
    // Five number arrays (8 bytes an element) and a typed array object per list.
    let b = this.bufs.length * (5 * 8 + 8);
    for (const x of this.bufs) if (x !== EMPTY_BUF) b += x.byteLength + 64;
    return b;
  }

  /** Writes the run [start, end] of `pair` to its buffer. */
  private closeRun(pair: number, start: number, end: number): void {
    let buf = this.bufs[pair]!;
    let n = this.lens[pair]!;
    if (n + 10 > buf.length) {
      const nb = new Uint8Array(Math.max(8, buf.length * 2));
      nb.set(buf.subarray(0, n));
      this.bufs[pair] = buf = nb;
    }
    n = putVarint(buf, n, start - this.closedEnd[pair]!);
    n = putVarint(buf, n, end - start);
    this.lens[pair] = n;
    this.closedEnd[pair] = end;
  }
}

const EMPTY_BUF = new Uint8Array(0);

function putVarint(buf: Uint8Array, n: number, x: number): number {
  while (x >= 0x80) {
    buf[n++] = (x & 0x7f) | 0x80;
    x >>>= 7;
  }
  buf[n++] = x;
  return n;
}

/** Sorted intersection of two ascending slot lists. */
export function intersect(a: Int32Array, b: Int32Array): Int32Array {
  const out = new Int32Array(Math.min(a.length, b.length));
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    if (x === y) { out[k++] = x; i++; j++; }
    else if (x < y) i++;
    else j++;
  }
  return out.subarray(0, k);
}

/** Sorted union of disjoint ascending lists (one label name's values never share a slot). */
export function unionDisjoint(lists: Int32Array[]): Int32Array {
  if (lists.length === 1) return lists[0]!;
  let n = 0;
  for (const l of lists) n += l.length;
  const out = new Int32Array(n);
  let k = 0;
  for (const l of lists) { out.set(l, k); k += l.length; }
  return out.sort();
}

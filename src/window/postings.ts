/**
 * Postings: for each label pair, the ascending series slots carrying it, stored as
 * varint deltas (slots of one host or one metric sit close together, so most deltas
 * take one or two bytes). Slots are never reused without a full rebuild, so lists
 * only ever grow at their end.
 */

/** Postings lists by pair id. */
export class Postings {
  private bufs: Uint8Array[] = [];
  private lens: number[] = [];
  private last: number[] = [];
  private counts: number[] = [];

  /** Appends `slot` to the list of `pair`; slots must arrive in ascending order per pair. */
  add(pair: number, slot: number): void {
    while (this.bufs.length <= pair) {
      this.bufs.push(new Uint8Array(8));
      this.lens.push(0);
      this.last.push(-1);
      this.counts.push(0);
    }
    let d = slot - this.last[pair]!;
    if (d <= 0) throw new Error(`window postings: slot ${slot} out of order for pair ${pair}`);
    this.last[pair] = slot;
    this.counts[pair]!++;
    let buf = this.bufs[pair]!;
    let n = this.lens[pair]!;
    if (n + 5 > buf.length) {
      const nb = new Uint8Array(buf.length * 2);
      nb.set(buf);
      this.bufs[pair] = buf = nb;
    }
    while (d >= 0x80) {
      buf[n++] = (d & 0x7f) | 0x80;
      d >>>= 7;
    }
    buf[n++] = d;
    this.lens[pair] = n;
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
    let slot = -1;
    let k = 0;
    for (let i = 0; i < n; ) {
      let d = 0;
      let shift = 0;
      let b: number;
      do {
        b = buf[i++]!;
        d |= (b & 0x7f) << shift;
        shift += 7;
      } while (b & 0x80);
      slot += d;
      out[k++] = slot;
    }
    return out;
  }

  /** Heap bytes of the lists. */
  get bytes(): number {
    let b = this.bufs.length * 100;
    for (const x of this.bufs) b += x.byteLength;
    return b;
  }
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

/**
 * The sample encoding of a chunk: Gorilla / Prometheus XOR chunks, extended with a
 * decimal-integer mode. Timestamps are delta-of-delta coded (the chunk's first
 * timestamp lives in the chunk table, not in the bits, and the first interval is
 * predicted to be 15 s, see FIRST_DELTA); once a sample has come exactly
 * when predicted, deviations under 64 ms do not change the predicted interval, so a late
 * scrape costs two small codes. Each value is coded as the cheapest of:
 *   0                       same 64 bits as the previous value
 *   10   res                 the value is k/10^s and so was the previous one: k minus
 *                           its prediction (counters, gauges with few decimals, Go
 *                           durations in ns / 1e9)
 *   110  bits               XOR with the previous value inside the previous bit window
 *   1110 lead:5 len:6 bits  XOR with a new window
 *   1111 s:4 res            as 10, after raising the chunk's decimal scale to s
 * k is predicted as the previous k, plus the previous step when that step would have
 * predicted the previous sample better (delta-of-delta for counters, delta for noisy
 * gauges); encoder and decoder track that choice alike, so it costs no bits.
 * The first value of a chunk is coded against 0 at scale 0, so no header is needed.
 * After a repeat (a sample at the expected time with the previous value), each sample
 * starts with one bit: 0 for another repeat, 1 for the codes above. Flat series, half
 * of a node_exporter fleet, then cost one bit per sample instead of two.
 * Values travel as their two 32-bit halves, so NaN payloads (Prometheus's StaleNaN)
 * survive; the stale marker is just a value with that bit pattern.
 */
import { BitReader, BitWriter } from './blocks.js';

/** High word of Prometheus's StaleNaN (0x7ff0000000000002). */
export const STALE_HI = 0x7ff00000;
/** Low word of StaleNaN. */
export const STALE_LO = 2;
/** High word of the NaN every ordinary NaN is stored as (Prometheus's NormalNaN). */
export const NAN_HI = 0x7ff80000;
/** Low word of NormalNaN. */
export const NAN_LO = 1;

const MAX_SCALE = 9;
const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9];
/** Bound on scaled integers, so sums of two of them and an int32 stay exact. */
const INT_LIMIT = 2 ** 50;
const NO_WINDOW = 255;
/** Largest timestamp deviation (ms) taken as jitter rather than a change of interval. */
const JITTER = 63;
/**
 * The interval predicted for a chunk's second sample: Prometheus's most common scrape
 * interval. Against a prediction of 0 its delta-of-delta would take 24 bits, and every
 * truncation restarts a chunk per series; any other interval codes no longer than with 0.
 */
const FIRST_DELTA = 15_000;

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
  throw new Error('window codec: big-endian platforms are not supported');
}

/** High word of the 64-bit pattern of `v`; the low word is then `lastLo()`. */
export function floatHi(v: number): number {
  f64[0] = v;
  return u32[1]!;
}
/** Low word of the pattern last set by floatHi. */
export function lastLo(): number {
  return u32[0]!;
}
/** The number whose 64-bit pattern is hi:lo. */
export function bitsToFloat(hi: number, lo: number): number {
  u32[1] = hi;
  u32[0] = lo;
  return f64[0]!;
}

/** k when x === k / p exactly (and x is not -0), else NaN. */
function scaledInt(x: number, p: number): number {
  const r = Math.round(x * p);
  if (r / p !== x || r > INT_LIMIT || r < -INT_LIMIT) return NaN;
  if (r === 0 && 1 / x < 0) return NaN;
  return r;
}

function ctz32(x: number): number {
  return 31 - Math.clz32(x & -x);
}

function fitsInt32(x: number): boolean {
  return x <= 0x7fffffff && x >= -0x80000000;
}

function residualCost(d: number): number {
  if (d === 0) return 1;
  if (d >= -128 && d <= 127) return 10;
  if (d >= -32768 && d <= 32767) return 19;
  if (d >= -8388608 && d <= 8388607) return 28;
  if (fitsInt32(d)) return 37;
  return 69;
}

/** Encoder/decoder state of one chunk, parked in per-series columns between samples. */
export class ChunkState {
  /** Samples in the chunk. */
  count = 0;
  lastT = 0;
  /** Last time delta, or 0 when it did not fit in int32. */
  tDelta = 0;
  hi = 0;
  lo = 0;
  /** The previous value as a number (derived from hi:lo). */
  v = 0;
  lead = NO_WINDOW;
  trail = 0;
  scale = 0;
  /** Last scaled-integer delta, or 0 after a non-integer step. */
  iDelta = 0;
  /** 1 when k is predicted with the last delta added (delta-of-delta), else 0. */
  useDelta = 0;
  /** 1 when the last sample repeated its predecessor's value at the expected time. */
  repeat = 0;
  /** 1 once a sample came exactly when predicted: tDelta is then kept through jitter. */
  settled = 0;

  /** Resets to the start of a chunk whose first timestamp is `t0`. */
  start(t0: number): void {
    this.count = 0;
    this.lastT = t0;
    this.tDelta = FIRST_DELTA;
    this.hi = 0;
    this.lo = 0;
    this.v = 0;
    this.lead = NO_WINDOW;
    this.trail = 0;
    this.scale = 0;
    this.iDelta = 0;
    this.useDelta = 0;
    this.repeat = 0;
    this.settled = 0;
  }

  /**
   * Whether a chunk whose last sample was coded in state `o` can carry on with the bits
   * that follow this one's (at the same sample): everything that steers the coding of the
   * next sample agrees. The sample itself (time, value) must be the same in both.
   */
  sameCoding(o: ChunkState): boolean {
    return this.tDelta === o.tDelta && this.settled === o.settled && this.repeat === o.repeat && this.scale === o.scale &&
      this.iDelta === o.iDelta && this.useDelta === o.useDelta && this.lead === o.lead && this.trail === o.trail;
  }

  /**
   * Updates the interval predicted for the next sample after one `delta` after its
   * predecessor, `dod` off the prediction. A scrape a few ms late is jitter, not a new
   * interval: keeping the old one costs two small codes (late, back on time) where
   * adopting it would cost three (late, early by twice as much, back). But only a settled
   * prediction is kept: one taken from a late scrape would otherwise stay off for the rest
   * of the chunk, and a chunk trimmed at a truncation (see SeriesWindow) would never catch
   * up with the bits it was cut from.
   */
  protected predict(delta: number, dod: number): void {
    if (this.settled === 1 && dod >= -JITTER && dod <= JITTER) return;
    this.settled = dod === 0 ? 1 : 0;
    this.tDelta = fitsInt32(delta) ? delta : 0;
  }

  /** Records an integer step from prevI to curI and picks the next prediction. */
  protected stepInt(curI: number, prevI: number): void {
    const d = curI - prevI;
    this.useDelta = Math.abs(d - this.iDelta) < Math.abs(d) ? 1 : 0;
    this.iDelta = fitsInt32(d) ? d : 0;
  }
}

/** Appends samples to a chunk through a BitWriter. */
export class ChunkEncoder extends ChunkState {
  /**
   * The sample append() adds: its time, value bits and value, set by setSample or
   * setStale. Fields rather than arguments: V8 boxes a double argument (a ms time is
   * never a small integer) on every call it does not inline, tens of bytes of garbage a
   * sample, where a store to a double field overwrites the field's box in place.
   */
  inT = 0;
  inHi = 0;
  inLo = 0;
  inV = 0;

  constructor(readonly w: BitWriter) {
    super();
  }

  /** Makes `v` at `t` the sample to append; every NaN is stored as NormalNaN. */
  setSample(t: number, v: number): void {
    this.inT = t;
    this.inV = v;
    if (v !== v) {
      this.inHi = NAN_HI;
      this.inLo = NAN_LO;
    } else {
      this.inHi = floatHi(v);
      this.inLo = lastLo();
    }
  }

  /** Makes a stale marker (StaleNaN) at `t` the sample to append. */
  setStale(t: number): void {
    this.inT = t;
    this.inHi = STALE_HI;
    this.inLo = STALE_LO;
    this.inV = NaN;
  }

  /** Appends the sample set by setSample or setStale; its time must be > lastT unless count is 0. */
  append(): void {
    const t = this.inT;
    const hi = this.inHi;
    const lo = this.inLo;
    const v = this.inV;
    const w = this.w;
    const same = hi === this.hi && lo === this.lo;
    if (this.count > 0) {
      const delta = t - this.lastT;
      const dod = delta - this.tDelta;
      const repeat = dod === 0 && same ? 1 : 0;
      if (this.repeat === 1) {
        w.bit(repeat ^ 1);
        if (repeat === 1) {
          this.lastT = t;
          this.count++;
          this.iDelta = 0;
          return;
        }
      }
      this.repeat = repeat;
      writeTimeDod(w, dod);
      this.predict(delta, dod);
    }
    this.lastT = t;
    this.count++;
    if (same) {
      w.bit(0);
      this.iDelta = 0;
      return;
    }
    // XOR candidate.
    const xh = (hi ^ this.hi) >>> 0;
    const xl = (lo ^ this.lo) >>> 0;
    let lead = xh !== 0 ? Math.clz32(xh) : 32 + Math.clz32(xl);
    if (lead > 31) lead = 31;
    const trail = xl !== 0 ? ctz32(xl) : 32 + ctz32(xh);
    const reuse = this.lead !== NO_WINDOW && lead >= this.lead && trail >= this.trail;
    const xorCost = reuse ? 3 + 64 - this.lead - this.trail : 15 + 64 - lead - trail;
    // Decimal-integer candidate, at the current scale or a raised one.
    let intCost = Infinity;
    let curI = NaN;
    let prevI = NaN;
    let scale = this.scale;
    let p = POW10[scale]!;
    curI = scaledInt(v, p);
    if (curI === curI) {
      prevI = scaledInt(this.v, p);
      if (prevI === prevI) intCost = 2 + residualCost(curI - prevI - this.useDelta * this.iDelta);
    } else if (scale < MAX_SCALE && !Number.isNaN(scaledInt(v, POW10[MAX_SCALE]!))) {
      // Only values with few decimals get here; others pay one extra test per sample.
      for (let s = scale + 1; s <= MAX_SCALE; s++) {
        p = POW10[s]!;
        const c = scaledInt(v, p);
        if (c !== c) continue;
        const q = scaledInt(this.v, p);
        if (q !== q) continue;
        curI = c;
        prevI = q;
        scale = s;
        intCost = 8 + residualCost(c - q);
        break;
      }
    }
    if (intCost <= xorCost) {
      if (scale !== this.scale) {
        w.write(0b1111, 4);
        w.write(scale, 4);
        this.scale = scale;
        this.iDelta = 0;
        writeResidual(w, curI - prevI);
      } else {
        w.write(0b10, 2);
        writeResidual(w, curI - prevI - this.useDelta * this.iDelta);
      }
      this.stepInt(curI, prevI);
    } else {
      if (reuse) {
        w.write(0b110, 3);
        writeXorBits(w, xh, xl, this.trail, 64 - this.lead - this.trail);
      } else {
        const len = 64 - lead - trail;
        w.write(0b1110, 4);
        w.write(lead, 5);
        w.write(len & 63, 6);
        writeXorBits(w, xh, xl, trail, len);
        this.lead = lead;
        this.trail = trail;
      }
      this.iDelta = 0;
    }
    this.hi = hi;
    this.lo = lo;
    this.v = v;
  }
}

function writeRaw(w: BitWriter, x: number): void {
  w.write(floatHi(x), 32);
  w.write(lastLo(), 32);
}

function writeTimeDod(w: BitWriter, d: number): void {
  if (d === 0) w.bit(0);
  else if (d >= -64 && d <= 63) { w.write(0b10, 2); w.write(d, 7); }
  else if (d >= -8192 && d <= 8191) { w.write(0b110, 3); w.write(d, 14); }
  else if (d >= -524288 && d <= 524287) { w.write(0b1110, 4); w.write(d, 20); }
  else { w.write(0b1111, 4); writeRaw(w, d); }
}

function writeResidual(w: BitWriter, d: number): void {
  if (d === 0) w.bit(0);
  else if (d >= -128 && d <= 127) { w.write(0b10, 2); w.write(d, 8); }
  else if (d >= -32768 && d <= 32767) { w.write(0b110, 3); w.write(d, 16); }
  else if (d >= -8388608 && d <= 8388607) { w.write(0b1110, 4); w.write(d, 24); }
  else if (fitsInt32(d)) { w.write(0b11110, 5); w.write(d >>> 0, 32); }
  else { w.write(0b11111, 5); writeRaw(w, d); }
}

/** Writes `len` bits of the 64-bit value xh:xl shifted right by `shift`. */
function writeXorBits(w: BitWriter, xh: number, xl: number, shift: number, len: number): void {
  let h: number;
  let l: number;
  if (shift >= 32) { h = 0; l = xh >>> (shift - 32); }
  else if (shift === 0) { h = xh; l = xl; }
  else { h = xh >>> shift; l = ((xl >>> shift) | (xh << (32 - shift))) >>> 0; }
  if (len > 32) { w.write(h, len - 32); w.write(l, 32); }
  else w.write(l, len);
}

function readSigned(r: BitReader, n: number): number {
  // Shift the sign bit to bit 31 and back: sign extension without branches.
  return (r.read(n) << (32 - n)) >> (32 - n);
}

function readRaw(r: BitReader): number {
  const hi = r.read(32);
  return bitsToFloat(hi, r.read(32));
}

function readTimeDod(r: BitReader): number {
  if (r.bit() === 0) return 0;
  if (r.bit() === 0) return readSigned(r, 7);
  if (r.bit() === 0) return readSigned(r, 14);
  if (r.bit() === 0) return readSigned(r, 20);
  return readRaw(r);
}

function readResidual(r: BitReader): number {
  if (r.bit() === 0) return 0;
  if (r.bit() === 0) return readSigned(r, 8);
  if (r.bit() === 0) return readSigned(r, 16);
  if (r.bit() === 0) return readSigned(r, 24);
  if (r.bit() === 0) return readSigned(r, 32);
  return readRaw(r);
}

/** Iterates the samples of one chunk. */
export class ChunkDecoder extends ChunkState {
  /** Timestamp of the current sample. */
  t = 0;
  /** True when the current sample is a stale marker. */
  stale = false;
  private total = 0;
  /** hi:lo lag behind v after integer-coded samples. */
  private bitsStale = false;

  constructor(readonly r: BitReader) {
    super();
  }

  /** Samples not yet read. */
  get remaining(): number {
    return this.total - this.count;
  }

  /** Positions at the start of a chunk whose bits the reader was just positioned on. */
  reset(minT: number, count: number): void {
    this.start(minT);
    this.total = count;
    this.stale = false;
    this.bitsStale = false;
  }

  /** Advances to the next sample; false at the end of the chunk. */
  next(): boolean {
    if (this.count === this.total) return false;
    const r = this.r;
    let dod = 1;
    if (this.count > 0) {
      if (this.repeat === 1) {
        if (r.bit() === 0) {
          this.lastT += this.tDelta;
          this.t = this.lastT;
          this.count++;
          this.iDelta = 0;
          return true;
        }
        this.repeat = 0;
      }
      dod = readTimeDod(r);
      const delta = this.tDelta + dod;
      this.lastT += delta;
      this.predict(delta, dod);
    }
    this.t = this.lastT;
    this.count++;
    if (r.bit() === 0) {
      this.iDelta = 0;
      this.repeat = dod === 0 ? 1 : 0;
    } else if (r.bit() === 0) {
      const p = POW10[this.scale]!;
      const prevI = Math.round(this.v * p);
      this.setInt(prevI + this.useDelta * this.iDelta + readResidual(r), prevI, p);
    } else if (r.bit() === 0) {
      this.readXor(this.trail, 64 - this.lead - this.trail);
    } else if (r.bit() === 0) {
      this.lead = r.read(5);
      const len = r.read(6) || 64;
      this.trail = 64 - this.lead - len;
      this.readXor(this.trail, len);
    } else {
      this.scale = r.read(4);
      this.iDelta = 0;
      const p = POW10[this.scale]!;
      const prevI = Math.round(this.v * p);
      this.setInt(prevI + readResidual(r), prevI, p);
    }
    return true;
  }

  private setInt(curI: number, prevI: number, p: number): void {
    // hi:lo are refreshed lazily: runs of integer samples never need the bit pattern.
    this.v = curI / p;
    this.bitsStale = true;
    this.stale = false;
    this.stepInt(curI, prevI);
  }

  private readXor(shift: number, len: number): void {
    const r = this.r;
    let h = 0;
    let l: number;
    if (len > 32) { h = r.read(len - 32); l = r.read(32); }
    else l = r.read(len);
    if (this.bitsStale) {
      this.hi = floatHi(this.v);
      this.lo = lastLo();
      this.bitsStale = false;
    }
    let xh: number;
    let xl: number;
    if (shift >= 32) { xh = (l << (shift - 32)) >>> 0; xl = 0; }
    else if (shift === 0) { xh = h; xl = l; }
    else { xh = ((h << shift) | (l >>> (32 - shift))) >>> 0; xl = (l << shift) >>> 0; }
    this.hi = (this.hi ^ xh) >>> 0;
    this.lo = (this.lo ^ xl) >>> 0;
    this.v = bitsToFloat(this.hi, this.lo);
    this.iDelta = 0;
    this.stale = this.hi === STALE_HI && this.lo === STALE_LO;
  }
}

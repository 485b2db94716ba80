/**
 * Byte-level building blocks of the samples codec: a growable writer of unsigned and
 * zigzag varints (up to 2^53, JS's exact integers), strings and raw float64 words.
 */

/** Largest integer a varint may carry: beyond it a JS number is no longer exact. */
export const MAX_VARINT = Number.MAX_SAFE_INTEGER;

/** A growable little-endian byte buffer. */
export class ByteWriter {
  private buf: Buffer;
  private pos = 0;

  constructor(initialCapacity = 256) {
    this.buf = Buffer.allocUnsafe(Math.max(16, initialCapacity));
  }

  /** Bytes written so far. */
  get length(): number {
    return this.pos;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.pos + n) cap *= 2;
    const next = Buffer.allocUnsafe(cap);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /** One byte. */
  u8(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }

  /** An unsigned LEB128 varint; `n` must be a safe non-negative integer. */
  uvarint(n: number): void {
    this.ensure(8);
    // Above 2^31 bit operators would truncate, so the high part goes by division.
    while (n >= 0x80000000) {
      this.buf[this.pos++] = (n % 128) | 0x80;
      n = Math.floor(n / 128);
    }
    while (n >= 0x80) {
      this.buf[this.pos++] = (n & 0x7f) | 0x80;
      n >>>= 7;
    }
    this.buf[this.pos++] = n;
  }

  /** A zigzag varint: small magnitudes of either sign take few bytes. */
  svarint(n: number): void {
    this.uvarint(n >= 0 ? n * 2 : -n * 2 - 1);
  }

  /** A length-prefixed UTF-8 string. */
  string(s: string): void {
    const len = Buffer.byteLength(s, 'utf8');
    this.uvarint(len);
    this.ensure(len);
    this.pos += this.buf.write(s, this.pos, len, 'utf8');
  }

  /** A float64, little-endian. */
  f64(v: number): void {
    this.ensure(8);
    this.buf.writeDoubleLE(v, this.pos);
    this.pos += 8;
  }

  /** A float64 given as its two 32-bit halves, so NaN payloads survive exactly. */
  f64Bits(hi: number, lo: number): void {
    this.ensure(8);
    this.buf.writeUInt32LE(lo >>> 0, this.pos);
    this.buf.writeUInt32LE(hi >>> 0, this.pos + 4);
    this.pos += 8;
  }

  /** A copy of the bytes written, exactly sized. */
  finish(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.pos));
  }
}

/** Zigzag-decodes an unsigned varint value (exact up to 2^53). */
export function unzigzag(n: number): number {
  return n % 2 === 0 ? n / 2 : -(n + 1) / 2;
}

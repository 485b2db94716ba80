/**
 * Prometheus remote_write 1.0: a snappy block-compressed protobuf WriteRequest. The few
 * messages are decoded by hand, straight into a SeriesSink, which is faster than a
 * generic decoder and lets a sample's value be read as raw bits (StaleNaN survives).
 *
 *   WriteRequest { repeated TimeSeries timeseries = 1; repeated MetricMetadata metadata = 3; }
 *   TimeSeries   { repeated Label labels = 1; repeated Sample samples = 2;
 *                  repeated Exemplar exemplars = 3; repeated Histogram histograms = 4; }
 *   Label        { string name = 1; string value = 2; }
 *   Sample       { double value = 1; int64 timestamp = 2; }
 */
import { isUtf8 } from 'node:buffer';
import snappy from 'snappy';
import type { Label } from '../promql/labels.js';
import { IngestError } from './errors.js';
import type { SeriesSink } from './sink.js';

const STALE_HI = 0x7ff00000;
const STALE_LO = 2;

/** The uncompressed length a snappy block announces in its preamble, or an error. */
export function snappyDecodedLength(body: Uint8Array): number {
  let n = 0;
  let mul = 1;
  for (let i = 0; i < 5 && i < body.length; i++) {
    const b = body[i]!;
    n += (b & 0x7f) * mul;
    if (b < 0x80) return n;
    mul *= 128;
  }
  throw new IngestError('bad_data', 'snappy: body does not start with a valid block length (is it snappy block format?)');
}

/** Uncompresses a snappy block, refusing one that would exceed `maxBytes`. */
export function uncompressSnappy(body: Buffer, maxBytes: number): Buffer {
  if (body.length === 0) throw new IngestError('bad_data', 'snappy: empty body');
  const len = snappyDecodedLength(body);
  if (len > maxBytes) throw new IngestError('too_large', `snappy: decoded body of ${len} bytes exceeds the limit of ${maxBytes}`);
  try {
    return snappy.uncompressSync(body, { asBuffer: true }) as Buffer;
  } catch (e) {
    throw new IngestError('bad_data', `snappy: corrupt input: ${(e as Error).message}`);
  }
}

/** A protobuf reader over one buffer; every fault is an IngestError naming the message. */
class Reader {
  pos = 0;
  constructor(readonly buf: Buffer) {}

  fail(what: string): never {
    throw new IngestError('bad_data', `protobuf: ${what} at byte ${this.pos}`);
  }

  /** A varint that fits 32 bits (tags, lengths). */
  uint32(end: number): number {
    const buf = this.buf;
    let result = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      if (this.pos >= end) this.fail('truncated varint');
      const b = buf[this.pos++]!;
      if (shift === 28) {
        if (b > 0x0f) this.fail('varint too long for 32 bits');
        return (result + b * 2 ** 28) >>> 0;
      }
      result |= (b & 0x7f) << shift;
      if (b < 0x80) return result >>> 0;
    }
    return this.fail('varint too long');
  }

  /** An int64 varint as a JS number; out of the exact range is an error. */
  int64(end: number): number {
    const buf = this.buf;
    let lo = 0;
    let hi = 0;
    let b = 0;
    for (let i = 0; i < 4; i++) {
      if (this.pos >= end) this.fail('truncated varint');
      b = buf[this.pos++]!;
      lo |= (b & 0x7f) << (7 * i);
      if (b < 0x80) return lo >>> 0;
    }
    if (this.pos >= end) this.fail('truncated varint');
    b = buf[this.pos++]!;
    lo |= (b & 0x0f) << 28;
    hi = (b & 0x7f) >> 4;
    if (b >= 0x80) {
      let i = 0;
      for (;; i++) {
        if (i === 5) this.fail('varint longer than 10 bytes');
        if (this.pos >= end) this.fail('truncated varint');
        b = buf[this.pos++]!;
        hi |= (b & 0x7f) << (3 + 7 * i);
        if (b < 0x80) break;
      }
    }
    hi |= 0; // two's complement: the top bit makes it negative
    if (hi > 0x1fffff || hi < -0x200000) this.fail('int64 beyond ±2^53');
    return hi * 4294967296 + (lo >>> 0);
  }

  /** The end offset of a length-delimited field starting here. */
  delimited(end: number): number {
    const len = this.uint32(end);
    if (len > end - this.pos) this.fail(`field of ${len} bytes runs past its message`);
    return this.pos + len;
  }

  string(end: number, what: string): string {
    const stop = this.delimited(end);
    const s = this.buf.toString('utf8', this.pos, stop);
    // Node replaces invalid UTF-8 with U+FFFD; only then is the slow exact check needed.
    if (s.includes('\ufffd') && !isUtf8(this.buf.subarray(this.pos, stop))) this.fail(`${what} is not valid UTF-8`);
    this.pos = stop;
    return s;
  }

  skip(wireType: number, end: number): void {
    switch (wireType) {
      case 0:
        this.int64Skip(end);
        return;
      case 1:
        if (end - this.pos < 8) this.fail('truncated fixed64');
        this.pos += 8;
        return;
      case 2:
        this.pos = this.delimited(end);
        return;
      case 5:
        if (end - this.pos < 4) this.fail('truncated fixed32');
        this.pos += 4;
        return;
      default:
        this.fail(`unsupported wire type ${wireType}`);
    }
  }

  private int64Skip(end: number): void {
    for (let i = 0; i < 10; i++) {
      if (this.pos >= end) this.fail('truncated varint');
      if (this.buf[this.pos++]! < 0x80) return;
    }
    this.fail('varint longer than 10 bytes');
  }
}

/** Decodes a WriteRequest (uncompressed) into `sink`. */
export function decodeWriteRequest(buf: Buffer, sink: SeriesSink): void {
  const r = new Reader(buf);
  const end = buf.length;
  let index = 0;
  // Sample message bounds of the current series, reused: a series' samples are decoded
  // after its labels, whatever order the fields came in.
  let samples = new Int32Array(64);
  while (r.pos < end) {
    const tag = r.uint32(end);
    const field = tag >>> 3;
    const wt = tag & 7;
    if (field !== 1 || wt !== 2) {
      if (field === 1) r.fail(`WriteRequest.timeseries with wire type ${wt}`);
      r.skip(wt, end);
      continue;
    }
    const tsEnd = r.delimited(end);
    const labels: Label[] = [];
    let nSamples = 0;
    let histograms = 0;
    while (r.pos < tsEnd) {
      const t = r.uint32(tsEnd);
      const f = t >>> 3;
      const w = t & 7;
      if (f === 1 && w === 2) {
        const lEnd = r.delimited(tsEnd);
        let name = '';
        let value = '';
        while (r.pos < lEnd) {
          const lt = r.uint32(lEnd);
          if (lt === 0x0a) name = r.string(lEnd, `timeseries[${index}] label name`);
          else if (lt === 0x12) value = r.string(lEnd, `timeseries[${index}] label value`);
          else r.skip(lt & 7, lEnd);
        }
        labels.push({ name, value });
      } else if (f === 2 && w === 2) {
        const sEnd = r.delimited(tsEnd);
        if (2 * nSamples + 2 > samples.length) {
          const grown = new Int32Array(samples.length * 2);
          grown.set(samples);
          samples = grown;
        }
        samples[2 * nSamples] = r.pos;
        samples[2 * nSamples + 1] = sEnd;
        nSamples++;
        r.pos = sEnd;
      } else if (f === 4 && w === 2) {
        histograms++;
        r.skip(w, tsEnd);
      } else {
        if (f <= 2) r.fail(`timeseries[${index}] field ${f} with wire type ${w}`);
        r.skip(w, tsEnd);
      }
    }
    if (histograms > 0) sink.unsupported('native_histogram', histograms);
    if (nSamples > 0) {
      sink.series(labels, `timeseries[${index}]`);
      for (let i = 0; i < nSamples; i++) {
        r.pos = samples[2 * i]!;
        const sEnd = samples[2 * i + 1]!;
        let v = 0;
        let stale = false;
        let ts = 0;
        while (r.pos < sEnd) {
          const st = r.uint32(sEnd);
          if (st === 0x09) {
            if (sEnd - r.pos < 8) r.fail(`timeseries[${index}] sample ${i}: truncated value`);
            v = buf.readDoubleLE(r.pos);
            stale = v !== v && buf.readUInt32LE(r.pos + 4) === STALE_HI && buf.readUInt32LE(r.pos) === STALE_LO;
            r.pos += 8;
          } else if (st === 0x10) {
            ts = r.int64(sEnd);
          } else {
            if (st >>> 3 <= 2) r.fail(`timeseries[${index}] sample ${i}: field ${st >>> 3} with wire type ${st & 7}`);
            r.skip(st & 7, sEnd);
          }
        }
        sink.sample(ts, v, stale);
      }
      r.pos = tsEnd;
    }
    index++;
  }
}

/** A series for encodeWriteRequest. */
export interface WriteSeries {
  readonly labels: readonly Label[];
  /** `stale` writes the StaleNaN bit pattern as the value. */
  readonly samples: readonly { readonly value: number; readonly timestamp: number; readonly stale?: boolean }[];
}

/** Protobuf-encodes a WriteRequest (tests, tools, the dev fleet); not snappy-compressed. */
export function encodeWriteRequest(series: readonly WriteSeries[]): Buffer {
  const parts: Buffer[] = [];
  for (const s of series) {
    const body: Buffer[] = [];
    for (const l of s.labels) body.push(field(1, Buffer.concat([field(1, Buffer.from(l.name)), field(2, Buffer.from(l.value))])));
    for (const x of s.samples) {
      const v = Buffer.alloc(9);
      v[0] = 0x09;
      if (x.stale) {
        v.writeUInt32LE(STALE_LO, 1);
        v.writeUInt32LE(STALE_HI, 5);
      } else {
        v.writeDoubleLE(x.value, 1);
      }
      body.push(field(2, Buffer.concat([v, Buffer.from([0x10]), varint(BigInt.asUintN(64, BigInt(x.timestamp)))])));
    }
    parts.push(field(1, Buffer.concat(body)));
  }
  return Buffer.concat(parts);
}

/** A snappy-compressed WriteRequest, as a Prometheus sends it. */
export function encodeRemoteWriteBody(series: readonly WriteSeries[]): Buffer {
  return snappy.compressSync(encodeWriteRequest(series));
}

function varint(n: bigint): Buffer {
  const out: number[] = [];
  while (n >= 0x80n) {
    out.push(Number(n & 0x7fn) | 0x80);
    n >>= 7n;
  }
  out.push(Number(n));
  return Buffer.from(out);
}

function field(num: number, payload: Buffer): Buffer {
  return Buffer.concat([varint(BigInt((num << 3) | 2)), varint(BigInt(payload.length)), payload]);
}

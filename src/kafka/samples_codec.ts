/**
 * The value format of `vigil.samples` records, version 1. Every record starts with the
 * format version byte (1), then a kind byte:
 *
 *   samples (kind 1):
 *     tenant          string (uvarint length + UTF-8)
 *     base time       svarint, ms
 *     strings         uvarint count, then each as string; sorted strictly ascending
 *                     (UTF-16 code-unit order, the order of Labels), so comparing two
 *                     indices compares the strings
 *     pairs           uvarint count, then each label pair as (name index, value index)
 *                     uvarints; sorted strictly ascending by (name, value). A scrape's
 *                     series repeat their target's pairs, so a series costs one small
 *                     index per label
 *     series          uvarint count, then each:
 *       labels        uvarint count >= 1, then that many pair indices, names strictly
 *                     ascending
 *       samples       uvarint count >= 1
 *       first time    svarint, delta from the previous series' first time (the base
 *                     time for the first series): a scrape's series share a time, so 1 byte
 *       then per sample: svarint time delta from the previous sample (none for the
 *                     first), then the value as a raw little-endian float64; the stale
 *                     marker is Prometheus's StaleNaN bit pattern 0x7ff0000000000002
 *   tick (kind 2):
 *     time            svarint, ms: the ingest's clock, written to every partition
 *
 * Decoding is strict: every count, index, length and time is checked, the whole record
 * must be consumed, and any fault gives a CodecError value naming what and where.
 * A record is checked completely before the visitor sees any of it, so a consumer never
 * applies half of a corrupt batch.
 */
import type { Label, Labels } from '../promql/labels.js';
import { ByteWriter, MAX_VARINT, unzigzag } from './bytes.js';

/** The only format version this code reads and writes. */
export const SAMPLES_FORMAT_VERSION = 1;
/** Kind byte of a sample batch. */
export const KIND_SAMPLES = 1;
/** Kind byte of a time tick. */
export const KIND_TICK = 2;

/**
 * Largest timestamp magnitude, ms (about 71,000 years): the zigzag varint of a difference
 * of two such times stays an exact JS integer.
 */
export const MAX_TIME_MS = 2 ** 51 - 1;

/** High word of Prometheus's StaleNaN. */
const STALE_HI = 0x7ff00000;
/** Low word of Prometheus's StaleNaN. */
const STALE_LO = 2;

/** A record that could not be decoded. */
export interface CodecError {
  readonly kind: 'error';
  /** What is wrong, e.g. `label name index 40 out of range (12 strings)`. */
  readonly error: string;
  /** Byte offset in the record where the fault was found. */
  readonly offset: number;
}

/** A decoded sample batch (its series and samples went to the visitor). */
export interface SamplesSummary {
  readonly kind: 'samples';
  readonly tenant: string;
  readonly series: number;
  readonly samples: number;
}

/** A decoded time tick. */
export interface TickRecord {
  readonly kind: 'tick';
  /** The ingest's clock when it wrote the tick, ms. */
  readonly time: number;
}

/** What decodeRecord returns. */
export type DecodeResult = SamplesSummary | TickRecord | CodecError;

/** One series of a batch as the visitor sees it; valid only during the visit. */
export interface SeriesView {
  /** The series' ordinal in the batch. */
  readonly index: number;
  /**
   * Identifies the batch's pair table, unique per process: pair indices are only
   * comparable between batches with the same value, which have identical pair tables,
   * so what a consumer derived from pair indices (and their labels) for one holds for
   * the other. A scrape's records repeat their tables.
   */
  readonly table: number;
  /** Size of the batch's pair table. */
  readonly pairCount: number;
  readonly labelCount: number;
  /** Index of label `i`'s pair in the batch's pair table: series sharing a pair share its index. */
  pair(i: number): number;
  /** Name of label `i` (sorted by name). */
  labelName(i: number): string;
  /** Value of label `i`. */
  labelValue(i: number): string;
  /**
   * The label set, built on first call for this series; the consumer may keep it. Its
   * Label objects are shared with the batch's other series (treat them as immutable).
   */
  labels(): Labels;
}

/**
 * Receives a batch: `series` once per series, then its samples, one `sample` call each,
 * or one `samples` call for all of them when the visitor has that method.
 */
export interface SampleVisitor {
  /** Called once before the first series. */
  begin?(tenant: string, series: number, samples: number): void;
  series(series: SeriesView): void;
  /** `v` is NaN when `stale` is set. */
  sample?(t: number, v: number, stale: boolean): void;
  /**
   * The series' samples: entries [from, to) of `t`, `v` and `stale` (1 for a stale
   * marker, whose `v` is NaN); the arrays are the decoder's, valid only during the call.
   * A call per sample would pass its time and value as numbers, which V8 boxes into a
   * heap number each (a time in ms is beyond small integers); the arrays pass them raw.
   */
  samples?(t: Float64Array, v: Float64Array, stale: Uint8Array, from: number, to: number): void;
}

/** A sample of the convenience encoder. */
export interface EncodableSample {
  readonly t: number;
  readonly v: number;
  readonly stale?: boolean;
}

/** A series of the convenience encoder. */
export interface EncodableSeries {
  readonly labels: Labels;
  readonly samples: readonly EncodableSample[];
}

function assertTime(t: number): void {
  if (!Number.isInteger(t) || Math.abs(t) > MAX_TIME_MS) throw new RangeError(`samples codec: timestamp ${t} is not an integer of ms within ±2^51`);
}

/**
 * Builds one sample batch. Series are added with their labels, then their samples;
 * finish() writes the record. Labels must be a valid Labels (sorted by name, unique
 * names, no empty name or value): the ingest validates client input before this.
 */
export class SamplesBatchBuilder {
  private readonly ids = new Map<string, number>();
  private stringBytes = 0;
  /** Pair id by (name id * 2^32 + value id): numeric keys, no string built per label. */
  private readonly pairIds = new Map<number, number>();
  private readonly pairNames: number[] = [];
  private readonly pairValues: number[] = [];
  private readonly labelIds: number[] = [];
  private readonly seriesLabelEnd: number[] = [];
  private readonly seriesSampleEnd: number[] = [];
  private readonly ts: number[] = [];
  private readonly vs: number[] = [];
  private readonly stales: boolean[] = [];

  constructor(readonly tenant: string) {}

  /** Series added (a series left without samples is not written). */
  get seriesCount(): number {
    return this.seriesLabelEnd.length;
  }

  /** Samples added. */
  get sampleCount(): number {
    return this.ts.length;
  }

  /** An upper estimate of the record's size, for splitting large writes. */
  get approxBytes(): number {
    return 16 + this.tenant.length * 3 + this.stringBytes + this.pairNames.length * 6 + this.labelIds.length * 3 + this.seriesLabelEnd.length * 6 + this.ts.length * 14;
  }

  private intern(s: string): number {
    let id = this.ids.get(s);
    if (id === undefined) {
      id = this.ids.size;
      this.ids.set(s, id);
      this.stringBytes += Buffer.byteLength(s, 'utf8') + 3;
    }
    return id;
  }

  /** Starts a series; its samples follow. */
  addSeries(labels: Labels): void {
    if (labels.length === 0) throw new RangeError('samples codec: a series needs at least one label');
    let prev = '';
    for (let i = 0; i < labels.length; i++) {
      const l = labels[i]!;
      if (l.name === '' || l.value === '') throw new RangeError(`samples codec: empty label name or value in series ${i}`);
      if (i > 0 && !(l.name > prev)) throw new RangeError(`samples codec: labels not sorted by unique name at ${JSON.stringify(l.name)}`);
      prev = l.name;
      const n = this.intern(l.name);
      const v = this.intern(l.value);
      const key = n * 4294967296 + v;
      let pair = this.pairIds.get(key);
      if (pair === undefined) {
        pair = this.pairNames.length;
        this.pairIds.set(key, pair);
        this.pairNames.push(n);
        this.pairValues.push(v);
      }
      this.labelIds.push(pair);
    }
    this.seriesLabelEnd.push(this.labelIds.length);
    this.seriesSampleEnd.push(this.ts.length);
  }

  /** Adds a sample to the current series; `stale` writes Prometheus's stale marker. */
  addSample(t: number, v: number, stale = false): void {
    const n = this.seriesSampleEnd.length;
    if (n === 0) throw new RangeError('samples codec: addSample before addSeries');
    assertTime(t);
    this.ts.push(t);
    this.vs.push(stale ? NaN : v);
    this.stales.push(stale);
    this.seriesSampleEnd[n - 1] = this.ts.length;
  }

  /** Writes the record. */
  finish(): Buffer {
    const strings = [...this.ids.keys()].sort();
    const remap = new Int32Array(strings.length);
    for (let i = 0; i < strings.length; i++) remap[this.ids.get(strings[i]!)!] = i;
    const nPairs = this.pairNames.length;
    const order = Array.from({ length: nPairs }, (_, i) => i);
    const pn = this.pairNames.map((x) => remap[x]!);
    const pv = this.pairValues.map((x) => remap[x]!);
    order.sort((a, b) => pn[a]! - pn[b]! || pv[a]! - pv[b]!);
    const pairRemap = new Int32Array(nPairs);
    for (let i = 0; i < nPairs; i++) pairRemap[order[i]!] = i;
    const w = new ByteWriter(this.approxBytes);
    w.u8(SAMPLES_FORMAT_VERSION);
    w.u8(KIND_SAMPLES);
    w.string(this.tenant);
    const base = this.ts.length > 0 ? this.ts[0]! : 0;
    w.svarint(base);
    w.uvarint(strings.length);
    for (const s of strings) w.string(s);
    w.uvarint(nPairs);
    for (const p of order) {
      w.uvarint(pn[p]!);
      w.uvarint(pv[p]!);
    }
    let written = 0;
    for (let s = 0; s < this.seriesSampleEnd.length; s++) {
      if (this.seriesSampleEnd[s]! > (s === 0 ? 0 : this.seriesSampleEnd[s - 1]!)) written++;
    }
    w.uvarint(written);
    let prevFirst = base;
    let labelStart = 0;
    let sampleStart = 0;
    for (let s = 0; s < this.seriesLabelEnd.length; s++) {
      const labelEnd = this.seriesLabelEnd[s]!;
      const sampleEnd = this.seriesSampleEnd[s]!;
      if (sampleEnd > sampleStart) {
        w.uvarint(labelEnd - labelStart);
        for (let i = labelStart; i < labelEnd; i++) w.uvarint(pairRemap[this.labelIds[i]!]!);
        w.uvarint(sampleEnd - sampleStart);
        let prevT = prevFirst;
        for (let i = sampleStart; i < sampleEnd; i++) {
          const t = this.ts[i]!;
          w.svarint(t - prevT);
          prevT = t;
          if (this.stales[i]) w.f64Bits(STALE_HI, STALE_LO);
          else w.f64(this.vs[i]!);
        }
        prevFirst = this.ts[sampleStart]!;
      }
      labelStart = labelEnd;
      sampleStart = sampleEnd;
    }
    return w.finish();
  }
}

/** Encodes a whole batch at once (tests, tools). */
export function encodeSamples(tenant: string, series: readonly EncodableSeries[]): Buffer {
  const b = new SamplesBatchBuilder(tenant);
  for (const s of series) {
    b.addSeries(s.labels);
    for (const x of s.samples) b.addSample(x.t, x.v, x.stale === true);
  }
  return b.finish();
}

/** Encodes a time tick record. */
export function encodeTick(time: number): Buffer {
  assertTime(time);
  const w = new ByteWriter(16);
  w.u8(SAMPLES_FORMAT_VERSION);
  w.u8(KIND_TICK);
  w.svarint(time);
  return w.finish();
}

/** Thrown inside the decoder only, turned into a CodecError at its boundary. */
class Fault {
  constructor(readonly error: string, readonly offset: number) {}
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function grownInt32(a: Int32Array, n: number): Int32Array {
  if (a.length >= n) return a;
  let cap = a.length * 2;
  while (cap < n) cap *= 2;
  return new Int32Array(cap);
}

function grownFloat64(a: Float64Array, n: number): Float64Array {
  if (a.length >= n) return a;
  let cap = a.length * 2;
  while (cap < n) cap *= 2;
  return new Float64Array(cap);
}

/**
 * Decodes records into typed scratch arrays it reuses across calls, then replays them
 * to a visitor: no object per sample, and nothing reaches the visitor from a record
 * that turns out corrupt. One decoder per consumer loop; not reentrant from a visitor.
 */
export class SamplesDecoder {
  private buf: Uint8Array = new Uint8Array(0);
  private view: DataView = new DataView(new ArrayBuffer(0));
  private pos = 0;
  private end = 0;
  private strings: string[] = [];
  private pairName: Int32Array = new Int32Array(256);
  private pairValue: Int32Array = new Int32Array(256);
  private nPairs = 0;
  private labelRefs: Int32Array = new Int32Array(1024);
  private seriesLabelEnd: Int32Array = new Int32Array(256);
  private seriesSampleEnd: Int32Array = new Int32Array(256);
  private ts: Float64Array = new Float64Array(1024);
  private vs: Float64Array = new Float64Array(1024);
  private stale: Uint8Array = new Uint8Array(1024);
  private readonly cursor = new Cursor();
  private readonly tables = new StringTables();
  /** The remembered string table of the batch being decoded, if any. */
  private known: StringTable | null = null;
  /** The batch's table id (see SeriesView.table). */
  private table = 0;
  /**
   * The first time of the previous series, while a batch is parsed. A typed-array cell,
   * not a local: V8 kept the local tagged (its first value comes from a call), so each
   * series boxed its time into a new heap number (16 bytes a series, as the sampling heap
   * profiler showed).
   */
  private readonly prevFirst = new Float64Array(1);

  /** Decodes one record; sample batches go to `visitor` after the whole record checks out. */
  decode(record: Uint8Array, visitor?: SampleVisitor): DecodeResult {
    this.buf = record;
    this.view = new DataView(record.buffer, record.byteOffset, record.byteLength);
    this.pos = 0;
    this.end = record.byteLength;
    try {
      if (this.end < 2) throw new Fault(`record of ${this.end} bytes is shorter than its 2-byte header`, 0);
      const version = record[0]!;
      if (version !== SAMPLES_FORMAT_VERSION) {
        throw new Fault(`unknown samples format version ${version} (this build reads version ${SAMPLES_FORMAT_VERSION})`, 0);
      }
      const kind = record[1]!;
      this.pos = 2;
      if (kind === KIND_TICK) {
        const time = this.time(unzigzag(this.uvarint('tick time')), 'tick time');
        this.expectEnd();
        return { kind: 'tick', time };
      }
      if (kind !== KIND_SAMPLES) throw new Fault(`unknown record kind ${kind} (want ${KIND_SAMPLES} samples or ${KIND_TICK} tick)`, 1);
      const summary = this.parseSamples();
      if (visitor) this.replay(summary, visitor);
      return summary;
    } catch (e) {
      if (e instanceof Fault) return { kind: 'error', error: e.error, offset: e.offset };
      throw e;
    } finally {
      this.buf = new Uint8Array(0);
    }
  }

  /** `what` (with ` index` when >= 0, then `suffix`) names the field in a fault only: no string is built per call. */
  private uvarint(what: string, index = -1, suffix = ''): number {
    const buf = this.buf;
    let p = this.pos;
    // Fast path: one or two bytes, the common case for counts, indices and deltas.
    if (p < this.end) {
      const b0 = buf[p]!;
      if (b0 < 0x80) {
        this.pos = p + 1;
        return b0;
      }
      if (p + 1 < this.end && buf[p + 1]! < 0x80) {
        this.pos = p + 2;
        return (b0 & 0x7f) | (buf[p + 1]! << 7);
      }
    }
    const start = p;
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 8; i++) {
      if (p >= this.end) throw new Fault(`truncated varint (${describe(what, index, suffix)})`, start);
      const b = buf[p++]!;
      result += (b & 0x7f) * mul;
      if (b < 0x80) {
        if (result > MAX_VARINT) throw new Fault(`varint ${describe(what, index, suffix)} exceeds 2^53`, start);
        this.pos = p;
        return result;
      }
      mul *= 128;
    }
    throw new Fault(`varint ${describe(what, index, suffix)} longer than 8 bytes`, start);
  }

  private time(t: number, what: string): number {
    if (t > MAX_TIME_MS || t < -MAX_TIME_MS) throw new Fault(`${what} ${t} out of range`, this.pos);
    return t;
  }

  /** A count of items each at least `minBytes` long, bounded by the bytes left. */
  private count(what: string, minBytes: number, index = -1): number {
    const at = this.pos;
    const n = this.uvarint(what, index);
    if (n * minBytes > this.end - this.pos) throw new Fault(`${describe(what, index, '')} ${n} cannot fit in the ${this.end - this.pos} bytes left`, at);
    return n;
  }

  /**
   * count() of series `s`'s labels or samples, which must not be 0: the one-byte count
   * most series have read inline, anything else (and every fault) through count().
   */
  private seriesCount(what: string, items: string, minBytes: number, s: number): number {
    const at = this.pos;
    const b = at < this.end ? this.buf[at]! : 0x80;
    if (b < 0x80 && b !== 0 && b * minBytes < this.end - at) {
      this.pos = at + 1;
      return b;
    }
    const n = this.count(what, minBytes, s);
    if (n === 0) throw new Fault(`series ${s} has no ${items}`, at);
    return n;
  }

  private string(what: string, index = -1): string {
    const at = this.pos;
    const len = this.uvarint(what, index, ' length');
    if (len > this.end - this.pos) throw new Fault(`${describe(what, index, '')} of ${len} bytes runs past the end of the record`, at);
    const start = this.pos;
    this.pos += len;
    try {
      return utf8.decode(this.buf.subarray(start, start + len));
    } catch {
      throw new Fault(`${describe(what, index, '')} is not valid UTF-8`, start);
    }
  }

  private expectEnd(): void {
    if (this.pos !== this.end) throw new Fault(`${this.end - this.pos} bytes of trailing garbage after the record`, this.pos);
  }

  private readStrings(nStrings: number): string[] {
    const from = this.pos;
    this.known = null;
    const strings = new Array<string>(nStrings);
    for (let i = 0; i < nStrings; i++) {
      const at = this.pos;
      const s = this.string('string', i);
      if (i > 0 && !(s > strings[i - 1]!)) throw new Fault(`string table not strictly ascending at string ${i}`, at);
      strings[i] = s;
    }
    this.known = this.tables.remember(this.buf, from, this.pos, strings);
    return strings;
  }

  /**
   * The strings of a table already read from identical bytes (a scrape's records repeat
   * their tables), with the position moved past it; null to read it afresh, also when
   * its lengths do not add up (reading it then names the fault).
   */
  private knownStrings(nStrings: number): string[] | null {
    const buf = this.buf;
    const from = this.pos;
    let p = from;
    for (let i = 0; i < nStrings; i++) {
      let len = 0;
      let shift = 0;
      for (;;) {
        if (p >= this.end || shift > 28) return null;
        const b = buf[p++]!;
        len |= (b & 0x7f) << shift;
        if (b < 0x80) break;
        shift += 7;
      }
      p += len;
      if (len < 0 || p > this.end) return null;
    }
    const known = this.tables.find(buf, from, p);
    if (known === null) return null;
    this.known = known;
    this.pos = p;
    return known.strings;
  }

  /**
   * The id of the batch's tables, the pair table being the bytes [from, to): the id of
   * the last batch whose string table was this remembered one and whose pair table had
   * the same bytes, else a new one.
   */
  private tableId(from: number, to: number): number {
    const known = this.known;
    if (known === null) return ++tableSerial;
    const pairs = known.pairs;
    if (pairs !== null && pairs.length === to - from && Buffer.compare(pairs, this.buf.subarray(from, to)) === 0) return known.table;
    this.tables.setPairs(known, new Uint8Array(this.buf.subarray(from, to)));
    known.table = ++tableSerial;
    return known.table;
  }

  private parseSamples(): SamplesSummary {
    const tenant = this.string('tenant');
    if (tenant === '') throw new Fault('empty tenant', 2);
    const base = this.time(unzigzag(this.uvarint('base time')), 'base time');
    const nStrings = this.count('string count', 1);
    const strings = this.knownStrings(nStrings) ?? this.readStrings(nStrings);
    this.strings = strings;
    const emptyRef = nStrings > 0 && strings[0] === '' ? 0 : -1;
    const pairsFrom = this.pos;
    const nPairs = this.count('pair count', 2);
    const pairName = (this.pairName = grownInt32(this.pairName, nPairs));
    const pairValue = (this.pairValue = grownInt32(this.pairValue, nPairs));
    for (let i = 0; i < nPairs; i++) {
      const at = this.pos;
      const name = this.uvarint('pair name index');
      const value = this.uvarint('pair value index');
      if (name >= nStrings || value >= nStrings) throw new Fault(`pair ${i}: string index ${Math.max(name, value)} out of range (${nStrings} strings)`, at);
      if (name === emptyRef || value === emptyRef) throw new Fault(`pair ${i}: empty label name or value`, at);
      if (i > 0 && (name < pairName[i - 1]! || (name === pairName[i - 1]! && value <= pairValue[i - 1]!))) {
        throw new Fault(`pair table not strictly ascending at pair ${i}`, at);
      }
      pairName[i] = name;
      pairValue[i] = value;
    }
    this.nPairs = nPairs;
    this.table = this.tableId(pairsFrom, this.pos);
    // Each series takes at least two counts and one 9-byte sample (labels are checked apart).
    const nSeries = this.count('series count', 11);
    this.seriesLabelEnd = grownInt32(this.seriesLabelEnd, nSeries);
    this.seriesSampleEnd = grownInt32(this.seriesSampleEnd, nSeries);
    let labelRefs = this.labelRefs;
    let ts = this.ts;
    let vs = this.vs;
    let stale = this.stale;
    const view = this.view;
    const buf = this.buf;
    const end = this.end;
    const seriesLabelEnd = this.seriesLabelEnd;
    const seriesSampleEnd = this.seriesSampleEnd;
    let nRefs = 0;
    let nSamples = 0;
    const prevFirst = this.prevFirst;
    prevFirst[0] = base;
    // The position lives in `p`; one-byte varints are read inline, anything else goes
    // through uvarint/count with this.pos synced, so faults read as they always did.
    let p = this.pos;
    for (let s = 0; s < nSeries; s++) {
      this.pos = p;
      const nLabels = this.seriesCount('label count of series', 'labels', 1, s);
      p = this.pos;
      if (nRefs + nLabels > labelRefs.length) labelRefs = this.labelRefs = growCopyInt32(labelRefs, nRefs + nLabels);
      let prevName = -1;
      // The count check left at least one byte per label, so each label's first byte is in bounds.
      for (let i = 0; i < nLabels; i++) {
        const at = p;
        let pair = buf[p]!;
        if (pair < 0x80) {
          p++;
        } else if (p + 1 < end && buf[p + 1]! < 0x80) {
          pair = (pair & 0x7f) | (buf[p + 1]! << 7);
          p += 2;
        } else {
          this.pos = p;
          pair = this.uvarint('label pair index');
          p = this.pos;
        }
        if (pair >= nPairs) throw new Fault(`series ${s} label ${i}: pair index ${pair} out of range (${nPairs} pairs)`, at);
        const name = pairName[pair]!;
        if (name <= prevName) throw new Fault(`series ${s} label ${i}: label names not sorted or repeated`, at);
        prevName = name;
        labelRefs[nRefs++] = pair;
      }
      seriesLabelEnd[s] = nRefs;
      this.pos = p;
      const n = this.seriesCount('sample count of series', 'samples', 9, s);
      p = this.pos;
      if (nSamples + n > ts.length) {
        ts = this.ts = growCopyFloat64(ts, nSamples + n);
        vs = this.vs = growCopyFloat64(vs, nSamples + n);
        stale = this.stale = growCopyUint8(stale, nSamples + n);
      }
      let t = prevFirst[0]!;
      for (let i = 0; i < n; i++) {
        const d = p < end ? buf[p]! : 0x80;
        if (d < 0x80) {
          p++;
          t += (d >>> 1) ^ -(d & 1);
        } else {
          this.pos = p;
          t += unzigzag(this.uvarint('time delta'));
          p = this.pos;
        }
        if (t > MAX_TIME_MS || t < -MAX_TIME_MS) throw new Fault(`series ${s} sample ${i} time ${t} out of range`, p);
        if (i === 0) prevFirst[0] = t;
        if (p + 8 > end) throw new Fault(`series ${s} sample ${i}: value runs past the end of the record`, p);
        const v = view.getFloat64(p, true);
        ts[nSamples] = t;
        // Only a NaN can be the stale marker, so ordinary values skip the bit test.
        if (v !== v && view.getUint32(p, true) === STALE_LO && view.getUint32(p + 4, true) === STALE_HI) {
          stale[nSamples] = 1;
          vs[nSamples] = NaN;
        } else {
          stale[nSamples] = 0;
          vs[nSamples] = v;
        }
        p += 8;
        nSamples++;
      }
      seriesSampleEnd[s] = nSamples;
    }
    this.pos = p;
    this.expectEnd();
    return { kind: 'samples', tenant, series: nSeries, samples: nSamples };
  }

  private replay(summary: SamplesSummary, visitor: SampleVisitor): void {
    visitor.begin?.(summary.tenant, summary.series, summary.samples);
    const cursor = this.cursor;
    cursor.bind(this.table, this.nPairs, this.strings, this.pairName, this.pairValue, this.labelRefs);
    const ts = this.ts;
    const vs = this.vs;
    const stale = this.stale;
    let labelStart = 0;
    let sampleStart = 0;
    for (let s = 0; s < summary.series; s++) {
      const labelEnd = this.seriesLabelEnd[s]!;
      const sampleEnd = this.seriesSampleEnd[s]!;
      cursor.reset(s, labelStart, labelEnd);
      visitor.series(cursor);
      if (visitor.samples !== undefined) visitor.samples(ts, vs, stale, sampleStart, sampleEnd);
      else if (visitor.sample !== undefined) for (let i = sampleStart; i < sampleEnd; i++) visitor.sample(ts[i]!, vs[i]!, stale[i] === 1);
      labelStart = labelEnd;
      sampleStart = sampleEnd;
    }
  }

}

function growCopyInt32(a: Int32Array, n: number): Int32Array {
  const b = grownInt32(a, n);
  if (b !== a) b.set(a);
  return b;
}

function growCopyFloat64(a: Float64Array, n: number): Float64Array {
  const b = grownFloat64(a, n);
  if (b !== a) b.set(a);
  return b;
}

function growCopyUint8(a: Uint8Array, n: number): Uint8Array {
  if (a.length >= n) return a;
  let cap = a.length * 2;
  while (cap < n) cap *= 2;
  const b = new Uint8Array(cap);
  b.set(a);
  return b;
}

/** A remembered string table, with the pair table last read after it and that pair of tables' id. */
interface StringTable {
  readonly bytes: Uint8Array;
  readonly strings: string[];
  pairs: Uint8Array | null;
  table: number;
}

/**
 * String tables by their bytes, bounded: a decoded table is reused for a record with
 * the same bytes, which skips UTF-8 decoding and hands consumers the same string
 * objects (whose hashes V8 keeps), so their maps need not rehash them.
 */
class StringTables {
  private readonly byKey = new Map<number, StringTable>();
  private bytes = 0;

  find(buf: Uint8Array, from: number, to: number): StringTable | null {
    const hit = this.byKey.get(sampledHash(buf, from, to));
    if (hit === undefined || hit.bytes.length !== to - from) return null;
    return Buffer.compare(hit.bytes, buf.subarray(from, to)) === 0 ? hit : null;
  }

  remember(buf: Uint8Array, from: number, to: number, strings: string[]): StringTable | null {
    if (to - from < 64) return null;
    if (this.bytes + (to - from) > 8 << 20 || this.byKey.size >= 1024) {
      this.byKey.clear();
      this.bytes = 0;
    }
    // A copy: a Buffer's slice would share (and pin) the fetch buffer the record lives in.
    const t: StringTable = { bytes: new Uint8Array(buf.subarray(from, to)), strings, pairs: null, table: 0 };
    this.byKey.set(sampledHash(buf, from, to), t);
    this.bytes += to - from;
    return t;
  }

  /** Keeps `pairs` as the pair table last read after `t` (counted against the bound). */
  setPairs(t: StringTable, pairs: Uint8Array): void {
    this.bytes += pairs.length - (t.pairs?.length ?? 0);
    t.pairs = pairs;
  }
}

/** A hash of a range's length and of bytes spread over it: a candidate for a byte compare, not an identity. */
function sampledHash(buf: Uint8Array, from: number, to: number): number {
  let h = Math.imul(0x811c9dc5 ^ (to - from), 0x01000193);
  const step = Math.max(1, (to - from) >>> 6);
  for (let p = from; p < to; p += step) h = Math.imul(h ^ buf[p]!, 0x01000193);
  for (let p = Math.max(from, to - 16); p < to; p++) h = Math.imul(h ^ buf[p]!, 0x01000193);
  return h;
}

/** A field's name for a fault message, built only when there is one. */
function describe(what: string, index: number, suffix: string): string {
  return index < 0 ? what + suffix : `${what} ${index}${suffix}`;
}

/** Numbers the distinct tables met by every decoder (see SeriesView.table). */
let tableSerial = 0;

/** The SeriesView a decoder hands to visitors, moved from series to series. */
class Cursor implements SeriesView {
  index = 0;
  table = 0;
  pairCount = 0;
  labelCount = 0;
  private start = 0;
  private strings: string[] = [];
  private pairName: Int32Array = new Int32Array(0);
  private pairValue: Int32Array = new Int32Array(0);
  /** Label objects of the batch's pairs, shared by its series; built on demand (most visitors want none). */
  private pairLabels: (Label | undefined)[] | null = null;
  private refs: Int32Array = new Int32Array(0);
  private built: Labels | null = null;

  bind(table: number, pairCount: number, strings: string[], pairName: Int32Array, pairValue: Int32Array, refs: Int32Array): void {
    this.pairLabels = null;
    this.table = table;
    this.pairCount = pairCount;
    this.strings = strings;
    this.pairName = pairName;
    this.pairValue = pairValue;
    this.refs = refs;
  }

  reset(index: number, start: number, end: number): void {
    this.index = index;
    this.start = start;
    this.labelCount = end - start;
    this.built = null;
  }

  pair(i: number): number {
    return this.refs[this.start + i]!;
  }

  labelName(i: number): string {
    return this.strings[this.pairName[this.refs[this.start + i]!]!]!;
  }

  labelValue(i: number): string {
    return this.strings[this.pairValue[this.refs[this.start + i]!]!]!;
  }

  labels(): Labels {
    if (this.built === null) {
      const pairLabels = (this.pairLabels ??= new Array<Label | undefined>(this.pairCount));
      const out = new Array<Label>(this.labelCount);
      for (let i = 0; i < this.labelCount; i++) {
        const p = this.refs[this.start + i]!;
        out[i] = pairLabels[p] ??= { name: this.strings[this.pairName[p]!]!, value: this.strings[this.pairValue[p]!]! };
      }
      this.built = out;
    }
    return this.built;
  }
}

const shared = new SamplesDecoder();

/**
 * Decodes one `vigil.samples` record with a shared decoder: a tick, or a batch whose
 * series and samples go to `visitor`. Never throws on bad input; returns a CodecError.
 */
export function decodeRecord(record: Uint8Array, visitor?: SampleVisitor): DecodeResult {
  return shared.decode(record, visitor);
}

/** A decoded sample, for tests and tools (allocates; consumers use a visitor). */
export interface DecodedSample {
  readonly labels: Labels;
  readonly t: number;
  readonly v: number;
  readonly stale: boolean;
}

/** Decodes a record into plain objects: the batch's samples in order, or the tick, or the error. */
export function decodeToArray(record: Uint8Array): { result: DecodeResult; samples: DecodedSample[] } {
  const samples: DecodedSample[] = [];
  let labels: Labels = [];
  const result = new SamplesDecoder().decode(record, {
    series: (s) => void (labels = s.labels()),
    sample: (t, v, stale) => void samples.push({ labels, t, v, stale }),
  });
  return { result, samples };
}

/**
 * The in-memory series window of one partition: recent samples of every series,
 * compressed (see codec.ts) into chunks, with per-series state in typed-array columns,
 * interned labels and postings. The head chunk of a series grows in linked blocks of a
 * shared arena (blocks.ts); a sealed chunk is copied into exactly-sized storage (sealed.ts).
 * Truncation re-encodes the chunk it cuts through, so a series holds no samples older
 * than the window. Implements the engine's Querier.
 */
import type { Labels } from '../promql/labels.js';
import type { Matcher } from '../promql/matcher.js';
import type { Querier, SeriesData } from '../promql/value.js';
import { BitReader, BitWriter, BLOCK_BITS, BlockArena, copyChain } from './blocks.js';
import { bitsToFloat, ChunkDecoder, ChunkEncoder } from './codec.js';
import { hashPairs, LabelSets } from './labelsets.js';
import { Postings } from './postings.js';
import { SealedStore } from './sealed.js';
import { resolveMatchers } from './select.js';
import { SymbolTable } from './symbols.js';

/** Outcome of an append; rejections are counted, never thrown. */
export const AppendStatus = {
  ok: 0,
  /** Older than the series' newest sample. */
  outOfOrder: 1,
  /** Same timestamp as the newest sample, different value. */
  duplicate: 2,
  /** The ref is not (or no longer) a series of this window. */
  unknownRef: 3,
  /** The timestamp is not a safe integer. */
  invalidTime: 4,
} as const;
/** One of the AppendStatus codes. */
export type AppendStatus = (typeof AppendStatus)[keyof typeof AppendStatus];

/** Tallies of append outcomes, added to by appendRun. */
export interface AppendCounts {
  appended: number;
  outOfOrder: number;
  duplicate: number;
  /** Timestamps that are not safe integers. */
  invalid: number;
}

/** Tuning of chunk cutting. */
export interface WindowOptions {
  /** Samples per chunk before a new one is cut (Prometheus: 120). */
  readonly maxSamplesPerChunk?: number;
  /** Longest time span of a chunk in ms; smaller means finer-grained truncation. */
  readonly chunkRange?: number;
  /** How long expire() keeps a series with these labels, ms (default: forever; truncate() ignores it). */
  readonly retention?: (labels: Labels) => number;
}

/** Distinct retentions a window tells apart; more are rounded up to the longest seen. */
const MAX_KEEP_CLASSES = 255;

/** Counters for /metrics. */
export interface WindowStats {
  readonly series: number;
  readonly chunks: number;
  readonly samplesAppended: number;
  readonly rejectedOutOfOrder: number;
  readonly rejectedDuplicate: number;
  /** Estimated heap bytes held by the window. */
  readonly bytes: number;
}

const SLOT_BITS = 24;
const SLOT_MASK = (1 << SLOT_BITS) - 1;
const DEAD = -2;
const NONE = -1;
const SPAN_LIMIT = 0xffffffff;
/** Keeps a chunk's bit count in a Uint16 even after a worst-case sample (< 200 bits). */
const MAX_CHUNK_BITS = 65535 - 256;
/** Slot columns grow by this factor: small steps keep the unused tail small. */
const SLOT_GROWTH = 1.125;
/** hMinT marker for a head starting more than ~24 days from the window's base time. */
const FAR = -0x80000000;
/** How far past `base` a truncation may be before the base moves up to it (~12 days; offsets reach ~24). */
const REBASE_AFTER = 2 ** 30;
/** Estimated heap bytes of one far-map entry, for stats(). */
const FAR_ENTRY_BYTES = 48;
/** hCut counts whole units of this many ms: 2 bytes a series, and the exact cut test starts at most a second early. */
const CUT_UNIT = 1024;
/** hCut of a head with no cut within NO_CUT units (~18 hours) of its start. */
const NO_CUT = 0xffff;

/**
 * Compressed in-memory window of series, keyed by label set. Each series has one head
 * chunk, written in linked blocks of the arena and described by per-series columns, and
 * a list of sealed chunks copied into exactly-sized storage and described by the chunk
 * table.
 */
export class SeriesWindow implements Querier {
  private symbols = new SymbolTable();
  private postings = new Postings();
  private sets: LabelSets;
  private readonly arena = new BlockArena();
  private readonly store = new SealedStore();
  private readonly enc: ChunkEncoder;
  private readonly dec: ChunkDecoder;
  private readonly maxSamples: number;
  private readonly chunkRange: number;

  // Per-slot columns.
  private cap = 0;
  private top = 0;
  private live = 0;
  private dead = 0;
  private epoch = 0;
  private heads = 0;
  /** First sealed chunk, NONE, or DEAD for a removed series. */
  private firstChunk = new Int32Array(0);
  /** First block of the head chunk; meaningless while hCount is 0. */
  private hBlock = new Int32Array(0);
  /** Head chunk's first timestamp minus `base`, or FAR with the timestamp in `farMinT`. */
  private hMinT = new Int32Array(0);
  /**
   * Origin of hMinT and cMinT: the first timestamp the window saw, moved up by truncations
   * (rebase). 4 bytes a time instead of 8.
   */
  private base = NaN;
  private readonly farMinT = new Map<number, number>();
  private hSpan = new Uint32Array(0);
  /**
   * A span of the head chunk below which crossesCut does not hold (the cut time minus
   * the head's first timestamp, in CUT_UNITs rounded down), computed once a chunk: the
   * exact test then runs about once a chunk too, rather than per sample.
   */
  private hCut = new Uint16Array(0);
  /** Samples in the head chunk; 0 when the series has none. */
  private hCount = new Uint16Array(0);
  /** Bits written to the head chunk; the write position is found by walking its blocks. */
  private hBits = new Uint16Array(0);
  private tDelta = new Int32Array(0);
  private vHi = new Uint32Array(0);
  private vLo = new Uint32Array(0);
  private lead = new Uint8Array(0);
  private trail = new Uint8Array(0);
  /** Decimal scale in the low 4 bits, the prediction mode in bit 4, the repeat flag in bit 5, settled in bit 6. */
  private scale = new Uint8Array(0);
  private iDelta = new Int32Array(0);

  // Sealed chunk table.
  private cTop = 0;
  private cFree = NONE;
  private cLive = 0;
  private cAddr = new Uint32Array(256);
  /**
   * First timestamp minus `base`, or FAR with the timestamp in `farChunkMinT`. A chunk's
   * last timestamp is not kept: its samples are older than the next chunk's (or the
   * head's) first, which bounds it well enough for truncation and selection.
   */
  private cMinT = new Int32Array(256);
  private readonly farChunkMinT = new Map<number, number>();
  private cCount = new Uint16Array(256);
  private cBits = new Uint16Array(256);
  private cNext = new Int32Array(256);

  /** What the last reencodeFrom did: the new chunk's first timestamp, and whether it copied old bits. */
  private readonly trimmed = { minT: 0, copied: false };

  /** getRef's pair ids. */
  private refPairs = new Int32Array(32);

  private appended = 0;
  private outOfOrder = 0;
  private duplicates = 0;

  /** How long each series is kept, as an index into keepMs (set when the series is created). */
  private keepClass = new Uint8Array(0);
  private keepMs: number[] = [];
  private readonly keepIndex = new Map<number, number>();
  private retention: ((labels: Labels) => number) | null;

  constructor(opts: WindowOptions = {}) {
    this.retention = opts.retention ?? null;
    this.maxSamples = opts.maxSamplesPerChunk ?? 120;
    this.chunkRange = opts.chunkRange ?? Infinity;
    if (!Number.isInteger(this.maxSamples) || this.maxSamples < 1 || this.maxSamples > 65535) {
      throw new RangeError(`window: maxSamplesPerChunk must be an integer in [1, 65535], got ${this.maxSamples}`);
    }
    if (!(this.chunkRange > 0)) throw new RangeError(`window: chunkRange must be > 0, got ${this.chunkRange}`);
    this.sets = new LabelSets(this.symbols);
    this.enc = new ChunkEncoder(new BitWriter(this.arena));
    this.dec = new ChunkDecoder(new BitReader(this.arena));
    this.growSlots(1024);
  }

  /**
   * The ref of the series with these labels, creating it if needed. A ref stays valid
   * until truncate() removes the series; compaction then makes old refs unknown, so
   * callers that cache refs re-resolve on AppendStatus.unknownRef.
   */
  getRef(labels: Labels): number {
    // By pair ids: a label never seen means a new series, with no hashing of strings.
    const n = labels.length;
    if (this.refPairs.length < n) this.refPairs = new Int32Array(n * 2);
    const ids = this.refPairs;
    let slot = -1;
    let i = 0;
    for (; i < n; i++) {
      const id = this.symbols.findPair(labels[i]!.name, labels[i]!.value);
      if (id < 0) break;
      ids[i] = id;
    }
    if (i === n && n > 0) slot = this.sets.find(ids, n, hashPairs(ids, n));
    if (slot < 0) slot = this.create(labels, i);
    return ((this.epoch & 0x7f) << SLOT_BITS) | slot;
  }

  /** Appends one sample by labels. */
  append(labels: Labels, t: number, v: number): AppendStatus {
    return this.appendRef(this.getRef(labels), t, v);
  }

  /** Appends one sample to the series `ref`. */
  appendRef(ref: number, t: number, v: number): AppendStatus {
    const slot = this.slotOf(ref);
    if (slot < 0) return AppendStatus.unknownRef;
    if (!Number.isSafeInteger(t)) return AppendStatus.invalidTime;
    this.enc.setSample(t, v);
    return this.appendSample(slot);
  }

  /** Appends a stale marker (Prometheus's StaleNaN) to the series `ref`. */
  appendStale(ref: number, t: number): AppendStatus {
    const slot = this.slotOf(ref);
    if (slot < 0) return AppendStatus.unknownRef;
    if (!Number.isSafeInteger(t)) return AppendStatus.invalidTime;
    this.enc.setStale(t);
    return this.appendSample(slot);
  }

  /**
   * Appends entries [from, to) of `ts`/`vs` to the series `ref`, as appendRef would one
   * by one (appendStale where `stale` holds 1), adding their outcomes to `counts`; false,
   * appending nothing, when the ref is unknown. Times and values go from the arrays to
   * the encoder's input fields: as arguments of a call per sample, V8 boxes them (see
   * ChunkEncoder.inT), some 45 bytes of garbage a sample on the evaluator's path.
   */
  appendRun(ref: number, ts: Float64Array, vs: Float64Array, stale: Uint8Array, from: number, to: number, counts: AppendCounts): boolean {
    const slot = this.slotOf(ref);
    if (slot < 0) return false;
    const enc = this.enc;
    for (let i = from; i < to; i++) {
      const t = ts[i]!;
      let status: AppendStatus = AppendStatus.invalidTime;
      if (Number.isSafeInteger(t)) {
        if (stale[i] === 1) enc.setStale(t);
        else enc.setSample(t, vs[i]!);
        status = this.appendSample(slot);
      }
      if (status === AppendStatus.ok) counts.appended++;
      else if (status === AppendStatus.outOfOrder) counts.outOfOrder++;
      else if (status === AppendStatus.duplicate) counts.duplicate++;
      else counts.invalid++;
    }
    return true;
  }

  /** The labels of series `ref`, or undefined for an unknown ref. */
  labelsOf(ref: number): Labels | undefined {
    const slot = this.slotOf(ref);
    return slot < 0 ? undefined : this.sets.labels(slot);
  }

  /**
   * Series whose labels match all matchers, with their samples in [mint, maxt], in
   * creation order. `stale` is null for a series without stale markers in the range,
   * else an array parallel to `t`/`v` holding 1 where the sample is a stale marker
   * (its value then reads as NaN) and 0 elsewhere.
   */
  select(matchers: readonly Matcher[], mint: number, maxt: number): SeriesData[] {
    const slots = resolveMatchers(matchers, this.symbols, this.postings, this.sets, this.top, (s) => this.firstChunk[s]! !== DEAD);
    // One buffer pair for the whole answer: a typed-array allocation per series costs more than decoding it.
    let total = 0;
    for (let i = 0; i < slots.length; i++) total += this.capacity(slots[i]!, mint, maxt);
    const ts = new Float64Array(total);
    const vs = new Float64Array(total);
    const out: SeriesData[] = [];
    let at = 0;
    for (let i = 0; i < slots.length; i++) {
      const slot = slots[i]!;
      const cap = this.capacity(slot, mint, maxt);
      if (cap === 0) continue;
      const d = this.samples(slot, mint, maxt, ts, vs, at, cap);
      if (d !== null) out.push(d);
      at += cap;
    }
    return out;
  }

  /**
   * Drops the samples older than `minTime`, and series left with none; a chunk it cuts
   * through is re-encoded without them (kept whole in the rare case where that would
   * overflow a chunk's size limits). Returns the number of series removed.
   */
  truncate(minTime: number): number {
    const removed = this.dropBefore(() => minTime);
    this.rebase(minTime);
    return removed;
  }

  /** truncate() with a minimum time per series. */
  private dropBefore(minTimeOf: (slot: number) => number): number {
    let removed = 0;
    for (let slot = 0; slot < this.top; slot++) {
      let c = this.firstChunk[slot]!;
      if (c === DEAD) continue;
      const minTime = minTimeOf(slot);
      while (c >= 0 && this.chunkMinT(c) < minTime) {
        const next = this.cNext[c]!;
        // Every sample of c is older than `end` (a sealed chunk always has a head after it).
        const end = this.chunkEnd(c, this.minTOf(slot));
        if (end > minTime && this.trimChunk(c, minTime, trimLane(this.keepClass[slot]!))) break;
        this.freeChunk(c);
        c = next;
      }
      this.firstChunk[slot] = c;
      // The head is the newest chunk: once it is too old, so is everything else.
      const hasHead = this.hCount[slot]! > 0;
      if (c < 0 && hasHead && this.minTOf(slot) < minTime && this.minTOf(slot) + this.hSpan[slot]! >= minTime) {
        this.trimHead(slot, minTime);
      } else if (c < 0 && (!hasHead || this.minTOf(slot) + this.hSpan[slot]! < minTime)) {
        if (this.hCount[slot]! > 0) {
          this.farMinT.delete(slot);
          this.arena.freeChain(this.hBlock[slot]!);
          this.hCount[slot] = 0;
          this.heads--;
        }
        this.sets.remove(slot, this.sets.hashOf(slot));
        this.firstChunk[slot] = DEAD;
        this.live--;
        this.dead++;
        removed++;
      }
    }
    if (this.dead > 1024 && this.dead * 4 > this.top) this.compact();
    return removed;
  }

  /**
   * Re-encodes sealed chunk `c` without its samples older than `minTime`, into `lane`;
   * false when it has none left. The chunk a truncation cuts through would otherwise hold
   * on average half a chunk range of samples nobody reads, until the next truncation but
   * one. It moves even when re-encoding saves nothing: left in place, it would pin a page
   * of chunks sealed with it, which otherwise empties out by the time they all are cut
   * through.
   */
  private trimChunk(c: number, minTime: number, lane: number): boolean {
    const oldAddr = this.cAddr[c]!;
    this.dec.r.resetFlat(this.store.page(oldAddr), this.store.offset(oldAddr));
    this.dec.reset(this.chunkMinT(c), this.cCount[c]!);
    const first = this.reencodeFrom(minTime, this.cBits[c]!);
    if (first < 0) return false;
    const bits = this.enc.w.bits;
    // The codec's restart can make a chunk of a few dropped samples longer than cBits holds.
    if (bits <= 0xffff) {
      const words = wordsOf(bits);
      const addr = this.store.alloc(words, lane);
      copyChain(this.arena, first, words, this.store.page(addr), this.store.offset(addr));
      this.store.free(oldAddr, wordsOf(this.cBits[c]!));
      this.cAddr[c] = addr;
      this.setChunkMinT(c, this.trimmed.minT);
      this.cCount[c] = this.enc.count;
      this.cBits[c] = bits;
    }
    this.arena.freeChain(first);
    return true;
  }

  /**
   * Re-encodes the head of `slot`, which has samples at or after `minTime`, without those
   * before: a series whose head outlives the window (chunks longer than it, or a short
   * retention) then holds no more than the window either.
   */
  private trimHead(slot: number, minTime: number): void {
    const enc = this.enc;
    const minT = this.minTOf(slot);
    const maxT = minT + this.hSpan[slot]!;
    this.dec.r.reset(this.hBlock[slot]!);
    this.dec.reset(minT, this.hCount[slot]!);
    const first = this.reencodeFrom(minTime, this.hBits[slot]!);
    if (enc.w.bits > MAX_CHUNK_BITS) {
      this.arena.freeChain(first);
      return;
    }
    this.arena.freeChain(this.hBlock[slot]!);
    this.hBlock[slot] = first;
    const newMinT = this.trimmed.minT;
    this.setHeadMinT(slot, newMinT);
    this.hSpan[slot] = maxT - newMinT;
    this.hCut[slot] = this.cutOf(slot, newMinT);
    this.hCount[slot] = enc.count;
    this.hBits[slot] = enc.w.bits;
    // A copied tail ends in the state the columns hold already; a re-encoded one may not.
    if (!this.trimmed.copied) this.parkEncoder(slot);
  }

  /**
   * Re-encodes the samples at or after `minTime` of the chunk of `bits` bits the decoder is
   * positioned on into a new chain of the arena: its first block, or -1 when there are
   * none. The encoder then holds the new chunk's count and bits, `trimmed` its first
   * timestamp. Once the encoder's state matches the decoder's, the rest of the old bits
   * are what re-encoding would write, so they are copied instead: most chunks re-encode
   * two or three samples.
   */
  private reencodeFrom(minTime: number, bits: number): number {
    const dec = this.dec;
    const enc = this.enc;
    let first = -1;
    this.trimmed.copied = false;
    while (dec.next()) {
      const t = dec.t;
      if (t < minTime) continue;
      if (first < 0) {
        first = this.arena.alloc();
        this.trimmed.minT = t;
        enc.start(t);
        enc.w.seek(first, 0, 0);
      }
      // A chunk holds two NaNs, StaleNaN and NormalNaN (see setSample), told apart by the decoder.
      if (dec.stale) enc.setStale(t);
      else enc.setSample(t, dec.v);
      enc.append();
      if (enc.count > 1 && enc.sameCoding(dec)) {
        enc.count += dec.remaining;
        dec.r.copyTo(enc.w, bits - dec.r.position);
        this.trimmed.copied = true;
        break;
      }
    }
    return first;
  }

  /**
   * Moves `base` up to `minTime` (a truncation's) once it is far behind: offsets of
   * a window running for weeks then stay in their 32-bit columns, off the far maps.
   */
  private rebase(minTime: number): void {
    if (!Number.isFinite(minTime) || !(minTime - this.base > REBASE_AFTER)) return;
    const old = this.base;
    this.base = Math.floor(minTime);
    for (let slot = 0; slot < this.top; slot++) {
      if (this.firstChunk[slot] === DEAD) continue;
      if (this.hCount[slot]! > 0) this.setHeadMinT(slot, timeAt(this.hMinT, this.farMinT, slot, old));
      for (let c = this.firstChunk[slot]!; c >= 0; c = this.cNext[c]!) {
        this.setChunkMinT(c, timeAt(this.cMinT, this.farChunkMinT, c, old));
      }
    }
  }

  /** `t` minus `base` for an Int32 column, or FAR where that does not fit. */
  private offsetOf(t: number): number {
    if (this.base !== this.base) this.base = t;
    const d = t - this.base;
    return d > FAR && d <= 0x7fffffff ? d : FAR;
  }

  /** Keeps time `t` in `col[i]` as its offsetOf, or in `far` where that is FAR (read back with timeAt). */
  private putTime(col: Int32Array, far: Map<number, number>, i: number, t: number): void {
    const d = this.offsetOf(t);
    col[i] = d;
    if (d === FAR) far.set(i, t);
    else if (far.size > 0) far.delete(i);
  }

  private setHeadMinT(slot: number, t: number): void {
    this.putTime(this.hMinT, this.farMinT, slot, t);
  }

  /** First timestamp of sealed chunk `c`. */
  private chunkMinT(c: number): number {
    return timeAt(this.cMinT, this.farChunkMinT, c, this.base);
  }

  private setChunkMinT(c: number, t: number): void {
    this.putTime(this.cMinT, this.farChunkMinT, c, t);
  }

  /** Counters for /metrics. */
  stats(): WindowStats {
    return {
      series: this.live,
      chunks: this.cLive + this.heads,
      samplesAppended: this.appended,
      rejectedOutOfOrder: this.outOfOrder,
      rejectedDuplicate: this.duplicates,
      bytes: this.bytes(),
    };
  }

  /** Where the bytes of stats().bytes go, for benches and tuning. */
  memory(): Record<string, number> {
    const sum = (cols: ArrayBufferView[]) => cols.reduce((n, c) => n + c.byteLength, 0);
    return {
      headBlocks: this.arena.bytes,
      headBlocksUsed: this.arena.used * BLOCK_BITS / 8,
      sealedPages: this.store.bytes,
      sealedUsed: this.store.used * 4,
      seriesColumns: sum(this.slotColumns()),
      chunkTable: sum(this.chunkColumns()),
      labelSets: this.sets.bytes,
      postings: this.postings.bytes,
      symbols: this.symbols.bytes,
      farTimes: this.farBytes(),
    };
  }

  /** Live series count. */
  get seriesCount(): number {
    return this.live;
  }

  private slotColumns(): ArrayBufferView[] {
    return [this.firstChunk, this.hBlock, this.hMinT, this.hSpan, this.hCut, this.hCount, this.hBits, this.tDelta,
      this.vHi, this.vLo, this.lead, this.trail, this.scale, this.iDelta, this.keepClass];
  }

  private chunkColumns(): ArrayBufferView[] {
    return [this.cAddr, this.cMinT, this.cCount, this.cBits, this.cNext];
  }

  private bytes(): number {
    let b = this.arena.bytes + this.store.bytes + this.sets.bytes + this.postings.bytes + this.symbols.bytes + this.farBytes();
    for (const c of this.slotColumns()) b += c.byteLength;
    for (const c of this.chunkColumns()) b += c.byteLength;
    return b;
  }

  /** Estimated bytes of the far maps (times more than ~24 days from `base`). */
  private farBytes(): number {
    return (this.farMinT.size + this.farChunkMinT.size) * FAR_ENTRY_BYTES;
  }

  /** First timestamp of the head chunk of `slot`. */
  private minTOf(slot: number): number {
    return timeAt(this.hMinT, this.farMinT, slot, this.base);
  }

  private slotOf(ref: number): number {
    const slot = ref & SLOT_MASK;
    if (ref >>> SLOT_BITS !== (this.epoch & 0x7f) || slot >= this.top || this.firstChunk[slot] === DEAD) return -1;
    return slot;
  }

  /** A new series; the first `known` pair ids of its labels are in refPairs already (getRef found them). */
  private create(labels: Labels, known: number): number {
    checkLabels(labels);
    if (this.top === this.cap) this.growSlots(Math.ceil(this.cap * SLOT_GROWTH));
    if (this.top > SLOT_MASK) throw new RangeError(`window: more than ${SLOT_MASK} series slots`);
    const slot = this.top++;
    const pairs = new Array<number>(labels.length);
    const ids = this.refPairs;
    for (let i = 0; i < labels.length; i++) pairs[i] = i < known ? ids[i]! : this.symbols.internPair(labels[i]!.name, labels[i]!.value);
    this.sets.add(slot, pairs, hashPairs(pairs, pairs.length));
    for (const p of pairs) this.postings.add(p, slot);
    this.firstChunk[slot] = NONE;
    this.hCount[slot] = 0;
    this.keepClass[slot] = this.retention === null ? 0 : this.classOf(this.retention(labels));
    this.live++;
    return slot;
  }

  /** The class of a retention of `ms`, added on first sight. */
  private classOf(ms: number): number {
    let c = this.keepIndex.get(ms);
    if (c === undefined) {
      if (this.keepMs.length >= MAX_KEEP_CLASSES) {
        // Never keep less than asked: round up to the longest class.
        let longest = 0;
        for (let i = 1; i < this.keepMs.length; i++) if (this.keepMs[i]! > this.keepMs[longest]!) longest = i;
        if (this.keepMs[longest]! < ms) this.keepMs[longest] = ms;
        return longest;
      }
      c = this.keepMs.length;
      this.keepMs.push(ms);
      this.keepIndex.set(ms, c);
    }
    return c;
  }

  /**
   * Replaces the retention (rules were reloaded): every series is classed again by its
   * labels. Data already dropped is not brought back.
   */
  setRetention(retention: (labels: Labels) => number): void {
    this.retention = retention;
    this.keepMs = [];
    this.keepIndex.clear();
    for (let slot = 0; slot < this.top; slot++) {
      if (this.firstChunk[slot] === DEAD) continue;
      this.keepClass[slot] = this.classOf(retention(this.sets.labels(slot)));
    }
  }

  /**
   * Drops what each series' retention no longer keeps at time `now` (see truncate());
   * without a retention, nothing. Returns the number of series removed.
   */
  expire(now: number): number {
    if (this.retention === null) return 0;
    const mins = this.keepMs.map((k) => now - k);
    const removed = this.dropBefore((slot) => mins[this.keepClass[slot]!]!);
    this.rebase(Math.min(...mins));
    return removed;
  }

  /** Appends the encoder's input sample (its inT, inHi, inLo, inV) to the head of `slot`. */
  private appendSample(slot: number): AppendStatus {
    const enc = this.enc;
    const w = enc.w;
    const t = enc.inT;
    const hi = enc.inHi;
    const lo = enc.inLo;
    const count = this.hCount[slot]!;
    let minT = t;
    if (count > 0) {
      minT = this.minTOf(slot);
      const span = t - minT;
      const lastSpan = this.hSpan[slot]!;
      if (span <= lastSpan) {
        if (span === lastSpan && hi === this.vHi[slot] && lo === this.vLo[slot]) return AppendStatus.ok;
        if (span === lastSpan) { this.duplicates++; return AppendStatus.duplicate; }
        this.outOfOrder++;
        return AppendStatus.outOfOrder;
      }
      const bits = this.hBits[slot]!;
      if (count >= this.maxSamples || bits > MAX_CHUNK_BITS || span > SPAN_LIMIT || (span >= this.hCut[slot]! * CUT_UNIT && this.crossesCut(slot))) {
        this.seal(slot);
        this.startHead(slot);
        minT = t;
      } else if (((this.scale[slot]! >>> 5) & 1) === 1 && hi === this.vHi[slot] && lo === this.vLo[slot] && span - lastSpan === this.tDelta[slot] && (bits & (BLOCK_BITS - 1)) !== 0) {
        // Another repeat (the encoder's one-bit code, a 0, already in place in the
        // current block): half of a fleet's samples skip loading the encoder.
        this.hCount[slot] = count + 1;
        this.hSpan[slot] = span;
        this.iDelta[slot] = 0;
        this.hBits[slot] = bits + 1;
        this.appended++;
        return AppendStatus.ok;
      } else {
        enc.count = count;
        enc.lastT = minT + lastSpan;
        enc.tDelta = this.tDelta[slot]!;
        const vHi = this.vHi[slot]!;
        const vLo = this.vLo[slot]!;
        enc.hi = vHi;
        enc.lo = vLo;
        enc.v = bitsToFloat(vHi, vLo);
        enc.lead = this.lead[slot]!;
        enc.trail = this.trail[slot]!;
        const sc = this.scale[slot]!;
        enc.scale = sc & 15;
        enc.useDelta = (sc >>> 4) & 1;
        enc.repeat = (sc >>> 5) & 1;
        enc.settled = sc >>> 6;
        enc.iDelta = this.iDelta[slot]!;
        this.seekEnd(this.hBlock[slot]!, bits);
      }
    } else {
      this.startHead(slot);
    }
    enc.append();
    this.hCount[slot] = enc.count;
    this.hSpan[slot] = t - minT;
    this.parkEncoder(slot);
    this.hBits[slot] = w.bits;
    this.appended++;
    return AppendStatus.ok;
  }

  /** Saves the encoder's state after the last sample of the head of `slot` in its columns. */
  private parkEncoder(slot: number): void {
    const enc = this.enc;
    this.tDelta[slot] = enc.tDelta;
    this.vHi[slot] = enc.hi;
    this.vLo[slot] = enc.lo;
    this.lead[slot] = enc.lead;
    this.trail[slot] = enc.trail;
    this.scale[slot] = enc.scale | (enc.useDelta << 4) | (enc.repeat << 5) | (enc.settled << 6);
    this.iDelta[slot] = enc.iDelta;
  }

  /**
   * Whether the head of `slot` must be cut before the encoder's input sample: at multiples
   * of the chunk range plus a phase of the series' own. Series created together (a
   * takeover creates them all at once) would otherwise cut together, and the head arena,
   * which keeps its peak pages, would hold every head at its fullest; staggered, heads
   * are evenly spread between empty and full and the arena holds about half as much.
   * Reads the times itself, as startHead does.
   */
  private crossesCut(slot: number): boolean {
    const minT = this.minTOf(slot);
    const t = this.enc.inT;
    const r = this.chunkRange;
    if (t - minT >= r) return true;
    if (r === Infinity) return false;
    const phase = this.phaseOf(slot);
    return Math.floor((t - phase) / r) !== Math.floor((minT - phase) / r);
  }

  /** Where in the chunk range the cuts of `slot` fall (a spread of the slot number). */
  private phaseOf(slot: number): number {
    return (Math.imul(slot + 1, 0x9e3779b1) >>> 0) % this.chunkRange;
  }

  /**
   * hCut of a head of `slot` starting at `minT`: the next multiple of the range plus the
   * phase, minus minT, in CUT_UNITs; 0, testing every sample, where that is not exact in
   * doubles (a fractional or huge range, a time beyond 2^52).
   */
  private cutOf(slot: number, minT: number): number {
    const r = this.chunkRange;
    if (r === Infinity) return NO_CUT;
    if (!Number.isInteger(r) || r > SPAN_LIMIT || Math.abs(minT) > 2 ** 52) return 0;
    const phase = this.phaseOf(slot);
    const d = phase + (Math.floor((minT - phase) / r) + 1) * r - minT;
    return Math.min(Math.floor(d / CUT_UNIT), NO_CUT);
  }

  /**
   * Starts a new, empty head chunk at the encoder's input sample, priming the encoder.
   * The time is not an argument: appendSample would box it for the call, and V8 does so
   * on entry, for every sample, not just where a head starts.
   */
  private startHead(slot: number): void {
    const t = this.enc.inT;
    const b = this.arena.alloc();
    this.hBlock[slot] = b;
    this.setHeadMinT(slot, t);
    this.hSpan[slot] = 0;
    this.hCut[slot] = this.cutOf(slot, t);
    this.hCount[slot] = 0;
    this.heads++;
    this.enc.start(t);
    this.enc.w.seek(b, 0, 0);
  }

  /** Moves the head chunk of `slot` into sealed storage, at the end of its chunk list. */
  private seal(slot: number): void {
    const bits = this.hBits[slot]!;
    const words = wordsOf(bits);
    const addr = this.store.alloc(words, sealLane(this.keepClass[slot]!));
    copyChain(this.arena, this.hBlock[slot]!, words, this.store.page(addr), this.store.offset(addr));
    this.arena.freeChain(this.hBlock[slot]!);
    const c = this.allocChunk();
    this.cAddr[c] = addr;
    this.setChunkMinT(c, this.minTOf(slot));
    this.cCount[c] = this.hCount[slot]!;
    this.cBits[c] = bits;
    this.cNext[c] = NONE;
    let p = this.firstChunk[slot]!;
    if (p < 0) {
      this.firstChunk[slot] = c;
    } else {
      while (this.cNext[p]! >= 0) p = this.cNext[p]!;
      this.cNext[p] = c;
    }
    this.hCount[slot] = 0;
    this.heads--;
  }

  /** Positions the encoder's writer after the `bits` already written to the chain at `first`. */
  private seekEnd(first: number, bits: number): void {
    let b = first;
    let off = bits;
    const next = this.arena.next;
    // A full last block is left as is: the writer links the next one when it needs it.
    while (off > BLOCK_BITS) {
      b = next[b]!;
      off -= BLOCK_BITS;
    }
    this.enc.w.seek(b, off, bits);
  }

  /** Upper bound of the samples of `slot` in [mint, maxt]: counts of the overlapping chunks. */
  private capacity(slot: number, mint: number, maxt: number): number {
    let cap = 0;
    const n = this.hCount[slot]!;
    const headMinT = n > 0 ? this.minTOf(slot) : 0;
    for (let c = this.firstChunk[slot]!; c >= 0 && this.chunkMinT(c) <= maxt; c = this.cNext[c]!) {
      if (this.chunkEnd(c, headMinT) > mint) cap += this.cCount[c]!;
    }
    if (n > 0 && headMinT <= maxt && headMinT + this.hSpan[slot]! >= mint) cap += n;
    return cap;
  }

  /** A time every sample of sealed chunk `c` is older than: the next chunk's first, or the head's (`headMinT`). */
  private chunkEnd(c: number, headMinT: number): number {
    const next = this.cNext[c]!;
    return next >= 0 ? this.chunkMinT(next) : headMinT;
  }

  /** Decodes the samples of `slot` in [mint, maxt] into ts/vs at `at`; null when there are none. */
  private samples(slot: number, mint: number, maxt: number, ts: Float64Array, vs: Float64Array, at: number, cap: number): SeriesData | null {
    const st: { stale: Uint8Array | null; n: number } = { stale: null, n: at };
    const dec = this.dec;
    const n = this.hCount[slot]!;
    const minT = n > 0 ? this.minTOf(slot) : 0;
    for (let c = this.firstChunk[slot]!; c >= 0; c = this.cNext[c]!) {
      const cMinT = this.chunkMinT(c);
      if (cMinT > maxt) break;
      if (this.chunkEnd(c, minT) <= mint) continue;
      const addr = this.cAddr[c]!;
      dec.r.resetFlat(this.store.page(addr), this.store.offset(addr));
      dec.reset(cMinT, this.cCount[c]!);
      this.drain(mint, maxt, ts, vs, at, cap, st);
    }
    if (n > 0 && minT <= maxt && minT + this.hSpan[slot]! >= mint) {
      dec.r.reset(this.hBlock[slot]!);
      dec.reset(minT, n);
      this.drain(mint, maxt, ts, vs, at, cap, st);
    }
    if (st.n === at) return null;
    return {
      labels: this.sets.labels(slot),
      t: ts.subarray(at, st.n),
      v: vs.subarray(at, st.n),
      stale: st.stale === null ? null : st.stale.subarray(0, st.n - at),
    };
  }

  /** Copies the decoder's samples in [mint, maxt] to ts/vs, flagging stale markers. */
  private drain(mint: number, maxt: number, ts: Float64Array, vs: Float64Array, at: number, cap: number,
    st: { stale: Uint8Array | null; n: number }): void {
    const dec = this.dec;
    let n = st.n;
    while (dec.next()) {
      const t = dec.t;
      if (t < mint) continue;
      if (t > maxt) break;
      ts[n] = t;
      vs[n] = dec.v;
      if (dec.stale) {
        st.stale ??= new Uint8Array(cap);
        st.stale[n - at] = 1;
      }
      n++;
    }
    st.n = n;
  }

  private allocChunk(): number {
    let c = this.cFree;
    if (c >= 0) {
      this.cFree = this.cNext[c]!;
    } else {
      if (this.cTop === this.cNext.length) this.growChunks();
      c = this.cTop++;
    }
    this.cLive++;
    return c;
  }

  private freeChunk(c: number): void {
    this.store.free(this.cAddr[c]!, wordsOf(this.cBits[c]!));
    if (this.farChunkMinT.size > 0) this.farChunkMinT.delete(c);
    this.cNext[c] = this.cFree;
    this.cFree = c;
    this.cLive--;
  }

  /** Renumbers live series densely and rebuilds symbols, label sets and postings. */
  private compact(): void {
    const old = this.sets;
    const symbols = new SymbolTable();
    this.symbols = symbols;
    this.sets = new LabelSets(symbols);
    this.postings = new Postings();
    const cols = this.slotColumns() as (Int32Array | Uint32Array | Float64Array | Uint16Array | Uint8Array)[];
    let n = 0;
    for (let slot = 0; slot < this.top; slot++) {
      if (this.firstChunk[slot] === DEAD) continue;
      const labels = old.labels(slot);
      const pairs = labels.map((l) => symbols.internPair(l.name, l.value));
      this.sets.add(n, pairs, hashPairs(pairs, pairs.length));
      for (const p of pairs) this.postings.add(p, n);
      if (n !== slot) {
        for (const col of cols) col[n] = col[slot]!;
        const far = this.farMinT.get(slot);
        if (far !== undefined) { this.farMinT.delete(slot); this.farMinT.set(n, far); }
        // The cut's phase is the slot's own.
        if (this.hCount[n]! > 0) this.hCut[n] = this.cutOf(n, this.minTOf(n));
      }
      n++;
    }
    this.top = n;
    this.dead = 0;
    this.epoch++;
  }

  private growSlots(cap: number): void {
    const g = <T extends Int32Array | Uint32Array | Uint16Array | Uint8Array | Float64Array>(a: T, make: (n: number) => T): T => {
      const b = make(cap);
      b.set(a as never);
      return b;
    };
    this.firstChunk = g(this.firstChunk, (n) => new Int32Array(n));
    this.hBlock = g(this.hBlock, (n) => new Int32Array(n));
    this.hMinT = g(this.hMinT, (n) => new Int32Array(n));
    this.hSpan = g(this.hSpan, (n) => new Uint32Array(n));
    this.hCut = g(this.hCut, (n) => new Uint16Array(n));
    this.hCount = g(this.hCount, (n) => new Uint16Array(n));
    this.hBits = g(this.hBits, (n) => new Uint16Array(n));
    this.tDelta = g(this.tDelta, (n) => new Int32Array(n));
    this.vHi = g(this.vHi, (n) => new Uint32Array(n));
    this.vLo = g(this.vLo, (n) => new Uint32Array(n));
    this.lead = g(this.lead, (n) => new Uint8Array(n));
    this.trail = g(this.trail, (n) => new Uint8Array(n));
    this.scale = g(this.scale, (n) => new Uint8Array(n));
    this.iDelta = g(this.iDelta, (n) => new Int32Array(n));
    this.keepClass = g(this.keepClass, (n) => new Uint8Array(n));
    this.cap = cap;
  }

  private growChunks(): void {
    const cap = Math.ceil(this.cNext.length * 1.25);
    const ad = new Uint32Array(cap); ad.set(this.cAddr); this.cAddr = ad;
    const mt = new Int32Array(cap); mt.set(this.cMinT); this.cMinT = mt;
    const ct = new Uint16Array(cap); ct.set(this.cCount); this.cCount = ct;
    const bt = new Uint16Array(cap); bt.set(this.cBits); this.cBits = bt;
    const nx = new Int32Array(cap); nx.set(this.cNext); this.cNext = nx;
  }
}

/** A time kept in `col[i]` as an offset from `base`, or in `far` where the column holds FAR (see putTime). */
function timeAt(col: Int32Array, far: Map<number, number>, i: number, base: number): number {
  const d = col[i]!;
  return d !== FAR ? base + d : far.get(i)!;
}

/** Words of sealed storage a chunk of `bits` bits takes. */
function wordsOf(bits: number): number {
  return Math.max(1, Math.ceil(bits / 32));
}

/**
 * The sealed-store lane of chunks sealed for retention class `keep`. Trimmed chunks
 * (trimLane) die within a truncation or two, sealed ones a window later: sharing pages,
 * each would pin the other's.
 */
function sealLane(keep: number): number {
  return keep * 2;
}

/** The sealed-store lane of trimmed chunks of retention class `keep` (see sealLane). */
function trimLane(keep: number): number {
  return keep * 2 + 1;
}

/** Rejects label sets that break the Labels contract, naming the offending label. */
function checkLabels(labels: Labels): void {
  if (labels.length === 0) throw new TypeError('window: empty label set');
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i]!;
    if (typeof l.name !== 'string' || l.name === '') throw new TypeError(`window: label ${i} has an empty name`);
    if (typeof l.value !== 'string' || l.value === '') throw new TypeError(`window: label ${JSON.stringify(l.name)} has an empty value`);
    if (i > 0 && labels[i - 1]!.name >= l.name) {
      throw new TypeError(`window: labels not sorted by name or duplicated at ${JSON.stringify(l.name)}`);
    }
  }
}

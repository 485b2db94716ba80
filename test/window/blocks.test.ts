/**
 * Bit chains and the chunk codec at the level truncation uses them: the bulk copy of a
 * trimmed chunk's tail, and the cost of a chunk's first interval.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BitReader, BitWriter, BLOCK_BITS, BlockArena } from '../../src/window/blocks.js';
import { ChunkDecoder, ChunkEncoder } from '../../src/window/codec.js';
import { mulberry32 } from '../../src/util/prng.js';

/** `n` random bits (0/1). */
function randomBits(rnd: () => number, n: number): number[] {
  return Array.from({ length: n }, () => (rnd() < 0.5 ? 0 : 1));
}

/** Writes `bits` one at a time to a new chain of `arena`; returns its first block. */
function writeChain(arena: BlockArena, bits: number[]): number {
  const w = new BitWriter(arena);
  const first = arena.alloc();
  w.seek(first, 0, 0);
  for (const b of bits) w.bit(b);
  return first;
}

/** The first `n` bits of the chain at `first`. */
function readChain(arena: BlockArena, first: number, n: number): number[] {
  const r = new BitReader(arena);
  r.reset(first);
  return Array.from({ length: n }, () => r.bit());
}

test('copyTo copies any run of bits between chains, at every alignment of source and target', () => {
  const rnd = mulberry32(7);
  const arena = new BlockArena();
  for (let from = 0; from <= BLOCK_BITS + 40; from += 3) {
    for (const at of [0, 1, 31, 32, 33, 95, 127, 128, 129]) {
      const n = Math.floor(rnd() * 5 * BLOCK_BITS);
      const src = randomBits(rnd, from + n);
      const head = randomBits(rnd, at);
      const a = writeChain(arena, src);
      const r = new BitReader(arena);
      r.reset(a);
      for (let i = 0; i < from; i++) r.bit();
      const b = arena.alloc();
      const w = new BitWriter(arena);
      w.seek(b, 0, 0);
      for (const x of head) w.bit(x);
      r.copyTo(w, n);
      assert.equal(w.bits, at + n, `from ${from} at ${at}: bits written`);
      assert.equal(r.position, from + n, `from ${from} at ${at}: bits read`);
      assert.deepEqual(readChain(arena, b, at + n), [...head, ...src.slice(from)], `from ${from} at ${at} n ${n}`);
      arena.freeChain(a);
      arena.freeChain(b);
    }
  }
});

test('copyTo reads a contiguous run of words (a sealed chunk) past what a block holds', () => {
  const rnd = mulberry32(8);
  const arena = new BlockArena();
  const bits = randomBits(rnd, 700);
  const flat = new Uint32Array(40);
  const base = 3;
  bits.forEach((b, i) => { flat[base + (i >>> 5)]! |= b << (31 - (i & 31)); });
  for (const from of [0, 5, 32, 200]) {
    const r = new BitReader(arena);
    r.resetFlat(flat, base);
    for (let i = 0; i < from; i++) r.bit();
    const b = arena.alloc();
    const w = new BitWriter(arena);
    w.seek(b, 0, 0);
    w.bit(1);
    r.copyTo(w, bits.length - from);
    assert.deepEqual(readChain(arena, b, 1 + bits.length - from), [1, ...bits.slice(from)], `from ${from}`);
    arena.freeChain(b);
  }
});

test('a chunk predicts a 15 s first interval: the samples after the first of a flat 15 s series cost one bit each', () => {
  const arena = new BlockArena();
  const enc = new ChunkEncoder(new BitWriter(arena));
  const first = arena.alloc();
  const t0 = 1_700_000_000_000;
  enc.start(t0);
  enc.w.seek(first, 0, 0);
  const v = 42.5;
  for (let i = 0; i < 10; i++) {
    enc.setSample(t0 + i * 15_000, v);
    enc.append();
  }
  const firstBits = (() => {
    const e = new ChunkEncoder(new BitWriter(arena));
    e.start(t0);
    e.w.seek(arena.alloc(), 0, 0);
    e.setSample(t0, v);
    e.append();
    return e.w.bits;
  })();
  // Sample 2: time on prediction (1 bit) and the same value (1 bit); then a repeat bit each.
  assert.equal(enc.w.bits, firstBits + 2 + 8);
  // Other intervals still decode: the prediction is only where delta-of-delta starts from.
  for (const step of [1, 10_000, 15_000, 60_000, 600_000, 2 ** 31]) {
    const e = new ChunkEncoder(new BitWriter(arena));
    const b = arena.alloc();
    e.start(t0);
    e.w.seek(b, 0, 0);
    const ts = [t0, t0 + step, t0 + 2 * step + 7, t0 + 3 * step + 7];
    ts.forEach((t, i) => {
      e.setSample(t, i);
      e.append();
    });
    const d = new ChunkDecoder(new BitReader(arena));
    d.r.reset(b);
    d.reset(t0, ts.length);
    const got: number[] = [];
    while (d.next()) got.push(d.t);
    assert.deepEqual(got, ts, `step ${step}`);
  }
});

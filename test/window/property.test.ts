/**
 * The compressed window must answer exactly as the uncompressed MemoryStorage, for
 * random series, values, timestamps, stale markers, matchers and ranges.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareLabels, labelsFromRecord, labelsToString, type Labels } from '../../src/promql/labels.js';
import { newMatcher, type Matcher } from '../../src/promql/matcher.js';
import type { SeriesData } from '../../src/promql/value.js';
import { MemoryStorage } from '../../src/window/memory.js';
import { AppendStatus, SeriesWindow, type AppendCounts } from '../../src/window/window.js';
import { mulberry32 } from '../../src/util/prng.js';
import { fleet, SCRAPE_INTERVAL, scrapeTime } from '../../bench/fleet.js';

const prng = mulberry32;

type Gen = (prev: number) => number;

const zeroCounts = (): AppendCounts => ({ appended: 0, outOfOrder: 0, duplicate: 0, invalid: 0 });

function valueGens(rnd: () => number): Gen[] {
  const pick = <T>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  return [
    () => pick([NaN, Infinity, -Infinity, -0, 0, 1, -1, Number.MAX_VALUE, Number.MIN_VALUE, 2 ** 53, -(2 ** 60)]),
    (p) => (Number.isFinite(p) ? Math.round(p) + Math.floor(rnd() * 1000) : 0), // integer counter
    (p) => (Number.isFinite(p) ? Math.round((p + rnd() * 20) * 100) / 100 : 12.5), // 2-decimal counter
    (p) => (rnd() < 0.7 ? p : Math.round(rnd() * 1e6) / 1000), // mostly constant gauge
    () => (rnd() - 0.5) * 10 ** Math.floor(rnd() * 40 - 20), // arbitrary floats
    () => Math.round(rnd() * 2 ** 52) * 2 ** Math.floor(rnd() * 40), // huge integers
    (p) => p, // repeat
    () => -Math.round(rnd() * 1e7) / 10 ** Math.floor(rnd() * 8), // negative decimals
  ];
}

function sortSeries(xs: SeriesData[]): SeriesData[] {
  return [...xs].sort((a, b) => compareLabels(a.labels, b.labels));
}

function assertSameData(got: SeriesData[], want: SeriesData[], what: string): void {
  const g = sortSeries(got);
  const w = sortSeries(want);
  assert.deepEqual(g.map((s) => labelsToString(s.labels)), w.map((s) => labelsToString(s.labels)), `${what}: series`);
  for (let i = 0; i < g.length; i++) {
    const a = g[i]!;
    const b = w[i]!;
    const name = `${what} ${labelsToString(a.labels)}`;
    assert.deepEqual(Array.from(a.t), Array.from(b.t), `${name}: timestamps`);
    assert.equal(a.v.length, b.v.length, `${name}: value count`);
    for (let k = 0; k < a.v.length; k++) {
      assert.ok(Object.is(a.v[k], b.v[k]), `${name}: value ${k} at t=${a.t[k]}: got ${a.v[k]}, want ${b.v[k]}`);
    }
    const sa = a.stale === null ? null : Array.from(a.stale);
    const sb = b.stale === null ? null : Array.from(b.stale);
    assert.deepEqual(sa, sb, `${name}: stale flags`);
  }
}

function randomMatchers(rnd: () => number): Matcher[] {
  const pick = <T>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const first = pick([
    newMatcher('=', '__name__', pick(['m0', 'm1', 'm2'])),
    newMatcher('=~', '__name__', 'm[01]'),
    newMatcher('=~', 'job', '.+'),
    newMatcher('=', 'job', pick(['a', 'b'])),
  ]);
  const more = pick([
    [],
    [newMatcher('!=', 'job', 'a')],
    [newMatcher('=', 'zone', '')],
    [newMatcher('!~', 'zone', 'z[0-1]')],
    [newMatcher('=~', 'zone', 'z1|z2'), newMatcher('!=', 'job', 'b')],
    [newMatcher('=', 'nope', 'x')],
    [newMatcher('=~', 'zone', '.*')],
  ]);
  return [first, ...more];
}

function runScenario(seed: number, maxSamplesPerChunk: number, chunkRange?: number): void {
  const rnd = prng(seed);
  const gens = valueGens(rnd);
  const win = new SeriesWindow({ maxSamplesPerChunk, chunkRange });
  const mem = new MemoryStorage();
  const series: { labels: Labels; gen: Gen; t: number; prev: number }[] = [];
  for (let i = 0; i < 40; i++) {
    const rec: Record<string, string> = { __name__: `m${i % 3}`, idx: String(i) };
    if (i % 4 !== 0) rec.job = i % 2 ? 'a' : 'b';
    if (i % 5 !== 0) rec.zone = `z${i % 3}`;
    series.push({ labels: labelsFromRecord(rec), gen: gens[i % gens.length]!, t: 1_700_000_000_000 + Math.floor(rnd() * 1e5), prev: 0 });
  }
  const base = 1_700_000_000_000;
  let maxT = base;
  const round = (steps: number): void => {
    for (let step = 0; step < steps; step++) {
      const s = series[Math.floor(rnd() * series.length)]!;
      const r = rnd();
      let t = s.t;
      if (r < 0.05) t -= Math.floor(rnd() * 100000); // out of order
      else if (r < 0.1) t = s.t; // duplicate timestamp
      else if (r < 0.15) t += Math.floor(rnd() * 2 ** 34); // huge gap
      else if (r < 0.6) t += 15000; // regular
      else t += 1 + Math.floor(rnd() * 30000); // jitter
      const isStale = rnd() < 0.05;
      const v = r >= 0.05 && r < 0.1 && rnd() < 0.5 ? s.prev : s.gen(s.prev);
      const ref = win.getRef(s.labels);
      const gotStatus = isStale ? win.appendStale(ref, t) : win.appendRef(ref, t, v);
      const wantStatus = isStale ? mem.appendStale(s.labels, t) : mem.append(s.labels, t, v);
      assert.equal(gotStatus, wantStatus, `seed ${seed} step ${step}: status for t=${t} v=${v}`);
      if (wantStatus === AppendStatus.ok) {
        s.t = Math.max(s.t, t);
        if (!isStale) s.prev = v;
        maxT = Math.max(maxT, t);
      }
    }
  };
  const check = (what: string, lo: number): void => {
    for (let q = 0; q < 30; q++) {
      const ms = randomMatchers(rnd);
      const a = lo + Math.floor(rnd() * (maxT - lo + 1));
      const b = rnd() < 0.3 ? Infinity : a + Math.floor(rnd() * (maxT - a + 1));
      assertSameData(win.select(ms, a, b), mem.select(ms, a, b), `seed ${seed} ${what} query ${q}`);
    }
    // Truncation trims the chunks it cuts through, so everything held is compared, not just [lo, ∞).
    const all = [newMatcher('=~', '__name__', '.+')];
    assertSameData(win.select(all, -Infinity, Infinity), mem.select(all, -Infinity, Infinity), `seed ${seed} ${what} all`);
  };
  round(3000);
  check('fill', base - 200_000);
  let minTime = base;
  for (let k = 1; k <= 3; k++) {
    minTime += Math.floor((maxT - minTime) / 2);
    win.truncate(minTime);
    mem.truncate(minTime);
    check(`truncated ${k}`, minTime);
    round(1000);
    check(`refill ${k}`, minTime);
  }
}

test('window answers like MemoryStorage on random data', () => {
  for (let seed = 1; seed <= 12; seed++) runScenario(seed, seed % 3 === 0 ? 120 : 1 + (seed % 7) * 5);
});

test('window answers like MemoryStorage with chunks cut by time', () => {
  for (let seed = 13; seed <= 20; seed++) runScenario(seed, 120, [15_000, 60_000, 600_000, 2 ** 33][seed % 4]);
});

test('window answers like MemoryStorage for a scraped fleet truncated as the evaluator does', () => {
  // Regular scrapes are where a trimmed chunk's re-encoding catches up with the old bits and copies them.
  for (const chunkRange of [600_000, Infinity]) fleetScenario(chunkRange, 300_000);
  // Every minute: most heads lose 4 samples, and the copied tail starts at every offset of a block.
  fleetScenario(Infinity, 60_000);
});

function fleetScenario(chunkRange: number, every: number): void {
  const series = [...fleet({ seed: 3, series: 400 })];
  const win = new SeriesWindow({ chunkRange });
  const mem = new MemoryStorage();
  const start = 1_700_000_000_000;
  const windowMs = 900_000;
  const all = [newMatcher('=~', '__name__', '.+')];
  let lastTruncate = -Infinity;
  for (let k = 0; k < 240; k++) {
    const minTime = start + k * SCRAPE_INTERVAL - windowMs;
    if (minTime - lastTruncate >= every) {
      win.truncate(minTime);
      mem.truncate(minTime);
      lastTruncate = minTime;
      // Sealed chunks and heads alike are trimmed: the window holds exactly what MemoryStorage does.
      assertSameData(win.select(all, -Infinity, Infinity), mem.select(all, -Infinity, Infinity), `chunk range ${chunkRange}, every ${every}, step ${k}`);
    }
    for (let j = 0; j < series.length; j++) {
      const s = series[j]!;
      const t = scrapeTime(start, s.host, k);
      const v = s.next();
      if ((j * 31 + k) % 97 === 0) {
        win.appendStale(win.getRef(s.labels), t);
        mem.appendStale(s.labels, t);
      } else {
        win.append(s.labels, t, v);
        mem.append(s.labels, t, v);
      }
    }
  }
}

test('appendRun leaves the window and counts that per-sample appends leave, and MemoryStorage holds', () => {
  for (let seed = 21; seed <= 28; seed++) runScenarioBatched(seed, seed % 2 === 0 ? 120 : 1 + (seed % 5) * 4, seed % 3 === 0 ? 60_000 : undefined);
});

/**
 * Runs of 0 to 8 samples of one series, mixing in-order, duplicate, out-of-order, stale,
 * NaN and invalid-time samples, go to one window through appendRun and to another and to
 * MemoryStorage one by one; truncations in between.
 */
function runScenarioBatched(seed: number, maxSamplesPerChunk: number, chunkRange?: number): void {
  const rnd = prng(seed);
  const gens = valueGens(rnd);
  const batched = new SeriesWindow({ maxSamplesPerChunk, chunkRange });
  const single = new SeriesWindow({ maxSamplesPerChunk, chunkRange });
  const mem = new MemoryStorage();
  const base = 1_700_000_000_000;
  const series = Array.from({ length: 12 }, (_, i) => ({
    labels: labelsFromRecord({ __name__: `m${i % 3}`, idx: String(i) }), gen: gens[i % gens.length]!, t: base, prev: 0,
  }));
  const ts = new Float64Array(12);
  const vs = new Float64Array(12);
  const stale = new Uint8Array(12);
  const got = zeroCounts();
  const want = zeroCounts();
  const all = [newMatcher('=~', '__name__', '.+')];
  const what = (step: number) => `seed ${seed} step ${step}`;
  let minTime = base;
  for (let step = 0; step < 2000; step++) {
    const s = series[Math.floor(rnd() * series.length)]!;
    const from = Math.floor(rnd() * 3);
    const to = from + Math.floor(rnd() * 9);
    const ref = single.getRef(s.labels);
    for (let i = from; i < to; i++) {
      const r = rnd();
      let t = s.t;
      if (r < 0.1) t -= Math.floor(rnd() * 100_000); // out of order
      else if (r < 0.2) t = s.t; // duplicate timestamp
      else if (r < 0.23) t += 0.5; // invalid
      else if (r < 0.6) t += 15_000; // regular
      else t += 1 + Math.floor(rnd() * 30_000); // jitter
      const isStale = rnd() < 0.08;
      const v = r >= 0.1 && r < 0.2 && rnd() < 0.5 ? s.prev : rnd() < 0.05 ? NaN : s.gen(s.prev);
      ts[i] = t;
      // A stale marker's value is ignored, whatever it is.
      vs[i] = isStale ? rnd() : v;
      stale[i] = isStale ? 1 : 0;
      const status = isStale ? single.appendStale(ref, t) : single.appendRef(ref, t, v);
      assert.equal(status, isStale ? mem.appendStale(s.labels, t) : mem.append(s.labels, t, v), `${what(step)}: status for t=${t} v=${v}`);
      if (status === AppendStatus.ok) {
        want.appended++;
        s.t = Math.max(s.t, t);
        if (!isStale) s.prev = v;
      } else if (status === AppendStatus.outOfOrder) want.outOfOrder++;
      else if (status === AppendStatus.duplicate) want.duplicate++;
      else want.invalid++;
    }
    assert.equal(batched.appendRun(batched.getRef(s.labels), ts, vs, stale, from, to, got), true);
    assert.deepEqual(got, want, `${what(step)}: counts`);
    if (step % 400 === 399) {
      minTime += Math.floor((Math.max(...series.map((x) => x.t)) - minTime) / 2);
      for (const w of [batched, single, mem]) w.truncate(minTime);
    }
    if (step % 100 === 99) {
      assertSameData(batched.select(all, -Infinity, Infinity), single.select(all, -Infinity, Infinity), `${what(step)} against per-sample appends`);
      assertSameData(batched.select(all, -Infinity, Infinity), mem.select(all, -Infinity, Infinity), `${what(step)} against MemoryStorage`);
      assert.deepEqual(batched.stats(), single.stats(), `${what(step)}: stats`);
      assert.deepEqual(batched.memory(), single.memory(), `${what(step)}: memory`);
    }
  }
}

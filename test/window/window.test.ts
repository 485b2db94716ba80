import { test } from 'node:test';
import assert from 'node:assert/strict';
import { labelsFromRecord, labelsToString } from '../../src/promql/labels.js';
import { newMatcher } from '../../src/promql/matcher.js';
import { AppendStatus, SeriesWindow } from '../../src/window/window.js';

const L = labelsFromRecord;
const byName = (n: string) => newMatcher('=', '__name__', n);

test('append then select returns the samples in the inclusive range', () => {
  const w = new SeriesWindow();
  const ls = L({ __name__: 'up', job: 'node' });
  for (let i = 0; i < 10; i++) assert.equal(w.append(ls, 1000 * i, i * 1.5), AppendStatus.ok);
  const [s, ...rest] = w.select([byName('up')], 2000, 5000);
  assert.equal(rest.length, 0);
  assert.deepEqual(Array.from(s!.t), [2000, 3000, 4000, 5000]);
  assert.deepEqual(Array.from(s!.v), [3, 4.5, 6, 7.5]);
  assert.equal(s!.stale, null);
  assert.equal(labelsToString(s!.labels), 'up{job="node"}');
  assert.deepEqual(w.select([byName('up')], 10_000, 20_000), [], 'no samples in range: no series');
});

test('out-of-order and duplicate samples are rejected and counted, same-value duplicates are no-ops', () => {
  const w = new SeriesWindow();
  const ref = w.getRef(L({ __name__: 'x' }));
  assert.equal(w.appendRef(ref, 1000, 1), AppendStatus.ok);
  assert.equal(w.appendRef(ref, 2000, 2), AppendStatus.ok);
  assert.equal(w.appendRef(ref, 1500, 9), AppendStatus.outOfOrder);
  assert.equal(w.appendRef(ref, 2000, 3), AppendStatus.duplicate);
  assert.equal(w.appendRef(ref, 2000, 2), AppendStatus.ok);
  assert.equal(w.appendStale(ref, 2000), AppendStatus.duplicate, 'a stale marker differs from a value');
  assert.equal(w.appendRef(ref, 2.5e3 + 0.5, 1), AppendStatus.invalidTime);
  const st = w.stats();
  assert.equal(st.samplesAppended, 2);
  assert.equal(st.rejectedOutOfOrder, 1);
  assert.equal(st.rejectedDuplicate, 2);
  assert.equal(st.series, 1);
  assert.ok(st.bytes > 0);
  assert.deepEqual(Array.from(w.select([byName('x')], 0, 1e6)[0]!.v), [1, 2]);
});

test('NaN, -0 and stale markers survive, stale flagged in a parallel array', () => {
  const w = new SeriesWindow();
  const ref = w.getRef(L({ __name__: 'x' }));
  w.appendRef(ref, 1, NaN);
  w.appendRef(ref, 2, -0);
  w.appendStale(ref, 3);
  w.appendRef(ref, 4, 0);
  w.appendStale(ref, 5);
  assert.equal(w.appendStale(ref, 5), AppendStatus.ok, 'repeated stale marker is a no-op');
  const s = w.select([byName('x')], 0, 10)[0]!;
  assert.deepEqual(Array.from(s.stale!), [0, 0, 1, 0, 1]);
  assert.ok(Number.isNaN(s.v[0]) && Number.isNaN(s.v[2]));
  assert.ok(Object.is(s.v[1], -0) && Object.is(s.v[3], 0));
});

test('matchers: empty value matches absent labels, negative matchers exclude only present pairs', () => {
  const w = new SeriesWindow();
  w.append(L({ __name__: 'm', dc: 'a', env: 'prod' }), 1, 1);
  w.append(L({ __name__: 'm', dc: 'b' }), 1, 2);
  w.append(L({ __name__: 'm', dc: 'c', env: 'dev' }), 1, 3);
  w.append(L({ __name__: 'n', dc: 'a' }), 1, 4);
  const q = (...ms: ReturnType<typeof newMatcher>[]) =>
    w.select(ms, 0, 10).map((s) => s.v[0]).sort();
  assert.deepEqual(q(byName('m'), newMatcher('=', 'env', '')), [2]);
  assert.deepEqual(q(byName('m'), newMatcher('!=', 'env', 'prod')), [2, 3]);
  assert.deepEqual(q(byName('m'), newMatcher('=~', 'env', '.+')), [1, 3]);
  assert.deepEqual(q(byName('m'), newMatcher('!~', 'dc', 'a|b')), [3]);
  assert.deepEqual(q(newMatcher('=~', '__name__', 'm|n'), newMatcher('=', 'dc', 'a')), [1, 4]);
  assert.deepEqual(q(byName('m'), newMatcher('=', 'dc', 'zzz')), []);
  assert.deepEqual(q(byName('nope')), []);
  assert.deepEqual(q(newMatcher('=', 'absent', '')), [1, 2, 3, 4], 'only empty-matching matchers scan everything');
});

test('chunks are cut by sample count and time range and decode across block boundaries', () => {
  const w = new SeriesWindow({ maxSamplesPerChunk: 7, chunkRange: 50_000 });
  const ref = w.getRef(L({ __name__: 'x' }));
  const want: number[] = [];
  for (let i = 0; i < 200; i++) {
    const v = Math.sin(i) * 1e6; // incompressible values span many blocks
    want.push(v);
    w.appendRef(ref, i * 10_000, v);
  }
  assert.ok(w.stats().chunks >= 200 / 5, `expected many chunks, got ${w.stats().chunks}`);
  assert.deepEqual(Array.from(w.select([byName('x')], 0, Infinity)[0]!.v), want);
});

test('truncate drops old chunks and empty series; refs die with their series', () => {
  const w = new SeriesWindow({ maxSamplesPerChunk: 10 });
  const a = w.getRef(L({ __name__: 'a' }));
  const b = w.getRef(L({ __name__: 'b' }));
  for (let i = 0; i < 30; i++) w.appendRef(a, i * 1000, i);
  for (let i = 0; i < 5; i++) w.appendRef(b, i * 1000, i);
  assert.equal(w.stats().chunks, 4);
  assert.equal(w.truncate(15_000), 1, 'b had nothing at or after 15s');
  assert.equal(w.seriesCount, 1);
  assert.equal(w.stats().chunks, 2, 'chunk [0,9s] dropped; [10s,19s] still has newer samples');
  assert.deepEqual(Array.from(w.select([byName('a')], 0, Infinity)[0]!.t).slice(0, 2), [15_000, 16_000], 'and is trimmed to them');
  assert.equal(w.appendRef(b, 99_000, 1), AppendStatus.unknownRef);
  const counts = { appended: 0, outOfOrder: 0, duplicate: 0, invalid: 0 };
  assert.equal(w.appendRun(b, Float64Array.of(99_000), Float64Array.of(1), Uint8Array.of(0), 0, 1, counts), false);
  assert.deepEqual(counts, { appended: 0, outOfOrder: 0, duplicate: 0, invalid: 0 }, 'a run to an unknown ref counts nothing');
  assert.deepEqual(w.select([byName('b')], 0, Infinity), []);
  const b2 = w.getRef(L({ __name__: 'b' }));
  assert.notEqual(b2, b);
  assert.equal(w.appendRef(b2, 1000, 7), AppendStatus.ok, 'a re-created series starts fresh');
});

test('truncate trims the sealed chunk it cuts through to exactly the samples at or after minTime', () => {
  const w = new SeriesWindow({ maxSamplesPerChunk: 40 });
  const ref = w.getRef(L({ __name__: 'x' }));
  const want: { t: number; v: number; stale: boolean }[] = [];
  for (let i = 0; i < 100; i++) {
    const t = i * 15_000 + (i % 7 === 3 ? 20 : 0);
    if (i % 9 === 4) {
      w.appendStale(ref, t);
      want.push({ t, v: NaN, stale: true });
    } else {
      const v = i % 11 === 5 ? NaN : i < 50 ? Math.round(i * 123.45 * 100) / 100 : Math.sin(i);
      w.appendRef(ref, t, v);
      want.push({ t, v, stale: false });
    }
  }
  const before = w.memory().sealedUsed!;
  const minTime = want[25]!.t - 1; // inside the first sealed chunk, [0, 39]
  assert.equal(w.truncate(minTime), 0);
  assert.ok(w.memory().sealedUsed! < before, 'the trimmed chunk is smaller');
  const [s] = w.select([byName('x')], 0, Infinity);
  const kept = want.slice(25);
  assert.deepEqual(Array.from(s!.t), kept.map((x) => x.t));
  assert.deepEqual(Array.from(s!.v).map(String), kept.map((x) => String(x.v)));
  assert.deepEqual(Array.from(s!.stale!), kept.map((x) => (x.stale ? 1 : 0)), 'stale markers stay stale, other NaNs do not become stale');
  assert.equal(w.appendRef(ref, want[99]!.t, 1), AppendStatus.duplicate, 'the head is untouched');
});

test('a trimmed chunk copies old bits only once its coding state matches them (here: the decimal scale)', () => {
  // Found by search: without comparing scales, the copied bits decode at the wrong scale.
  const vals = [3.5, 7, 9, 10.16, 10.16, 12, 13.6, 14.21, 16, 16.3, 16.3, 17.86, 18.84, 18.84, 20.79, 24, 24, 24, 24.7, 26, 26, 26.51, 29, 32, 32, 32, 33, 33.6, 37, 37.29];
  const w = new SeriesWindow({ maxSamplesPerChunk: 12 });
  vals.forEach((v, i) => w.append(L({ __name__: 'x' }), i * 15_000, v));
  w.truncate(8 * 15_000);
  assert.deepEqual(Array.from(w.select([byName('x')], 0, Infinity)[0]!.v), vals.slice(8));
});

test('a trimmed head copies old bits only once its coding state matches them (here: a settled interval)', () => {
  // Found by search: late scrapes right after the copy point decode off when the new
  // stream's interval is not settled where the old one's was.
  const ts = [0, 15000, 30025, 45024, 60000, 75000, 90000, 105032, 120000, 135000, 150019, 165000, 180000, 195000,
    210000, 225000, 240000, 255032, 270011, 285019, 300000, 315004, 330000, 345000];
  const w = new SeriesWindow();
  ts.forEach((t, i) => w.append(L({ __name__: 'x' }), t, i));
  w.truncate(75_000);
  const [s] = w.select([byName('x')], 0, Infinity);
  assert.deepEqual(Array.from(s!.t), ts.slice(5), 'the head holds exactly the samples at or after minTime');
  assert.deepEqual(Array.from(s!.v), ts.slice(5).map((_, i) => i + 5));
  assert.equal(w.appendRef(w.getRef(L({ __name__: 'x' })), 360_000, 24), AppendStatus.ok, 'and takes appends after the trim');
  assert.deepEqual(Array.from(w.select([byName('x')], 345_000, Infinity)[0]!.v), [23, 24]);
});

test('a window running for weeks moves its time base up at truncation, keeping times in 32 bits', () => {
  const w = new SeriesWindow({ maxSamplesPerChunk: 5 });
  const ref = w.getRef(L({ __name__: 'x' }));
  const t0 = 1_700_000_000_000;
  const t1 = t0 + 40 * 86_400_000; // beyond the ~24 days an Int32 offset from t0 reaches
  const late: number[] = [];
  for (let i = 0; i < 12; i++) w.appendRef(ref, t0 + i * 15_000, i);
  for (let i = 0; i < 12; i++) {
    late.push(t1 + i * 15_000);
    w.appendRef(ref, t1 + i * 15_000, 100 + i);
  }
  assert.ok(w.memory().farTimes! > 0, 'times far from the base are kept aside');
  assert.equal(w.truncate(t1), 0);
  assert.equal(w.memory().farTimes, 0, 'after the truncation the base is recent');
  const [s] = w.select([byName('x')], 0, Infinity);
  assert.deepEqual(Array.from(s!.t), late);
  assert.deepEqual(Array.from(s!.v), late.map((_, i) => 100 + i));
  assert.equal(w.appendRef(ref, t1 + 12 * 15_000, 1), AppendStatus.ok);
  assert.equal(w.select([byName('x')], t1 + 12 * 15_000, Infinity)[0]!.v[0], 1);
});

test('compaction renumbers series, keeps data and invalidates old refs', () => {
  const w = new SeriesWindow();
  const refs: number[] = [];
  for (let i = 0; i < 3000; i++) {
    const ref = w.getRef(L({ __name__: 'm', i: String(i), parity: i % 2 ? 'odd' : 'even' }));
    refs.push(ref);
    w.appendRef(ref, i % 2 ? 100_000 : 1_000, i);
  }
  assert.equal(w.truncate(50_000), 1500);
  assert.equal(w.seriesCount, 1500);
  assert.equal(w.appendRef(refs[1]!, 200_000, 1), AppendStatus.unknownRef, 'refs from before compaction are refused');
  const odd = w.select([byName('m'), newMatcher('=', 'parity', 'odd')], 0, Infinity);
  assert.equal(odd.length, 1500);
  assert.deepEqual(odd.map((s) => s.v[0]).slice(0, 3), [1, 3, 5]);
  assert.deepEqual(w.select([newMatcher('=', 'parity', 'even')], 0, Infinity), []);
  const r = w.getRef(L({ __name__: 'm', i: '7', parity: 'odd' }));
  assert.equal(w.appendRef(r, 200_000, 42), AppendStatus.ok);
  assert.equal(w.appendRef(r, 150_000, 42), AppendStatus.outOfOrder, 'the series kept its history');
  assert.deepEqual(Array.from(w.select([newMatcher('=', 'i', '7')], 0, Infinity)[0]!.v), [7, 42]);
});

test('invalid label sets are refused with a clear error', () => {
  const w = new SeriesWindow();
  assert.throws(() => w.getRef([]), /empty label set/);
  assert.throws(() => w.getRef([{ name: 'b', value: '1' }, { name: 'a', value: '2' }]), /not sorted.*"a"/);
  assert.throws(() => w.getRef([{ name: 'a', value: '' }]), /"a" has an empty value/);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { labelsFromRecord, type Labels } from '../../src/promql/labels.js';
import { ByteWriter } from '../../src/kafka/bytes.js';
import {
  decodeRecord, decodeToArray, encodeSamples, encodeTick, MAX_TIME_MS, SamplesBatchBuilder, SamplesDecoder,
  type EncodableSeries, type SeriesView,
} from '../../src/kafka/samples_codec.js';
import { mulberry32 } from '../../src/util/prng.js';

const rng = mulberry32;

const ALPHABET = ['a', 'b', 'z', '_', '0', 'é', '日', '😀', '"', '\\', '\n', ' ', 'A'];

function randomString(r: () => number, min = 1): string {
  const n = min + Math.floor(r() * 6);
  let s = '';
  for (let i = 0; i < n; i++) s += ALPHABET[Math.floor(r() * ALPHABET.length)]!;
  return s;
}

const SPECIAL = [0, -0, NaN, Infinity, -Infinity, Number.MIN_VALUE, Number.MAX_VALUE, 1e-310, 0.1, -42.5];

function randomBatch(r: () => number): EncodableSeries[] {
  const out: EncodableSeries[] = [];
  const nSeries = 1 + Math.floor(r() * 20);
  let t0 = Math.floor((r() - 0.3) * 2e12);
  for (let s = 0; s < nSeries; s++) {
    const rec: Record<string, string> = { __name__: `m_${Math.floor(r() * 5)}` };
    const nLabels = Math.floor(r() * 6);
    for (let i = 0; i < nLabels; i++) rec[randomString(r)] = randomString(r);
    const samples = [];
    const n = 1 + Math.floor(r() * 5);
    if (r() < 0.3) t0 += Math.floor((r() - 0.5) * 1e6);
    let t = t0;
    for (let i = 0; i < n; i++) {
      const stale = r() < 0.1;
      const v = r() < 0.3 ? SPECIAL[Math.floor(r() * SPECIAL.length)]! : (r() - 0.5) * 10 ** Math.floor(r() * 20 - 5);
      samples.push(stale ? { t, v: NaN, stale: true } : { t, v, stale: false });
      t += Math.floor((r() - 0.1) * 60_000);
    }
    out.push({ labels: labelsFromRecord(rec), samples });
  }
  return out;
}

function flatten(series: EncodableSeries[]): { labels: Labels; t: number; v: number; stale: boolean }[] {
  return series.flatMap((s) => s.samples.map((x) => ({ labels: s.labels, t: x.t, v: x.v, stale: x.stale === true })));
}

test('round trip: random batches decode to exactly what was encoded (values bit for bit, stale markers)', () => {
  const r = rng(12345);
  for (let iter = 0; iter < 300; iter++) {
    const series = randomBatch(r);
    const tenant = randomString(r);
    const record = encodeSamples(tenant, series);
    const { result, samples } = decodeToArray(record);
    assert.equal(result.kind, 'samples', JSON.stringify(result));
    if (result.kind !== 'samples') continue;
    assert.equal(result.tenant, tenant);
    assert.equal(result.series, series.length);
    assert.deepEqual(samples, flatten(series));
  }
});

test('visitor: begin, then each series with its samples in order; labels() is built once per series', () => {
  const series: EncodableSeries[] = [
    { labels: labelsFromRecord({ __name__: 'up', job: 'node', tenant: 't1' }), samples: [{ t: 1000, v: 1 }, { t: 2000, v: 0 }] },
    { labels: labelsFromRecord({ __name__: 'load1', instance: 'a:9100', tenant: 't1' }), samples: [{ t: 1000, v: 0.5 }] },
  ];
  const events: string[] = [];
  const dec = new SamplesDecoder();
  let seen: SeriesView | undefined;
  const res = dec.decode(encodeSamples('t1', series), {
    begin: (tenant, s, n) => events.push(`begin ${tenant} ${s} ${n}`),
    series: (view) => {
      seen = view;
      const names = Array.from({ length: view.labelCount }, (_, i) => `${view.labelName(i)}=${view.labelValue(i)}`);
      assert.equal(view.labels(), view.labels());
      events.push(`series ${view.index} ${names.join(',')}`);
    },
    sample: (t, v, stale) => events.push(`sample ${t} ${v} ${stale}`),
  });
  assert.deepEqual(res, { kind: 'samples', tenant: 't1', series: 2, samples: 3 });
  assert.ok(seen);
  assert.deepEqual(events, [
    'begin t1 2 3',
    'series 0 __name__=up,job=node,tenant=t1',
    'sample 1000 1 false',
    'sample 2000 0 false',
    'series 1 __name__=load1,instance=a:9100,tenant=t1',
    'sample 1000 0.5 false',
  ]);
});

test('visitor with samples(): one call per series with the samples sample() would get, raw', () => {
  const r = rng(777);
  const dec = new SamplesDecoder();
  for (let iter = 0; iter < 100; iter++) {
    const series = randomBatch(r);
    const record = encodeSamples('t', series);
    const perSample: string[] = [];
    dec.decode(record, { series: (v) => void perSample.push(`series ${v.index}`), sample: (t, v, stale) => void perSample.push(`${t} ${Object.is(v, -0) ? '-0' : v} ${stale}`) });
    const batched: string[] = [];
    let calls = 0;
    dec.decode(record, {
      series: (v) => void batched.push(`series ${v.index}`),
      // A visitor with both methods gets samples() only.
      sample: () => assert.fail('sample() called although samples() is there'),
      samples: (ts, vs, stale, from, to) => {
        calls++;
        assert.ok(to > from);
        for (let i = from; i < to; i++) batched.push(`${ts[i]} ${Object.is(vs[i], -0) ? '-0' : vs[i]} ${stale[i] === 1}`);
      },
    });
    assert.equal(calls, series.length);
    assert.deepEqual(batched, perSample);
  }
});

test('ticks round trip, including negative and large times', () => {
  for (const t of [0, 1, -1, 1_700_000_000_123, -62_135_596_800_000, MAX_TIME_MS, -MAX_TIME_MS]) {
    assert.deepEqual(decodeRecord(encodeTick(t)), { kind: 'tick', time: t });
  }
  assert.throws(() => encodeTick(1.5), /not an integer of ms/);
  assert.throws(() => encodeTick(MAX_TIME_MS + 1), /within ±2\^51/);
  // A delta spanning the whole range still decodes exactly.
  const wide = encodeSamples('t', [{ labels: labelsFromRecord({ a: 'b' }), samples: [{ t: -MAX_TIME_MS, v: 1 }, { t: MAX_TIME_MS, v: 2 }] }]);
  assert.deepEqual(decodeToArray(wide).samples.map((s) => s.t), [-MAX_TIME_MS, MAX_TIME_MS]);
});

test('compact: a scrape-like batch of 1000 single-sample series costs 16 bytes a sample (5 of labels, 8 of value)', () => {
  const b = new SamplesBatchBuilder('tenant-1');
  for (let i = 0; i < 1000; i++) {
    b.addSeries(labelsFromRecord({ __name__: `node_metric_${i % 50}`, instance: `host-${i % 20}:9100`, job: 'node', tenant: 'tenant-1' }));
    b.addSample(1_700_000_000_000, i * 1.5);
  }
  const bytes = b.finish().length;
  // 4 one-byte pair indices + count, sample count, 1-byte time delta, raw value; and the tables once.
  assert.ok(bytes / 1000 <= 16.3, `bytes per sample ${bytes / 1000}`);
  assert.ok(b.approxBytes >= bytes, `estimate ${b.approxBytes} must bound the size ${bytes}`);
});

test('builder rejects what the decoder would refuse', () => {
  const b = new SamplesBatchBuilder('t');
  assert.throws(() => b.addSample(1, 1), /before addSeries/);
  assert.throws(() => b.addSeries([]), /at least one label/);
  assert.throws(() => b.addSeries([{ name: 'b', value: '1' }, { name: 'a', value: '2' }]), /not sorted/);
  assert.throws(() => b.addSeries([{ name: 'a', value: '' }]), /empty label/);
  b.addSeries([{ name: 'a', value: '1' }]);
  assert.throws(() => b.addSample(NaN, 1), /not an integer/);
  // A series left without samples is skipped, not written as an invalid empty series.
  b.addSeries([{ name: 'b', value: '1' }]);
  b.addSample(5, 6);
  const { result, samples } = decodeToArray(b.finish());
  assert.equal(result.kind, 'samples');
  assert.deepEqual(samples.map((s) => s.labels[0]!.name), ['b']);
});

function expectError(record: Uint8Array, pattern: RegExp): void {
  const res = decodeRecord(record);
  assert.equal(res.kind, 'error', `expected an error for ${Buffer.from(record).toString('hex')}`);
  if (res.kind === 'error') assert.match(res.error, pattern);
}

test('strict: unknown version and kind, empty and trailing bytes give clear errors', () => {
  expectError(new Uint8Array(0), /shorter than its 2-byte header/);
  expectError(Uint8Array.from([2, 1]), /unknown samples format version 2/);
  expectError(Uint8Array.from([1, 9]), /unknown record kind 9/);
  expectError(Buffer.concat([encodeTick(5), Buffer.from([0])]), /trailing garbage/);
  expectError(Buffer.concat([encodeSamples('t', [{ labels: labelsFromRecord({ a: 'b' }), samples: [{ t: 1, v: 2 }] }]), Buffer.from([7])]), /trailing garbage/);
});

/** Hand-assembles a samples record so each field can be made wrong on purpose. */
function handRecord(opts: { strings?: string[]; pairs?: [number, number][]; refs?: number[]; nSeries?: number; samples?: number; rawString?: Buffer; pad?: number }): Buffer {
  const w = new ByteWriter();
  w.u8(1);
  w.u8(1);
  w.string('tenant');
  w.svarint(1000);
  const strings = opts.strings ?? ['a', 'b'];
  w.uvarint(strings.length + (opts.rawString ? 1 : 0));
  for (const s of strings) w.string(s);
  const head = w.finish();
  const tail = new ByteWriter();
  if (opts.rawString) {
    tail.uvarint(opts.rawString.length);
    for (const b of opts.rawString) tail.u8(b);
  }
  const pairs = opts.pairs ?? [[0, 1]];
  tail.uvarint(pairs.length);
  for (const [n, v] of pairs) {
    tail.uvarint(n);
    tail.uvarint(v);
  }
  tail.uvarint(opts.nSeries ?? 1);
  const refs = opts.refs ?? [0];
  tail.uvarint(refs.length);
  for (const x of refs) tail.uvarint(x);
  tail.uvarint(opts.samples ?? 1);
  for (let i = 0; i < (opts.samples ?? 1); i++) {
    tail.svarint(0);
    tail.f64(1);
  }
  return Buffer.concat([head, tail.finish(), Buffer.alloc(opts.pad ?? 0)]);
}

test('strict: bad string table, label references and counts are named', () => {
  assert.equal(decodeRecord(handRecord({})).kind, 'samples');
  expectError(handRecord({ strings: ['b', 'a'] }), /not strictly ascending at string 1/);
  expectError(handRecord({ strings: ['a', 'a'] }), /not strictly ascending/);
  expectError(handRecord({ pairs: [[0, 7]] }), /pair 0: string index 7 out of range \(2 strings\)/);
  expectError(handRecord({ refs: [3] }), /series 0 label 0: pair index 3 out of range \(1 pairs\)/);
  expectError(handRecord({ strings: ['a', 'b', 'c'], pairs: [[0, 1], [0, 2]], refs: [0, 1] }), /label names not sorted or repeated/);
  expectError(handRecord({ strings: ['a', 'b', 'c'], pairs: [[0, 1], [2, 1]], refs: [1, 0] }), /label names not sorted or repeated/);
  expectError(handRecord({ strings: ['a', 'b', 'c'], pairs: [[2, 1], [0, 1]] }), /pair table not strictly ascending at pair 1/);
  expectError(handRecord({ strings: ['a', 'b'], pairs: [[0, 1], [0, 1]] }), /pair table not strictly ascending at pair 1/);
  expectError(handRecord({ strings: ['', 'a'], pairs: [[1, 0]] }), /pair 0: empty label name or value/);
  expectError(handRecord({ refs: [] }), /has no labels/);
  expectError(handRecord({ samples: 0, pad: 9 }), /series 0 has no samples/);
  expectError(handRecord({ nSeries: 1_000_000 }), /series count 1000000 cannot fit/);
  expectError(handRecord({ strings: ['a'], rawString: Buffer.from([0xff, 0xfe]) }), /string 1 is not valid UTF-8/);
});

test('strict: every truncation and thousands of random corruptions give an error value or a valid decode, never a throw', () => {
  const r = rng(99);
  const record = encodeSamples('tenant-x', randomBatch(r));
  for (let n = 0; n < record.length; n++) {
    const res = decodeRecord(record.subarray(0, n));
    assert.equal(res.kind, 'error', `truncation to ${n} bytes must fail`);
  }
  let errors = 0;
  for (let i = 0; i < 5000; i++) {
    const bad = Buffer.from(record);
    const flips = 1 + Math.floor(r() * 4);
    for (let f = 0; f < flips; f++) bad[2 + Math.floor(r() * (bad.length - 2))] = Math.floor(r() * 256);
    let samples = 0;
    const res = decodeRecord(bad, { series: () => undefined, sample: () => void samples++ });
    if (res.kind === 'error') {
      errors++;
      assert.equal(samples, 0, 'a corrupt record must reach the visitor not at all');
      assert.ok(res.offset >= 0 && res.offset <= bad.length);
    }
  }
  assert.ok(errors > 1000, `most corruptions are caught (${errors})`);
});

test('a decoder reused across records of different sizes keeps each one right', () => {
  const dec = new SamplesDecoder();
  const r = rng(7);
  const big = randomBatch(r).concat(randomBatch(r), randomBatch(r));
  const small = randomBatch(r);
  for (const series of [small, big, small, big]) {
    const got: number[] = [];
    dec.decode(encodeSamples('t', series), { series: () => undefined, sample: (t) => void got.push(t) });
    assert.deepEqual(got, flatten(series).map((s) => s.t));
  }
});

test('a decoder reusing a string table matches it byte for byte: a record differing in one string byte gets its own strings', () => {
  const dec = new SamplesDecoder();
  const hosts = Array.from({ length: 20 }, (_, i) => `host-${String(i).padStart(3, '0')}.example.org`);
  const batch = (v: number): EncodableSeries[] => hosts.map((h) => ({ labels: labelsFromRecord({ __name__: 'up', instance: h }), samples: [{ t: 1000, v }] }));
  const read = (rec: Uint8Array) => {
    const out: string[] = [];
    let cur = '';
    const res = dec.decode(rec, { series: (s) => void (cur = s.labelValue(1)), sample: (_t, v) => void out.push(`${cur}=${v}`) });
    return { res, out };
  };
  const first = encodeSamples('t', batch(1));
  assert.deepEqual(read(first).out, hosts.map((h) => `${h}=1`));
  // Same table, other values: served from the remembered table, still right.
  assert.deepEqual(read(encodeSamples('t', batch(2))).out, hosts.map((h) => `${h}=2`));
  // Overwriting the first record's buffer must not change what was remembered.
  const copy = Buffer.from(first);
  first.fill(0);
  assert.deepEqual(read(copy).out, hosts.map((h) => `${h}=1`));
  // One byte of one string changed (same lengths, same order): the new string is seen.
  const changed = Buffer.from(copy);
  const at = changed.indexOf('host-019');
  changed[at + 7] = '8'.charCodeAt(0);
  const { res, out } = read(changed);
  assert.equal(res.kind, 'error', 'host-018 now appears twice, so the table is not ascending');
  const renamed = Buffer.from(copy);
  renamed[renamed.indexOf('host-019') + 5] = '1'.charCodeAt(0);
  assert.ok(read(renamed).out.includes('host-119.example.org=1'));
  assert.deepEqual(out, []);
});

test('SeriesView.table: equal for records with the same string and pair tables, new when the pair table differs', () => {
  const dec = new SamplesDecoder();
  const hosts = Array.from({ length: 20 }, (_, i) => `host-${String(i).padStart(3, '0')}.example.org`);
  const rec = (v: number, from = 0) => encodeSamples('t', hosts.slice(from).map((h) => ({ labels: labelsFromRecord({ __name__: 'up', instance: h }), samples: [{ t: 1000, v }] })));
  const tables = (record: Uint8Array) => {
    const out: number[] = [];
    dec.decode(record, { series: (s) => void out.push(s.table), sample: () => undefined });
    return out;
  };
  const a = tables(rec(1));
  assert.equal(new Set(a).size, 1);
  assert.deepEqual(tables(rec(2)), a, 'same tables, other values');
  // Same strings less one host: another pair table, so another id (then stable again).
  const b = tables(rec(1, 1));
  assert.notEqual(b[0], a[0]);
  assert.deepEqual(tables(rec(3, 1)), b);
  // Another decoder never hands out the same id.
  const other: number[] = [];
  new SamplesDecoder().decode(rec(1), { series: (s) => void other.push(s.table), sample: () => undefined });
  assert.ok(!a.includes(other[0]!) && !b.includes(other[0]!));
});

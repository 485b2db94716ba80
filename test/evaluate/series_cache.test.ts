import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SamplesBatchBuilder, SamplesDecoder, type SeriesView } from '../../src/kafka/samples_codec.js';
import { labelsFromRecord, labelsKey, type Labels } from '../../src/promql/labels.js';
import { newMatcher } from '../../src/promql/matcher.js';
import { PartitionEvaluator } from '../../src/evaluate/partition.js';
import { SeriesCache } from '../../src/evaluate/series_cache.js';
import { PartitionWorker } from '../../src/evaluate/worker.js';
import { ruleFile } from './helpers.js';

function record(series: { labels: Labels; t: number; v: number }[]): Buffer {
  const b = new SamplesBatchBuilder('acme');
  for (const s of series) {
    b.addSeries(s.labels);
    b.addSample(s.t, s.v);
  }
  return b.finish();
}

/** The cache entries of a record's series, in order (each record decoded with fresh strings). */
function lookupAll(cache: SeriesCache, rec: Buffer): number[] {
  const out: number[] = [];
  new SamplesDecoder().decode(rec, { series: (s: SeriesView) => void out.push(cache.lookup(s)), sample: () => undefined });
  return out;
}

const a = labelsFromRecord({ __name__: 'up', instance: 'h1', job: 'node', tenant: 'acme' });
const b = labelsFromRecord({ __name__: 'up', instance: 'h2', job: 'node', tenant: 'acme' });
const c = labelsFromRecord({ __name__: 'load1', instance: 'h1', job: 'node', tenant: 'acme' });
// Same pairs as a, one label fewer: must not be taken for a.
const d = labelsFromRecord({ __name__: 'up', instance: 'h1', job: 'node' });

test('series cache: a series of a later record finds its entry again; distinct label sets get distinct entries', () => {
  const cache = new SeriesCache();
  const first = lookupAll(cache, record([a, b, c, d].map((labels) => ({ labels, t: 1000, v: 1 }))));
  const second = lookupAll(cache, record([d, c, b, a].map((labels) => ({ labels, t: 2000, v: 2 }))));
  assert.equal(cache.size, 4);
  assert.equal(new Set(first).size, 4);
  assert.deepEqual(second, [first[3], first[2], first[1], first[0]]);
  assert.deepEqual(first.map((e) => labelsKey(cache.labelsOf(e))), [a, b, c, d].map(labelsKey));
  assert.ok(first.every((e) => cache.refOf(e) === -1));
});

test('series cache: an entry keeps the window ref set for it; labels are rebuilt from shared Label objects', () => {
  const cache = new SeriesCache();
  const first = lookupAll(cache, record([a, b, c].map((labels) => ({ labels, t: 1000, v: 1 }))));
  first.forEach((e, i) => cache.setRef(e, 100 + i));
  const second = lookupAll(cache, record([c, a, b].map((labels) => ({ labels, t: 2000, v: 1 }))));
  assert.deepEqual(second.map((e) => cache.refOf(e)), [102, 100, 101]);
  // a and c share their instance pair: one Label object serves both sets.
  const instanceOf = (e: number) => cache.labelsOf(e).find((l) => l.name === 'instance');
  assert.equal(instanceOf(first[0]!), instanceOf(first[2]!));
  assert.notEqual(cache.labelsOf(first[0]!), cache.labelsOf(first[0]!), 'a new array each time: nothing per series is kept');
});

test('series cache: past its bound it starts over and still returns the right labels', () => {
  const cache = new SeriesCache(2);
  // An entry is valid until a lookup adds one: read its labels right away.
  const labelsAtLookup = (rec: Buffer) => {
    const out: { e: number; key: string }[] = [];
    new SamplesDecoder().decode(rec, {
      series: (s: SeriesView) => {
        const e = cache.lookup(s);
        out.push({ e, key: labelsKey(cache.labelsOf(e)) });
      },
      sample: () => undefined,
    });
    return out;
  };
  const entries = labelsAtLookup(record([a, b, c].map((labels) => ({ labels, t: 1000, v: 1 }))));
  assert.deepEqual(entries.map((x) => x.key), [a, b, c].map(labelsKey));
  assert.equal(cache.size, 1);
  const again = labelsAtLookup(record([c, a].map((labels) => ({ labels, t: 2000, v: 1 }))));
  assert.equal(again[0]!.e, entries[2]!.e);
  assert.deepEqual(again.map((x) => x.key), [c, a].map(labelsKey));
  assert.equal(cache.refOf(again[1]!.e), -1);
});

test('worker: records fill the window as ingest() of the same samples does, also across a truncation', () => {
  const rules = [ruleFile('groups:\n  - name: g\n    interval: 1m\n    rules:\n      - alert: Up\n        expr: up > 5\n')];
  const viaWorker = new PartitionEvaluator(rules);
  const viaIngest = new PartitionEvaluator(rules);
  const w = new PartitionWorker(viaWorker);
  const MIN = 60_000;
  // Two hours of minutely records: the window truncates (and renumbers refs) along the way.
  for (let i = 0; i <= 120; i++) {
    const samples = [a, b, c].map((labels, k) => ({ labels, t: i * MIN, v: i + k }));
    w.apply(i, record(samples));
    viaIngest.ingest(samples);
    viaIngest.advance(i * MIN, i);
  }
  assert.equal(viaWorker.watermark, 120 * MIN);
  const m = [newMatcher('=~', '__name__', 'up|load1')];
  const got = viaWorker.querier.select(m, 0, 120 * MIN).map((s) => [labelsKey(s.labels), Array.from(s.t), Array.from(s.v)]);
  const want = viaIngest.querier.select(m, 0, 120 * MIN).map((s) => [labelsKey(s.labels), Array.from(s.t), Array.from(s.v)]);
  assert.equal(got.length, 3);
  assert.deepEqual(got, want);
  assert.equal(viaWorker.stats().ingested.appended, 363);
  assert.ok((got[0]![1] as number[]).length < 121, 'the window was truncated');
});

test('series cache: thousands of series (table growth) are each found again, none confused', () => {
  const cache = new SeriesCache();
  const many = Array.from({ length: 5000 }, (_, i) => labelsFromRecord({ __name__: `m${i % 7}`, instance: `h${i % 713}`, i: String(i) }));
  const first = lookupAll(cache, record(many.map((labels) => ({ labels, t: 1, v: 1 }))));
  const second = lookupAll(cache, record([...many].reverse().map((labels) => ({ labels, t: 2, v: 1 }))));
  assert.equal(cache.size, 5000);
  assert.equal(new Set(first).size, 5000);
  assert.deepEqual(second, [...first].reverse());
  assert.ok(first.every((e, i) => labelsKey(cache.labelsOf(e)) === labelsKey(many[i]!)));
});

test('series cache: one decoder, records whose pair tables number pairs differently, are not confused', () => {
  const cache = new SeriesCache();
  const dec = new SamplesDecoder();
  const lookup = (rec: Buffer) => {
    const out: number[] = [];
    dec.decode(rec, { series: (s) => void out.push(cache.lookup(s)), sample: () => undefined });
    return out;
  };
  // In the first record c's pairs take the indices a's and b's take in the second.
  const x = labelsFromRecord({ __name__: 'up', instance: 'h9', zone: 'z1' });
  const first = lookup(record([a, b, x].map((labels) => ({ labels, t: 1, v: 1 }))));
  const second = lookup(record([x, c].map((labels) => ({ labels, t: 2, v: 1 }))));
  const third = lookup(record([c, a, b, x].map((labels) => ({ labels, t: 3, v: 1 }))));
  assert.equal(cache.size, 4);
  assert.deepEqual(second, [first[2], third[0]]);
  assert.deepEqual(third, [second[1], first[0], first[1], first[2]]);
  assert.deepEqual(third.map((e) => labelsKey(cache.labelsOf(e))), [c, a, b, x].map(labelsKey));
});

test('series cache: records sharing tables (one decoder) map pair indices once and still find each series', () => {
  const cache = new SeriesCache();
  const dec = new SamplesDecoder();
  const hosts = Array.from({ length: 40 }, (_, i) => `host-${String(i).padStart(3, '0')}.example.org`);
  const labels = hosts.flatMap((h) => ['up', 'load1'].map((m) => labelsFromRecord({ __name__: m, instance: h, job: 'node' })));
  const lookup = (set: Labels[], t: number) => {
    const out: number[] = [];
    dec.decode(record(set.map((l) => ({ labels: l, t, v: 1 }))), { series: (s: SeriesView) => void out.push(cache.lookup(s)), sample: () => undefined });
    return out;
  };
  const first = lookup(labels, 1000);
  assert.deepEqual(first.map((e) => labelsKey(cache.labelsOf(e))), labels.map(labelsKey));
  // Same tables, series in another order and some left out.
  const subset = labels.filter((_, i) => i % 3 !== 1).reverse();
  const again = lookup(subset, 2000);
  assert.deepEqual(again.map((e) => labelsKey(cache.labelsOf(e))), subset.map(labelsKey));
  assert.deepEqual(again, subset.map((l) => first[labels.indexOf(l)]));
  assert.equal(cache.size, labels.length);
});

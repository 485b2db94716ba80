import { test } from 'node:test';
import assert from 'node:assert/strict';
import { labelsFromRecord, labelsKey } from '../../src/promql/labels.js';
import { newMatcher } from '../../src/promql/matcher.js';
import { LabelSets, hashPairs } from '../../src/window/labelsets.js';
import { Postings } from '../../src/window/postings.js';
import { SEALED_PAGE_WORDS, SealedStore } from '../../src/window/sealed.js';
import { SymbolTable } from '../../src/window/symbols.js';
import { SeriesWindow } from '../../src/window/window.js';
import { mulberry32 } from '../../src/util/prng.js';

test('postings keep runs and single slots in order', () => {
  const p = new Postings();
  const want = [0, 1, 2, 3, 7, 9, 10, 11, 200, 201, 5000];
  for (const s of want) p.add(4, s);
  p.add(1, 3);
  assert.deepEqual(Array.from(p.get(4)), want);
  assert.deepEqual(Array.from(p.get(1)), [3]);
  assert.deepEqual(Array.from(p.get(2)), []);
  assert.equal(p.count(4), want.length);
  assert.throws(() => p.add(4, 5000), /out of order/);
  assert.throws(() => p.add(4, 10), /out of order/);
});

/** The label sets of `records`, added in order to a fresh LabelSets at slots 0, 1, ..., with their pair ids. */
function labelSetsOf(records: Record<string, string>[]) {
  const sym = new SymbolTable();
  const sets = new LabelSets(sym);
  const all = records.map((r) => labelsFromRecord(r));
  const ids = all.map((ls) => ls.map((l) => sym.internPair(l.name, l.value)));
  const hash = (slot: number) => hashPairs(ids[slot]!, ids[slot]!.length);
  all.forEach((_, slot) => sets.add(slot, ids[slot]!, hash(slot)));
  return { sets, all, ids, hash };
}

test('label sets share target labels through contexts and still round-trip', () => {
  const records: Record<string, string>[] = [];
  for (let host = 0; host < 30; host++) {
    for (let m = 0; m < 20; m++) {
      const rec: Record<string, string> = { __name__: `metric_${m}`, instance: `h${host}:9100`, job: 'node', region: `r${host % 3}`, zone: `z${host % 5}` };
      if (m % 3 === 0) rec.cpu = String(m % 4);
      if (m % 5 === 0) rec.a_first = 'x';
      records.push(rec);
    }
  }
  const { sets, all, ids, hash } = labelSetsOf(records);
  all.forEach((ls, slot) => {
    assert.equal(labelsKey(sets.labels(slot)), labelsKey(ls), `slot ${slot}`);
    assert.equal(sets.find(ids[slot]!, ids[slot]!.length, hash(slot)), slot);
    assert.equal(sets.hashOf(slot), hash(slot));
  });
  // Shared target labels must make a set cheaper than its pair ids alone.
  const pairBytes = all.reduce((n, ls) => n + ls.length, 0);
  assert.ok((sets as unknown as { top: number }).top < pairBytes, 'contexts save arena bytes');
  sets.remove(5, hash(5));
  assert.equal(sets.find(ids[5]!, ids[5]!.length, hash(5)), -1);
  assert.equal(sets.find(ids[6]!, ids[6]!.length, hash(6)), 6, 'other sets survive a removal');
});

test('label sets read back in any order (their contexts decoded again as they change)', () => {
  const records: Record<string, string>[] = [];
  for (let host = 0; host < 12; host++) {
    for (let m = 0; m < 6; m++) {
      const rec: Record<string, string> = { __name__: `metric_${m}`, instance: `h${host}:9100`, job: 'node', region: `r${host % 3}` };
      // Some sets share the target labels but add one, drop one, or differ in a value.
      if (m === 2) rec.device = `sd${host}`;
      if (m === 3) delete rec.region;
      if (m === 4) rec.job = 'other';
      records.push(rec);
    }
  }
  const { sets, all, ids } = labelSetsOf(records);
  const r = mulberry32(3);
  for (let k = 0; k < 500; k++) {
    const slot = Math.floor(r() * all.length);
    assert.equal(labelsKey(sets.labels(slot)), labelsKey(all[slot]!), `slot ${slot}`);
    assert.deepEqual(sets.pairs(slot), ids[slot]);
  }
});

test('sealed store recycles a page once all its runs are freed', () => {
  const s = new SealedStore();
  const half = SEALED_PAGE_WORDS / 2;
  const a = s.alloc(half);
  const b = s.alloc(half);
  const c = s.alloc(10); // opens a second page
  assert.notEqual(a >>> 15, c >>> 15);
  const bytes = s.bytes;
  s.free(a, half);
  assert.equal(s.bytes, bytes, 'a page with live runs stays');
  s.free(b, half);
  assert.ok(s.used === 10);
  const d = s.alloc(SEALED_PAGE_WORDS); // reuses the recycled page rather than growing
  assert.equal(s.bytes, bytes);
  s.page(d)[s.offset(d)] = 7;
  assert.equal(s.page(d)[s.offset(d)], 7);
});

test('sealed chunks, late scrapes and flat runs decode exactly', () => {
  const w = new SeriesWindow({ chunkRange: 60_000 });
  const flat = w.getRef(labelsFromRecord({ __name__: 'flat' }));
  const moving = w.getRef(labelsFromRecord({ __name__: 'moving' }));
  const want: { t: number[]; f: number[]; m: number[] } = { t: [], f: [], m: [] };
  for (let k = 0; k < 200; k++) {
    const late = k % 7 === 3 ? 17 : k % 11 === 5 ? 2000 : 0;
    const t = 1_000_000 + k * 15_000 + late;
    const m = k % 13 === 0 ? NaN : Math.round(k * 1234.5 * 100) / 100;
    w.appendRef(flat, t, 42);
    w.appendRef(moving, t, m);
    want.t.push(t); want.f.push(42); want.m.push(m);
  }
  assert.ok(w.stats().chunks >= 2 * 40, `chunks sealed: ${w.stats().chunks}`);
  const [f, m] = w.select([newMatcher('=~', '__name__', 'flat|moving')], 0, Infinity);
  assert.deepEqual(Array.from(f!.t), want.t);
  assert.deepEqual(Array.from(f!.v), want.f);
  assert.deepEqual(Array.from(m!.v).map(String), want.m.map(String));
  // A range starting inside a sealed chunk and ending inside the head.
  const part = w.select([newMatcher('=', '__name__', 'moving')], want.t[50]!, want.t[195]!)[0]!;
  assert.deepEqual(Array.from(part.t), want.t.slice(50, 196));
  assert.equal(w.truncate(want.t[120]!), 0);
  assert.equal(w.select([newMatcher('=', '__name__', 'flat')], 0, Infinity)[0]!.t[0]! <= want.t[120]!, true);
});

test('memory() parts add up to stats().bytes', () => {
  const w = new SeriesWindow({ chunkRange: 30_000 });
  for (let i = 0; i < 500; i++) for (let k = 0; k < 8; k++) w.append(labelsFromRecord({ __name__: 'm', i: String(i) }), k * 15_000, k * i);
  const m = w.memory();
  const sum = Object.entries(m).filter(([k]) => !k.endsWith('Used')).reduce((n, [, v]) => n + v, 0);
  assert.equal(sum, w.stats().bytes);
  assert.ok(m.sealedUsed! > 0 && m.sealedUsed! <= m.sealedPages!);
});

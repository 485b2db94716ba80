import { test } from 'node:test';
import assert from 'node:assert/strict';
import { labelsKey } from '../../src/promql/labels.js';
import { fleet, scrapeTime } from '../../bench/fleet.js';

test('the bench fleet is deterministic, valid and shaped like node_exporter', () => {
  const a = [...fleet({ seed: 7, series: 3000 })];
  const b = [...fleet({ seed: 7, series: 3000 })];
  assert.equal(a.length, 3000);
  const keys = new Set(a.map((s) => labelsKey(s.labels)));
  assert.equal(keys.size, 3000, 'label sets are distinct');
  for (let i = 0; i < a.length; i++) {
    assert.equal(labelsKey(a[i]!.labels), labelsKey(b[i]!.labels));
    for (let k = 0; k < 5; k++) assert.ok(Object.is(a[i]!.next(), b[i]!.next()), `series ${i} value ${k} differs between runs`);
    const ls = a[i]!.labels;
    for (let j = 1; j < ls.length; j++) assert.ok(ls[j - 1]!.name < ls[j]!.name, 'labels sorted');
  }
  const avg = a.reduce((n, s) => n + s.labels.length, 0) / a.length;
  assert.ok(avg >= 7 && avg <= 10, `average label count ${avg}`);
  assert.ok(a.some((s) => s.labels.some((l) => l.name === 'mountpoint')));
  const other = [...fleet({ seed: 8, series: 10 })].map((s) => s.next());
  assert.notDeepEqual(other, [...fleet({ seed: 7, series: 10 })].map((s) => s.next()), 'the seed matters');
  assert.equal(scrapeTime(0, 3, 2) - scrapeTime(0, 3, 1), 15_000, 'hosts without jitter scrape every 15s');
});

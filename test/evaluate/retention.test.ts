/** Per-series retention: each series kept as far back as the selectors matching it read, and no rule sees a difference. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseExpr } from '../../src/promql/parser.js';
import { newMatcher } from '../../src/promql/matcher.js';
import { labelsFromRecord } from '../../src/promql/labels.js';
import { selectorReaches, SeriesRetention } from '../../src/evaluate/retention.js';
import { PartitionEvaluator } from '../../src/evaluate/partition.js';
import { SeriesWindow } from '../../src/window/window.js';
import { MIN, play, ruleFile, series } from './helpers.js';

const LOOKBACK = 5 * MIN;

test('selector reaches: lookback, ranges, offsets, subqueries nest', () => {
  const reach = (q: string) => selectorReaches(parseExpr(q), LOOKBACK).map((s) => s.reach / MIN);
  assert.deepEqual(reach('a'), [5]);
  assert.deepEqual(reach('a offset 10m'), [15]);
  assert.deepEqual(reach('rate(a[2m]) / b'), [2, 5]);
  assert.deepEqual(reach('rate(a[2m] offset 1h)'), [62]);
  assert.deepEqual(reach('max_over_time(rate(a[5m])[30m:1m] offset 10m)'), [45]);
  assert.deepEqual(reach('sum by (x) (predict_linear(a[6h], 3600)) and on() vector(1)'), [360]);
});

test('keepFor: the longest reach among the selectors matching the series, at least the lookback', () => {
  const ev = new PartitionEvaluator([ruleFile(`
groups:
  - name: g
    query_offset: 1m
    rules:
      - alert: DiskFilling
        expr: predict_linear(disk_free{fstype!="tmpfs"}[1h], 3600) < 0
      - alert: Cpu
        expr: cpu > 0.9
      - alert: AnyUp
        expr: max_over_time({__name__=~"up|alive"}[20m]) == 0
`)]);
  const r = new SeriesRetention(ev.ruleGroups(), LOOKBACK);
  const keep = (rec: Record<string, string>) => r.keepFor(labelsFromRecord(rec)) / MIN;
  assert.equal(keep({ __name__: 'disk_free', fstype: 'ext4' }), 61);
  assert.equal(keep({ __name__: 'disk_free', fstype: 'tmpfs' }), 5, 'the matcher excludes it: lookback only');
  assert.equal(keep({ __name__: 'cpu' }), 6);
  assert.equal(keep({ __name__: 'alive', job: 'x' }), 21, 'a selector without a name equality is checked too');
  assert.equal(keep({ __name__: 'unread' }), 5);
  assert.equal(r.longest / MIN, 61);
  assert.equal(new SeriesRetention([], LOOKBACK).longest, LOOKBACK, 'no rules: the window is the lookback');
});

test('window expire: each series keeps its own retention; setRetention re-classes', () => {
  const w = new SeriesWindow({ chunkRange: 2 * MIN, retention: (l) => (l[0]!.value === 'long' ? 60 * MIN : 5 * MIN) });
  const long = w.getRef(labelsFromRecord({ __name__: 'long' }));
  const short = w.getRef(labelsFromRecord({ __name__: 'short' }));
  for (let t = 0; t <= 120 * MIN; t += MIN) {
    w.appendRef(long, t, t);
    w.appendRef(short, t, t);
  }
  w.expire(120 * MIN);
  const first = (name: string) => w.select([newMatcher('=', '__name__', name)], -Infinity, Infinity)[0]!;
  const oldest = (name: string) => first(name).t[0]!;
  assert.ok(oldest('long') <= 60 * MIN && oldest('long') > 55 * MIN, `long kept from ${oldest('long') / MIN}m`);
  assert.ok(oldest('short') <= 115 * MIN && oldest('short') > 110 * MIN, `short kept from ${oldest('short') / MIN}m`);
  w.setRetention(() => 5 * MIN);
  w.expire(120 * MIN);
  assert.ok(oldest('long') > 110 * MIN);
  // truncate() ignores retention, as before.
  w.truncate(121 * MIN);
  assert.equal(w.seriesCount, 0);
});

test('the same events as an evaluator that keeps everything, with far less held', () => {
  const rules = `
groups:
  - name: g
    interval: 1m
    rules:
      - alert: DiskFilling
        expr: predict_linear(disk_free[1h], 4 * 3600) < 0
        for: 10m
      - alert: CpuHigh
        expr: avg_over_time(cpu[5m]) > 0.8
        for: 3m
`;
  // The reference also reads everything 3 hours back (a rule of its own, never firing).
  const keepAll = rules + `      - alert: KeepAll
        expr: count_over_time({__name__=~".+"}[3h]) < 0
`;
  const input = series({
    'disk_free{dev="a"}': '10000-50x180',
    'disk_free{dev="b"}': '10000+0x180',
    'cpu{host="h"}': '0.5x30 0.95x30 0.1x60 0.9x60',
    'noise{i="1"}': '1+1x180',
    'noise{i="2"}': '5x180',
  });
  const a = new PartitionEvaluator([ruleFile(rules)], { evaluateFrom: 0 });
  const b = new PartitionEvaluator([ruleFile(keepAll)], { evaluateFrom: 0 });
  const key = (e: { state: string; rule: { name: string }; evalTime: number; labels: Record<string, string> }) => `${e.rule.name}/${e.labels.dev ?? e.labels.host}/${e.state}@${e.evalTime / MIN}`;
  const ea = play(a, input, 0, 180 * MIN).map(key);
  const eb = play(b, input, 0, 180 * MIN).filter((e) => e.rule.name !== 'KeepAll').map(key);
  assert.deepEqual(ea, eb);
  assert.ok(ea.some((k) => k.startsWith('DiskFilling/a/firing')) && ea.some((k) => k.startsWith('CpuHigh/h/firing')), ea.join(' '));
  const held = (ev: PartitionEvaluator, name: string) => ev.querier.select([newMatcher('=', '__name__', name)], -Infinity, Infinity)
    .reduce((n, s) => n + s.t.length, 0);
  assert.ok(held(a, 'disk_free') >= 2 * 61, 'disk_free keeps its hour');
  assert.ok(held(a, 'noise') < held(b, 'noise') / 3, `noise: ${held(a, 'noise')} vs ${held(b, 'noise')} samples`);
  assert.ok(held(a, 'cpu') < held(b, 'cpu') / 3, `cpu: ${held(a, 'cpu')} vs ${held(b, 'cpu')} samples`);
});

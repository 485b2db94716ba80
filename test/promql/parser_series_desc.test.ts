import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSeriesDesc, parseSeriesLabels, parseSeriesValues, type SeriesValue } from '../../src/promql/series_desc.js';
import { ParseError } from '../../src/promql/parser.js';

const nums = (vs: SeriesValue[]): (number | string)[] =>
  vs.map((v) => (v.kind === 'value' ? v.v : v.kind === 'omitted' ? '_' : 'stale'));

test('labels: name outside or inside braces, sorted, trailing comma', () => {
  assert.deepEqual(parseSeriesLabels('up{job="a", instance="b",}'),
    [{ name: '__name__', value: 'up' }, { name: 'instance', value: 'b' }, { name: 'job', value: 'a' }]);
  assert.deepEqual(parseSeriesLabels('{__name__="x", a="1"}'), [{ name: '__name__', value: 'x' }, { name: 'a', value: '1' }]);
  assert.deepEqual(parseSeriesLabels('{"my.metric"}'), [{ name: '__name__', value: 'my.metric' }]);
  assert.deepEqual(parseSeriesLabels('job:rate5m'), [{ name: '__name__', value: 'job:rate5m' }]);
  // Expected-sample label sets in promtool tests may be empty.
  assert.deepEqual(parseSeriesLabels('{}'), []);
  assert.deepEqual(parseSeriesLabels(''), []);
});

test('label errors name what and where', () => {
  assert.throws(() => parseSeriesLabels('up{job=~"a"}'), (e: unknown) =>
    e instanceof ParseError && e.message === '1:7: parse error: unexpected <op:=~> in label set, expected "="');
  assert.throws(() => parseSeriesLabels('up{job="a"'), /unexpected end of input inside braces/);
});

test('values: expansion rules of promqltest', () => {
  assert.deepEqual(nums(parseSeriesValues('1 2 _ stale')), [1, 2, '_', 'stale']);
  assert.deepEqual(nums(parseSeriesValues('1+2x3')), [1, 3, 5, 7]);
  assert.deepEqual(nums(parseSeriesValues('5-1x2')), [5, 4, 3]);
  assert.deepEqual(nums(parseSeriesValues('3x2')), [3, 3, 3]);
  assert.deepEqual(nums(parseSeriesValues('_x3')), ['_', '_', '_']);
  assert.deepEqual(nums(parseSeriesValues('1e3 -Inf +2 -1.5')), [1000, -Infinity, 2, -1.5]);
  const nan = parseSeriesValues('NaN')[0]!;
  assert.ok(nan.kind === 'value' && Number.isNaN(nan.v));
  assert.deepEqual(nums(parseSeriesValues('0+0.1x3')), [0, 0.1, 0.2, 0.30000000000000004]);
  assert.deepEqual(nums(parseSeriesValues('-1-1x1')), [-1, -2]);
});

test('bad values are rejected with position', () => {
  assert.throws(() => parseSeriesValues('1 abc'), (e: unknown) => e instanceof ParseError &&
    e.message === '1:3: parse error: unexpected identifier "abc" in series values, expected number or "stale"');
  assert.throws(() => parseSeriesValues('1+2'), /^Error: 1:4: parse error: unexpected end of input$|1:4: parse error: unexpected end of input/);
  assert.throws(() => parseSeriesValues('1x1.5'), /invalid repetition in series values: strconv.ParseUint: parsing "1.5": invalid syntax/);
  assert.throws(() => parseSeriesValues('1 2 %'), /unexpected character in series sequence: '%'/);
  assert.deepEqual(nums(parseSeriesValues('stale+1x2')), ['stale', 'stale', 'stale']);
  assert.throws(() => parseSeriesValues('{{schema:1}}'), /native histogram/);
});

test('parseSeriesDesc reports positions on the promtool line "<labels> <values>"', () => {
  assert.throws(() => parseSeriesDesc('m{a="1"}', '1 2 x'), (e: unknown) =>
    e instanceof ParseError && e.message === '1:14: parse error: unexpected "x"');
});

test('parseSeriesDesc combines both', () => {
  const d = parseSeriesDesc('up{job="a"}', '0+1x2');
  assert.equal(d.labels.length, 2);
  assert.deepEqual(nums(d.values), [0, 1, 2]);
});

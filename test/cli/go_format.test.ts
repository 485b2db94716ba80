import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatFloatE, formatGoDuration } from '../../src/cli/unittest/go_format.js';

test("formatFloatE matches Go's strconv.FormatFloat(v, 'E', -1, 64)", () => {
  const cases: [number, string][] = [
    [1, '1E+00'], [0, '0E+00'], [-0, '-0E+00'], [0.5, '5E-01'], [2 / 3, '6.666666666666666E-01'],
    [123456789, '1.23456789E+08'], [1e100, '1E+100'], [1.5e-7, '1.5E-07'], [-2.25, '-2.25E+00'],
    [0.1 + 0.2, '3.0000000000000004E-01'], [NaN, 'NaN'], [Infinity, '+Inf'], [-Infinity, '-Inf'],
    [5e-324, '5E-324'], [1.7976931348623157e308, '1.7976931348623157E+308'],
  ];
  for (const [v, want] of cases) assert.equal(formatFloatE(v), want, String(v));
});

test("formatGoDuration matches Go's time.Duration String()", () => {
  const cases: [number, string][] = [
    [0, '0s'], [1000, '1s'], [60_000, '1m0s'], [90_000, '1m30s'], [3_600_000, '1h0m0s'],
    [5_430_500, '1h30m30.5s'], [500, '500ms'], [1_250, '1.25s'], [86_400_000, '24h0m0s'], [-1000, '-1s'],
  ];
  for (const [ms, want] of cases) assert.equal(formatGoDuration(ms), want, String(ms));
});

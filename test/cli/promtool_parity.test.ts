/**
 * Differences found by running third-party repositories' promtool tests through Vigil;
 * each case is a file of ours that pins the behaviour promtool has.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nextFloat, valuesMatch } from '../../src/cli/unittest/report.js';
import { parseExpr } from '../../src/promql/parser.js';
import { parseSeriesValues } from '../../src/promql/series_desc.js';
import { vigil } from './helpers.js';

test('fuzzy_compare is a Prometheus 3 field: accepted by default, unknown under --promql-compat=2', async () => {
  const v3 = await vigil(['test', 'rules', 'bad_fuzzy_compare.yml']);
  assert.equal(v3.io.combined, 'Unit Testing:  bad_fuzzy_compare.yml\n  SUCCESS\n\n');
  const v2 = await vigil(['test', 'rules', '--promql-compat=2', 'bad_fuzzy_compare.yml']);
  assert.equal(v2.code, 1);
  assert.match(v2.io.stderr, /line 2: field fuzzy_compare not found in type main\.unitTestFile/);
});

test('fuzzy_compare files run; values within the tolerance match with or without it', async () => {
  const { code, io } = await vigil(['test', 'rules', 'vigil_fuzzy_compare.yml']);
  assert.equal(io.combined, 'Unit Testing:  vigil_fuzzy_compare.yml\n  SUCCESS\n\n');
  assert.equal(code, 0);
});

test('valuesMatch: equal, both NaN, within 1e-12 relative, or one step apart under fuzzy_compare', () => {
  assert.equal(valuesMatch(0.3, 0.1 + 0.2), true);
  assert.equal(valuesMatch(NaN, NaN), true);
  assert.equal(valuesMatch(0, -0), true);
  assert.equal(valuesMatch(1, 1 + 1e-11), false);
  assert.equal(valuesMatch(0.3333333333, 1 / 3), false);
  assert.equal(valuesMatch(Infinity, -Infinity), false);
  assert.equal(valuesMatch(NaN, 1), false);
  assert.equal(valuesMatch(0, Number.MIN_VALUE), false);
  assert.equal(valuesMatch(0, Number.MIN_VALUE, true), true);
});

test('nextFloat steps one ulp either way, through zero and from the extremes', () => {
  assert.equal(nextFloat(1, 2), 1 + Number.EPSILON);
  assert.equal(nextFloat(1, 0), 1 - Number.EPSILON / 2);
  assert.equal(nextFloat(-1, -2), -1 - Number.EPSILON);
  assert.equal(nextFloat(0, 1), Number.MIN_VALUE);
  assert.equal(nextFloat(0, -1), -Number.MIN_VALUE);
  assert.equal(nextFloat(Number.MIN_VALUE, -1), 0);
  assert.equal(nextFloat(Number.MAX_VALUE, Infinity), Infinity);
  assert.ok(Number.isNaN(nextFloat(NaN, 1)));
});

test('series values: `_` digit separators and a bare exponent are read per version', () => {
  assert.deepEqual(parseSeriesValues('1_000 2', 3), [{ kind: 'value', v: 1000 }, { kind: 'value', v: 2 }]);
  assert.throws(() => parseSeriesValues('1_000 2', 2), /bad number syntax: "1"$/m);
  assert.throws(() => parseSeriesValues('2e', 2), /error parsing number: strconv\.ParseFloat: parsing "2e": invalid syntax/);
  assert.throws(() => parseSeriesValues('5 3kb', 3), /bad number syntax: "3"/);
});

test('series values: an error inside a half-read step names "series values", one after a whole step does not', () => {
  assert.throws(() => parseSeriesValues('4 8+ x2'), /unexpected " " in series values/);
  assert.throws(() => parseSeriesValues('2 3x'), /unexpected end of input in series values/);
  assert.throws(() => parseSeriesValues('1+1x3x'), (e: Error) => /unexpected "x"/.test(e.message) && !/in series values/.test(e.message));
});

test('PromQL numbers: Prometheus 2 has no digit separators and scans a bare exponent as a number', () => {
  assert.throws(() => parseExpr('1_000 + 1', { compat: 2 }), /bad number or duration syntax: "1"/);
  assert.throws(() => parseExpr('1e + 1', { compat: 2 }), /error parsing number: strconv\.ParseFloat: parsing "1e": invalid syntax/);
  const e = parseExpr('1_000', { compat: 3 });
  assert.equal(e.kind === 'NumberLiteral' ? e.value : NaN, 1000);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FUNCTION_SIGNATURES, lookupFunction } from '../../src/promql/signatures.js';
import { formatDuration, parseDuration } from '../../src/promql/duration.js';

test('signature table: key is the name, shapes as in Prometheus', () => {
  for (const [k, f] of Object.entries(FUNCTION_SIGNATURES)) assert.equal(f.name, k);
  assert.deepEqual(FUNCTION_SIGNATURES.rate!.argTypes, ['matrix']);
  assert.equal(FUNCTION_SIGNATURES.label_join!.variadic, -1);
  assert.equal(FUNCTION_SIGNATURES.round!.variadic, 1);
  assert.equal(FUNCTION_SIGNATURES.scalar!.returnType, 'scalar');
  assert.equal(lookupFunction('holt_winters', 3), undefined);
  assert.ok(lookupFunction('holt_winters', 2));
  assert.equal(lookupFunction('info', 2), undefined);
  assert.equal(lookupFunction('toString'), undefined);
  assert.ok(FUNCTION_SIGNATURES.mad_over_time!.experimental);
});

test('durations: parse and print like model.Duration', () => {
  assert.equal(parseDuration('1y2w3d4h5m6s7ms'), ((((365 + 14 + 3) * 24 + 4) * 60 + 5) * 60 + 6) * 1000 + 7);
  assert.equal(parseDuration('0'), 0);
  assert.equal(parseDuration('90s'), 90000);
  assert.throws(() => parseDuration('5m1h'), /not a valid duration string: "5m1h"/);
  assert.throws(() => parseDuration('1.5h'), /not a valid duration string/);
  assert.throws(() => parseDuration(''), /empty duration string/);
  assert.equal(formatDuration(0), '0s');
  assert.equal(formatDuration(5400000), '1h30m');
  assert.equal(formatDuration(90000), '1m30s');
  // Years and weeks only when they divide exactly, as promtool prints 8d, 2w, 379d, 2y.
  assert.equal(formatDuration(8 * 86400000), '8d');
  assert.equal(formatDuration(14 * 86400000), '2w');
  assert.equal(formatDuration(379 * 86400000), '379d');
  assert.equal(formatDuration(730 * 86400000), '2y');
  assert.equal(formatDuration((365 + 14) * 86400000 + 3600000), '379d1h');
  assert.equal(formatDuration(1500), '1s500ms');
});

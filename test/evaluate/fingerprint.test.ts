/** Fingerprints match Alertmanager's (prometheus/common model's test vectors). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { labelsFromRecord } from '../../src/promql/labels.js';
import { fingerprint, fingerprintDecimal } from '../../src/evaluate/fingerprint.js';

test('the fingerprint of a label set is prometheus/common LabelSet.Fingerprint', () => {
  assert.equal(fingerprintDecimal(fingerprint([])), '14695981039346656037');
  const ls = labelsFromRecord({ name: 'garland, briggs', fear: 'love is not enough' });
  assert.equal(fingerprintDecimal(fingerprint(ls)), '5799056148416392346');
  assert.match(fingerprint(ls), /^[0-9a-f]{16}$/);
});

test('fingerprints hash UTF-8 bytes and separate names from values', () => {
  const a = fingerprint(labelsFromRecord({ ab: 'c' }));
  const b = fingerprint(labelsFromRecord({ a: 'bc' }));
  assert.notEqual(a, b);
  assert.notEqual(fingerprint(labelsFromRecord({ x: 'é' })), fingerprint(labelsFromRecord({ x: 'e' })));
});

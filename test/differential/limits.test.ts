/**
 * promtool runs queries on promql's test engine, which allows 10000 samples in memory: a
 * query past that fails with "query processing would load too many samples". The cases and
 * the golden report (testdata/limits/*.out) were recorded with promtool 2.42.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CapturedIO } from '../../src/cli/io.js';
import { runUnitTestFile } from '../../src/cli/unittest/runner.js';

const LIMITS = fileURLToPath(new URL('../../../test/differential/testdata/limits/', import.meta.url));

test('the sample limit errs exactly where promtool\'s does', () => {
  const prev = process.cwd();
  process.chdir(LIMITS);
  try {
    const io = new CapturedIO();
    runUnitTestFile('max_samples.yml', { compat: 2, run: null }, io);
    assert.equal(io.combined, readFileSync('max_samples.out', 'utf8'));
    assert.match(io.combined, /too many samples/);
  } finally {
    process.chdir(prev);
  }
});

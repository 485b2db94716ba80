/** Runs every promqltest script in test/promql/testdata against the engine. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runScript } from './promqltest.js';

const dir = fileURLToPath(new URL('../../../test/promql/testdata/', import.meta.url));

for (const file of readdirSync(dir).filter((f) => f.endsWith('.test')).sort()) {
  test(`promqltest ${file}`, () => {
    const failures = runScript(readFileSync(dir + file, 'utf8'));
    assert.deepEqual(failures.map((f) => `${file}:${f.line}: ${f.message}`), []);
  });
}

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { glob, GlobPatternError } from '../../src/cli/unittest/glob.js';

test("glob expands *, ? and [..] within a segment, sorted, as Go's filepath.Glob", () => {
  const d = mkdtempSync(join(tmpdir(), 'vigil-glob-'));
  for (const f of ['b.yml', 'a.yml', 'a1.yml', '.hidden.yml', 'c.yaml']) writeFileSync(join(d, f), '');
  mkdirSync(join(d, 'sub1'));
  mkdirSync(join(d, 'sub2'));
  writeFileSync(join(d, 'sub1', 'r.yml'), '');
  writeFileSync(join(d, 'sub2', 'r.yml'), '');
  assert.deepEqual(glob(join(d, '*.yml')), ['.hidden.yml', 'a.yml', 'a1.yml', 'b.yml'].map((f) => join(d, f)));
  assert.deepEqual(glob(join(d, 'a?.yml')), [join(d, 'a1.yml')]);
  assert.deepEqual(glob(join(d, '[ab].yml')), [join(d, 'a.yml'), join(d, 'b.yml')]);
  assert.deepEqual(glob(join(d, '[^a].y*')), [join(d, 'b.yml'), join(d, 'c.yaml')]);
  assert.deepEqual(glob(join(d, 'sub*', 'r.yml')), [join(d, 'sub1', 'r.yml'), join(d, 'sub2', 'r.yml')]);
  assert.deepEqual(glob(join(d, 'a.yml')), [join(d, 'a.yml')]);
  assert.deepEqual(glob(join(d, 'none.yml')), []);
  assert.deepEqual(glob(join(d, 'x*.yml')), []);
  assert.throws(() => glob(join(d, '[a.yml')), GlobPatternError);
});

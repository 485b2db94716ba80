import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TESTDATA, vigil } from './helpers.js';

test("check rules reports as promtool 2.42 (check_rules.out), lint findings not failing", async () => {
  const want = readFileSync(join(TESTDATA, 'check_rules.out'), 'utf8');
  const { code, io } = await vigil(['check', 'rules', '--promql-compat=2', 'rules_basic.yml', 'rules_order.yml', 'rules_duplicate.yml']);
  assert.equal(io.combined, want);
  assert.equal(code, 0);
});

test('check rules --lint-fatal exits 3 on lint findings; --lint=none ignores them', async () => {
  assert.equal((await vigil(['check', 'rules', '--lint-fatal', 'rules_duplicate.yml'])).code, 3);
  const none = await vigil(['check', 'rules', '--lint=none', 'rules_duplicate.yml']);
  assert.equal(none.code, 0);
  assert.equal(none.io.combined, 'Checking rules_duplicate.yml\n  SUCCESS: 2 rules found\n\n');
});

test('check rules fails with exit 1 on an invalid file, errors on stderr', async () => {
  const { code, io } = await vigil(['check', 'rules', 'rules_unparsable.yml', 'rules_order.yml']);
  assert.equal(code, 1);
  assert.equal(io.stdout, 'Checking rules_unparsable.yml\n\nChecking rules_order.yml\n  SUCCESS: 2 rules found\n\n');
  assert.match(io.stderr, /^ {2}FAILED:\nrules_unparsable\.yml.*unclosed left parenthesis\n$/);
});

test('check rules on a missing file is a command-line error', async () => {
  const { code, io } = await vigil(['check', 'rules', 'nope.yml']);
  assert.equal(code, 1);
  assert.equal(io.stderr, "vigil: error: path 'nope.yml' does not exist, try --help\n");
});

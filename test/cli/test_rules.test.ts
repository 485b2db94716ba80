import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TESTDATA, vigil } from './helpers.js';

const golden = (yml: string) => readFileSync(join(TESTDATA, yml.replace(/\.yml$/, '.out')), 'utf8');

// Each pass_/fail_/bad_ file has beside it the report promtool 2.42 printed for it (regen.sh).
for (const file of readdirSync(TESTDATA).filter((f) => /^(pass|fail|bad)_.*\.yml$/.test(f)).sort()) {
  test(`report for ${file} is promtool's, byte for byte`, async () => {
    const want = golden(file);
    const { code, io } = await vigil(['test', 'rules', '--promql-compat=2', file]);
    assert.equal(io.combined, want);
    assert.equal(code, want.includes('  FAILED:') ? 1 : 0);
  });
}

test('the header and blank lines go to stdout, FAILED and the errors to stderr', async () => {
  const { io } = await vigil(['test', 'rules', '--promql-compat=2', 'bad_group_order.yml']);
  assert.equal(io.stdout, 'Unit Testing:  bad_group_order.yml\n\n\n');
  assert.equal(io.stderr, '  FAILED:\ngroup name repeated in evaluation order: a\n');
});

test('several files give one block each, and exit 1 if any fails', async () => {
  const files = ['pass_basic.yml', 'bad_duration.yml', 'pass_eval_order.yml'];
  const { code, io } = await vigil(['test', 'rules', '--promql-compat=2', ...files]);
  assert.equal(io.combined, files.map(golden).join(''));
  assert.equal(code, 1);
});

test('all passing files exit 0', async () => {
  const { code, io } = await vigil(['test', 'rules', '--promql-compat=2', 'pass_basic.yml', 'pass_eval_order.yml']);
  assert.equal(code, 0);
  assert.equal(io.stderr, '');
});

test('--run selects test groups by name', async () => {
  const only = await vigil(['test', 'rules', '--promql-compat=2', '--run', '^mism', 'fail_cases.yml']);
  assert.equal(only.code, 1);
  assert.match(only.io.combined, /name: mismatches,/);
  assert.doesNotMatch(only.io.combined, /time: 3m, \n {8}exp:\[\]/);
  const none = await vigil(['test', 'rules', '--promql-compat=2', '--run=nothing-is-named-so', 'fail_cases.yml']);
  assert.equal(none.code, 0);
  assert.match(none.io.stdout, / {2}SUCCESS\n/);
});

test('an expected NaN matches a NaN result, and float rounding does not fail a test', async () => {
  const { code, io } = await vigil(['test', 'rules', '--promql-compat=2', 'vigil_nan.yml']);
  assert.equal(io.combined, 'Unit Testing:  vigil_nan.yml\n  SUCCESS\n\n');
  assert.equal(code, 0);
});

test('values match within a relative 1e-12: a value written to 10 digits must still be right', async () => {
  const { code, io } = await vigil(['test', 'rules', '--promql-compat=2', 'vigil_float_tolerance.yml']);
  assert.equal(code, 1);
  assert.equal(io.combined, [
    'Unit Testing:  vigil_float_tolerance.yml',
    '  FAILED:',
    '    expr: "1 / 3", time: 2m,',
    '        exp: {} 3.333333333E-01',
    '        got: {} 3.333333333333333E-01',
    '',
    '',
  ].join('\n') + '\n');
});

test('rule file errors are reported for each test group', async () => {
  const { code, io } = await vigil(['test', 'rules', '--promql-compat=2', 'vigil_bad_rule_file.yml']);
  assert.equal(code, 1);
  const errLines = io.stderr.split('\n').filter((l) => l.includes('rules_unparsable.yml'));
  assert.equal(errLines.length, 2);
  for (const l of errLines) assert.match(l, /unclosed left parenthesis/);
});

test('rule_files are found relative to the test file', async () => {
  const { code, io } = await vigil(['test', 'rules', '--promql-compat=2', join(TESTDATA, 'pass_eval_order.yml')], '/');
  assert.equal(io.combined, `Unit Testing:  ${join(TESTDATA, 'pass_eval_order.yml')}\n  SUCCESS\n\n`);
  assert.equal(code, 0);
});

test('a missing test file is a command-line error', async () => {
  const { code, io } = await vigil(['test', 'rules', 'no_such_test.yml']);
  assert.equal(code, 1);
  assert.equal(io.stderr, "vigil: error: path 'no_such_test.yml' does not exist, try --help\n");
});

test('bad flags exit 2 with usage on stderr', async () => {
  for (const args of [['test', 'rules', '--promql-compat=4', 'x.yml'], ['test', 'rules', '--nope', 'x.yml'], ['test', 'rules']]) {
    const { code, io } = await vigil(args);
    assert.equal(code, 2, args.join(' '));
    assert.match(io.stderr, /^vigil: error: .*\n\nusage: vigil test rules/);
    assert.equal(io.stdout, '');
  }
});

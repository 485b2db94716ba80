import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  checkRuleFiles,
  findDuplicateRules,
  formatCheckReport,
  loadRuleFiles,
  parseRuleFile,
} from '../../src/rules/file.js';

// Tests run from dist/test/rules; the YAML stays in the source tree.
const TESTDATA = join(process.cwd(), 'test', 'rules', 'testdata');

function compatOf(name: string): 2 | 3 {
  return name.includes('_v2') ? 2 : 3;
}

for (const name of readdirSync(join(TESTDATA, 'bad')).filter((f) => f.endsWith('.yml'))) {
  test(`bad/${name} reports exactly the expected errors`, () => {
    const text = readFileSync(join(TESTDATA, 'bad', name), 'utf8');
    const expected = readFileSync(join(TESTDATA, 'bad', `${name}.errors`), 'utf8').split('\n').filter((l) => l !== '');
    const res = parseRuleFile(text, name, { compat: compatOf(name) });
    assert.equal(res.file, null);
    assert.deepEqual(res.errors.map((e) => e.text), expected);
  });
}

for (const name of readdirSync(join(TESTDATA, 'good')).filter((f) => f.endsWith('.yml'))) {
  test(`good/${name} loads without errors`, () => {
    const res = parseRuleFile(readFileSync(join(TESTDATA, 'good', name), 'utf8'), name);
    assert.deepEqual(res.errors.map((e) => e.text), []);
    assert.notEqual(res.file, null);
  });
}

test('a loaded file has typed, defaulted fields', () => {
  const res = parseRuleFile(readFileSync(join(TESTDATA, 'good', 'node.yml'), 'utf8'), 'node.yml');
  const [node, limits] = res.file!.groups;
  assert.equal(node!.interval, 30_000);
  assert.equal(node!.query_offset, null);
  assert.equal(node!.limit, 0);
  const down = node!.rules[2]!;
  assert.equal(down.alert, 'InstanceDown');
  assert.equal(down.record, '');
  assert.equal(down.for, 5 * 60_000);
  assert.equal(down.keep_firing_for, 2 * 60_000);
  assert.match(down.annotations['description']!, /^\{\{ \$labels.instance \}\} of job/);
  assert.equal(limits!.limit, 10);
  assert.equal(limits!.query_offset, 60_000);
  assert.deepEqual(limits!.labels, { tier: '1' });
  assert.deepEqual(limits!.rules[0]!.labels, { severity: '3' }, 'scalars decode as their source text');
});

test('anchors resolve and an empty rules list is fine', () => {
  const res = parseRuleFile(readFileSync(join(TESTDATA, 'good', 'anchors.yml'), 'utf8'), 'anchors.yml');
  assert.deepEqual(res.file!.groups[0]!.rules[1]!.labels, { severity: 'warning', team: 'db' });
  assert.deepEqual(res.file!.groups[1]!.rules, []);
});

test('the names of compat 3 are UTF-8', () => {
  const res = parseRuleFile(readFileSync(join(TESTDATA, 'bad', 'names_v2.yml'), 'utf8'), 'n.yml', { compat: 3 });
  assert.deepEqual(res.errors.map((e) => e.text), []);
});

test('errors carry their context as data', () => {
  const res = parseRuleFile(readFileSync(join(TESTDATA, 'bad', 'durations.yml'), 'utf8'), 'd.yml');
  const e = res.errors[1]!;
  assert.deepEqual(
    { line: e.line, col: e.col, group: e.group, rule: e.rule, ruleName: e.ruleName, message: e.message },
    { line: 7, col: 14, group: 'g', rule: 1, ruleName: 'A', message: 'not a valid duration string: "5x"' },
  );
});

test('loadRuleFiles keeps clean files and gathers errors of all others', async () => {
  const res = await loadRuleFiles([
    join(TESTDATA, 'good', 'node.yml'),
    join(TESTDATA, 'bad', 'durations.yml'),
    join(TESTDATA, 'nope.yml'),
  ]);
  assert.deepEqual(res.files.map((f) => f.path), [join(TESTDATA, 'good', 'node.yml')]);
  assert.equal(res.errors.length, 4);
  assert.equal(res.errors[3]!.text, `${join(TESTDATA, 'nope.yml')}: no such file or directory`);
});

test('duplicate rules are found as promtool lints them', () => {
  const res = parseRuleFile(
    [
      'groups:',
      '  - name: a',
      '    rules:',
      '      - {alert: A, expr: up, labels: {a: "1"}}',
      '      - {alert: A, expr: down, labels: {a: "1"}}',
      '      - {alert: A, expr: up, labels: {a: "2"}}',
      '      - {record: r, expr: up}',
      '  - name: b',
      '    rules:',
      '      - {record: r, expr: up}',
      '      - {record: r, expr: up}',
    ].join('\n'),
    'dup.yml',
  );
  assert.deepEqual(findDuplicateRules(res.file!), [
    { metric: 'A', labels: [{ name: 'a', value: '1' }] },
    { metric: 'r', labels: [] },
  ]);
});

test('check report has promtool shape', () => {
  const checks = checkRuleFiles([join(TESTDATA, 'good', 'node.yml'), join(TESTDATA, 'bad', 'durations.yml')]);
  assert.equal(checks[0]!.ruleCount, 4);
  const report = formatCheckReport(checks);
  assert.equal(report.failed, true);
  const lines = report.text.split('\n');
  assert.deepEqual(lines.slice(0, 4), [
    `Checking ${join(TESTDATA, 'good', 'node.yml')}`,
    '  SUCCESS: 4 rules found',
    '',
    `Checking ${join(TESTDATA, 'bad', 'durations.yml')}`,
  ]);
  assert.equal(lines[4], '  FAILED:');
  assert.match(lines[5]!, /durations\.yml:3:15: group "g": not a valid duration string: "1\.5m"$/);
});

test('duplicate rules are reported as a lint finding that does not fail the check', async () => {
  const { writeFileSync, mkdtempSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const path = join(mkdtempSync(join(tmpdir(), 'vigil-rules-')), 'dup.yml');
  writeFileSync(path, 'groups:\n  - name: g\n    rules:\n      - {record: r, expr: up}\n      - {record: r, expr: down}\n');
  const report = formatCheckReport(checkRuleFiles([path]));
  assert.equal(report.failed, false);
  assert.equal(report.stdout, `Checking ${path}\n\n`);
  assert.equal(
    report.stderr,
    '  FAILED:\nlint error 1 duplicate rule(s) found.\nMetric: r\nLabel(s):\nMight cause inconsistency while recording expressions\n',
  );
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeStrict, YamlDecodeError, type Shape } from '../../src/cli/unittest/yaml_strict.js';
import { parseUnitTestFile } from '../../src/cli/unittest/test_file.js';

const point: Shape = {
  kind: 'struct',
  goType: 'main.point',
  fields: { name: { kind: 'string' }, x: { kind: 'float' }, at: { kind: 'duration' }, on: { kind: 'bool' }, tags: { kind: 'stringMap' } },
};

test('scalars decode as Go does: plain text kept for strings, numbers and bools typed', () => {
  const v = decodeStrict('name: 0x10\nx: 0x10\nat: 1h30m\non: yes\ntags: {a: yes, b: 1.50, c: ~}\n', point);
  assert.deepEqual(v, { name: '0x10', x: 16, at: 5_400_000, on: true, tags: { a: 'yes', b: '1.50', c: '' } });
});

test('null and absent fields take their zero value; an empty document is all zeros', () => {
  assert.deepEqual(decodeStrict('name: ~\nx:\n', point), { name: '', x: 0, at: 0, on: false, tags: {} });
  assert.deepEqual(decodeStrict('', point), { name: '', x: 0, at: 0, on: false, tags: {} });
});

test('.inf and .nan are floats; anchors, aliases and merge keys are followed', () => {
  const v = decodeStrict('base: &b {name: n, x: .nan}\n', { kind: 'struct', goType: 'main.w', fields: { base: point } }) as { base: { x: number } };
  assert.ok(Number.isNaN(v.base.x));
  const list: Shape = { kind: 'list', goType: '[]main.point', of: point };
  const merged = decodeStrict('- &p {name: a, x: -.inf}\n- <<: *p\n  x: 2\n- *p\n', list) as { name: string; x: number }[];
  assert.deepEqual(merged.map((p) => [p.name, p.x]), [['a', -Infinity], ['a', 2], ['a', -Infinity]]);
});

test('type errors are collected with their lines, long values cut as yaml.v2 does', () => {
  assert.throws(
    () => decodeStrict('name: [1]\nx: abcdefghijkl\non: 3\nwho: 1\n', point),
    (e: unknown) => e instanceof YamlDecodeError && e.message === [
      'yaml: unmarshal errors:',
      '  line 1: cannot unmarshal !!seq into string',
      '  line 2: cannot unmarshal !!str `abcdefg...` into float64',
      '  line 3: cannot unmarshal !!int `3` into bool',
      '  line 4: field who not found in type main.point',
    ].join('\n'),
  );
});

test('a bad duration aborts with its own message; a YAML syntax error names its line', () => {
  assert.throws(() => decodeStrict('x: zz\nat: 5 minutes\n', point), { message: 'not a valid duration string: "5 minutes"' });
  assert.throws(() => decodeStrict('name: a\n  x: [\n', point), { message: /^yaml: line \d+: / });
});

test('parseUnitTestFile fills defaults and decodes the whole format', () => {
  const f = parseUnitTestFile(`rule_files: [a.yml]
tests:
- name: t
  external_labels: {region: eu}
  external_url: http://x
  input_series: [{series: 'up{a="1"}', values: '1 2'}]
  alert_rule_test: [{eval_time: 5m, alertname: A, exp_alerts: [{exp_labels: {s: p}}]}]
  promql_expr_test: [{expr: up, eval_time: 1m, exp_samples: [{labels: up, value: 1e3}]}]
`);
  assert.equal(f.evaluation_interval, 0);
  assert.deepEqual(f.rule_files, ['a.yml']);
  const t = f.tests[0]!;
  assert.equal(t.interval, 0);
  assert.deepEqual(t.external_labels, { region: 'eu' });
  assert.deepEqual(t.alert_rule_test[0], { eval_time: 300_000, alertname: 'A', exp_alerts: [{ exp_labels: { s: 'p' }, exp_annotations: {} }] });
  assert.deepEqual(t.promql_expr_test[0], { expr: 'up', eval_time: 60_000, exp_samples: [{ labels: 'up', value: 1000 }] });
});

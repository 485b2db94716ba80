import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseExpr } from '../../src/promql/parser.js';
import { exprToString, formatGoFloat } from '../../src/promql/printer.js';

test('canonical form matches Prometheus printer.go', () => {
  const cases: [string, string][] = [
    ['sum(rate(x[5m])) by (job)', 'sum by (job) (rate(x[5m]))'],
    ['sum without(instance) (x)', 'sum without (instance) (x)'],
    ['sum by () (x)', 'sum(x)'],
    ['topk(5, foo)', 'topk(5, foo)'],
    ['count_values("v", foo)', 'count_values("v", foo)'],
    ['foo{b="1",a=~"x.*"} offset 1h30m', 'foo{a=~"x.*",b="1"} offset 1h30m'],
    ['foo offset -5m', 'foo offset -5m'],
    ['foo @ 123.4', 'foo @ 123.400'],
    ['foo[5m] @ start() offset 1w', 'foo[5m] @ start() offset 1w'],
    ['rate(foo[5m:])[1h:30s] @ end()', 'rate(foo[5m:])[1h:30s] @ end()'],
    ['a + on(x) group_left(y) b', 'a + on (x) group_left (y) b'],
    ['a / ignoring(x) group_right b', 'a / ignoring (x) group_right () b'],
    ['a and on() b', 'a and on () b'],
    ['a > bool 1', 'a > bool 1'],
    ['1 + 2 * 3', '1 + 2 * 3'],
    ['(1 + 2) * 3', '(1 + 2) * 3'],
    ['-foo', '-foo'],
    ['- 1', '-1'],
    ['"a\\nb"', '"a\\nb"'],
    ["'single'", '"single"'],
    ['1e21 + 0.00001', '1000000000000000000000 + 0.00001'],
    ['{__name__="foo"}', '{__name__="foo"}'],
    ['{__name__=~"foo"}', '{__name__=~"foo"}'],
    ['{"foo.bar", "a b"="c"}', '{"a b"="c",__name__="foo.bar"}'],
    ['sum by ("a b") (x)', 'sum by ("a b") (x)'],
    ['foo[90s]', 'foo[1m30s]'],
    ['label_replace(up, "a", "$1", "b", "(.*)")', 'label_replace(up, "a", "$1", "b", "(.*)")'],
  ];
  for (const [input, want] of cases) assert.equal(exprToString(parseExpr(input)), want, input);
});

test('printing is a fixed point: parse(print(e)) prints the same', () => {
  const inputs = [
    'sum by (job) (rate(http_requests_total{code=~"5.."}[5m])) / on(job) group_left sum by (job) (rate(x[5m]))',
    'histogram_quantile(0.99, sum by (le) (rate(b[5m]))) > bool 1',
    'max_over_time(deriv(rate(x[1m])[5m:1m])[10m:] offset 1h)',
    'absent(up{job="a"} == 1) or vector(0)',
  ];
  for (const s of inputs) {
    const once = exprToString(parseExpr(s));
    assert.equal(exprToString(parseExpr(once)), once, s);
  }
});

test('floats print like Go FormatFloat(f, -1)', () => {
  assert.equal(formatGoFloat(0.1), '0.1');
  assert.equal(formatGoFloat(1e-7), '0.0000001');
  assert.equal(formatGoFloat(123456789012), '123456789012');
  assert.equal(formatGoFloat(-2.5), '-2.5');
  assert.equal(formatGoFloat(Infinity), '+Inf');
  assert.equal(formatGoFloat(-Infinity), '-Inf');
  assert.equal(formatGoFloat(NaN), 'NaN');
});

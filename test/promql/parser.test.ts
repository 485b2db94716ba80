import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseExpr, parseMetricSelector, posToLineCol, ParseError, type ParseOptions } from '../../src/promql/parser.js';
import type { Expr } from '../../src/promql/ast.js';

/** Parses and returns the Prometheus-format error message; fails if parsing succeeds. */
function errOf(input: string, opts?: ParseOptions): string {
  try {
    parseExpr(input, opts);
  } catch (e) {
    assert.ok(e instanceof ParseError, `expected ParseError, got ${String(e)}`);
    return e.message;
  }
  assert.fail(`expected ${JSON.stringify(input)} to fail`);
}

/** A compact shape of the AST for precedence assertions. */
function shape(e: Expr): string {
  switch (e.kind) {
    case 'NumberLiteral': return String(e.value);
    case 'StringLiteral': return JSON.stringify(e.value);
    case 'VectorSelector': return e.name || '{}';
    case 'MatrixSelector': return `${shape(e.vectorSelector)}[${e.range}]`;
    case 'SubqueryExpr': return `${shape(e.expr)}[${e.range}:${e.step}]`;
    case 'ParenExpr': return `(${shape(e.expr)})`;
    case 'UnaryExpr': return `${e.op}{${shape(e.expr)}}`;
    case 'BinaryExpr': return `[${shape(e.lhs)} ${e.op} ${shape(e.rhs)}]`;
    case 'Call': return `${e.func}(${e.args.map(shape).join(',')})`;
    case 'AggregateExpr': return `${e.op}(${e.param ? shape(e.param) + ',' : ''}${shape(e.expr)})`;
  }
}

test('numbers in all notations', () => {
  const cases: [string, number][] = [
    ['1', 1], ['.5', 0.5], ['5.', 5], ['123.4567', 123.4567], ['5e-3', 0.005], ['5e3', 5000], ['0xc', 12],
    ['0755', 493], ['+5.5e-3', 0.0055], ['-0755', -493], ['1_000', 1000], ['0x1F', 31],
  ];
  for (const [input, want] of cases) {
    const e = parseExpr(input);
    assert.equal(e.kind, 'NumberLiteral', input);
    if (e.kind === 'NumberLiteral') assert.equal(e.value, want, input);
  }
  const inf = parseExpr('+Inf');
  assert.ok(inf.kind === 'NumberLiteral' && inf.value === Infinity);
  const ninf = parseExpr('-inF');
  assert.ok(ninf.kind === 'NumberLiteral' && ninf.value === -Infinity);
  const nan = parseExpr('NaN');
  assert.ok(nan.kind === 'NumberLiteral' && Number.isNaN(nan.value));
});

test('unary minus folds into number literals with the sign position', () => {
  const e = parseExpr('-1*2');
  assert.equal(shape(e), '[-1 * 2]');
  assert.ok(e.kind === 'BinaryExpr' && e.lhs.kind === 'NumberLiteral');
  if (e.kind === 'BinaryExpr') assert.deepEqual(e.lhs.pos, { start: 0, end: 2 });
});

test('operator precedence and associativity', () => {
  const cases: [string, string][] = [
    ['-1^2', '-{[1 ^ 2]}'],
    ['-1^-2', '-{[1 ^ -2]}'],
    ['2^3^2', '[2 ^ [3 ^ 2]]'],
    ['1 + 2 * 3', '[1 + [2 * 3]]'],
    ['1 - 2 - 3', '[[1 - 2] - 3]'],
    ['+1 + -2 * 1', '[1 + [-2 * 1]]'],
    ['1 < bool 2 - 1 * 2', '[1 < [2 - [1 * 2]]]'],
    ['foo + bar or bla and blub', '[[foo + bar] or [bla and blub]]'],
    ['foo and bar unless baz or qux', '[[[foo and bar] unless baz] or qux]'],
    ['a atan2 b * c', '[[a atan2 b] * c]'],
    ['-a * b', '[-{a} * b]'],
    ['-a ^ b', '-{[a ^ b]}'],
    ['a == b > c', '[[a == b] > c]'],
    ['1 + 2/(3*1)', '[1 + [2 / ([3 * 1])]]'],
  ];
  for (const [input, want] of cases) assert.equal(shape(parseExpr(input)), want, input);
});

test('postfix modifiers bind tighter than any operator', () => {
  // The subquery applies to `b` alone, so the sum has a range-vector operand at 1:5.
  assert.equal(errOf('a + b[5m:]'), '1:5: parse error: binary expression must contain only scalar and instant vector types');
  assert.equal(shape(parseExpr('a + b offset 5m')), '[a + b]');
  const neg = parseExpr('-foo offset 5m');
  assert.ok(neg.kind === 'UnaryExpr' && neg.expr.kind === 'VectorSelector' && neg.expr.offset === 300000);
  const pow = parseExpr('a ^ b @ 10');
  assert.ok(pow.kind === 'BinaryExpr' && pow.rhs.kind === 'VectorSelector' && pow.rhs.timestamp === 10000);
});

test('vector selectors, names, keywords as metric names', () => {
  const e = parseExpr('foo:bar{a="bc"}');
  assert.ok(e.kind === 'VectorSelector');
  if (e.kind !== 'VectorSelector') return;
  assert.equal(e.name, 'foo:bar');
  assert.deepEqual(e.matchers.map((m) => [m.type, m.name, m.value]), [['=', 'a', 'bc'], ['=', '__name__', 'foo:bar']]);
  assert.deepEqual(e.pos, { start: 0, end: 15 });
  for (const kw of ['min', 'sum', 'by', 'offset', 'and', 'without', 'start']) {
    const k = parseExpr(kw);
    assert.ok(k.kind === 'VectorSelector' && k.name === kw, kw);
  }
  assert.equal(shape(parseExpr('foo * sum')), '[foo * sum]');
  const q = parseExpr('{"foo", a="bc"}');
  assert.ok(q.kind === 'VectorSelector' && q.name === '');
  if (q.kind === 'VectorSelector') assert.deepEqual(q.matchers.map((m) => [m.name, m.value]), [['__name__', 'foo'], ['a', 'bc']]);
  const tr = parseExpr('foo{a="b", foo!="bar", test=~"test", bar!~"baz",}');
  assert.ok(tr.kind === 'VectorSelector' && tr.matchers.length === 5);
  const esc = parseExpr(`{'foo\\'bar', 'a\\\\dos\\\\path'='boo\\\\urns'}`);
  if (esc.kind === 'VectorSelector') assert.deepEqual(esc.matchers.map((m) => [m.name, m.value]), [['__name__', "foo'bar"], ['a\\dos\\path', 'boo\\urns']]);
  const nm = parseExpr('{__name__=~"bar", __name__!~"baz"}');
  assert.ok(nm.kind === 'VectorSelector' && nm.matchers.length === 2);
});

test('regex matchers follow the compat mode for dot and newline', () => {
  const v3 = parseExpr('foo{a=~"x.y"}');
  const v2 = parseExpr('foo{a=~"x.y"}', { compat: 2 });
  assert.ok(v3.kind === 'VectorSelector' && v2.kind === 'VectorSelector');
  if (v3.kind === 'VectorSelector' && v2.kind === 'VectorSelector') {
    assert.equal(v3.matchers[0]!.matches('x\ny'), true);
    assert.equal(v2.matchers[0]!.matches('x\ny'), false);
  }
});

test('ranges, subqueries, offsets and @', () => {
  const m = parseExpr('test{a="b"}[5y] OFFSET 3d');
  assert.ok(m.kind === 'MatrixSelector');
  if (m.kind === 'MatrixSelector') {
    assert.equal(m.range, 5 * 365 * 86400000);
    assert.equal(m.vectorSelector.offset, 3 * 86400000);
    assert.deepEqual(m.pos, { start: 0, end: 25 });
    assert.deepEqual(m.vectorSelector.pos, { start: 0, end: 11 });
  }
  const neg = parseExpr('foo offset -7m');
  assert.ok(neg.kind === 'VectorSelector' && neg.offset === -420000);
  const sq = parseExpr('min_over_time(rate(foo{bar="baz"}[2s])[5m:] offset 4m)[4m:3s]');
  assert.ok(sq.kind === 'SubqueryExpr' && sq.range === 240000 && sq.step === 3000);
  if (sq.kind === 'SubqueryExpr' && sq.expr.kind === 'Call') {
    const inner = sq.expr.args[0]!;
    assert.ok(inner.kind === 'SubqueryExpr' && inner.offset === 240000 && inner.step === 0);
  }
  const at: [string, number][] = [['foo @ 1603774568', 1603774568000], ['foo @ -100', -100000], ['foo @ .3', 300],
    ['foo @ 3.3335', 3334], ['foo @ 0xA', 10000], ['foo @ -3.3e1', -33000]];
  for (const [input, ts] of at) {
    const e = parseExpr(input);
    assert.ok(e.kind === 'VectorSelector' && e.timestamp === ts, input);
  }
  const se = parseExpr('foo[5m] @ end()');
  assert.ok(se.kind === 'MatrixSelector' && se.vectorSelector.startOrEnd === 'end');
  const sub = parseExpr('sum(foo)[5m:1m] @ start() offset 1m');
  assert.ok(sub.kind === 'SubqueryExpr' && sub.startOrEnd === 'start' && sub.offset === 60000);
});

test('Prometheus 3 accepts numbers as seconds where durations go; 2 does not', () => {
  const m = parseExpr('test[5]');
  assert.ok(m.kind === 'MatrixSelector' && m.range === 5000);
  const o = parseExpr('test{a="b"}[5m] OFFSET 3600');
  assert.ok(o.kind === 'MatrixSelector' && o.vectorSelector.offset === 3600000);
  const d = parseExpr('5m');
  assert.ok(d.kind === 'NumberLiteral' && d.value === 300);
  assert.equal(errOf('test[5]', { compat: 2 }), '1:6: parse error: missing unit character in duration');
  assert.equal(errOf('foo offset 5', { compat: 2 }), '1:12: parse error: unexpected number "5" in offset, expected duration');
  assert.equal(errOf('5m', { compat: 2 }), '1:1: parse error: unexpected duration "5m"');
});

test('aggregations: grouping before or after, keywords as labels, params', () => {
  const a = parseExpr('sum by (foo)(some_metric)');
  const b = parseExpr('sum(some_metric) by (foo)');
  for (const e of [a, b]) {
    assert.ok(e.kind === 'AggregateExpr');
    if (e.kind === 'AggregateExpr') {
      assert.deepEqual(e.grouping, ['foo']);
      assert.equal(e.without, false);
    }
  }
  assert.deepEqual(a.pos, { start: 0, end: 25 });
  assert.deepEqual(b.pos, { start: 0, end: 25 });
  const kw = parseExpr('sum without(and, by, avg, count, alert, annotations)(some_metric)');
  assert.ok(kw.kind === 'AggregateExpr' && kw.without);
  if (kw.kind === 'AggregateExpr') assert.deepEqual(kw.grouping, ['and', 'by', 'avg', 'count', 'alert', 'annotations']);
  const tr = parseExpr('sum by (foo,)(x)');
  assert.ok(tr.kind === 'AggregateExpr' && tr.grouping.length === 1);
  const q = parseExpr(`sum by ("foo", bar, 'baz')({"some.metric"})`);
  if (q.kind === 'AggregateExpr') assert.deepEqual(q.grouping, ['foo', 'bar', 'baz']);
  const t = parseExpr('topk(5, some_metric)');
  assert.ok(t.kind === 'AggregateExpr' && t.param?.kind === 'NumberLiteral' && t.expr.kind === 'VectorSelector');
  const cv = parseExpr('count_values("value", some_metric)');
  assert.ok(cv.kind === 'AggregateExpr' && cv.param?.kind === 'StringLiteral');
  const up = parseExpr('SUM(foo)');
  assert.ok(up.kind === 'AggregateExpr' && up.op === 'sum');
});

test('binary matching modifiers and set-operation cardinality', () => {
  const e = parseExpr('bar + on(foo) bla / on(baz, buz) group_right(test) blub');
  assert.ok(e.kind === 'BinaryExpr' && e.rhs.kind === 'BinaryExpr');
  if (e.kind === 'BinaryExpr' && e.rhs.kind === 'BinaryExpr') {
    assert.deepEqual(e.matching, { card: 'one-to-one', matchingLabels: ['foo'], on: true, include: [] });
    assert.deepEqual(e.rhs.matching, { card: 'one-to-many', matchingLabels: ['baz', 'buz'], on: true, include: ['test'] });
  }
  const s = parseExpr('foo and ignoring() bar');
  assert.ok(s.kind === 'BinaryExpr' && s.matching?.card === 'many-to-many' && s.matching.on === false);
  const sc = parseExpr('foo == bool 1');
  assert.ok(sc.kind === 'BinaryExpr' && sc.matching === null && sc.returnBool);
  const gl = parseExpr('foo * on(test,blub) group_left bar');
  assert.ok(gl.kind === 'BinaryExpr' && gl.matching?.card === 'many-to-one');
});

test('comments and whitespace are ignored; positions stay on the source', () => {
  const e = parseExpr('# a comment\nsum(\n  foo # trailing\n)');
  assert.ok(e.kind === 'AggregateExpr');
  assert.deepEqual(e.pos.start, 12);
});

test('syntax errors: exact Prometheus messages and positions', () => {
  const cases: [string, string][] = [
    ['', 'unknown position: parse error: no expression found in input'],
    ['# just a comment\n\n', '1:1: parse error: no expression found in input'],
    ['1+', '1:3: parse error: unexpected end of input'],
    ['.', "1:1: parse error: unexpected character: '.'"],
    ['2.5.', '1:1: parse error: bad number or duration syntax: "2.5."'],
    ['100..4', '1:1: parse error: bad number or duration syntax: "100.."'],
    ['0deadbeef', '1:1: parse error: bad number or duration syntax: "0de"'],
    ['1 /', '1:4: parse error: unexpected end of input'],
    ['*1', '1:1: parse error: unexpected <op:*>'],
    ['(1))', "1:5: parse error: unexpected right parenthesis ')'"],
    ['((1)', '1:5: parse error: unclosed left parenthesis'],
    ['(', '1:2: parse error: unclosed left parenthesis'],
    ['1 !~ 1', "1:3: parse error: unexpected character after '!': '~'"],
    ['1 =~ 1', "1:3: parse error: unexpected character after '=': '~'"],
    ['@@', '1:1: parse error: unexpected <op:@>'],
    ['a - on(b) ignoring(c) d', '1:11: parse error: unexpected <ignoring>'],
    ['foo + group_left(baz) bar', '1:7: parse error: unexpected <group_left>'],
    ['{', '1:2: parse error: unexpected end of input inside braces'],
    ['}', "1:1: parse error: unexpected character: '}'"],
    ['some{', '1:6: parse error: unexpected end of input inside braces'],
    ['some}', "1:5: parse error: unexpected character: '}'"],
    ['some_metric{a=b}', '1:15: parse error: unexpected identifier "b" in label matching, expected string'],
    ['some_metric{a:b="b"}', "1:14: parse error: unexpected character inside braces: ':'"],
    ['foo{a*"b"}', "1:6: parse error: unexpected character inside braces: '*'"],
    ['foo{a>="b"}', "1:6: parse error: unexpected character inside braces: '>'"],
    ['foo{gibberish}', '1:14: parse error: unexpected "}" in label matching, expected label matching operator'],
    ['foo{1}', "1:5: parse error: unexpected character inside braces: '1'"],
    ['foo{__name__= =}', '1:15: parse error: unexpected "=" in label matching, expected string'],
    ['foo{,}', '1:5: parse error: unexpected "," in label matching, expected identifier or "}"'],
    ['foo{__name__ == "bar"}', '1:15: parse error: unexpected "=" in label matching, expected string'],
    ['foo{__name__="bar" lol}', '1:20: parse error: unexpected identifier "lol" in label matching, expected "," or "}"'],
    ['foo{"a"=}', '1:9: parse error: unexpected "}" in label matching, expected string'],
    ['foo[5mm]', '1:5: parse error: bad number or duration syntax: "5mm"'],
    ['foo[5m1]', '1:5: parse error: bad number or duration syntax: "5m1"'],
    ['foo[5m:1m1]', '1:8: parse error: bad number or duration syntax: "1m1"'],
    ['foo[5m1h]', '1:5: parse error: not a valid duration string: "5m1h"'],
    ['foo[0m]', '1:5: parse error: duration must be greater than 0'],
    ['some_metric[5m] OFFSET 1mm', '1:24: parse error: bad number or duration syntax: "1mm"'],
    ['some_metric[5m] OFFSET', '1:23: parse error: unexpected end of input in offset, expected number or duration'],
    ['some_metric[5m] @', '1:18: parse error: unexpected end of input in @, expected timestamp'],
    ['foo[5m 1m]', '1:8: parse error: unexpected duration "1m" in subquery or range, expected ":" or "]"'],
    ['foo[5m:1m 2m]', '1:11: parse error: unexpected duration "2m" in subquery selector, expected "]"'],
    ['sum(foo bar)', '1:9: parse error: unexpected identifier "bar" in aggregation'],
    ['sum by (foo) bar', '1:14: parse error: unexpected identifier "bar" in aggregation'],
    ['sum(foo) by bar', '1:13: parse error: unexpected identifier "bar" in grouping opts, expected "("'],
    ['sum by (foo bar)(x)', '1:13: parse error: unexpected identifier "bar" in grouping opts, expected "," or ")"'],
    ['sum by (1)(x)', '1:9: parse error: unexpected number "1" in grouping opts, expected label'],
    ['rate(foo bar)', '1:10: parse error: unexpected identifier "bar"'],
    ['foo bar', '1:5: parse error: unexpected identifier "bar"'],
    [`sum by ("foo)(some_metric{})`, '1:9: parse error: unterminated quoted string'],
    ['"\\q"', "1:1: parse error: unknown escape sequence U+0071 'q'"],
    ['foo @ start', '1:12: parse error: unexpected end of input in @, expected timestamp'],
    ['foo offset foo', '1:12: parse error: unexpected identifier "foo" in offset, expected number or duration'],
    ['foo[', '1:5: parse error: unclosed left bracket'],
    ['foo[]', '1:5: parse error: unexpected "]" in subquery selector, expected number or duration'],
    ['foo[5m', '1:7: parse error: unclosed left bracket'],
    ['foo]', "1:4: parse error: unexpected right bracket ']'"],
    ['foo[5m][5m]', '1:8: parse error: ranges only allowed for vector selectors'],
  ];
  for (const [input, want] of cases) assert.equal(errOf(input), want, input);
});

test('semantic errors found while parsing', () => {
  const cases: [string, string][] = [
    ['1 offset 1d', '1:1: parse error: offset modifier must be preceded by an instant vector selector or range vector selector or a subquery'],
    ['foo offset 1s offset 2s', '1:1: parse error: offset may not be set multiple times'],
    ['some_metric OFFSET 1m[5m]', '1:22: parse error: no offset modifiers allowed before range'],
    ['some_metric @ 1234 [5m]', '1:20: parse error: no @ modifiers allowed before range'],
    ['(foo + bar)[5m]', '1:12: parse error: ranges only allowed for vector selectors'],
    ['foo @ +Inf', '1:1: parse error: timestamp out of bounds for @ modifier: +Inf'],
    ['foo @ NaN', '1:1: parse error: timestamp out of bounds for @ modifier: NaN'],
    ['foo @ 1 @ 2', '1:1: parse error: @ <timestamp> may not be set multiple times'],
    ['sum(foo) @ 1', '1:1: parse error: @ modifier must be preceded by an instant vector selector or range vector selector or a subquery'],
    ['foo(bar)', '1:1: parse error: unknown function with name "foo"'],
    ['rate(foo[5m],)', '1:13: parse error: trailing commas not allowed in function call args'],
    ['sum()', '1:1: parse error: no arguments for aggregate expression provided'],
    ['topk(foo)', '1:1: parse error: wrong number of arguments for aggregate expression provided, expected 2, got 1'],
    ['sum(1, foo)', '1:1: parse error: wrong number of arguments for aggregate expression provided, expected 1, got 2'],
    ['limitk(1, foo)', '1:1: parse error: limitk() is experimental and must be enabled with --enable-feature=promql-experimental-functions'],
    ['mad_over_time(foo[5m])', '1:1: parse error: function "mad_over_time" is not enabled'],
    ['foo{a=~"(x"}', '1:5: parse error: ' + errMsgOfRegex()],
  ];
  for (const [input, want] of cases) assert.equal(errOf(input), want, input);
  assert.doesNotThrow(() => parseExpr('mad_over_time(foo[5m])', { experimentalFunctions: true }));
  assert.doesNotThrow(() => parseExpr('limitk(1, foo)', { experimentalFunctions: true }));
});

function errMsgOfRegex(): string {
  try {
    parseExpr('foo{a=~"(x"}');
  } catch (e) {
    return (e as ParseError).errors[0]!.msg;
  }
  return '';
}

test('type-check errors, reported only after a clean parse', () => {
  const cases: [string, string][] = [
    ['1 and 1', '1:1: parse error: set operator "and" not allowed in binary scalar expression'],
    ['1 == 1', '1:3: parse error: comparisons between scalars must use BOOL modifier'],
    ['foo + bool bar', '1:5: parse error: bool modifier can only be used on comparison operators'],
    ['foo and bool 10', '1:5: parse error: bool modifier can only be used on comparison operators'],
    ['1 or on(bar) foo', '1:1: parse error: vector matching only allowed between instant vectors'],
    ['foo and on(bar) group_left(baz) bar', '1:1: parse error: no grouping allowed for "and" operation'],
    ['http_requests{group="production"} + on(instance) group_left(job,instance) cpu_count{type="smp"}',
      '1:35: parse error: label "instance" must not occur in ON and GROUP clause at once'],
    ['-"string"', '1:1: parse error: unary expression only allowed on expressions of type scalar or instant vector, got "string"'],
    ['-test[5m]', '1:1: parse error: unary expression only allowed on expressions of type scalar or instant vector, got "range vector"'],
    ['{}', '1:1: parse error: vector selector must contain at least one non-empty matcher'],
    ['{x=""}', '1:1: parse error: vector selector must contain at least one non-empty matcher'],
    ['{x=~".*"}', '1:1: parse error: vector selector must contain at least one non-empty matcher'],
    ['{x!="a"}', '1:1: parse error: vector selector must contain at least one non-empty matcher'],
    ['foo{__name__="bar"}', '1:1: parse error: metric name must not be set twice: "foo" or "bar"'],
    ['rate(foo)', '1:6: parse error: expected type range vector in call to function "rate", got instant vector'],
    ['rate(foo[5m], 1)', '1:1: parse error: expected 1 argument(s) in call to "rate", got 2'],
    ['label_join(foo)', '1:1: parse error: expected at least 3 argument(s) in call to "label_join", got 1'],
    ['round(foo, 1, 2)', '1:1: parse error: expected at most 2 argument(s) in call to "round", got 3'],
    ['sum(foo[5m])', '1:5: parse error: expected type instant vector in aggregation expression, got range vector'],
    ['topk("x", foo)', '1:6: parse error: expected type scalar in aggregation parameter, got string'],
    ['foo[5m] + 1', '1:1: parse error: binary expression must contain only scalar and instant vector types'],
    ['(foo + 1)[5m:][1m:]', '1:1: parse error: subquery is only allowed on instant vector, got matrix instead'],
  ];
  for (const [input, want] of cases) assert.equal(errOf(input), want, input);
});

test('several errors are collected; the message shows the first, as Prometheus does', () => {
  try {
    parseExpr('foo and on(bar) group_left(baz) bar');
    assert.fail('should fail');
  } catch (e) {
    assert.ok(e instanceof ParseError);
    assert.deepEqual(e.errors.map((x) => x.msg), ['no grouping allowed for "and" operation', 'set operations must always be many-to-many']);
    assert.equal(e.message, '1:1: parse error: no grouping allowed for "and" operation');
  }
});

test('line and column are computed like Prometheus (1-based, bytes)', () => {
  assert.deepEqual(posToLineCol('a\nbc', 3), { line: 2, col: 2 });
  assert.deepEqual(posToLineCol('é+', 1), { line: 1, col: 3 });
  assert.equal(errOf('sum(\n  foo\n) +'), '3:4: parse error: unexpected end of input');
  assert.equal(errOf('foo +\n  bar baz'), '2:7: parse error: unexpected identifier "baz"');
});

test('functions only in one major version', () => {
  assert.doesNotThrow(() => parseExpr('holt_winters(foo[5m], 0.5, 0.5)', { compat: 2 }));
  assert.equal(errOf('holt_winters(foo[5m], 0.5, 0.5)'), '1:1: parse error: unknown function with name "holt_winters"');
  assert.equal(errOf('double_exponential_smoothing(foo[5m], 0.5, 0.5)', { compat: 2 }),
    '1:1: parse error: unknown function with name "double_exponential_smoothing"');
});

test('parseMetricSelector returns matchers', () => {
  const ms = parseMetricSelector('foo{a="b", c=~"d.*"}');
  assert.deepEqual(ms.map((m) => [m.type, m.name, m.value]), [['=', 'a', 'b'], ['=~', 'c', 'd.*'], ['=', '__name__', 'foo']]);
  assert.throws(() => parseMetricSelector('foo + bar'), /1:5: parse error: unexpected <op:\+>/);
  assert.throws(() => parseMetricSelector('rate(x)'), ParseError);
});

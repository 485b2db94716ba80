/** Tenant scoping of PromQL queries: every selector, wherever it sits, gets the tenant's matcher only. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scopeQuery } from '../../src/api/scope_query.js';
import { parseExpr } from '../../src/promql/parser.js';
import type { Expr, VectorSelector } from '../../src/promql/ast.js';

function scoped(q: string, tenant = 'acme', label?: string): string {
  const r = scopeQuery(q, tenant, label);
  assert.ok(r.ok, JSON.stringify(r));
  return r.query;
}

/** Every vector selector of an expression, matrix selectors' included. */
function selectors(e: Expr): VectorSelector[] {
  switch (e.kind) {
    case 'VectorSelector': return [e];
    case 'MatrixSelector': return [e.vectorSelector];
    case 'SubqueryExpr': case 'ParenExpr': case 'UnaryExpr': return selectors(e.expr);
    case 'BinaryExpr': return [...selectors(e.lhs), ...selectors(e.rhs)];
    case 'AggregateExpr': return [...selectors(e.expr), ...(e.param ? selectors(e.param) : [])];
    case 'Call': return e.args.flatMap(selectors);
    default: return [];
  }
}

/** The scoped query parses, and each of its selectors has exactly one tenant matcher: `= tenant`. */
function assertScoped(q: string, tenant = 'acme', label = 'tenant'): string {
  const out = scoped(q, tenant, label);
  const sels = selectors(parseExpr(out));
  for (const s of sels) {
    const t = s.matchers.filter((m) => m.name === label);
    assert.equal(t.length, 1, out);
    assert.equal(t[0]!.type, '=');
    assert.equal(t[0]!.value, tenant);
  }
  // Scoping is idempotent: a scoped query scopes to itself.
  assert.equal(scoped(out, tenant, label), out);
  return out;
}

test('a plain selector gets the tenant matcher', () => {
  assert.equal(assertScoped('up'), 'up{tenant="acme"}');
  assert.equal(assertScoped('up{job="node"}'), 'up{job="node",tenant="acme"}');
});

test('any tenant matcher the query had is replaced, whatever its match type', () => {
  assert.equal(assertScoped('{tenant="other"}'), '{tenant="acme"}');
  assert.equal(assertScoped('up{tenant="other"}'), 'up{tenant="acme"}');
  assert.equal(assertScoped('{tenant=~".*"}'), '{tenant="acme"}');
  assert.equal(assertScoped('up{tenant!="acme"}'), 'up{tenant="acme"}');
  assert.equal(assertScoped('up{tenant!~"x", tenant=~"o.*", tenant="a"}'), 'up{tenant="acme"}');
  assert.equal(assertScoped('{__name__=~".+"}'), '{__name__=~".+",tenant="acme"}');
  assert.equal(assertScoped('{"tenant"="other", "a.b"="c"}'), '{"a.b"="c",tenant="acme"}');
});

test('selectors inside binary operations, functions, aggregations, subqueries, offset and @ are scoped', () => {
  assert.equal(assertScoped('up or on() {tenant!="a"}'), 'up{tenant="acme"} or on () {tenant="acme"}');
  assert.equal(assertScoped('sum by (tenant) (rate(x{tenant!~"a"}[5m] offset 1m @ 100))'),
    'sum by (tenant) (rate(x{tenant="acme"}[5m] @ 100.000 offset 1m))');
  assert.equal(assertScoped('max_over_time(rate(x[5m])[1h:1m] offset 5m)'), 'max_over_time(rate(x{tenant="acme"}[5m])[1h:1m] offset 5m)');
  assert.equal(assertScoped('topk(scalar(y{tenant="b"}), x @ end())'), 'topk(scalar(y{tenant="acme"}), x{tenant="acme"} @ end())');
  assert.equal(assertScoped('-(a / on(instance) group_left b{tenant="z"}) > bool 3'),
    '-(a{tenant="acme"} / on (instance) group_left () b{tenant="acme"}) > bool 3');
  assert.equal(assertScoped('absent(nope{tenant="z"})'), 'absent(nope{tenant="acme"})');
  assert.equal(assertScoped('label_replace(up, "tenant", "other", "", "")'), 'label_replace(up{tenant="acme"}, "tenant", "other", "", "")');
  assert.equal(assertScoped('count_values("v", up{tenant=~".+"}) unless vector(1)'), 'count_values("v", up{tenant="acme"}) unless vector(1)');
  assert.equal(
    assertScoped('quantile_over_time(0.9, (sum(rate(a[1m])) / ignoring(x) sum(rate(b[1m])))[30m:]) and on() count_over_time(c{tenant="x"}[5m:1m] @ start())'),
    'quantile_over_time(0.9, (sum(rate(a{tenant="acme"}[1m])) / ignoring (x) sum(rate(b{tenant="acme"}[1m])))[30m:]) and on () count_over_time(c{tenant="acme"}[5m:1m] @ start())',
  );
});

test('a query without selectors is returned as is', () => {
  assert.equal(assertScoped('1 + 2'), '1 + 2');
  assert.equal(assertScoped('vector(time())'), 'vector(time())');
});

test('tenant ids are quoted, never spliced', () => {
  const tenant = 'a"} or vector(1) or {x="\\\n';
  const out = assertScoped('up', tenant);
  assert.equal(out, 'up{tenant="a\\"} or vector(1) or {x=\\"\\\\\\n"}');
});

test('the tenant label name is configurable', () => {
  assert.equal(assertScoped('up{org="x", tenant="y"}', 'acme', 'org'), 'up{org="acme",tenant="y"}');
  assert.equal(assertScoped('{org=~".*"}', 'acme', 'org'), '{org="acme"}');
});

test('a query that does not parse gives Prometheus\'s error with line:col', () => {
  const cases: [string, RegExp][] = [
    ['up{', /^1:4: parse error: /],
    ['sum(\n  rate(x[5m]) +', /^2:16: parse error: unclosed left parenthesis$/],
    ['rate(up)', /^1:6: parse error: expected type range vector/],
    ['', /parse error/],
    ['up{tenant=~".*"} +', /^1:\d+: parse error: /],
    ['{tenant=~".*"} + nope(1)', /parse error: unknown function with name "nope"/],
  ];
  for (const [q, re] of cases) {
    const r = scopeQuery(q, 'acme');
    assert.ok(!r.ok, q);
    assert.match(r.error, re);
  }
});

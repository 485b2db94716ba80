/**
 * Confines a tenant's PromQL query to its own series: every vector and matrix selector,
 * wherever it sits (functions, aggregations, binary operations, subqueries, with offset or
 * `@`), gets the matcher `tenant="<id>"`, and any other matcher on that label goes.
 */
import type { Expr, VectorSelector } from '../promql/ast.js';
import { Lexer } from '../promql/lexer.js';
import { goQuote } from '../util/go_quote.js';
import { newMatcher } from '../promql/matcher.js';
import { ParseError, parseExpr, type ParseOptions } from '../promql/parser.js';
import { exprToString } from '../promql/printer.js';

function scopeSelector(vs: VectorSelector, tenant: string, label: string): VectorSelector {
  // Whatever the query said about the tenant label (=, !=, =~, !~) is replaced, not combined.
  const kept = vs.matchers.filter((m) => m.name !== label);
  return { ...vs, matchers: [...kept, newMatcher('=', label, tenant)] };
}

/** `e` with every selector scoped to `tenant`. */
export function scopeExpr(e: Expr, tenant: string, label = 'tenant'): Expr {
  const go = (x: Expr): Expr => scopeExpr(x, tenant, label);
  switch (e.kind) {
    case 'VectorSelector': return scopeSelector(e, tenant, label);
    case 'MatrixSelector': return { ...e, vectorSelector: scopeSelector(e.vectorSelector, tenant, label) };
    case 'SubqueryExpr': return { ...e, expr: go(e.expr) };
    case 'ParenExpr': return { ...e, expr: go(e.expr) };
    case 'UnaryExpr': return { ...e, expr: go(e.expr) };
    case 'BinaryExpr': return { ...e, lhs: go(e.lhs), rhs: go(e.rhs) };
    case 'AggregateExpr': return { ...e, expr: go(e.expr), param: e.param ? go(e.param) : null };
    case 'Call': return { ...e, args: e.args.map(go) };
    case 'NumberLiteral':
    case 'StringLiteral':
      return e;
  }
}

const EMPTY_SELECTOR = 'vector selector must contain at least one non-empty matcher';

/**
 * `query` with `label="tenant",` just inside every `{`. Only braces of selectors lex as
 * LEFT_BRACE, so this gives `{tenant=~".*"}` the non-empty matcher Prometheus insists on;
 * scopeExpr then replaces it like any other tenant matcher.
 */
function prefillTenant(query: string, tenant: string, label: string, opts: ParseOptions): string {
  const lexer = new Lexer(query, opts.compat ? { compat: opts.compat } : {});
  const matcher = `${/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(label) ? label : goQuote(label)}=${goQuote(tenant)},`;
  let out = '';
  let from = 0;
  for (let t = lexer.next(); t.type !== 'EOF' && t.type !== 'ERROR'; t = lexer.next()) {
    if (t.type !== 'LEFT_BRACE') continue;
    out += query.slice(from, t.pos + 1) + matcher;
    from = t.pos + 1;
  }
  return out + query.slice(from);
}

/**
 * Parses `query`, scopes every selector to `tenant` and prints it back (Prometheus's
 * canonical text); a query that does not parse gives Prometheus's `line:col: parse error: ...`.
 */
export function scopeQuery(
  query: string, tenant: string, tenantLabel = 'tenant', opts: ParseOptions = {},
): { ok: true; query: string } | { ok: false; error: string } {
  let expr: Expr;
  try {
    expr = parseExpr(query, opts);
  } catch (e) {
    if (!(e instanceof ParseError)) throw e;
    // A selector that selects every series is refused by Prometheus, but not once it is scoped.
    if (!e.errors.every((x) => x.msg === EMPTY_SELECTOR)) return { ok: false, error: e.message };
    try {
      expr = parseExpr(prefillTenant(query, tenant, tenantLabel, opts), opts);
    } catch {
      return { ok: false, error: e.message };
    }
  }
  return { ok: true, query: exprToString(scopeExpr(expr, tenant, tenantLabel)) };
}

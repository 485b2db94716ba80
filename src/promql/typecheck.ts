/**
 * PromQL type checks (Prometheus's checkAST), run only after a clean parse: operand
 * types of operators, aggregations and function calls, and selector rules, reported
 * with Prometheus's messages at the offending node's position.
 */
import type { BinaryExpr, BinaryOp, Call, Expr, PosRange, ValueType, VectorMatching, VectorSelector } from './ast.js';
import { goQuote } from '../util/go_quote.js';
import { lookupFunction } from './signatures.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };


/** What the type checker needs from the parser: where to report, and the source text. */
export interface CheckContext {
  readonly input: string;
  readonly compat: 2 | 3;
  addError(pos: PosRange, msg: string): void;
}


/** The value type an expression evaluates to. */
export function exprType(e: Expr, compat: 2 | 3 = 3): ValueType {
  switch (e.kind) {
    case 'AggregateExpr': case 'VectorSelector': return 'vector';
    case 'Call': return lookupFunction(e.func, compat)?.returnType ?? 'vector';
    case 'MatrixSelector': case 'SubqueryExpr': return 'matrix';
    case 'NumberLiteral': return 'scalar';
    case 'StringLiteral': return 'string';
    case 'ParenExpr': case 'UnaryExpr': return exprType(e.expr, compat);
    case 'BinaryExpr':
      return exprType(e.lhs, compat) === 'scalar' && exprType(e.rhs, compat) === 'scalar' ? 'scalar' : 'vector';
  }
}

/** Prometheus's DocumentedType. */
function documentedType(t: ValueType): string {
  return t === 'vector' ? 'instant vector' : t === 'matrix' ? 'range vector' : t;
}

const COMPARISON_OPS = new Set<BinaryOp>(['==', '!=', '>', '<', '>=', '<=']);
const SET_OPS = new Set<BinaryOp>(['and', 'or', 'unless']);
const isSpaceChar = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\n' || c === '\r';

function expectType(node: Expr, want: ValueType, context: string, ctx: CheckContext): void {
  const t = checkAST(node, ctx);
  if (t !== want) ctx.addError(node.pos, `expected type ${documentedType(want)} in ${context}, got ${documentedType(t)}`);
}

/** Type-checks `node` and its children, reporting to `ctx`; returns the node's type. */
export function checkAST(node: Expr, ctx: CheckContext): ValueType {
  const typ = exprType(node, ctx.compat);
  switch (node.kind) {
    case 'AggregateExpr':
      expectType(node.expr, 'vector', 'aggregation expression', ctx);
      if (['topk', 'bottomk', 'quantile', 'limitk', 'limit_ratio'].includes(node.op) && node.param) {
        expectType(node.param, 'scalar', 'aggregation parameter', ctx);
      }
      if (node.op === 'count_values' && node.param) expectType(node.param, 'string', 'aggregation parameter', ctx);
      break;
    case 'BinaryExpr':
      checkBinary(node, ctx);
      break;
    case 'Call':
      checkCall(node, ctx);
      break;
    case 'ParenExpr':
      checkAST(node.expr, ctx);
      break;
    case 'UnaryExpr': {
      const t = checkAST(node.expr, ctx);
      if (t !== 'scalar' && t !== 'vector') {
        ctx.addError(node.pos, `unary expression only allowed on expressions of type scalar or instant vector, got ${goQuote(documentedType(t))}`);
      }
      break;
    }
    case 'SubqueryExpr': {
      const t = checkAST(node.expr, ctx);
      if (t !== 'vector') ctx.addError(node.pos, `subquery is only allowed on instant vector, got ${t} instead`);
      break;
    }
    case 'MatrixSelector':
      checkAST(node.vectorSelector, ctx);
      break;
    case 'VectorSelector':
      checkVectorSelector(node, ctx, false);
      break;
    case 'NumberLiteral': case 'StringLiteral':
      break;
  }
  return typ;
}

function checkVectorSelector(n: VectorSelector, ctx: CheckContext, bypassEmptyCheck: boolean): void {
  if (n.name !== '') {
    // The last matcher is the one for the name given outside the braces.
    for (const m of n.matchers.slice(0, -1)) {
      if (m.name === '__name__') ctx.addError(n.pos, `metric name must not be set twice: ${goQuote(n.name)} or ${goQuote(m.value)}`);
    }
    return;
  }
  if (bypassEmptyCheck) return;
  // At least one matcher must reject "", so a typo cannot select every series.
  if (!n.matchers.some((m) => !m.matches(''))) ctx.addError(n.pos, 'vector selector must contain at least one non-empty matcher');
}

function checkBinary(n: BinaryExpr, ctx: CheckContext): void {
  const lt = checkAST(n.lhs, ctx);
  const rt = checkAST(n.rhs, ctx);
  const opRange = (): PosRange => {
    let start = n.lhs.pos.end;
    while (isSpaceChar(ctx.input[start])) start++;
    let end = n.rhs.pos.start - 1;
    while (end > start && isSpaceChar(ctx.input[end])) end--;
    return { start, end };
  };
  const isComparison = COMPARISON_OPS.has(n.op);
  const isSet = SET_OPS.has(n.op);
  if (n.returnBool && !isComparison) ctx.addError(opRange(), 'bool modifier can only be used on comparison operators');
  if (isComparison && !n.returnBool && rt === 'scalar' && lt === 'scalar') {
    ctx.addError(opRange(), 'comparisons between scalars must use BOOL modifier');
  }
  const vm = n.matching as Mutable<VectorMatching> | null;
  if (vm && isSet && vm.card === 'one-to-one') vm.card = 'many-to-many';
  if (vm && vm.on) {
    for (const l of vm.matchingLabels) {
      if (vm.include.includes(l)) ctx.addError(opRange(), `label ${goQuote(l)} must not occur in ON and GROUP clause at once`);
    }
  }
  if (lt !== 'scalar' && lt !== 'vector') ctx.addError(n.lhs.pos, 'binary expression must contain only scalar and instant vector types');
  if (rt !== 'scalar' && rt !== 'vector') ctx.addError(n.rhs.pos, 'binary expression must contain only scalar and instant vector types');
  if ((lt !== 'vector' || rt !== 'vector') && vm) {
    if (vm.matchingLabels.length > 0) ctx.addError(n.pos, 'vector matching only allowed between instant vectors');
    (n as Mutable<BinaryExpr>).matching = null;
  } else if (isSet && vm) {
    if (vm.card === 'one-to-many' || vm.card === 'many-to-one') ctx.addError(n.pos, `no grouping allowed for ${goQuote(n.op)} operation`);
    if (vm.card !== 'many-to-many') ctx.addError(n.pos, 'set operations must always be many-to-many');
  }
  if ((lt === 'scalar' || rt === 'scalar') && isSet) {
    ctx.addError(n.pos, `set operator ${goQuote(n.op)} not allowed in binary scalar expression`);
  }
}

function checkCall(n: Call, ctx: CheckContext): void {
  const fn = lookupFunction(n.func, ctx.compat);
  if (!fn) return; // Already reported while parsing.
  const nargs = fn.argTypes.length;
  const name = goQuote(fn.name);
  if (fn.variadic === 0) {
    if (nargs !== n.args.length) ctx.addError(n.pos, `expected ${nargs} argument(s) in call to ${name}, got ${n.args.length}`);
  } else {
    const na = nargs - 1;
    if (na > n.args.length) {
      ctx.addError(n.pos, `expected at least ${na} argument(s) in call to ${name}, got ${n.args.length}`);
    } else if (fn.variadic > 0 && na + fn.variadic < n.args.length) {
      ctx.addError(n.pos, `expected at most ${na + fn.variadic} argument(s) in call to ${name}, got ${n.args.length}`);
    }
  }
  let infoSelector: VectorSelector | null = null;
  if (fn.name === 'info' && n.args.length > 1) {
    const a = n.args[1]!;
    const t = exprType(a, ctx.compat);
    if (t !== 'vector') ctx.addError(n.pos, `expected type instant vector in call to function ${name}, got ${documentedType(t)}`);
    if (a.kind === 'VectorSelector') {
      if (a.name !== '') ctx.addError(a.pos, 'expected label selectors only, got vector selector instead');
      infoSelector = a;
    }
  }
  for (let i = 0; i < n.args.length; i++) {
    let ti = i;
    if (i >= nargs) {
      // Extra arguments of a fixed-arity function were reported above; do not type them.
      if (fn.variadic === 0) break;
      ti = nargs - 1;
    }
    const arg = n.args[i]!;
    const want = fn.argTypes[ti]!;
    if (arg === infoSelector) {
      checkVectorSelector(infoSelector, ctx, true);
      if (want !== 'vector') ctx.addError(arg.pos, `expected type ${documentedType(want)} in call to function ${name}, got instant vector`);
      continue;
    }
    expectType(arg, want, `call to function ${name}`, ctx);
  }
}

/**
 * Prometheus's canonical String() of a PromQL expression (promql/parser/printer.go),
 * as shown in error messages and promtool reports, e.g. `sum by (job) (rate(x[5m]))`.
 */
import type { AggregateExpr, BinaryExpr, Expr, SubqueryExpr, VectorSelector } from './ast.js';
import type { Matcher } from './matcher.js';
import { formatDuration } from './duration.js';
import { goQuote } from '../util/go_quote.js';

const LEGACY_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Go's strconv.FormatFloat(v, 'f', -1, 64): shortest digits, never an exponent. */
export function formatGoFloat(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const sign = v < 0 ? '-' : '';
  const [mant, expStr] = Math.abs(v).toExponential().split('e') as [string, string];
  const digits = mant.replace('.', '');
  const exp = Number(expStr);
  let out: string;
  if (exp >= digits.length - 1) out = digits + '0'.repeat(exp - digits.length + 1);
  else if (exp >= 0) out = digits.slice(0, exp + 1) + '.' + digits.slice(exp + 1);
  else out = '0.' + '0'.repeat(-exp - 1) + digits;
  return sign + out;
}

/** Prometheus's labels.Matcher String(): `name="value"`, the name quoted when not a plain identifier. */
export function matcherString(m: Matcher): string {
  const name = LEGACY_NAME.test(m.name) ? m.name : goQuote(m.name);
  return `${name}${m.type}${goQuote(m.value)}`;
}

function labelList(ls: readonly string[]): string {
  return ls.map((l) => (LEGACY_NAME.test(l) ? l : goQuote(l))).join(', ');
}

function offsetSuffix(offset: number): string {
  if (offset > 0) return ` offset ${formatDuration(offset)}`;
  if (offset < 0) return ` offset -${formatDuration(-offset)}`;
  return '';
}

function atSuffix(n: { timestamp: number | null; startOrEnd: 'start' | 'end' | null }): string {
  if (n.timestamp !== null) return ` @ ${(n.timestamp / 1000).toFixed(3)}`;
  if (n.startOrEnd === 'start') return ' @ start()';
  if (n.startOrEnd === 'end') return ' @ end()';
  return '';
}

function selectorBody(n: VectorSelector): string {
  const parts: string[] = [];
  for (const m of n.matchers) {
    if (m.name === '__name__' && m.type === '=' && m.value === n.name && m.value !== '') continue;
    parts.push(matcherString(m));
  }
  parts.sort();
  return parts.length === 0 ? n.name : `${n.name}{${parts.join(',')}}`;
}

function aggregateString(n: AggregateExpr): string {
  let s: string = n.op;
  if (n.without) s += ` without (${labelList(n.grouping)}) `;
  else if (n.grouping.length > 0) s += ` by (${labelList(n.grouping)}) `;
  s += '(';
  if (n.param) s += exprToString(n.param) + ', ';
  return s + exprToString(n.expr) + ')';
}

function matchingString(n: BinaryExpr): string {
  const vm = n.matching;
  if (!vm) return '';
  let s = '';
  const grouped = vm.card === 'many-to-one' || vm.card === 'one-to-many';
  if (vm.matchingLabels.length > 0 || vm.on || grouped) {
    s += ` ${vm.on ? 'on' : 'ignoring'} (${labelList(vm.matchingLabels)})`;
  }
  if (grouped) s += ` group_${vm.card === 'many-to-one' ? 'left' : 'right'} (${labelList(vm.include)})`;
  return s;
}

function subqueryString(n: SubqueryExpr): string {
  const step = n.step !== 0 ? formatDuration(n.step) : '';
  return `${exprToString(n.expr)}[${formatDuration(n.range)}:${step}]${atSuffix(n)}${offsetSuffix(n.offset)}`;
}

/** The canonical text of an expression, as Prometheus's printer.go writes it. */
export function exprToString(e: Expr): string {
  switch (e.kind) {
    case 'AggregateExpr': return aggregateString(e);
    case 'BinaryExpr':
      return `${exprToString(e.lhs)} ${e.op}${e.returnBool ? ' bool' : ''}${matchingString(e)} ${exprToString(e.rhs)}`;
    case 'Call': return `${e.func}(${e.args.map(exprToString).join(', ')})`;
    case 'MatrixSelector': {
      const vs = e.vectorSelector;
      return `${selectorBody(vs)}[${formatDuration(e.range)}]${atSuffix(vs)}${offsetSuffix(vs.offset)}`;
    }
    case 'SubqueryExpr': return subqueryString(e);
    case 'NumberLiteral': return formatGoFloat(e.value);
    case 'StringLiteral': return goQuote(e.value);
    case 'ParenExpr': return `(${exprToString(e.expr)})`;
    case 'UnaryExpr': return `${e.op}${exprToString(e.expr)}`;
    case 'VectorSelector': return `${selectorBody(e)}${atSuffix(e)}${offsetSuffix(e.offset)}`;
  }
}

/**
 * The PromQL parser: text to the AST of ast.ts, following Prometheus's grammar
 * (promql/parser/generated_parser.y) and its error messages. A recursive-descent parser
 * with precedence climbing stands in for the yacc one; where yacc would recover from a
 * syntax error with an `error` rule, we report the same "unexpected X in Y, expected Z".
 * Type checks run only after a clean parse, as in Prometheus.
 */
import type {
  AggregateExpr, AggregateOp, AtModifier, BinaryExpr, BinaryOp, Call, Expr, MatrixSelector, NumberLiteral,
  ParenExpr, PosRange, StringLiteral, SubqueryExpr, UnaryExpr, VectorMatching, VectorSelector,
} from './ast.js';
import { Lexer, describeToken, isAggregator, unquoteString, type Token, type TokenType } from './lexer.js';
import { goQuote } from '../util/go_quote.js';
import { newMatcher, type Matcher, type MatchType } from './matcher.js';
import { parseDuration } from './duration.js';
import { lookupFunction, type FunctionSignature } from './signatures.js';
import { checkAST, exprType, type CheckContext } from './typecheck.js';

/** Parser options. */
export interface ParseOptions {
  /** Prometheus major version to emulate (default 3). */
  compat?: 2 | 3;
  /**
   * Allow functions and aggregations behind Prometheus's
   * `--enable-feature=promql-experimental-functions` (default false, as in Prometheus).
   */
  experimentalFunctions?: boolean;
}

/** One parse error at a position. */
export interface ParseErrorItem { pos: PosRange; line: number; col: number; msg: string }

/**
 * A failed parse. `errors` holds every error found; `message` is Prometheus's text
 * (`ParseErrors.Error()` shows only the first): `<line>:<col>: parse error: <msg>`.
 */
export class ParseError extends Error {
  readonly errors: ParseErrorItem[];
  constructor(errors: ParseErrorItem[], input: string) {
    super(errors.length === 0 ? 'error contains no error message' : formatParseError(errors[0]!, input));
    this.name = 'ParseError';
    this.errors = errors;
  }

  /** Every error in Prometheus's format, one per entry. */
  allMessages(input: string): string[] {
    return this.errors.map((e) => formatParseError(e, input));
  }
}

/** Prometheus's ParseErr.Error(). */
function formatParseError(e: ParseErrorItem, input: string): string {
  let where: string;
  if (input === '') where = 'unknown position';
  else if (e.pos.start < 0 || e.pos.start > input.length) where = 'invalid position';
  else where = `${e.line}:${e.col}`;
  return `${where}: parse error: ${e.msg}`;
}

/** 1-based line and column of an offset; the column counts UTF-8 bytes, as Prometheus does. */
export function posToLineCol(input: string, offset: number): { line: number; col: number } {
  let line = 1;
  let lastNl = -1;
  const end = Math.min(offset, input.length);
  for (let i = 0; i < end; i++) if (input[i] === '\n') { line++; lastNl = i; }
  return { line, col: Buffer.byteLength(input.slice(lastNl + 1, end)) + 1 };
}

/** Parses a PromQL expression and type-checks it; throws ParseError. */
export function parseExpr(input: string, opts: ParseOptions = {}): Expr {
  const p = new Parser(input, opts);
  let expr: Expr | null = null;
  try {
    expr = p.parseStart();
  } catch (e) {
    if (e !== STOP) throw e;
  }
  if (p.errors.length === 0 && expr) checkAST(expr, p.ctx);
  if (p.errors.length > 0 || !expr) throw new ParseError(p.errors, input);
  return expr;
}

/** Parses a series selector such as `foo{a="b"}` into its matchers; throws ParseError. */
export function parseMetricSelector(input: string, opts: ParseOptions = {}): Matcher[] {
  const p = new Parser(input, opts);
  let vs: VectorSelector | null = null;
  try {
    vs = p.parseSelectorStart();
  } catch (e) {
    if (e !== STOP) throw e;
  }
  if (p.errors.length > 0 || !vs) throw new ParseError(p.errors, input);
  return [...vs.matchers];
}

/** Thrown internally to abandon the parse after a syntax error. */
const STOP = Symbol('stop');

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const BINARY_PREC: Partial<Record<TokenType, number>> = {
  LOR: 1, LAND: 2, LUNLESS: 2, EQLC: 3, NEQ: 3, LTE: 3, LSS: 3, GTE: 3, GTR: 3,
  ADD: 4, SUB: 4, MUL: 5, DIV: 5, MOD: 5, ATAN2: 5, POW: 6,
};
const POW_PREC = 6;

const BINARY_OPS: Partial<Record<TokenType, BinaryOp>> = {
  LOR: 'or', LAND: 'and', LUNLESS: 'unless', EQLC: '==', NEQ: '!=', LTE: '<=', LSS: '<', GTE: '>=', GTR: '>',
  ADD: '+', SUB: '-', MUL: '*', DIV: '/', MOD: '%', ATAN2: 'atan2', POW: '^',
};

const MATCH_OPS: Partial<Record<TokenType, MatchType>> = { EQL: '=', NEQ: '!=', EQL_REGEX: '=~', NEQ_REGEX: '!~' };

/** Tokens that may name a metric (Prometheus's metric_identifier). */
const METRIC_IDENTIFIERS = new Set<TokenType>([
  'AVG', 'BOTTOMK', 'BY', 'COUNT', 'COUNT_VALUES', 'GROUP', 'IDENTIFIER', 'LAND', 'LOR', 'LUNLESS', 'MAX',
  'METRIC_IDENTIFIER', 'MIN', 'OFFSET', 'QUANTILE', 'STDDEV', 'STDVAR', 'SUM', 'TOPK', 'WITHOUT', 'START', 'END',
  'LIMITK', 'LIMIT_RATIO',
]);

/** Keywords that may still be label names inside grouping parentheses (maybe_label). */
const MAYBE_LABELS = new Set<TokenType>([
  'AVG', 'BOOL', 'BOTTOMK', 'BY', 'COUNT', 'COUNT_VALUES', 'GROUP', 'GROUP_LEFT', 'GROUP_RIGHT', 'IDENTIFIER',
  'IGNORING', 'LAND', 'LOR', 'LUNLESS', 'MAX', 'METRIC_IDENTIFIER', 'MIN', 'OFFSET', 'ON', 'QUANTILE', 'STDDEV',
  'STDVAR', 'SUM', 'TOPK', 'START', 'END', 'ATAN2', 'LIMITK', 'LIMIT_RATIO',
]);

const PARAM_AGGREGATORS = new Set<string>(['topk', 'bottomk', 'count_values', 'quantile', 'limitk', 'limit_ratio']);
const EXPERIMENTAL_AGGREGATORS = new Set<string>(['limitk', 'limit_ratio']);

function mergeRanges(a: PosRange, b: PosRange): PosRange {
  return { start: a.start, end: b.end };
}

function tokRange(t: Token): PosRange {
  return { start: t.pos, end: t.pos + t.val.length };
}

/** Go's math.Round: halves away from zero. */
function roundHalfAway(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

/** Go's `%f`. */
function goFixed6(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return '+Inf';
  if (x === -Infinity) return '-Inf';
  if (Math.abs(x) < 1e21) return x.toFixed(6);
  return BigInt(Math.trunc(x)).toString() + '.000000';
}

/** Converts a NUMBER token as Prometheus does: strconv.ParseInt(s, 0, 64), else ParseFloat. */
export function parseNumberToken(s: string): { value: number } | { error: string } {
  const lower = s.toLowerCase();
  if (lower === 'inf' || lower === 'infinity') return { value: Infinity };
  if (lower === 'nan') return { value: NaN };
  const clean = s.replace(/_/g, '');
  let m: RegExpExecArray | null;
  if ((m = /^0[xX]([0-9a-fA-F]+)$/.exec(clean))) return { value: Number(BigInt('0x' + m[1])) };
  if ((m = /^0[oO]?([0-7]+)$/.exec(clean))) return { value: Number(BigInt('0o' + m[1])) };
  if ((m = /^0[bB]([01]+)$/.exec(clean))) return { value: Number(BigInt('0b' + m[1])) };
  if (/^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(clean)) {
    const v = Number(clean);
    if (!Number.isFinite(v)) {
      return { error: `error parsing number: strconv.ParseFloat: parsing ${goQuote(s)}: value out of range` };
    }
    return { value: v };
  }
  return { error: `error parsing number: strconv.ParseFloat: parsing ${goQuote(s)}: invalid syntax` };
}

/** The recursive-descent parser over the lexer's token stream. */
class Parser {
  readonly errors: ParseErrorItem[] = [];
  readonly compat: 2 | 3;
  readonly experimental: boolean;
  readonly ctx: CheckContext;
  private readonly lexer: Lexer;
  private la: Token | null = null;
  /** Nesting of aggregations; yacc's `aggregate_op error` rule names them in errors. */
  private aggDepth = 0;

  constructor(readonly input: string, opts: ParseOptions) {
    this.compat = opts.compat ?? 3;
    this.experimental = opts.experimentalFunctions ?? false;
    this.lexer = new Lexer(input, { compat: this.compat });
    this.ctx = { input, compat: this.compat, addError: (pos, msg) => this.addError(pos, msg) };
  }

  // ---- token plumbing ----

  private peek(): Token {
    if (this.la) return this.la;
    let t: Token;
    do t = this.lexer.next(); while (t.type === 'COMMENT');
    if (t.type === 'ERROR') {
      this.addError({ start: t.pos, end: this.input.length }, t.val);
      this.la = t;
      throw STOP;
    }
    this.la = t;
    return t;
  }

  private next(): Token {
    const t = this.peek();
    this.la = null;
    return t;
  }

  addError(pos: PosRange, msg: string): void {
    const { line, col } = posToLineCol(this.input, pos.start);
    this.errors.push({ pos, line, col, msg });
  }

  /** yacc's error recovery: "unexpected <token>[ in <context>][, expected <what>]", then stop. */
  private unexpected(context: string, expected: string): never {
    const t = this.peek();
    let msg = `unexpected ${describeToken(t)}`;
    if (context !== '') msg += ` in ${context}`;
    if (expected !== '') msg += `, expected ${expected}`;
    this.addError(tokRange(t), msg);
    throw STOP;
  }

  /** An error where only the enclosing aggregation (if any) gives context. */
  private unexpectedGeneric(): never {
    return this.unexpected(this.aggDepth > 0 ? 'aggregation' : '', '');
  }

  // ---- entry points ----

  parseStart(): Expr | null {
    if (this.peek().type === 'EOF') {
      this.addError({ start: 0, end: 0 }, 'no expression found in input');
      return null;
    }
    const e = this.parseExpr(0);
    if (this.peek().type !== 'EOF') this.unexpectedGeneric();
    return e;
  }

  parseSelectorStart(): VectorSelector | null {
    const t = this.peek();
    let vs: VectorSelector;
    if (t.type === 'LEFT_BRACE') vs = this.parseVectorSelector(null);
    else if (METRIC_IDENTIFIERS.has(t.type)) vs = this.parseVectorSelector(this.next());
    else this.unexpectedGeneric();
    if (this.peek().type !== 'EOF') this.unexpectedGeneric();
    return vs;
  }

  // ---- expressions ----

  private parseExpr(minPrec: number): Expr {
    let lhs = this.parseUnary();
    for (;;) {
      const t = this.peek();
      const prec = BINARY_PREC[t.type];
      if (prec === undefined || prec < minPrec) return lhs;
      this.next();
      const mods = this.parseBinModifiers();
      const rhs = this.parseExpr(t.type === 'POW' ? prec : prec + 1);
      const bin: BinaryExpr = {
        kind: 'BinaryExpr', pos: mergeRanges(lhs.pos, rhs.pos), op: BINARY_OPS[t.type]!, lhs, rhs,
        matching: mods.matching, returnBool: mods.returnBool,
      };
      lhs = bin;
    }
  }

  /** `bool`, `on(...)`/`ignoring(...)`, `group_left(...)`/`group_right(...)`. */
  private parseBinModifiers(): { returnBool: boolean; matching: VectorMatching } {
    const m: Mutable<VectorMatching> = { card: 'one-to-one', matchingLabels: [], on: false, include: [] };
    let returnBool = false;
    if (this.peek().type === 'BOOL') { this.next(); returnBool = true; }
    const t = this.peek();
    if (t.type === 'ON' || t.type === 'IGNORING') {
      this.next();
      m.on = t.type === 'ON';
      m.matchingLabels = this.parseGroupingLabels().labels;
      const g = this.peek();
      if (g.type === 'GROUP_LEFT' || g.type === 'GROUP_RIGHT') {
        this.next();
        m.card = g.type === 'GROUP_LEFT' ? 'many-to-one' : 'one-to-many';
        if (this.peek().type === 'LEFT_PAREN') m.include = this.parseGroupingLabels().labels;
      }
    }
    return { returnBool, matching: m };
  }

  /** Unary +/- bind looser than `^` but tighter than `*` (Prometheus gives them MUL precedence). */
  private parseUnary(): Expr {
    const t = this.peek();
    if (t.type !== 'ADD' && t.type !== 'SUB') return this.parsePostfix(this.parsePrimary());
    this.next();
    const operand = this.parseExpr(POW_PREC);
    if (operand.kind === 'NumberLiteral') {
      const nl: NumberLiteral = {
        kind: 'NumberLiteral', pos: { start: t.pos, end: operand.pos.end },
        value: t.type === 'SUB' ? -operand.value : operand.value,
      };
      return nl;
    }
    const u: UnaryExpr = {
      kind: 'UnaryExpr', pos: { start: t.pos, end: operand.pos.end }, op: t.type === 'SUB' ? '-' : '+', expr: operand,
    };
    return u;
  }

  private parsePrimary(): Expr {
    const t = this.peek();
    switch (t.type) {
      case 'NUMBER': {
        this.next();
        return this.numberLiteral(t);
      }
      case 'DURATION': {
        if (this.compat === 2) this.unexpectedGeneric();
        this.next();
        const nl: NumberLiteral = { kind: 'NumberLiteral', pos: tokRange(t), value: this.durationToken(t) / 1000 };
        return nl;
      }
      case 'STRING': {
        this.next();
        const s: StringLiteral = { kind: 'StringLiteral', pos: tokRange(t), value: unquoteString(t.val) };
        return s;
      }
      case 'LEFT_PAREN': {
        this.next();
        const inner = this.parseExpr(0);
        const close = this.peek();
        if (close.type !== 'RIGHT_PAREN') this.unexpectedGeneric();
        this.next();
        const p: ParenExpr = { kind: 'ParenExpr', pos: { start: t.pos, end: close.pos + 1 }, expr: inner };
        return p;
      }
      case 'LEFT_BRACE':
        return this.parseVectorSelector(null);
      case 'IDENTIFIER': {
        this.next();
        if (this.peek().type === 'LEFT_PAREN') return this.parseCall(t);
        return this.parseVectorSelector(t);
      }
    }
    if (isAggregator(t.type)) {
      this.next();
      const n = this.peek().type;
      if (n === 'LEFT_PAREN' || n === 'BY' || n === 'WITHOUT') return this.parseAggregation(t);
      return this.parseVectorSelector(t);
    }
    if (METRIC_IDENTIFIERS.has(t.type)) {
      this.next();
      return this.parseVectorSelector(t);
    }
    return this.unexpectedGeneric();
  }

  private numberLiteral(t: Token): NumberLiteral {
    const r = parseNumberToken(t.val);
    let value = 0;
    if ('error' in r) this.addError(tokRange(t), r.error);
    else value = r.value;
    return { kind: 'NumberLiteral', pos: tokRange(t), value };
  }

  /** A DURATION token in ms; invalid or zero durations are reported and give 0. */
  private durationToken(t: Token): number {
    try {
      const ms = parseDuration(t.val);
      if (ms === 0) {
        this.addError(tokRange(t), 'duration must be greater than 0');
        return 0;
      }
      return ms;
    } catch (e) {
      this.addError(tokRange(t), (e as Error).message);
      return 0;
    }
  }

  /** A range/offset operand: a duration, or (Prometheus 3) a number of seconds. */
  private isDurationOperand(t: Token): boolean {
    return t.type === 'DURATION' || (this.compat === 3 && t.type === 'NUMBER');
  }

  private durationOperand(t: Token): number {
    if (t.type === 'DURATION') return this.durationToken(t);
    const r = parseNumberToken(t.val);
    if ('error' in r) {
      this.addError(tokRange(t), r.error);
      return 0;
    }
    return Math.trunc(r.value * 1000);
  }

  // ---- postfix: [range], [range:step], offset, @ ----

  private parsePostfix(e: Expr): Expr {
    for (;;) {
      const t = this.peek();
      if (t.type === 'LEFT_BRACKET') e = this.parseRangeOrSubquery(e);
      else if (t.type === 'OFFSET') e = this.parseOffset(e);
      else if (t.type === 'AT') e = this.parseAt(e);
      else return e;
    }
  }

  private parseRangeOrSubquery(e: Expr): Expr {
    const open = this.next();
    const durWord = this.compat === 3 ? 'number or duration' : 'duration';
    const rt = this.peek();
    if (!this.isDurationOperand(rt)) this.unexpected('subquery selector', durWord);
    this.next();
    const range = this.durationOperand(rt);
    const after = this.peek();
    if (after.type === 'RIGHT_BRACKET') {
      this.next();
      return this.makeMatrix(e, range, open, after);
    }
    if (after.type !== 'COLON') this.unexpected('subquery or range', '":" or "]"');
    this.next();
    let step = 0;
    const st = this.peek();
    if (this.isDurationOperand(st)) {
      this.next();
      step = this.durationOperand(st);
      if (this.peek().type !== 'RIGHT_BRACKET') this.unexpected('subquery selector', '"]"');
    } else if (st.type !== 'RIGHT_BRACKET') {
      this.unexpected('subquery selector', `${durWord} or "]"`);
    }
    const close = this.next();
    const sq: SubqueryExpr = {
      kind: 'SubqueryExpr', pos: { start: e.pos.start, end: close.pos + 1 }, expr: e, range, step,
      offset: 0, timestamp: null, startOrEnd: null,
    };
    return sq;
  }

  private makeMatrix(e: Expr, range: number, open: Token, close: Token): MatrixSelector {
    let msg = '';
    if (e.kind !== 'VectorSelector') msg = 'ranges only allowed for vector selectors';
    else if (e.offset !== 0) msg = 'no offset modifiers allowed before range';
    else if (e.timestamp !== null || e.startOrEnd !== null) msg = 'no @ modifiers allowed before range';
    if (msg !== '') this.addError({ start: open.pos, end: close.pos + 1 }, msg);
    const vs: VectorSelector = e.kind === 'VectorSelector'
      ? e
      : { kind: 'VectorSelector', pos: e.pos, name: '', matchers: [], offset: 0, timestamp: null, startOrEnd: null };
    return { kind: 'MatrixSelector', pos: { start: e.pos.start, end: close.pos + 1 }, vectorSelector: vs, range };
  }

  private parseOffset(e: Expr): Expr {
    this.next();
    let t = this.peek();
    let sign = 1;
    if (t.type === 'SUB') {
      this.next();
      sign = -1;
      t = this.peek();
    }
    if (!this.isDurationOperand(t)) this.unexpected('offset', this.compat === 3 ? 'number or duration' : 'duration');
    this.next();
    const offset = sign * this.durationOperand(t);
    const end = t.pos + t.val.length;
    return this.addOffset(e, offset, end);
  }

  private addOffset(e: Expr, offset: number, end: number): Expr {
    let current: number;
    if (e.kind === 'VectorSelector') current = e.offset;
    else if (e.kind === 'MatrixSelector') current = e.vectorSelector.offset;
    else if (e.kind === 'SubqueryExpr') current = e.offset;
    else {
      this.addError(e.pos, 'offset modifier must be preceded by an instant vector selector or range vector selector or a subquery');
      return e;
    }
    if (current !== 0) {
      this.addError(e.pos, 'offset may not be set multiple times');
      offset = current;
    }
    const pos = { start: e.pos.start, end };
    if (e.kind === 'VectorSelector') return { ...e, offset, pos };
    if (e.kind === 'MatrixSelector') return { ...e, pos, vectorSelector: { ...e.vectorSelector, offset } };
    return { ...e, offset, pos };
  }

  private parseAt(e: Expr): Expr {
    this.next();
    const t = this.peek();
    if (t.type === 'START' || t.type === 'END') {
      this.next();
      if (this.peek().type !== 'LEFT_PAREN') this.unexpected('@', 'timestamp');
      this.next();
      const close = this.peek();
      if (close.type !== 'RIGHT_PAREN') this.unexpected('@', 'timestamp');
      this.next();
      return this.setAt(e, null, t.type === 'START' ? 'start' : 'end', close.pos + 1);
    }
    let sign = 1;
    let num = t;
    if (t.type === 'ADD' || t.type === 'SUB') {
      this.next();
      sign = t.type === 'SUB' ? -1 : 1;
      num = this.peek();
    }
    const isNum = num.type === 'NUMBER' || (this.compat === 3 && num.type === 'DURATION');
    if (!isNum) this.unexpected('@', 'timestamp');
    this.next();
    let ts: number;
    if (num.type === 'DURATION') ts = this.durationToken(num) / 1000;
    else {
      const r = parseNumberToken(num.val);
      if ('error' in r) { this.addError(tokRange(num), r.error); ts = 0; } else ts = r.value;
    }
    ts *= sign;
    if (!Number.isFinite(ts) || ts >= 9223372036854775807 || ts <= -9223372036854775808) {
      this.addError(e.pos, `timestamp out of bounds for @ modifier: ${goFixed6(ts)}`);
    }
    return this.setAt(e, roundHalfAway(ts * 1000), null, num.pos + num.val.length);
  }

  private setAt(e: Expr, timestamp: number | null, startOrEnd: AtModifier, end: number): Expr {
    let cur: { timestamp: number | null; startOrEnd: AtModifier };
    if (e.kind === 'VectorSelector' || e.kind === 'SubqueryExpr') cur = e;
    else if (e.kind === 'MatrixSelector') cur = e.vectorSelector;
    else {
      this.addError(e.pos, '@ modifier must be preceded by an instant vector selector or range vector selector or a subquery');
      return e;
    }
    if (cur.timestamp !== null || cur.startOrEnd !== null) {
      this.addError(e.pos, '@ <timestamp> may not be set multiple times');
      return e;
    }
    const pos = { start: e.pos.start, end };
    if (e.kind === 'MatrixSelector') return { ...e, pos, vectorSelector: { ...e.vectorSelector, timestamp, startOrEnd } };
    return { ...e, pos, timestamp, startOrEnd };
  }

  // ---- selectors ----

  /** `name`, `name{...}` or `{...}`; `nameTok` is the already-consumed metric name, if any. */
  private parseVectorSelector(nameTok: Token | null): VectorSelector {
    let matchers: Matcher[] = [];
    let pos: PosRange;
    if (this.peek().type === 'LEFT_BRACE') {
      const r = this.parseLabelMatchers();
      matchers = r.matchers;
      pos = { start: nameTok ? nameTok.pos : r.pos.start, end: r.pos.end };
    } else {
      pos = tokRange(nameTok!);
    }
    const name = nameTok ? nameTok.val : '';
    if (name !== '') matchers.push(newMatcher('=', '__name__', name));
    return { kind: 'VectorSelector', pos, name, matchers, offset: 0, timestamp: null, startOrEnd: null };
  }

  private parseLabelMatchers(): { matchers: Matcher[]; pos: PosRange } {
    const open = this.next();
    const matchers: Matcher[] = [];
    if (this.peek().type === 'RIGHT_BRACE') {
      const close = this.next();
      return { matchers, pos: { start: open.pos, end: close.pos + 1 } };
    }
    for (;;) {
      const m = this.parseLabelMatcher();
      if (m) matchers.push(m);
      const t = this.peek();
      if (t.type === 'RIGHT_BRACE') break;
      if (t.type !== 'COMMA') this.unexpected('label matching', '"," or "}"');
      this.next();
      if (this.peek().type === 'RIGHT_BRACE') break;
    }
    const close = this.next();
    return { matchers, pos: { start: open.pos, end: close.pos + 1 } };
  }

  private parseLabelMatcher(): Matcher | null {
    const t = this.peek();
    const quotedNames = this.compat === 3;
    if (t.type !== 'IDENTIFIER' && !(quotedNames && t.type === 'STRING')) {
      this.unexpected('label matching', 'identifier or "}"');
    }
    this.next();
    const name = t.type === 'STRING' ? unquoteString(t.val) : t.val;
    const op = this.peek();
    const type = MATCH_OPS[op.type];
    if (type === undefined) {
      if (t.type === 'STRING') return this.buildMatcher('=', '__name__', name, tokRange(t));
      this.unexpected('label matching', 'label matching operator');
    }
    this.next();
    const v = this.peek();
    if (v.type !== 'STRING') this.unexpected('label matching', 'string');
    this.next();
    return this.buildMatcher(type, name, unquoteString(v.val), { start: t.pos, end: v.pos + v.val.length });
  }

  private buildMatcher(type: MatchType, name: string, value: string, pos: PosRange): Matcher | null {
    try {
      return newMatcher(type, name, value, { dotAll: this.compat !== 2 });
    } catch (e) {
      this.addError(pos, (e as Error).message);
      return null;
    }
  }

  // ---- calls and aggregations ----

  private parseCall(nameTok: Token): Expr {
    const { args, close } = this.parseCallBody();
    const fn = lookupFunction(nameTok.val, this.compat);
    if (!fn) this.addError(tokRange(nameTok), `unknown function with name ${goQuote(nameTok.val)}`);
    else if (fn.experimental && !this.experimental) {
      this.addError(tokRange(nameTok), `function ${goQuote(nameTok.val)} is not enabled`);
    }
    const call: Call = { kind: 'Call', pos: { start: nameTok.pos, end: close.pos + 1 }, func: nameTok.val, args };
    return call;
  }

  /** `( args )`; the opening parenthesis is the lookahead. */
  private parseCallBody(): { args: Expr[]; close: Token } {
    this.next();
    const args: Expr[] = [];
    if (this.peek().type === 'RIGHT_PAREN') return { args, close: this.next() };
    args.push(this.parseExpr(0));
    for (;;) {
      const t = this.peek();
      if (t.type === 'RIGHT_PAREN') return { args, close: this.next() };
      if (t.type !== 'COMMA') this.unexpectedGeneric();
      this.next();
      const n = this.peek().type;
      if (n === 'RIGHT_PAREN' || n === 'COMMA') {
        this.addError(tokRange(t), 'trailing commas not allowed in function call args');
        continue;
      }
      args.push(this.parseExpr(0));
    }
  }

  private parseAggregation(opTok: Token): Expr {
    this.aggDepth++;
    let grouping: string[] = [];
    let without = false;
    let t = this.peek();
    let body: { args: Expr[]; close: Token };
    let end: number;
    if (t.type === 'BY' || t.type === 'WITHOUT') {
      this.next();
      without = t.type === 'WITHOUT';
      grouping = this.parseGroupingLabels().labels;
      if (this.peek().type !== 'LEFT_PAREN') this.unexpected('aggregation', '');
      body = this.parseCallBody();
      end = body.close.pos + 1;
    } else {
      body = this.parseCallBody();
      end = body.close.pos + 1;
      t = this.peek();
      if (t.type === 'BY' || t.type === 'WITHOUT') {
        this.next();
        without = t.type === 'WITHOUT';
        const g = this.parseGroupingLabels();
        grouping = g.labels;
        end = g.end;
      }
    }
    this.aggDepth--;
    const op = opTok.val.toLowerCase() as AggregateOp;
    const pos = { start: opTok.pos, end };
    const agg: Mutable<AggregateExpr> = {
      kind: 'AggregateExpr', pos, op, expr: body.args[0]!, param: null, grouping, without,
    };
    const args = body.args;
    if (args.length === 0) {
      this.addError(pos, 'no arguments for aggregate expression provided');
      return agg;
    }
    let want = 1;
    if (PARAM_AGGREGATORS.has(op)) {
      if (EXPERIMENTAL_AGGREGATORS.has(op) && !this.experimental) {
        this.addError(pos, `${op}() is experimental and must be enabled with --enable-feature=promql-experimental-functions`);
        return agg;
      }
      want = 2;
      agg.param = args[0]!;
    }
    if (args.length !== want) {
      this.addError(pos, `wrong number of arguments for aggregate expression provided, expected ${want}, got ${args.length}`);
      return agg;
    }
    agg.expr = args[want - 1]!;
    return agg;
  }

  /** `( label, ... )` after by/without/on/ignoring/group_x. */
  private parseGroupingLabels(): { labels: string[]; end: number } {
    if (this.peek().type !== 'LEFT_PAREN') this.unexpected('grouping opts', '"("');
    this.next();
    const labels: string[] = [];
    let t = this.peek();
    if (t.type !== 'RIGHT_PAREN') {
      for (;;) {
        labels.push(this.parseGroupingLabel());
        t = this.peek();
        if (t.type === 'RIGHT_PAREN') break;
        if (t.type !== 'COMMA') this.unexpected('grouping opts', '"," or ")"');
        this.next();
        t = this.peek();
        if (t.type === 'RIGHT_PAREN') break;
      }
    }
    const close = this.next();
    return { labels, end: close.pos + 1 };
  }

  private parseGroupingLabel(): string {
    const t = this.peek();
    if (MAYBE_LABELS.has(t.type)) {
      this.next();
      if (this.compat === 2 && !/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(t.val)) {
        // 2.x reports the token after the bad label (yacc's lookahead) and carries on.
        const la = this.peek();
        this.addError(tokRange(la), `unexpected ${describeToken(la)} in grouping opts, expected label`);
      }
      return t.val;
    }
    if (t.type === 'STRING' && this.compat === 3) {
      this.next();
      const name = unquoteString(t.val);
      if (name === '') this.addError({ start: t.pos + 1, end: t.pos + t.val.length }, `invalid label name for grouping: ${goQuote(name)}`);
      return name;
    }
    return this.unexpected('grouping opts', 'label');
  }
}

export type { FunctionSignature, CheckContext };
export { checkAST, exprType };

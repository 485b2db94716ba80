/**
 * The series notation of promqltest `load` blocks and promtool `input_series`:
 * labels `metric{a="b"}` and values `1 2 _ stale 1+2x3 5-1x2 _x3 3x4 1e3 -Inf NaN`.
 * Errors are ParseErrors with positions in the text that was given.
 */
import { labelsFromPairs, type Labels } from './labels.js';
import { Lexer, describeToken, unquoteString, type Token, type TokenType } from './lexer.js';
import { goQuote, goQuoteRune } from '../util/go_quote.js';
import { ParseError, parseNumberToken, posToLineCol, type ParseErrorItem } from './parser.js';

/** One value of an expanded series: a number, an omitted step (`_`), or a staleness marker. */
export type SeriesValue = { kind: 'value'; v: number } | { kind: 'omitted' } | { kind: 'stale' };

/**
 * Parses a series' labels and values as promtool does: one line `<labels> <values>`, so
 * error positions count from the start of the labels.
 */
export function parseSeriesDesc(labels: string, values: string, compat: 2 | 3 = 3): { labels: Labels; values: SeriesValue[] } {
  const line = `${labels} ${values}`;
  return { labels: parseSeriesLabels(labels), values: parseValuesAt(line, labels.length, false, compat) };
}

const METRIC_NAME_TOKENS = new Set<TokenType>([
  'AVG', 'BOTTOMK', 'BY', 'COUNT', 'COUNT_VALUES', 'GROUP', 'IDENTIFIER', 'LAND', 'LOR', 'LUNLESS', 'MAX',
  'METRIC_IDENTIFIER', 'MIN', 'OFFSET', 'QUANTILE', 'STDDEV', 'STDVAR', 'SUM', 'TOPK', 'WITHOUT', 'START', 'END',
  'LIMITK', 'LIMIT_RATIO',
]);

function fail(input: string, start: number, end: number, msg: string): never {
  const { line, col } = posToLineCol(input, start);
  const item: ParseErrorItem = { pos: { start, end }, line, col, msg };
  throw new ParseError([item], input);
}

/** Parses `metric{a="b", ...}`, `metric`, `{a="b"}` or `{}` (Prometheus 3 also `{"metric"}`) into a label set, as ParseMetric. */
export function parseSeriesLabels(input: string): Labels {
  const lex = new Lexer(input);
  const next = (): Token => {
    let t: Token;
    do t = lex.next(); while (t.type === 'COMMENT');
    if (t.type === 'ERROR') fail(input, t.pos, input.length, t.val);
    return t;
  };
  const unexpected = (t: Token, expected: string): never =>
    fail(input, t.pos, t.pos + t.val.length, `unexpected ${describeToken(t)} in label set${expected ? `, expected ${expected}` : ''}`);
  const pairs: [string, string][] = [];
  let t = next();
  if (METRIC_NAME_TOKENS.has(t.type)) {
    pairs.push(['__name__', t.val]);
    t = next();
  }
  if (t.type === 'LEFT_BRACE') {
    t = next();
    while (t.type !== 'RIGHT_BRACE') {
      if (t.type !== 'IDENTIFIER' && t.type !== 'STRING') unexpected(t, 'identifier or "}"');
      const name = t.type === 'STRING' ? unquoteString(t.val) : t.val;
      const nameTok = t;
      t = next();
      if (t.type === 'EQL') {
        const v = next();
        if (v.type !== 'STRING') unexpected(v, 'string');
        pairs.push([name, unquoteString(v.val)]);
        t = next();
      } else if (nameTok.type === 'STRING') {
        pairs.push(['__name__', name]);
      } else {
        unexpected(t, '"="');
      }
      if (t.type === 'COMMA') t = next();
      else if (t.type !== 'RIGHT_BRACE') unexpected(t, '"," or "}"');
    }
    t = next();
  }
  if (t.type !== 'EOF') unexpected(t, '');
  return labelsFromPairs(pairs);
}

type VTokType = 'SPACE' | 'ADD' | 'SUB' | 'TIMES' | 'BLANK' | 'NUMBER' | 'IDENTIFIER' | 'EOF';
interface VTok { type: VTokType; pos: number; val: string }

/** How Prometheus names a value-sequence token in "unexpected ..." messages. */
function describeValueToken(t: VTok): string {
  switch (t.type) {
    case 'EOF': return 'end of input';
    case 'ADD': case 'SUB': return `<op:${t.val}>`;
    case 'TIMES': case 'BLANK': case 'SPACE': return goQuote(t.val);
    case 'NUMBER': return `number ${goQuote(t.val)}`;
    case 'IDENTIFIER': return `identifier ${goQuote(t.val)}`;
  }
}

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
const isAlnum = (c: string | undefined): boolean => c !== undefined && /[A-Za-z0-9_]/.test(c);

/**
 * Prometheus's scanNumber in a series description (no hex; an `x` may follow): where the
 * scan stopped, and whether the text up to there is a number token. Prometheus 2 knew no
 * digit separators; Prometheus 3 allows `_` between digits.
 */
function scanSeriesNumber(input: string, from: number, compat: 2 | 3): { end: number; ok: boolean } {
  let i = from;
  const at = (set: string): boolean => i < input.length && set.includes(input[i]!);
  const accept = (set: string): boolean => (at(set) ? (i++, true) : false);
  const run = (set: string): void => { while (accept(set)) { /* run */ } };
  const digits = '0123456789';
  const end = (): { end: number; ok: boolean } => ({ end: i, ok: input[i] === 'x' || !isAlnum(input[i]) });
  if (compat === 2) {
    run(digits);
    if (accept('.')) run(digits);
    if (accept('eE')) { accept('+-'); run(digits); }
    return end();
  }
  accept('.');
  accept(digits);
  let dot = false;
  let exp = false;
  const fail = (): { end: number; ok: boolean } => ({ end: i, ok: false });
  while (at(digits + '._eE')) {
    if (at('.') && dot) { accept('.'); return fail(); }
    if (at('eE') && exp) { accept('eE'); return fail(); }
    if (accept('.')) {
      dot = true;
      if (accept('_.')) return fail();
      continue;
    }
    if (accept('eE')) {
      exp = true;
      accept('+-');
      if (accept('._eE') || i >= input.length) return fail();
      continue;
    }
    if (accept('_')) {
      if (accept('._eE') || i >= input.length) return fail();
      continue;
    }
    run(digits);
  }
  return end();
}

/** Prometheus's lexValueSequence: spaces, `+ - x _`, numbers (no hex; `x` may follow), words. */
function lexValues(input: string, from: number, compat: 2 | 3): VTok[] {
  const out: VTok[] = [];
  let i = from;
  while (i < input.length) {
    const c = input[i]!;
    const start = i;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      while (i < input.length && /[ \t\n\r]/.test(input[i]!)) i++;
      out.push({ type: 'SPACE', pos: start, val: input.slice(start, i) });
      continue;
    }
    if (c === '+' || c === '-' || c === 'x' || c === '_') {
      out.push({ type: c === '+' ? 'ADD' : c === '-' ? 'SUB' : c === 'x' ? 'TIMES' : 'BLANK', pos: start, val: c });
      i++;
      continue;
    }
    if (isDigit(c) || (c === '.' && isDigit(input[i + 1]))) {
      const scan = scanSeriesNumber(input, i, compat);
      i = scan.end;
      // Go quotes only the text scanned so far, not the rest of the bad word.
      if (!scan.ok) fail(input, start, input.length, `bad number syntax: ${goQuote(input.slice(start, i))}`);
      out.push({ type: 'NUMBER', pos: start, val: input.slice(start, i) });
      continue;
    }
    if (/[A-Za-z:]/.test(c)) {
      while (i < input.length && /[A-Za-z0-9_:]/.test(input[i]!)) i++;
      const word = input.slice(start, i);
      const lower = word.toLowerCase();
      out.push({ type: lower === 'inf' || lower === 'nan' ? 'NUMBER' : 'IDENTIFIER', pos: start, val: word });
      continue;
    }
    if (c === '{' && input[i + 1] === '{') fail(input, start, input.length, 'native histogram series values are not supported');
    fail(input, start, input.length, `unexpected character in series sequence: ${goQuoteRune(c)}`);
  }
  out.push({ type: 'EOF', pos: input.length, val: '' });
  return out;
}

/** Parses the value sequence that starts at `from` in `input` (positions are reported in `input`). */
function parseValuesAt(input: string, from: number, implicitSpace: boolean, compat: 2 | 3): SeriesValue[] {
  const toks = lexValues(input, from, compat);
  // A bare value list has no separator before its first value; pretend it does.
  if (implicitSpace) toks.unshift({ type: 'SPACE', pos: from, val: '' });
  let k = 0;
  const peek = (): VTok => toks[k]!;
  const next = (): VTok => toks[k++]!;
  const unexpected = (t: VTok, context = '', expected = ''): never =>
    fail(input, t.pos, t.pos + t.val.length,
      `unexpected ${describeValueToken(t)}${context ? ` in ${context}` : ''}${expected ? `, expected ${expected}` : ''}`);
  const number = (t: VTok): number => {
    const r = parseNumberToken(t.val);
    if ('error' in r) return fail(input, t.pos, t.pos + t.val.length, r.error);
    return r.value;
  };
  // A token that cannot continue a half-read item fails inside the grammar's series_values
  // rule, which names its context; after a whole item the parser has already reduced past
  // it, so the error is the bare "unexpected ..." of the top rule.
  const midItem = (t: VTok): never => unexpected(t, 'series values');
  const uint = (): number => {
    const t = peek();
    if (t.type !== 'NUMBER') return midItem(t);
    next();
    if (!/^\d+$/.test(t.val)) {
      return fail(input, t.pos, t.pos + t.val.length,
        `invalid repetition in series values: strconv.ParseUint: parsing ${goQuote(t.val)}: invalid syntax`);
    }
    return Number(t.val);
  };
  const out: SeriesValue[] = [];
  for (;;) {
    const t = next();
    if (t.type === 'EOF') return out;
    if (t.type !== 'SPACE') unexpected(t);
    const first = peek();
    if (first.type === 'EOF') return out;
    next();
    if (first.type === 'BLANK') {
      if (peek().type === 'TIMES') {
        next();
        const n = uint();
        for (let i = 0; i < n; i++) out.push({ kind: 'omitted' });
      } else out.push({ kind: 'omitted' });
      continue;
    }
    let value: number;
    let stale = false;
    if (first.type === 'IDENTIFIER') {
      if (first.val !== 'stale') unexpected(first, 'series values', 'number or "stale"');
      stale = true;
      value = NaN;
    } else if (first.type === 'NUMBER') {
      value = number(first);
    } else if (first.type === 'ADD' || first.type === 'SUB') {
      const n = peek();
      if (n.type !== 'NUMBER') midItem(n);
      next();
      value = (first.type === 'SUB' ? -1 : 1) * number(n);
    } else {
      return unexpected(first);
    }
    const push = (v: number): void => { out.push(stale ? { kind: 'stale' } : { kind: 'value', v }); };
    const after = peek();
    if (after.type === 'TIMES') {
      next();
      const n = uint();
      for (let i = 0; i <= n; i++) push(value);
    } else if (after.type === 'ADD' || after.type === 'SUB') {
      next();
      const d = peek();
      if (d.type !== 'NUMBER') midItem(d);
      next();
      const delta = (after.type === 'SUB' ? -1 : 1) * number(d);
      if (peek().type !== 'TIMES') midItem(peek());
      next();
      const n = uint();
      // Accumulate as Prometheus does (value += delta), so float rounding matches.
      for (let i = 0; i <= n; i++) { push(value); value += delta; }
    } else {
      push(value);
    }
  }
}

/**
 * Parses and expands `1 2 _ stale 1+2x3 ...`: `axn` and `a+bxn` give n+1 values, `_xn` n.
 * Positions in errors are offsets into `input`.
 */
export function parseSeriesValues(input: string, compat: 2 | 3 = 3): SeriesValue[] {
  return parseValuesAt(input, 0, true, compat);
}

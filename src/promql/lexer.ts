/**
 * The PromQL lexer, a port of the state machine in Prometheus's promql/parser/lex.go:
 * same token boundaries, same error texts, so parse errors read exactly like Prometheus's.
 * Positions are offsets into the JS string (equal to Go's byte offsets for ASCII input).
 */
import { goQuote, goQuoteRune } from '../util/go_quote.js';

/** Token kinds, named as in Prometheus's grammar. */
export type TokenType =
  | 'EOF' | 'ERROR' | 'COMMENT' | 'IDENTIFIER' | 'METRIC_IDENTIFIER' | 'NUMBER' | 'DURATION' | 'STRING'
  | 'LEFT_PAREN' | 'RIGHT_PAREN' | 'LEFT_BRACE' | 'RIGHT_BRACE' | 'LEFT_BRACKET' | 'RIGHT_BRACKET'
  | 'COMMA' | 'EQL' | 'COLON'
  // Operators.
  | 'ADD' | 'SUB' | 'MUL' | 'DIV' | 'MOD' | 'POW' | 'EQLC' | 'NEQ' | 'LTE' | 'LSS' | 'GTE' | 'GTR'
  | 'EQL_REGEX' | 'NEQ_REGEX' | 'AT' | 'ATAN2' | 'LAND' | 'LOR' | 'LUNLESS'
  // Aggregators.
  | 'AVG' | 'BOTTOMK' | 'COUNT' | 'COUNT_VALUES' | 'GROUP' | 'MAX' | 'MIN' | 'QUANTILE' | 'STDDEV'
  | 'STDVAR' | 'SUM' | 'TOPK' | 'LIMITK' | 'LIMIT_RATIO'
  // Keywords.
  | 'BOOL' | 'BY' | 'GROUP_LEFT' | 'GROUP_RIGHT' | 'IGNORING' | 'OFFSET' | 'ON' | 'WITHOUT'
  // `@` preprocessors.
  | 'START' | 'END';

/** One lexed token: its kind, start offset and source text (the message for ERROR). */
export interface Token {
  readonly type: TokenType;
  readonly pos: number;
  readonly val: string;
}

const OPERATORS = new Set<TokenType>([
  'ADD', 'SUB', 'MUL', 'DIV', 'MOD', 'POW', 'EQLC', 'NEQ', 'LTE', 'LSS', 'GTE', 'GTR',
  'EQL_REGEX', 'NEQ_REGEX', 'AT', 'ATAN2', 'LAND', 'LOR', 'LUNLESS',
]);
const AGGREGATORS = new Set<TokenType>([
  'AVG', 'BOTTOMK', 'COUNT', 'COUNT_VALUES', 'GROUP', 'MAX', 'MIN', 'QUANTILE', 'STDDEV',
  'STDVAR', 'SUM', 'TOPK', 'LIMITK', 'LIMIT_RATIO',
]);
const KEYWORDS = new Set<TokenType>(['BOOL', 'BY', 'GROUP_LEFT', 'GROUP_RIGHT', 'IGNORING', 'OFFSET', 'ON', 'WITHOUT']);

/** True for arithmetic, comparison, set operators, `@` and `atan2`. */
export function isOperator(t: TokenType): boolean { return OPERATORS.has(t); }
/** True for aggregation operators (`sum`, `topk`, ...). */
export function isAggregator(t: TokenType): boolean { return AGGREGATORS.has(t); }
/** True for the keywords `bool`, `by`, `on`, `offset`, ... */
export function isKeyword(t: TokenType): boolean { return KEYWORDS.has(t); }

/** Words the lexer turns into keyword tokens (matched case-insensitively). */
function keywordTable(compat: 2 | 3): Map<string, TokenType> {
  const m = new Map<string, TokenType>([
    ['and', 'LAND'], ['or', 'LOR'], ['unless', 'LUNLESS'], ['atan2', 'ATAN2'],
    ['sum', 'SUM'], ['avg', 'AVG'], ['count', 'COUNT'], ['min', 'MIN'], ['max', 'MAX'], ['group', 'GROUP'],
    ['stddev', 'STDDEV'], ['stdvar', 'STDVAR'], ['topk', 'TOPK'], ['bottomk', 'BOTTOMK'],
    ['count_values', 'COUNT_VALUES'], ['quantile', 'QUANTILE'],
    ['offset', 'OFFSET'], ['by', 'BY'], ['without', 'WITHOUT'], ['on', 'ON'], ['ignoring', 'IGNORING'],
    ['group_left', 'GROUP_LEFT'], ['group_right', 'GROUP_RIGHT'], ['bool', 'BOOL'],
    ['start', 'START'], ['end', 'END'],
    ['inf', 'NUMBER'], ['nan', 'NUMBER'],
  ]);
  if (compat === 3) {
    m.set('limitk', 'LIMITK');
    m.set('limit_ratio', 'LIMIT_RATIO');
  }
  return m;
}

// Token kinds Prometheus prints by their fixed text (ItemTypeStr), not as "<kind> <text>".
const FIXED_TEXT = new Set<TokenType>([
  'LEFT_PAREN', 'RIGHT_PAREN', 'LEFT_BRACE', 'RIGHT_BRACE', 'LEFT_BRACKET', 'RIGHT_BRACKET',
  'COMMA', 'EQL', 'COLON', 'START', 'END', ...OPERATORS, ...AGGREGATORS, ...KEYWORDS,
]);

/** Go's `%#U` of a rune: `U+0027 '''`. */
function goRuneU(ch: string): string {
  const c = ch.codePointAt(0)!;
  return `U+${c.toString(16).toUpperCase().padStart(4, '0')} '${ch}'`;
}

/** Prometheus's Item.String(). */
function tokenString(t: Token): string {
  if (t.type === 'EOF') return 'EOF';
  if (t.type === 'ERROR') return t.val;
  if (t.type === 'IDENTIFIER' || t.type === 'METRIC_IDENTIFIER') return goQuote(t.val);
  if (KEYWORDS.has(t.type)) return `<${t.val}>`;
  if (OPERATORS.has(t.type)) return `<op:${t.val}>`;
  if (AGGREGATORS.has(t.type)) return `<aggr:${t.val}>`;
  if (Buffer.byteLength(t.val) > 10) return goQuote(Array.from(t.val).slice(0, 10).join('')) + '...';
  return goQuote(t.val);
}

const TYPE_DESC: Partial<Record<TokenType, string>> = {
  COMMENT: 'comment', IDENTIFIER: 'identifier', METRIC_IDENTIFIER: 'metric identifier',
  STRING: 'string', NUMBER: 'number', DURATION: 'duration',
};

/** Prometheus's Item.desc(): how a token is named in "unexpected ..." messages. */
export function describeToken(t: Token): string {
  if (t.type === 'EOF') return 'end of input';
  if (FIXED_TEXT.has(t.type)) return tokenString(t);
  return `${TYPE_DESC[t.type] ?? t.type} ${tokenString(t)}`;
}

const isSpace = (c: string): boolean => c === ' ' || c === '\t' || c === '\n' || c === '\r';
const isDigit = (c: string): boolean => c >= '0' && c <= '9';
const isAlpha = (c: string): boolean => c === '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
const isAlphaNumeric = (c: string): boolean => isAlpha(c) || isDigit(c);

/** Lexer options. */
export interface LexerOptions {
  /** Prometheus major version whose lexing rules apply (default 3). */
  readonly compat?: 2 | 3;
}

/**
 * Produces tokens on demand. After an ERROR token the lexer is finished and returns EOF,
 * as Prometheus's does.
 */
export class Lexer {
  private pos = 0;
  private start = 0;
  private parenDepth = 0;
  private braceOpen = false;
  private bracketOpen = false;
  private gotColon = false;
  /** Set right after `[`: the next token is the range (Prometheus's lexDuration state). */
  private afterBracket = false;
  private done = false;
  private readonly compat: 2 | 3;
  private readonly keywords: Map<string, TokenType>;

  constructor(readonly input: string, opts: LexerOptions = {}) {
    this.compat = opts.compat ?? 3;
    this.keywords = keywordTable(this.compat);
  }

  /** Start offset of the token being scanned (where Prometheus reports a lexer error). */
  get errorStart(): number { return this.start; }

  /** The next token, comments included. */
  next(): Token {
    if (this.done) return { type: 'EOF', pos: this.pos, val: '' };
    const t = this.scan();
    if (t.type === 'ERROR' || t.type === 'EOF') this.done = true;
    return t;
  }

  private peekChar(): string { return this.input[this.pos] ?? ''; }
  private nextChar(): string {
    const c = this.input[this.pos] ?? '';
    if (c !== '') this.pos++;
    return c;
  }
  private accept(valid: string): boolean {
    const c = this.peekChar();
    if (c !== '' && valid.includes(c)) { this.pos++; return true; }
    return false;
  }
  private is(valid: string): boolean {
    const c = this.peekChar();
    return c !== '' && valid.includes(c);
  }
  private emit(type: TokenType): Token {
    const t: Token = { type, pos: this.start, val: this.input.slice(this.start, this.pos) };
    this.start = this.pos;
    return t;
  }
  private error(msg: string): Token {
    return { type: 'ERROR', pos: this.start, val: msg };
  }
  private skipSpaces(): void {
    while (isSpace(this.peekChar())) this.pos++;
    this.start = this.pos;
  }

  private scan(): Token {
    if (this.afterBracket) {
      this.afterBracket = false;
      if (this.compat === 2) return this.lexDuration();
    }
    for (;;) {
      if (this.braceOpen) {
        const t = this.scanInsideBraces();
        if (t) return t;
        continue;
      }
      if (this.input.startsWith('#', this.pos)) return this.lexComment();
      const r = this.nextChar();
      if (r === '') {
        if (this.parenDepth !== 0) return this.error('unclosed left parenthesis');
        if (this.bracketOpen) return this.error('unclosed left bracket');
        return this.emit('EOF');
      }
      if (isSpace(r)) { this.skipSpaces(); continue; }
      switch (r) {
        case ',': return this.emit('COMMA');
        case '*': return this.emit('MUL');
        case '/': return this.emit('DIV');
        case '%': return this.emit('MOD');
        case '+': return this.emit('ADD');
        case '-': return this.emit('SUB');
        case '^': return this.emit('POW');
        case '@': return this.emit('AT');
        case '=': {
          const t = this.peekChar();
          if (t === '=') { this.pos++; return this.emit('EQLC'); }
          if (t === '~') return this.error(`unexpected character after '=': ${goQuoteRune(t)}`);
          return this.emit('EQL');
        }
        case '!': {
          const t = this.nextChar();
          if (t !== '=') return this.error(`unexpected character after '!': ${goQuoteRune(t)}`);
          return this.emit('NEQ');
        }
        case '<':
          if (this.peekChar() === '=') { this.pos++; return this.emit('LTE'); }
          return this.emit('LSS');
        case '>':
          if (this.peekChar() === '=') { this.pos++; return this.emit('GTE'); }
          return this.emit('GTR');
        case '"': case "'": return this.lexString(r);
        case '`': return this.lexRawString();
        case '(':
          this.parenDepth++;
          return this.emit('LEFT_PAREN');
        case ')': {
          const t = this.emit('RIGHT_PAREN');
          this.parenDepth--;
          if (this.parenDepth < 0) return this.error(`unexpected right parenthesis ${goQuoteRune(r)}`);
          return t;
        }
        case '{':
          this.braceOpen = true;
          return this.emit('LEFT_BRACE');
        case '[': {
          if (this.bracketOpen) return this.error(`unexpected left bracket ${goQuoteRune(r)}`);
          this.gotColon = false;
          const t = this.emit('LEFT_BRACKET');
          this.skipSpaces();
          this.bracketOpen = true;
          this.afterBracket = true;
          return t;
        }
        case ']':
          if (!this.bracketOpen) return this.error(`unexpected right bracket ${goQuoteRune(r)}`);
          this.bracketOpen = false;
          return this.emit('RIGHT_BRACKET');
      }
      if (isDigit(r) || (r === '.' && isDigit(this.peekChar()))) {
        this.pos--;
        return this.lexNumberOrDuration();
      }
      if (isAlpha(r) || r === ':') {
        if (!this.bracketOpen) {
          this.pos--;
          return this.lexKeywordOrIdentifier();
        }
        if (r === ':') {
          if (this.gotColon) return this.error(`unexpected colon ${goQuoteRune(r)}`);
          this.gotColon = true;
          return this.emit('COLON');
        }
        return this.error(`unexpected character: ${goQuoteRune(r)}, expected ${goQuoteRune(':')}`);
      }
      return this.error(`unexpected character: ${goQuoteRune(r)}`);
    }
  }

  /** Inside `{...}` keywords are plain identifiers and only matcher tokens are valid. */
  private scanInsideBraces(): Token | null {
    if (this.input.startsWith('#', this.pos)) return this.lexComment();
    const r = this.nextChar();
    if (r === '') return this.error('unexpected end of input inside braces');
    if (isSpace(r)) { this.skipSpaces(); return null; }
    if (isAlpha(r)) {
      while (isAlphaNumeric(this.peekChar())) this.pos++;
      return this.emit('IDENTIFIER');
    }
    switch (r) {
      case ',': return this.emit('COMMA');
      case '"': case "'": return this.lexString(r);
      case '`': return this.lexRawString();
      case '=':
        if (this.peekChar() === '~') { this.pos++; return this.emit('EQL_REGEX'); }
        return this.emit('EQL');
      case '!': {
        const nr = this.nextChar();
        if (nr === '~') return this.emit('NEQ_REGEX');
        if (nr === '=') return this.emit('NEQ');
        return this.error(`unexpected character after '!' inside braces: ${goQuoteRune(nr)}`);
      }
      case '{': return this.error(`unexpected left brace ${goQuoteRune(r)}`);
      case '}':
        this.braceOpen = false;
        return this.emit('RIGHT_BRACE');
    }
    return this.error(`unexpected character inside braces: ${goQuoteRune(r)}`);
  }

  private lexComment(): Token {
    this.pos++;
    while (this.pos < this.input.length && this.input[this.pos] !== '\n' && this.input[this.pos] !== '\r') this.pos++;
    return this.emit('COMMENT');
  }

  private lexString(quote: string): Token {
    for (;;) {
      const c = this.nextChar();
      if (c === '\\') {
        const err = this.lexEscape(quote);
        if (err) return err;
        continue;
      }
      if (c === '' || c === '\n') return this.error('unterminated quoted string');
      if (c === quote) return this.emit('STRING');
    }
  }

  private lexEscape(quote: string): Token | null {
    let ch = this.nextChar();
    let n: number;
    let base: number;
    let max: number;
    switch (ch) {
      case 'a': case 'b': case 'f': case 'n': case 'r': case 't': case 'v': case '\\': return null;
      case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7':
        n = 3; base = 8; max = 255; break;
      case 'x': ch = this.nextChar(); n = 2; base = 16; max = 255; break;
      case 'u': ch = this.nextChar(); n = 4; base = 16; max = 0x10ffff; break;
      case 'U': ch = this.nextChar(); n = 8; base = 16; max = 0x10ffff; break;
      case '': return this.error('escape sequence not terminated');
      default:
        if (ch === quote) return null;
        return this.error(`unknown escape sequence ${goRuneU(ch)}`);
    }
    let x = 0;
    while (n > 0) {
      const d = ch === '' ? 16 : parseInt(ch, 16);
      if (Number.isNaN(d) || d >= base) {
        if (ch === '') return this.error('escape sequence not terminated');
        return this.error(`illegal character ${goRuneU(ch)} in escape sequence`);
      }
      x = x * base + d;
      n--;
      if (n > 0) ch = this.nextChar();
    }
    if (x > max || (x >= 0xd800 && x < 0xe000)) return this.error('escape sequence is an invalid Unicode code point');
    return null;
  }

  private lexRawString(): Token {
    for (;;) {
      const c = this.nextChar();
      if (c === '') return this.error('unterminated raw string');
      if (c === '`') return this.emit('STRING');
    }
  }

  /** Prometheus 2.x: the token after `[` must be a duration with a unit. */
  private lexDuration(): Token {
    if (this.scanNumber(true)) return this.error('missing unit character in duration');
    if (!this.acceptRemainingDuration()) return this.error(`bad duration syntax: ${goQuote(this.input.slice(this.start, this.pos))}`);
    this.pos--;
    return this.emit('DURATION');
  }

  private lexNumberOrDuration(): Token {
    if (this.scanNumber(false)) return this.emit('NUMBER');
    if (this.acceptRemainingDuration()) {
      this.pos--;
      return this.emit('DURATION');
    }
    return this.error(`bad number or duration syntax: ${goQuote(this.input.slice(this.start, this.pos))}`);
  }

  /** After the digits of a duration: a unit, then optionally more number+unit pairs. */
  private acceptRemainingDuration(): boolean {
    if (!this.accept('smhdwy')) return false;
    this.accept('s');
    while (this.accept('0123456789')) {
      while (this.accept('0123456789')) { /* digits */ }
      if (!this.accept('smhdw')) return false;
      this.accept('s');
    }
    // Like Go's l.next(): consumes one character (or nothing at the end).
    const c = this.nextChar();
    if (c === '') this.pos++; // keep the caller's backup() symmetric at end of input
    return !isAlphaNumeric(c);
  }

  /**
   * Scans a decimal, hex or float number; the text is not necessarily valid (the parser
   * converts it). `allowEmpty` reproduces 2.x, where an empty scan counted as a number.
   */
  private scanNumber(allowEmpty: boolean): boolean {
    if (this.compat === 2) return this.scanNumberV2();
    const initial = this.pos;
    let digits = '0123456789';
    if (this.accept('0') && this.accept('xX')) {
      this.accept('_');
      digits = '0123456789abcdefABCDEF';
    }
    this.accept('.');
    this.accept(digits);
    let dot = false;
    let exp = false;
    while (this.is(digits + '._eE')) {
      if (this.is('.') && dot) { this.accept('.'); return false; }
      if (this.is('eE') && exp) { this.accept('eE'); return false; }
      if (this.accept('.')) {
        dot = true;
        if (this.accept('_.')) return false;
        if (digits.length > 10) return false;
        continue;
      }
      if (this.accept('eE')) {
        exp = true;
        this.accept('+-');
        if (this.accept('._eE') || this.peekChar() === '') return false;
        continue;
      }
      if (this.accept('_')) {
        if (this.accept('._eE') || this.peekChar() === '') return false;
        continue;
      }
      while (this.accept(digits)) { /* run */ }
    }
    if (this.pos === initial && !allowEmpty) return false;
    return !isAlphaNumeric(this.peekChar());
  }

  /** Prometheus 2's scanner: digits, one fraction, one exponent; no `_` separators. */
  private scanNumberV2(): boolean {
    let digits = '0123456789';
    if (this.accept('0') && this.accept('xX')) digits = '0123456789abcdefABCDEF';
    while (this.accept(digits)) { /* run */ }
    if (this.accept('.')) while (this.accept(digits)) { /* run */ }
    if (this.accept('eE')) {
      this.accept('+-');
      while (this.accept('0123456789')) { /* run */ }
    }
    return !isAlphaNumeric(this.peekChar());
  }

  private lexKeywordOrIdentifier(): Token {
    while (isAlphaNumeric(this.peekChar()) || this.peekChar() === ':') this.pos++;
    const word = this.input.slice(this.start, this.pos);
    const kw = this.keywords.get(word.toLowerCase());
    if (kw) return this.emit(kw);
    return this.emit(word.includes(':') ? 'METRIC_IDENTIFIER' : 'IDENTIFIER');
  }
}

/** Unquotes a lexed STRING token (`"..."`, `'...'` or `` `...` ``), Go escapes included. */
export function unquoteString(s: string): string {
  const q = s[0];
  const body = s.slice(1, -1);
  if (q === '`') return body;
  const bytes: number[] = [];
  const pushChar = (ch: string): void => { for (const b of Buffer.from(ch, 'utf8')) bytes.push(b); };
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c !== '\\') {
      const cp = body.codePointAt(i)!;
      const ch = String.fromCodePoint(cp);
      pushChar(ch);
      i += ch.length - 1;
      continue;
    }
    const e = body[++i]!;
    const simple: Record<string, number> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, '\\': 92, "'": 39, '"': 34 };
    if (simple[e] !== undefined) { bytes.push(simple[e]!); continue; }
    if (e >= '0' && e <= '7') {
      bytes.push(parseInt(body.slice(i, i + 3), 8) & 0xff);
      i += 2;
      continue;
    }
    const len = e === 'x' ? 2 : e === 'u' ? 4 : 8;
    const v = parseInt(body.slice(i + 1, i + 1 + len), 16);
    if (e === 'x') bytes.push(v);
    else pushChar(String.fromCodePoint(v));
    i += len;
  }
  return Buffer.from(bytes).toString('utf8');
}

/**
 * The text/template lexer: splits a template into text, delimiters and the
 * tokens inside actions, applying the trim markers `{{- ` and ` -}}` and
 * dropping comments, with the same token boundaries and errors as Go's.
 */

import { goQuote } from '../util/go_quote.js';

/** Token kinds; keywords sort after 'keyword' for the item String() rule. */
export type ItemType =
  | 'error' | 'bool' | 'char' | 'charConstant' | 'comment' | 'assign' | 'declare' | 'eof' | 'field'
  | 'identifier' | 'leftDelim' | 'leftParen' | 'number' | 'pipe' | 'rawString' | 'rightDelim'
  | 'rightParen' | 'space' | 'string' | 'text' | 'variable'
  // keywords
  | 'block' | 'break' | 'continue' | 'dot' | 'define' | 'else' | 'end' | 'if' | 'nil' | 'range' | 'template' | 'with';

const KEYWORDS: Readonly<Record<string, ItemType>> = {
  '.': 'dot', block: 'block', break: 'break', continue: 'continue', define: 'define', else: 'else',
  end: 'end', if: 'if', range: 'range', nil: 'nil', template: 'template', with: 'with',
};

const KEYWORD_TYPES = new Set<ItemType>(Object.values(KEYWORDS));

/** A token with its byte-independent offset into the template text and its 1-based line. */
export interface Item {
  readonly typ: ItemType;
  readonly pos: number;
  readonly val: string;
  readonly line: number;
}

/** Go's item.String(), used in "unexpected X in Y" messages. */
export function itemString(i: Item): string {
  if (i.typ === 'eof') return 'EOF';
  if (i.typ === 'error') return i.val;
  if (KEYWORD_TYPES.has(i.typ)) return `<${i.val}>`;
  const runes = [...i.val];
  if (runes.length > 10) return `${goQuote(runes.slice(0, 10).join(''))}...`;
  return goQuote(i.val);
}


const LEFT = '{{';
const RIGHT = '}}';
const LEFT_COMMENT = '/*';
const RIGHT_COMMENT = '*/';

function isSpace(c: string | undefined): boolean {
  return c === ' ' || c === '\t' || c === '\r' || c === '\n';
}

const ALNUM = /^[_\p{L}\p{Nd}]$/u;

function isAlphaNumeric(c: string | undefined): boolean {
  return c !== undefined && ALNUM.test(c);
}

function hasLeftTrimMarker(s: string, at: number): boolean {
  return s[at] === '-' && isSpace(s[at + 1]);
}

function hasRightTrimMarker(s: string, at: number): boolean {
  return isSpace(s[at]) && s[at + 1] === '-';
}

function rightTrimLength(s: string): number {
  return s.length - s.replace(/[ \t\r\n]+$/, '').length;
}

function leftTrimLength(s: string): number {
  return s.length - s.replace(/^[ \t\r\n]+/, '').length;
}

/** Go's %#U for a rune: U+00A0, or U+00E9 'é' when printable. */
function runeU(ch: string): string {
  const cp = ch.codePointAt(0)!;
  const hex = 'U+' + cp.toString(16).toUpperCase().padStart(4, '0');
  return /[\p{L}\p{M}\p{N}\p{P}\p{S}]/u.test(ch) || ch === ' ' ? `${hex} '${ch}'` : hex;
}

/** Tokenizes a whole template up front; an 'error' item ends the stream. */
export function lex(input: string): Item[] {
  const items: Item[] = [];
  let start = 0;
  let pos = 0;
  let parenDepth = 0;
  const lineAt = lineIndex(input);

  const emit = (typ: ItemType): void => {
    items.push({ typ, pos: start, val: input.slice(start, pos), line: lineAt(start) });
    start = pos;
  };
  const ignore = (): void => {
    start = pos;
  };
  const fail = (msg: string): false => {
    items.push({ typ: 'error', pos: start, val: msg, line: lineAt(start) });
    return false;
  };
  const next = (): string | undefined => {
    if (pos >= input.length) {
      pos = input.length + 1;
      return undefined;
    }
    const ch = String.fromCodePoint(input.codePointAt(pos)!);
    pos += ch.length;
    return ch;
  };
  const backup = (ch: string | undefined): void => {
    if (ch === undefined) {
      pos = input.length;
      return;
    }
    pos -= ch.length;
  };
  const peek = (): string | undefined => (pos < input.length ? String.fromCodePoint(input.codePointAt(pos)!) : undefined);
  const atRightDelim = (): { delim: boolean; trim: boolean } => {
    if (hasRightTrimMarker(input, pos) && input.startsWith(RIGHT, pos + 2)) return { delim: true, trim: true };
    if (input.startsWith(RIGHT, pos)) return { delim: true, trim: false };
    return { delim: false, trim: false };
  };
  const atTerminator = (): boolean => {
    const r = peek();
    if (r === undefined || isSpace(r)) return true;
    if ('.,|:)('.includes(r)) return true;
    return input.startsWith(RIGHT, pos);
  };

  /** Text up to the next action; returns false at EOF or error. */
  const lexText = (): boolean => {
    const x = input.indexOf(LEFT, pos);
    if (x < 0) {
      pos = input.length;
      if (pos > start) emit('text');
      emit('eof');
      return false;
    }
    if (x > pos) {
      pos = x;
      let trim = 0;
      if (hasLeftTrimMarker(input, x + LEFT.length)) trim = rightTrimLength(input.slice(start, pos));
      pos -= trim;
      const text = input.slice(start, pos);
      const item: Item = { typ: 'text', pos: start, val: text, line: lineAt(start) };
      pos += trim;
      ignore();
      if (text.length > 0) items.push(item);
    }
    return lexLeftDelim();
  };

  const lexLeftDelim = (): boolean => {
    pos += LEFT.length;
    const trim = hasLeftTrimMarker(input, pos);
    const after = trim ? 2 : 0;
    if (input.startsWith(LEFT_COMMENT, pos + after)) {
      pos += after;
      ignore();
      return lexComment();
    }
    items.push({ typ: 'leftDelim', pos: start, val: LEFT, line: lineAt(start) });
    pos += after;
    ignore();
    parenDepth = 0;
    return lexInsideAction();
  };

  const lexComment = (): boolean => {
    pos += LEFT_COMMENT.length;
    const x = input.indexOf(RIGHT_COMMENT, pos);
    if (x < 0) return fail('unclosed comment');
    pos = x + RIGHT_COMMENT.length;
    const { delim, trim } = atRightDelim();
    if (!delim) return fail('comment ends before closing delimiter');
    if (trim) pos += 2;
    pos += RIGHT.length;
    if (trim) pos += leftTrimLength(input.slice(pos));
    ignore();
    return true;
  };

  const lexRightDelim = (trim: boolean): boolean => {
    if (trim) {
      pos += 2;
      ignore();
    }
    pos += RIGHT.length;
    emit('rightDelim');
    if (trim) {
      pos += leftTrimLength(input.slice(pos));
      ignore();
    }
    return true;
  };

  const lexInsideAction = (): boolean => {
    for (;;) {
      const { delim, trim } = atRightDelim();
      if (delim) {
        if (parenDepth === 0) return lexRightDelim(trim);
        return fail('unclosed left paren');
      }
      const r = next();
      if (r === undefined) return fail('unclosed action');
      if (isSpace(r)) {
        backup(r);
        if (!lexSpace()) return lexRightDelim(true);
        continue;
      }
      switch (r) {
        case '=': emit('assign'); continue;
        case ':':
          if (next() !== '=') return fail('expected :=');
          emit('declare');
          continue;
        case '|': emit('pipe'); continue;
        case '"': if (!lexQuote()) return false; continue;
        case '`': if (!lexRawQuote()) return false; continue;
        case '$': if (!lexFieldOrVariable('variable')) return false; continue;
        case "'": if (!lexChar()) return false; continue;
        case '(': parenDepth++; emit('leftParen'); continue;
        case ')':
          parenDepth--;
          if (parenDepth < 0) return fail('unexpected right paren');
          emit('rightParen');
          continue;
      }
      if (r === '.') {
        const c = input[pos];
        if (pos < input.length && (c! < '0' || c! > '9')) {
          if (!lexFieldOrVariable('field')) return false;
          continue;
        }
      }
      if (r === '.' || r === '+' || r === '-' || (r >= '0' && r <= '9')) {
        backup(r);
        if (!lexNumber()) return false;
        continue;
      }
      if (isAlphaNumeric(r)) {
        backup(r);
        if (!lexIdentifier()) return false;
        continue;
      }
      const cp = r.codePointAt(0)!;
      if (cp <= 0x7f && cp >= 0x20 && cp < 0x7f) {
        emit('char');
        continue;
      }
      return fail(`unrecognized character in action: ${runeU(r)}`);
    }
  };

  /** A run of spaces; false when the run ends in a trimmed right delimiter (" -}}"). */
  const lexSpace = (): boolean => {
    let n = 0;
    while (isSpace(peek())) {
      next();
      n++;
    }
    if (hasRightTrimMarker(input, pos - 1) && input.startsWith(RIGHT, pos + 1)) {
      backup(input[pos - 1]);
      if (n === 1) return false;
    }
    emit('space');
    return true;
  };

  const lexIdentifier = (): boolean => {
    let r: string | undefined;
    for (;;) {
      r = next();
      if (!isAlphaNumeric(r)) break;
    }
    backup(r);
    const word = input.slice(start, pos);
    if (!atTerminator()) return fail(`bad character ${runeU(r ?? '')}`);
    const kw = KEYWORDS[word];
    if (kw !== undefined && word !== '.') emit(kw);
    else if (word === 'true' || word === 'false') emit('bool');
    else emit('identifier');
    return true;
  };

  const lexFieldOrVariable = (typ: 'field' | 'variable'): boolean => {
    if (atTerminator()) {
      emit(typ === 'variable' ? 'variable' : 'dot');
      return true;
    }
    let r: string | undefined;
    for (;;) {
      r = next();
      if (!isAlphaNumeric(r)) break;
    }
    backup(r);
    if (!atTerminator()) return fail(`bad character ${runeU(r ?? '')}`);
    emit(typ);
    return true;
  };

  const accept = (valid: string): boolean => {
    const r = next();
    if (r !== undefined && valid.includes(r)) return true;
    backup(r);
    return false;
  };
  const acceptRun = (valid: string): void => {
    for (;;) {
      const r = next();
      if (r === undefined || !valid.includes(r)) {
        backup(r);
        return;
      }
    }
  };

  const lexNumber = (): boolean => {
    accept('+-');
    let digits = '0123456789_';
    if (accept('0')) {
      if (accept('xX')) digits = '0123456789abcdefABCDEF_';
      else if (accept('oO')) digits = '01234567_';
      else if (accept('bB')) digits = '01_';
    }
    acceptRun(digits);
    if (accept('.')) acceptRun(digits);
    if (digits.length === 11 && accept('eE')) {
      accept('+-');
      acceptRun('0123456789_');
    }
    if (digits.length === 23 && accept('pP')) {
      accept('+-');
      acceptRun('0123456789_');
    }
    accept('i');
    if (isAlphaNumeric(peek())) {
      next();
      return fail(`bad number syntax: ${goQuote(input.slice(start, pos))}`);
    }
    emit('number');
    return true;
  };

  const lexQuote = (): boolean => {
    for (;;) {
      let r = next();
      if (r === '\\') {
        r = next();
        if (r !== undefined && r !== '\n') continue;
      }
      if (r === undefined || r === '\n') return fail('unterminated quoted string');
      if (r === '"') break;
    }
    emit('string');
    return true;
  };

  const lexRawQuote = (): boolean => {
    const x = input.indexOf('`', pos);
    if (x < 0) return fail('unterminated raw quoted string');
    pos = x + 1;
    emit('rawString');
    return true;
  };

  const lexChar = (): boolean => {
    for (;;) {
      let r = next();
      if (r === '\\') {
        r = next();
        if (r !== undefined && r !== '\n') continue;
      }
      if (r === undefined || r === '\n') return fail('unterminated character constant');
      if (r === "'") break;
    }
    emit('charConstant');
    return true;
  };

  while (lexText()) {
    // each round lexes one text run and one action
  }
  return items;
}

/** Maps an offset to its 1-based line. */
export function lineIndex(input: string): (pos: number) => number {
  const newlines: number[] = [];
  for (let i = input.indexOf('\n'); i >= 0; i = input.indexOf('\n', i + 1)) newlines.push(i);
  return (pos) => {
    let lo = 0;
    let hi = newlines.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (newlines[mid]! < pos) lo = mid + 1;
      else hi = mid;
    }
    return lo + 1;
  };
}

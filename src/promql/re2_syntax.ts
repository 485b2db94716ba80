/**
 * Go's regexp/syntax parse errors, so an invalid regex is reported with the words and the
 * fragment promtool shows (`missing argument to repetition operator: ` + "`+`"). The JS
 * engine's own messages differ, and it accepts some patterns RE2 rejects (`\8`, `\i`, `a**`).
 * Only syntax is checked here; matching is left to the translated JS RegExp.
 */

const POSIX_NAMES = new Set(['alnum', 'alpha', 'ascii', 'blank', 'cntrl', 'digit', 'graph', 'lower', 'print', 'punct', 'space', 'upper', 'word', 'xdigit']);
/** Unicode general categories and the scripts RE2 knows most often used; others are rejected as Go would. */
const UNICODE_NAMES = new Set([
  'Any', 'C', 'Cc', 'Cf', 'Co', 'Cs', 'L', 'Ll', 'Lm', 'Lo', 'Lt', 'Lu', 'M', 'Mc', 'Me', 'Mn', 'N', 'Nd', 'Nl', 'No',
  'P', 'Pc', 'Pd', 'Pe', 'Pf', 'Pi', 'Po', 'Ps', 'S', 'Sc', 'Sk', 'Sm', 'So', 'Z', 'Zl', 'Zp', 'Zs',
  'Arabic', 'Armenian', 'Bengali', 'Cyrillic', 'Devanagari', 'Georgian', 'Greek', 'Gujarati', 'Han', 'Hangul',
  'Hebrew', 'Hiragana', 'Kannada', 'Katakana', 'Khmer', 'Latin', 'Malayalam', 'Tamil', 'Telugu', 'Thai', 'Tibetan',
  'Common', 'Inherited',
]);

class SyntaxFailure extends Error {}

function fail(code: string, expr: string): never {
  throw new SyntaxFailure(`error parsing regexp: ${code}: \`${expr}\``);
}

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
const isAlnum = (c: string): boolean => /^[0-9A-Za-z]$/.test(c);
const unhex = (c: string | undefined): number => (c !== undefined && /^[0-9A-Fa-f]$/.test(c) ? parseInt(c, 16) : -1);

/** Parses a decimal repeat bound at s[i]; [value (-1 if too big), next index] or null. */
function parseInt10(s: string, i: number): [number, number] | null {
  const start = i;
  if (!isDigit(s[i])) return null;
  if (s.length - i >= 2 && s[i] === '0' && isDigit(s[i + 1])) return null;
  while (isDigit(s[i])) i++;
  const digits = s.slice(start, i);
  return [digits.length >= 8 ? -1 : Number(digits), i];
}

/** A `{min,max}` repeat at s[i]: [min, max (-1: none), next index] or null if `{` is a literal. */
function parseRepeat(s: string, i: number): [number, number, number] | null {
  let p = parseInt10(s, i + 1);
  if (p === null) return null;
  let min = p[0];
  let max: number;
  let j = p[1];
  if (j >= s.length) return null;
  if (s[j] !== ',') {
    max = min;
  } else {
    j++;
    if (j >= s.length) return null;
    if (s[j] === '}') {
      max = -1;
    } else {
      p = parseInt10(s, j);
      if (p === null) return null;
      max = p[0];
      j = p[1];
      if (max < 0) min = -1;
    }
  }
  if (s[j] !== '}') return null;
  return [min, max, j + 1];
}

/** An escape at s[i] (a backslash); returns the index after it or throws Go's error. */
function parseEscape(s: string, i: number): number {
  const c = s[i + 1];
  if (c === undefined) fail('trailing backslash at end of expression', '');
  let j = i + 2;
  const bad = (): never => fail('invalid escape sequence', s.slice(i, j));
  if (!isAlnum(c) && c.charCodeAt(0) < 0x80) return j;
  if (c >= '1' && c <= '7' && !(s[j] !== undefined && s[j]! >= '0' && s[j]! <= '7')) bad();
  if (c >= '0' && c <= '7') {
    for (let k = 1; k < 3 && s[j] !== undefined && s[j]! >= '0' && s[j]! <= '7'; k++) j++;
    return j;
  }
  if (c === 'x') {
    if (j >= s.length) bad();
    const d = s[j++];
    if (d === '{') {
      let n = 0;
      let r = 0;
      for (;;) {
        if (j >= s.length) bad();
        const h = s[j++];
        if (h === '}') break;
        const v = unhex(h);
        if (v < 0) bad();
        r = r * 16 + v;
        if (r > 0x10ffff) bad();
        n++;
      }
      if (n === 0) bad();
      return j;
    }
    const x = unhex(d);
    const y = unhex(s[j++]);
    if (x < 0 || y < 0) bad();
    return j;
  }
  if ('afnrtv'.includes(c)) return j;
  return bad();
}

/** `\pL`, `\p{Greek}`, `\PN` at s[i]: the index after it, or -1 if s[i] does not start one. */
function parseUnicodeClass(s: string, i: number): number {
  if (s[i] !== '\\' || (s[i + 1] !== 'p' && s[i + 1] !== 'P')) return -1;
  let j = i + 2;
  let name: string;
  if (s[j] === '{') {
    const end = s.indexOf('}', j);
    if (end < 0) fail('invalid character class range', s.slice(i));
    name = s.slice(j + 1, end);
    j = end + 1;
  } else {
    name = s[j] ?? '';
    j++;
  }
  if (name.startsWith('^')) name = name.slice(1);
  if (!UNICODE_NAMES.has(name)) fail('invalid character class range', s.slice(i, j));
  return j;
}

const isPerlClass = (s: string, i: number): boolean => s[i] === '\\' && s[i + 1] !== undefined && 'dDsSwW'.includes(s[i + 1]!);

/** One class character (maybe escaped) at s[i]; throws missing ] at the end. */
function classChar(s: string, i: number, classStart: number): [string, number] {
  if (i >= s.length) fail('missing closing ]', s.slice(classStart));
  if (s[i] === '\\') {
    const j = parseEscape(s, i);
    return [escapedChar(s.slice(i, j)), j];
  }
  const cp = s.codePointAt(i)!;
  const ch = String.fromCodePoint(cp);
  return [ch, i + ch.length];
}

/** The character an escape stands for, for range order checks. */
function escapedChar(esc: string): string {
  const c = esc[1]!;
  const simple: Record<string, string> = { a: '\x07', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };
  if (simple[c] !== undefined) return simple[c]!;
  if (c === 'x') return String.fromCodePoint(parseInt(esc.slice(2).replace(/[{}]/g, ''), 16));
  if (c >= '0' && c <= '7') return String.fromCodePoint(parseInt(esc.slice(1), 8));
  return c;
}

/** A `[...]` class at s[i]; the index after its `]`. */
function parseClass(s: string, i: number): number {
  const start = i;
  let j = i + 1;
  if (s[j] === '^') j++;
  let first = true;
  while (j >= s.length || s[j] !== ']' || first) {
    first = false;
    if (s[j] === '[' && s[j + 1] === ':') {
      const end = s.indexOf(':]', j + 2);
      if (end >= 0) {
        const name = s.slice(j, end + 2);
        const bare = name.slice(2, -2).replace(/^\^/, '');
        if (!POSIX_NAMES.has(bare)) fail('invalid character class range', name);
        j = end + 2;
        continue;
      }
    }
    const u = parseUnicodeClass(s, j);
    if (u >= 0) {
      j = u;
      continue;
    }
    if (isPerlClass(s, j)) {
      j += 2;
      continue;
    }
    const rangeStart = j;
    const [lo, afterLo] = classChar(s, j, start);
    j = afterLo;
    if (s.length - j >= 2 && s[j] === '-' && s[j + 1] !== ']') {
      const [hi, afterHi] = classChar(s, j + 1, start);
      j = afterHi;
      if (hi.codePointAt(0)! < lo.codePointAt(0)!) fail('invalid character class range', s.slice(rangeStart, j));
    }
  }
  return j + 1;
}

/** A `(?...` group or flag setting at s[i]; [index after it, whether it opened a group]. */
function parsePerlFlags(s: string, i: number): [number, boolean] {
  const t = s.slice(i);
  if (t.length > 4 && t[2] === 'P' && t[3] === '<') {
    const end = t.indexOf('>');
    if (end < 0) fail('invalid named capture', t);
    const name = t.slice(4, end);
    if (!/^[A-Za-z0-9_]+$/.test(name)) fail('invalid named capture', t.slice(0, end + 1));
    return [i + end + 1, true];
  }
  let j = 2;
  let negated = false;
  let sawFlag = false;
  while (j < t.length) {
    const c = t[j++]!;
    if (c === 'i' || c === 'm' || c === 's' || c === 'U') {
      sawFlag = true;
      continue;
    }
    if (c === '-') {
      if (negated) break;
      negated = true;
      sawFlag = false;
      continue;
    }
    if (c === ':' || c === ')') {
      if (negated && !sawFlag) break;
      return [i + j, c === ':'];
    }
    break;
  }
  return fail('invalid or unsupported Perl syntax', t.slice(0, j));
}

/** Go's error for the regex `whole` (as compiled, e.g. `^(?:re)$`), or null if RE2 accepts it. */
export function re2SyntaxError(whole: string): string | null {
  try {
    check(whole);
    return null;
  } catch (e) {
    if (e instanceof SyntaxFailure) return e.message;
    throw e;
  }
}

function check(s: string): void {
  let depth = 0;
  // Whether the last item can take a repetition (not the start, `(` or `|`).
  let operand = false;
  // Where the previous item's repetition operator began, or -1.
  let lastRepeat = -1;
  let i = 0;
  while (i < s.length) {
    let repeat = -1;
    const c = s[i]!;
    if (c === '(') {
      if (s[i + 1] === '?') {
        const [next, opens] = parsePerlFlags(s, i);
        if (opens) {
          depth++;
          operand = false;
        }
        i = next;
      } else {
        depth++;
        operand = false;
        i++;
      }
    } else if (c === ')') {
      if (depth === 0) fail('unexpected )', s);
      depth--;
      operand = true;
      i++;
    } else if (c === '|') {
      operand = false;
      i++;
    } else if (c === '*' || c === '+' || c === '?' || c === '{') {
      let after: number;
      if (c === '{') {
        const rep = parseRepeat(s, i);
        if (rep === null) {
          operand = true;
          i++;
          lastRepeat = -1;
          continue;
        }
        const [min, max, next] = rep;
        if (min < 0 || min > 1000 || max > 1000 || (max >= 0 && min > max)) fail('invalid repeat count', s.slice(i, next));
        after = next;
      } else {
        after = i + 1;
      }
      if (s[after] === '?') after++;
      if (lastRepeat >= 0) fail('invalid nested repetition operator', s.slice(lastRepeat, after));
      if (!operand) fail('missing argument to repetition operator', s.slice(i, after));
      repeat = i;
      i = after;
    } else if (c === '[') {
      i = parseClass(s, i);
      operand = true;
    } else if (c === '\\') {
      const n = s[i + 1];
      if (n === 'C') fail('invalid escape sequence', '\\C');
      if (n === 'Q') {
        const end = s.indexOf('\\E', i + 2);
        i = end < 0 ? s.length : end + 2;
        operand = true;
      } else if (n === 'A' || n === 'z' || n === 'b' || n === 'B') {
        i += 2;
        operand = true;
      } else {
        const u = parseUnicodeClass(s, i);
        if (u >= 0) i = u;
        else if (isPerlClass(s, i)) i += 2;
        else i = parseEscape(s, i);
        operand = true;
      }
    } else {
      i += s.codePointAt(i)! > 0xffff ? 2 : 1;
      operand = true;
    }
    lastRepeat = repeat;
  }
  if (depth > 0) fail('missing closing )', s);
}

/** Go's regexp.QuoteMeta: `s` as an RE2 literal. */
export function quoteMeta(s: string): string {
  return s.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
}

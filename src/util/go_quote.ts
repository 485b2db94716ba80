/**
 * Go's strconv.Quote and friends: the one implementation behind every `%q` Vigil prints
 * the way Prometheus does (PromQL errors and printing, label sets, rule unit test
 * output, template functions), since they must agree to the byte with Go.
 */

/** Printable ASCII other than `"` and `\\`: quoted as is. */
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** strconv.Quote: a double-quoted Go string literal, escaping non-printable runes. */
export function goQuote(s: string, asciiOnly = false): string {
  // Most strings (label values, names) need no escape at all.
  if (PLAIN.test(s)) return `"${s}"`;
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    out += quoteRune(cp, '"', asciiOnly);
  }
  return out + '"';
}

/** The escaped form of one rune inside a quoted literal delimited by `quote`. */
export function quoteRune(cp: number, quote: string, asciiOnly = false): string {
  const ch = String.fromCodePoint(cp);
  if (ch === quote || ch === '\\') return '\\' + ch;
  if (cp >= 0x20 && cp < 0x7f) return ch;
  if (!asciiOnly && cp >= 0x80 && isPrint(cp)) return ch;
  switch (cp) {
    case 7: return '\\a';
    case 8: return '\\b';
    case 12: return '\\f';
    case 10: return '\\n';
    case 13: return '\\r';
    case 9: return '\\t';
    case 11: return '\\v';
  }
  // A lone surrogate (only JSON escapes make one) has no UTF-8 form: its escape is one
  // no Go or PromQL parser accepts, so it fails loudly rather than read back as U+FFFD.
  if (cp < 0x20 || cp === 0x7f) return '\\x' + cp.toString(16).padStart(2, '0');
  if (cp < 0x10000) return '\\u' + cp.toString(16).padStart(4, '0');
  return '\\U' + cp.toString(16).padStart(8, '0');
}

const NON_PRINT = /[\p{C}\p{Z}]/u;

/** unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space. */
export function isPrint(cp: number): boolean {
  if (cp === 0x20) return true;
  return !NON_PRINT.test(String.fromCodePoint(cp));
}

/** Go's `%q` of a rune: `'x'` (the empty string stands for an invalid rune). */
export function goQuoteRune(ch: string): string {
  if (ch === '') return "'\\ufffd'";
  return "'" + quoteRune(ch.codePointAt(0)!, "'") + "'";
}

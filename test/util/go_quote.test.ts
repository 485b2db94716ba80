import { test } from 'node:test';
import assert from 'node:assert/strict';
import { goQuote, goQuoteRune, isPrint } from '../../src/util/go_quote.js';
import { labelsFromRecord, labelsToString } from '../../src/promql/labels.js';
import { parseExpr } from '../../src/promql/parser.js';
import { exprToString } from '../../src/promql/printer.js';

// Expected texts are what Go 1.20's strconv.Quote / fmt %q print for the same input.
const CASES: [string, string][] = [
  ['plain', '"plain"'],
  ['', '""'],
  ['say "hi" \\ bye', '"say \\"hi\\" \\\\ bye"'],
  ['a\nb\tc\rd\x07\b\f\v', '"a\\nb\\tc\\rd\\a\\b\\f\\v"'],
  ['\x00\x1f\x7f', '"\\x00\\x1f\\x7f"'],
  ['café 日本 🙂', '"café 日本 🙂"'],
  ['soft\u00adhyphen', '"soft\\u00adhyphen"'],
  ['line\u2028sep', '"line\\u2028sep"'],
  ['nbsp\u00a0', '"nbsp\\u00a0"'],
  ['bom\ufeff', '"bom\\ufeff"'],
  ['c1\u0085', '"c1\\u0085"'],
  ['tag\u{e0041}', '"tag\\U000e0041"'],
];

test('goQuote matches Go\'s strconv.Quote, non-ASCII non-printables included', () => {
  for (const [input, want] of CASES) assert.equal(goQuote(input), want, JSON.stringify(input));
});

test('a lone surrogate is escaped as itself, which no parser reads back (never as another string)', () => {
  assert.equal(goQuote('bad\ud800'), '"bad\\ud800"');
  assert.throws(() => parseExpr(`m{a=${goQuote('bad\ud800')}}`));
});

test('goQuoteRune matches Go\'s %q of a rune', () => {
  assert.equal(goQuoteRune("'"), "'\\''");
  assert.equal(goQuoteRune('"'), `'"'`);
  assert.equal(goQuoteRune('\n'), "'\\n'");
  assert.equal(goQuoteRune('\u2028'), "'\\u2028'");
  assert.equal(goQuoteRune(''), "'\\ufffd'");
  assert.equal(isPrint(0x20), true);
  assert.equal(isPrint(0xa0), false);
});

test('label sets, PromQL errors and printing all quote alike', () => {
  const v = 'x\u2028"y"';
  assert.equal(labelsToString(labelsFromRecord({ __name__: 'm', a: v })), `m{a=${goQuote(v)}}`);
  // The PromQL lexer reads the quoted form back, and the printer writes it again.
  const e = parseExpr(`m{a=${goQuote(v)}}`);
  assert.equal(exprToString(e), `m{a=${goQuote(v)}}`);
});

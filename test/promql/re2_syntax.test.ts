/** Go's regexp/syntax errors for invalid matcher regexes, worded as promtool 2.42 prints them. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { re2SyntaxError } from '../../src/promql/re2_syntax.js';
import { compileRE2, RegexError } from '../../src/promql/matcher.js';

// [pattern as written in `l=~"..."`, promtool's error after "parse error: "], recorded from promtool.
const REJECTED: [string, string][] = [
  ['+Inf', 'error parsing regexp: missing argument to repetition operator: `+`'],
  ['a**', 'error parsing regexp: invalid nested repetition operator: `**`'],
  ['(abc', 'error parsing regexp: missing closing ): `^(?:(abc)$`'],
  ['abc)', 'error parsing regexp: unexpected ): `^(?:abc))$`'],
  ['[a-z', 'error parsing regexp: missing closing ]: `[a-z)$`'],
  ['[z-a]', 'error parsing regexp: invalid character class range: `z-a`'],
  ['\\8', 'error parsing regexp: invalid escape sequence: `\\8`'],
  ['\\i', 'error parsing regexp: invalid escape sequence: `\\i`'],
  ['(?<n>a)', 'error parsing regexp: invalid or unsupported Perl syntax: `(?<`'],
  ['(?=a)', 'error parsing regexp: invalid or unsupported Perl syntax: `(?=`'],
  ['(?P<>a)', 'error parsing regexp: invalid named capture: `(?P<>`'],
  ['a{1001}', 'error parsing regexp: invalid repeat count: `{1001}`'],
  ['a{2,1}', 'error parsing regexp: invalid repeat count: `{2,1}`'],
  ['a\\', 'error parsing regexp: missing closing ): `^(?:a\\)$`'],
  ['*', 'error parsing regexp: missing argument to repetition operator: `*`'],
  ['a|*', 'error parsing regexp: missing argument to repetition operator: `*`'],
  ['[[:foo:]]', 'error parsing regexp: invalid character class range: `[:foo:]`'],
  ['\\pX', 'error parsing regexp: invalid character class range: `\\pX`'],
  ['x{2}{3}', 'error parsing regexp: invalid nested repetition operator: `{2}{3}`'],
  ['a++', 'error parsing regexp: invalid nested repetition operator: `++`'],
  ['(?:', 'error parsing regexp: missing closing ): `^(?:(?:)$`'],
  ['\\C', 'error parsing regexp: invalid escape sequence: `\\C`'],
  ['[^]', 'error parsing regexp: missing closing ]: `[^])$`'],
  ['\\x{110000}', 'error parsing regexp: invalid escape sequence: `\\x{110000`'],
  ['\\1', 'error parsing regexp: invalid escape sequence: `\\1`'],
];

// Patterns promtool accepts (some of which JS alone would reject or read differently).
const ACCEPTED = [
  '(?i)abc', 'a{,5}', '\\Q+\\E', '[\\d-z]', 'a*?', '\\z', '[]a]', '(?m)^a$', '\\b', '(?U)a', '(?P<n>a)(?P<n>b)',
  '.+', 'a|b|', '\\pL+', '\\p{Greek}', '[[:alpha:]_]+', '\\x41\\x{1F600}', '\\012', 'x{2}', 'x{2,}?', '{', 'a{1,2',
];

test('invalid regexes give Go\'s error, with the fragment taken from the anchored form', () => {
  for (const [re, msg] of REJECTED) {
    assert.equal(re2SyntaxError(`^(?:${re})$`), msg, re);
    assert.throws(() => compileRE2(re), (e: unknown) => e instanceof RegexError && e.message === msg, re);
  }
});

test('patterns RE2 accepts pass the check and compile', () => {
  for (const re of ACCEPTED) {
    assert.equal(re2SyntaxError(`^(?:${re})$`), null, re);
    assert.doesNotThrow(() => compileRE2(re), re);
  }
  assert.ok(compileRE2('(?U)a+').test('aaa'));
  assert.ok(compileRE2('(?P<n>a)(?P<n>b)').test('ab'));
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Lexer, describeToken, unquoteString, type Token } from '../../src/promql/lexer.js';

function lexAll(input: string, compat: 2 | 3 = 3): Token[] {
  const l = new Lexer(input, { compat });
  const out: Token[] = [];
  for (;;) {
    const t = l.next();
    out.push(t);
    if (t.type === 'EOF' || t.type === 'ERROR') return out;
  }
}

const kinds = (input: string, compat: 2 | 3 = 3): string[] => lexAll(input, compat).map((t) => `${t.type}:${t.val}`);

test('operators, keywords (case-insensitive) and identifiers with colons', () => {
  assert.deepEqual(kinds('a:b + SUM by offset'), ['METRIC_IDENTIFIER:a:b', 'ADD:+', 'SUM:SUM', 'BY:by', 'OFFSET:offset', 'EOF:']);
  assert.deepEqual(kinds('== != <= < >= > =~'.split(' ').slice(0, 6).join(' ')),
    ['EQLC:==', 'NEQ:!=', 'LTE:<=', 'LSS:<', 'GTE:>=', 'GTR:>', 'EOF:']);
  assert.deepEqual(kinds('Inf nan'), ['NUMBER:Inf', 'NUMBER:nan', 'EOF:']);
  assert.deepEqual(kinds('limitk', 2), ['IDENTIFIER:limitk', 'EOF:']);
  assert.deepEqual(kinds('limitk', 3), ['LIMITK:limitk', 'EOF:']);
});

test('inside braces keywords are identifiers and only matcher tokens are valid', () => {
  assert.deepEqual(kinds('{sum=~"a", by!~`b`, on!="c"}'), [
    'LEFT_BRACE:{', 'IDENTIFIER:sum', 'EQL_REGEX:=~', 'STRING:"a"', 'COMMA:,', 'IDENTIFIER:by', 'NEQ_REGEX:!~',
    'STRING:`b`', 'COMMA:,', 'IDENTIFIER:on', 'NEQ:!=', 'STRING:"c"', 'RIGHT_BRACE:}', 'EOF:',
  ]);
  const err = lexAll('{a:b}').at(-1)!;
  assert.deepEqual([err.type, err.pos, err.val], ['ERROR', 2, "unexpected character inside braces: ':'"]);
});

test('numbers and durations', () => {
  assert.deepEqual(kinds('1 .5 5. 0x1F 1e3 1_000 5m 1h30m 500ms'), [
    'NUMBER:1', 'NUMBER:.5', 'NUMBER:5.', 'NUMBER:0x1F', 'NUMBER:1e3', 'NUMBER:1_000', 'DURATION:5m', 'DURATION:1h30m',
    'DURATION:500ms', 'EOF:',
  ]);
  assert.equal(lexAll('5mm').at(-1)!.val, 'bad number or duration syntax: "5mm"');
});

test('brackets: ranges, subquery colon, 2.x duration rule', () => {
  assert.deepEqual(kinds('x[ 5m:1m]'), ['IDENTIFIER:x', 'LEFT_BRACKET:[', 'DURATION:5m', 'COLON::', 'DURATION:1m', 'RIGHT_BRACKET:]', 'EOF:']);
  assert.equal(lexAll('x[5]', 2).at(-1)!.val, 'missing unit character in duration');
  assert.equal(lexAll('x[5m::]').at(-1)!.val, "unexpected colon ':'");
  assert.equal(lexAll('x[[').at(-1)!.val, "unexpected left bracket '['");
});

test('strings: escapes checked while lexing, unquoted like Go', () => {
  assert.equal(unquoteString(String.raw`"a\n\t\"\\\x41\101\u00e9\U0001F600"`), 'a\n\t"\\AAé😀');
  assert.equal(unquoteString(String.raw`'it\'s'`), "it's");
  assert.equal(unquoteString('`raw\\n`'), 'raw\\n');
  assert.equal(lexAll(String.raw`"\q"`).at(-1)!.val, "unknown escape sequence U+0071 'q'");
  assert.equal(lexAll(String.raw`"\'"`).at(-1)!.val, "unknown escape sequence U+0027 '''");
  assert.equal(lexAll('"abc').at(-1)!.val, 'unterminated quoted string');
  assert.equal(lexAll('`abc').at(-1)!.val, 'unterminated raw string');
  assert.equal(lexAll(String.raw`"\xZZ"`).at(-1)!.val, "illegal character U+005A 'Z' in escape sequence");
});

test('comments are tokens the parser skips', () => {
  assert.deepEqual(kinds('a # hi\nb'), ['IDENTIFIER:a', 'COMMENT:# hi', 'IDENTIFIER:b', 'EOF:']);
});

test('token descriptions as in Prometheus error messages', () => {
  const d = (t: Token): string => describeToken(t);
  assert.equal(d({ type: 'EOF', pos: 0, val: '' }), 'end of input');
  assert.equal(d({ type: 'IDENTIFIER', pos: 0, val: 'foo' }), 'identifier "foo"');
  assert.equal(d({ type: 'MUL', pos: 0, val: '*' }), '<op:*>');
  assert.equal(d({ type: 'LAND', pos: 0, val: 'and' }), '<op:and>');
  assert.equal(d({ type: 'SUM', pos: 0, val: 'sum' }), '<aggr:sum>');
  assert.equal(d({ type: 'IGNORING', pos: 0, val: 'ignoring' }), '<ignoring>');
  assert.equal(d({ type: 'RIGHT_BRACE', pos: 0, val: '}' }), '"}"');
  assert.equal(d({ type: 'STRING', pos: 0, val: '"a"' }), 'string "\\"a\\""');
  assert.equal(d({ type: 'STRING', pos: 0, val: '"abcdefghijkl"' }), 'string "\\"abcdefghi"...');
  assert.equal(d({ type: 'DURATION', pos: 0, val: '1m' }), 'duration "1m"');
});

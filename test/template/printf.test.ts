import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sprint, sprintf, sprintln } from '../../src/template/printf.js';
import { formatFloat, formatFloatV, parseFloat } from '../../src/template/strconv.js';
import { anyMap, stringMap, type GoValue } from '../../src/template/values.js';

// Expected strings are what Go's fmt/strconv print for the same calls.

test('formatFloatV is Go %v of a float64 (exponent from 1e+06 up, and below 1e-04)', () => {
  const cases: [number, string][] = [
    [0, '0'], [1, '1'], [0.5, '0.5'], [100, '100'], [123456, '123456'], [1e6, '1e+06'],
    [1234567, '1.234567e+06'], [0.1, '0.1'], [0.0001, '0.0001'], [0.00001, '1e-05'],
    [1e21, '1e+21'], [1e100, '1e+100'], [-2.5, '-2.5'], [NaN, 'NaN'], [Infinity, '+Inf'],
    [-Infinity, '-Inf'], [-0, '-0'], [5e-324, '5e-324'], [1.7976931348623157e308, '1.7976931348623157e+308'],
    [0.30000000000000004, '0.30000000000000004'], [33.333333333333336, '33.333333333333336'],
  ];
  for (const [v, want] of cases) assert.equal(formatFloatV(v), want, `%v of ${v}`);
});

test('formatFloat with precision rounds half to even on the exact binary value', () => {
  const cases: [number, 'e' | 'f' | 'g', number, string][] = [
    [2.5, 'f', 0, '2'], [3.5, 'f', 0, '4'], [0.5, 'f', 0, '0'], [0.125, 'f', 2, '0.12'],
    [0.375, 'f', 2, '0.38'], [2.675, 'f', 2, '2.67'], [1.005, 'f', 2, '1.00'], [0.009, 'f', 2, '0.01'],
    [0.0009, 'f', 2, '0.00'], [1e21, 'f', 1, '1000000000000000000000.0'], [123.456, 'e', 2, '1.23e+02'],
    [0, 'e', 3, '0.000e+00'], [1234567, 'g', 4, '1.235e+06'], [1, 'g', 4, '1'], [100, 'g', 4, '100'],
    [120, 'g', 4, '120'], [0.00012345, 'g', 3, '0.000123'], [0.000012345, 'g', 3, '1.23e-05'],
    [9.9999, 'g', 4, '10'], [99999, 'g', 4, '1e+05'], [1e300, 'e', 1, '1.0e+300'],
  ];
  for (const [v, fmt, prec, want] of cases) assert.equal(formatFloat(v, fmt, prec), want, `%.${prec}${fmt} of ${v}`);
});

test('parseFloat accepts Go syntax and reports Go errors', () => {
  assert.equal(parseFloat('.12'), 0.12);
  assert.equal(parseFloat('1e3'), 1000);
  assert.equal(parseFloat('+Inf'), Infinity);
  assert.equal(parseFloat('-inf'), -Infinity);
  assert.ok(Number.isNaN(parseFloat('NaN')));
  assert.equal(parseFloat('0x1p-2'), 0.25);
  assert.throws(() => parseFloat('one'), { message: 'strconv.ParseFloat: parsing "one": invalid syntax' });
  assert.throws(() => parseFloat(''), { message: 'strconv.ParseFloat: parsing "": invalid syntax' });
  assert.throws(() => parseFloat('1_000'), /invalid syntax/);
  assert.throws(() => parseFloat('1e400'), { message: 'strconv.ParseFloat: parsing "1e400": value out of range' });
});

test('sprintf verbs, flags, widths and precisions', () => {
  const cases: [string, GoValue[], string][] = [
    ['%s', ['abc'], 'abc'],
    ['%v|%v|%v|%v', ['x', 1n, 1.5, true], 'x|1|1.5|true'],
    ['%d', [42n], '42'],
    ['%+d|% d|%5d|%-5d|%05d', [42n, 5n, 42n, 42n, -42n], '+42| 5|   42|42   |-0042'],
    ['%x|%X|%o|%b|%#x|%#o|%O', [255n, 255n, 8n, 5n, 255n, 8n, 8n], 'ff|FF|10|101|0xff|010|0o10'],
    ['%.3d', [7n], '007'],
    ['%c|%q|%U|%3c|', [65n, 65n, 0x1f600n, 65n], "A|'A'|U+1F600|  A|"],
    ['%f|%.2f|%5.2f|%05.1f|%08.3f', [3.14159, 3.14159, 3.14159, 3.14159, -3.14159], '3.141590|3.14| 3.14|003.1|-003.142'],
    ['%e|%E|%.2e|%+.2e', [1234.5678, 1234.5678, 1234.5678, 12345.678], '1.234568e+03|1.234568E+03|1.23e+03|+1.23e+04'],
    ['%g|%g|%.3g|%G', [1234.5678, 0.000012345, 1234.5678, 1e-7], '1234.5678|1.2345e-05|1.23e+03|1E-07'],
    ['%6.2f%%', [12.3456], ' 12.35%'],
    ['%0.2f', [3720.01], '3720.01'],
    ['%-10s|%10s|', ['abc', 'abc'], 'abc       |       abc|'],
    ['%.3s|%10.4v|', ['abcdef', 'abcdef'], 'abc|      abcd|'],
    ['%q|%+q|%#q|%q', ['hi\n', 'é', 'raw', 'a"b'], '"hi\\n"|"\\u00e9"|`raw`|"a\\"b"'],
    ['%x|% x|%X|%#x', ['hi', 'hi', 'hi', 'hi'], '6869|68 69|6869|0x6869'],
    ['%t|%5t', [true, false], 'true|false'],
    ['%T|%T|%T|%T|%T', [1.5, 1n, 's', true, null], 'float64|int|string|bool|<nil>'],
    ['100%%', [], '100%'],
    ['%*d|%-*d|%.*f', [5n, 42n, 5n, 42n, 2n, 3.14159], '   42|42   |3.14'],
    ['%[2]d %[1]d', [1n, 2n], '2 1'],
    ['%v %v %v', [NaN, Infinity, -Infinity], 'NaN +Inf -Inf'],
    ['%5.1f|%+.1f|%06.1f', [NaN, NaN, Infinity], '  NaN|+NaN|  +Inf'],
    ['%v', [['a', 1n, null]], '[a 1 <nil>]'],
    ['%v', [stringMap({ b: '2', a: '1' })], 'map[a:1 b:2]'],
    ['%d', [[1n, 2n]], '[1 2]'],
    ['%v', [null], '<nil>'],
  ];
  for (const [f, args, want] of cases) assert.equal(sprintf(f, args), want, f);
});

test('sprintf reports bad verbs, missing and extra operands in band', () => {
  const cases: [string, GoValue[], string][] = [
    ['%d', ['x'], '%!d(string=x)'],
    ['%s', [1n], '%!s(int=1)'],
    ['%d', [1.5], '%!d(float64=1.5)'],
    ['%5d', ['x'], '%!d(string=    x)'],
    ['%t', [1n], '%!t(int=1)'],
    ['%z', [1n], '%!z(int=1)'],
    ['%d', [null], '%!d(<nil>)'],
    ['%s', [], '%!s(MISSING)'],
    ['%s %s', ['a'], 'a %!s(MISSING)'],
    ['%d', [1n, 2n], '1%!(EXTRA int=2)'],
    ['x', ['a', 1.5], 'x%!(EXTRA string=a, float64=1.5)'],
    ['abc%', [], 'abc%!(NOVERB)'],
    ['%[3]d', [1n], '%!d(BADINDEX)'],
    ['%*d', ['x', 1n], '%!(BADWIDTH)1'],
  ];
  for (const [f, args, want] of cases) assert.equal(sprintf(f, args), want, f);
});

test('sprint adds spaces only between non-string operands; sprintln always', () => {
  assert.equal(sprint([1n, 2n, 'a', 'b', 3n]), '1 2ab3');
  assert.equal(sprint(['a', 1.5, true]), 'a1.5 true');
  assert.equal(sprint([null]), '<nil>');
  assert.equal(sprintln([1n, 'a', 2.5]), '1 a 2.5\n');
  assert.equal(sprint([anyMap({ k: 1n })]), 'map[k:1]');
});

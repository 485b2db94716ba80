import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newTemplateEngine, toGoValue, type TemplateOptions } from '../../src/template/engine.js';
import { TemplateExecError } from '../../src/template/exec.js';
import { TemplateParseError } from '../../src/template/parse.js';
import { anyMap, goFunc, GoStruct, stringMap, type GoValue } from '../../src/template/values.js';

// Expected outputs and error texts are Go text/template's for the same input.

function run(text: string, data: unknown = null, opts: TemplateOptions = {}): string {
  return newTemplateEngine({}, opts).expand('test', text, data instanceof Object && 'goType' in data ? (data as GoValue) : toGoValue(data));
}

function table(cases: readonly [string, unknown, string][]): void {
  for (const [text, data, want] of cases) assert.equal(run(text, data), want, text);
}

test('text, constants and printing', () => {
  table([
    ['plain text', null, 'plain text'],
    ['{{ 1 }}', null, '1'],
    ['{{ 1.5 }} {{ 1e6 }} {{ 1.0 }} {{ 100000.0 }} {{ -0.25 }}', null, '1.5 1e+06 1 100000 -0.25'],
    ['{{ 0x10 }} {{ 0o17 }} {{ 0b101 }} {{ 1_000 }} {{ 017 }}', null, '16 15 5 1000 15'],
    ["{{ 'a' }} {{ '\\n' }} {{ printf \"%c\" 'é' }}", null, '97 10 é'],
    ['{{ "a\\tb\\u00e9\\x41" }}', null, 'a\tbéA'],
    ['{{ `raw\\n` }}', null, 'raw\\n'],
    ['{{ true }} {{ false }}', null, 'true false'],
    ['{{ . }}', 'dot', 'dot'],
    ['{{ . }}', null, '<no value>'],
    ['{{ . }}', ['a', 1, true], '[a 1 true]'],
    ['{{ . }}', { b: 'x', a: 2 }, 'map[a:2 b:x]'],
    ['{{ .a.b }}', { a: { b: 'deep' } }, 'deep'],
    ['{{ $ }}', 'root', 'root'],
  ]);
});

test('trim markers and comments', () => {
  table([
    ['a  {{- 1 -}}  b', null, 'a1b'],
    ['a \n\t{{- 1 }} \n b', null, 'a1 \n b'],
    ['{{ 1 -}}\n\n  x', null, '1x'],
    ['{{-1}}', null, '-1'],
    ['{{- -1 -}}', null, '-1'],
    ['x{{/* comment */}}y', null, 'xy'],
    ['x \n {{- /* comment */ -}} \n y', null, 'xy'],
    ['{{/* multi\nline */}}z', null, 'z'],
    ['a{{- "b" -}}c', null, 'abc'],
  ]);
});

test('pipelines, parentheses and function arguments', () => {
  table([
    ['{{ "a" | printf "%s-%s" "b" }}', null, 'b-a'],
    ['{{ 3 | printf "%d" | printf "%q" }}', null, '"3"'],
    ['{{ printf "%s" (printf "%d" 5) }}', null, '5'],
    ['{{ (printf "x") }}', null, 'x'],
    ['{{ print 1 2 "a" "b" 3 }}', null, '1 2ab3'],
    ['{{ println 1 "a" }}', null, '1 a\n'],
    ['{{ print .missing }}|{{ printf "%v" .missing }}', {}, '<nil>|<nil>'],
    ['{{ len "héllo" }} {{ len . }}', ['a', 'b'], '6 2'],
    ['{{ index . 1 }} {{ index "abc" 0 }}', ['a', 'b'], 'b 97'],
    ['{{ index . "k" }}|{{ index . "nope" }}', { k: 'v' }, 'v|<no value>'],
    ['{{ slice "hello" 1 3 }} {{ slice "hello" 2 }} {{ slice . 1 }}', ['a', 'b', 'c'], 'el llo [b c]'],
    ['{{ html "<a href=\'x\'>&" }}', null, '&lt;a href=&#39;x&#39;&gt;&amp;'],
    ['{{ js "a\'b\\"<>=&\\n" }}', null, 'a\\\'b\\"\\u003C\\u003E\\u003D\\u0026\\u000A'],
    ['{{ urlquery "a b&c/é" }}', null, 'a+b%26c%2F%C3%A9'],
    ['{{ html .missing }}', {}, '&lt;no value&gt;'],
  ]);
});

test('truth, comparison and logic', () => {
  table([
    ['{{ and 1 0 }} {{ and 1 2 }} {{ or 0 "" "z" }} {{ or 0 "" }} {{ not 0 }} {{ not "x" }}', null, '0 2 z  true false'],
    ['{{ if . }}t{{ else }}f{{ end }}', 0, 'f'],
    ['{{ if . }}t{{ else }}f{{ end }}', NaN, 't'],
    ['{{ if . }}t{{ else }}f{{ end }}', [], 'f'],
    ['{{ if . }}t{{ else }}f{{ end }}', {}, 'f'],
    ['{{ if .x }}t{{ else }}f{{ end }}', { x: '' }, 'f'],
    ['{{ eq 1 1 }} {{ eq 1 2 3 1 }} {{ eq "a" "b" }} {{ ne "a" "b" }} {{ eq 1.5 1.5 }}', null, 'true true false true true'],
    ['{{ lt 1 2 }} {{ le 2 2 }} {{ gt 2.5 1.5 }} {{ ge 1.5 2.5 }} {{ lt "a" "b" }}', null, 'true true true false true'],
    ['{{ eq .missing "x" }}', {}, 'false'],
    ['{{ and (eq 1 1) (lt 1 2) }}', null, 'true'],
  ]);
  // and/or stop at the deciding argument, so the erroring call is never made.
  assert.equal(run('{{ or 1 (index 0 0) }}'), '1');
  assert.equal(run('{{ and 0 (index 0 0) }}'), '0');
});

test('if / else if / else chains, with and with-else', () => {
  const chain = '{{ if eq . "a" }}A{{ else if eq . "b" }}B{{ else if eq . "c" }}C{{ else }}Z{{ end }}';
  table([
    [chain, 'a', 'A'], [chain, 'b', 'B'], [chain, 'c', 'C'], [chain, 'q', 'Z'],
    ['{{ with .x }}[{{ . }}]{{ else }}none{{ end }}', { x: 'v' }, '[v]'],
    ['{{ with .x }}[{{ . }}]{{ else }}none{{ end }}', { x: '' }, 'none'],
    ['{{ with .x }}x{{ else with .y }}y={{ . }}{{ else }}none{{ end }}', { y: 2 }, 'y=2'],
    ['{{ with $v := .x }}{{ $v }}{{ . }}{{ end }}', { x: 'a' }, 'aa'],
  ]);
});

test('range over slices, maps (sorted by key), ints, with else, break and continue', () => {
  table([
    ['{{ range . }}{{ . }},{{ end }}', ['a', 'b'], 'a,b,'],
    ['{{ range $i, $v := . }}{{ $i }}={{ $v }} {{ end }}', ['a', 'b'], '0=a 1=b '],
    ['{{ range $v := . }}{{ $v }}{{ end }}', ['a', 'b'], 'ab'],
    ['{{ range $k, $v := . }}{{ $k }}={{ $v }},{{ end }}', { zeta: '1', alpha: '2', Mid: '3' }, 'Mid=3,alpha=2,zeta=1,'],
    ['{{ range . }}{{ . }}{{ else }}empty{{ end }}', [], 'empty'],
    ['{{ range . }}{{ . }}{{ else }}empty{{ end }}', null, 'empty'],
    ['{{ range 3 }}{{ . }}{{ end }}', null, '012'],
    ['{{ range . }}{{ if eq . "c" }}{{ break }}{{ end }}{{ . }}{{ end }}', ['a', 'b', 'c', 'd'], 'ab'],
    ['{{ range . }}{{ if eq . "b" }}{{ continue }}{{ end }}{{ . }}{{ end }}', ['a', 'b', 'c'], 'ac'],
    ['{{ range $x := . }}{{ end }}{{ $.k }}', { k: 'root' }, 'root'],
  ]);
  assert.equal(run('{{ range $k, $v := . }}{{ $k }}{{ end }}', stringMap({ b: '1', a: '2', 'é': '3', Z: '4' })), 'Zabé');
});

test('variables: declaration, assignment, scope, $ and redeclaration', () => {
  table([
    ['{{ $x := 1 }}{{ $x }}', null, '1'],
    ['{{ $x := 1 }}{{ if true }}{{ $x = 2 }}{{ end }}{{ $x }}', null, '2'],
    ['{{ $x := 1 }}{{ if true }}{{ $x := 2 }}{{ $x }}{{ end }}{{ $x }}', null, '21'],
    ['{{ $x := 1 }}{{ $x := "b" }}{{ $x }}', null, 'b'],
    ['{{ $x := . }}{{ range .l }}{{ $x.k }}{{ . }}{{ end }}', { k: 'K', l: ['1', '2'] }, 'K1K2'],
    ['{{ range .l }}{{ $.k }}{{ end }}', { k: 'K', l: [1, 2] }, 'KK'],
  ]);
  assert.throws(() => run('{{ if true }}{{ $x := 1 }}{{ end }}{{ $x }}'), { message: 'template: test:1: undefined variable "$x"' });
});

test('define, template and block', () => {
  table([
    ['{{ define "t" }}[{{ . }}]{{ end }}{{ template "t" 5 }}{{ template "t" "s" }}', null, '[5][s]'],
    ['{{ define "t" }}{{ . }}{{ end }}{{ template "t" }}', 'ignored', '<no value>'],
    ['{{ define "a" }}a{{ template "b" . }}{{ end }}{{ define "b" }}b{{ . }}{{ end }}{{ template "a" 1 }}', null, 'ab1'],
    ['{{ block "blk" . }}default {{ . }}{{ end }}', 'x', 'default x'],
    ['{{ define "t" }}{{ $ }}{{ end }}{{ $x := 1 }}{{ template "t" "inner" }}', null, 'inner'],
  ]);
  // A later parse into the same set replaces a block's default body.
  const set = newTemplateEngine().parse('main', '{{ block "b" . }}default{{ end }}');
  set.parse('override', '{{ define "b" }}override {{ . }}{{ end }}');
  assert.equal(set.execute('main', 'x'), 'override x');
  assert.deepEqual(set.names(), ['b', 'main', 'override']);
});

test('struct fields, methods and missingkey options', () => {
  const data = new GoStruct('main.Data', new Map<string, GoValue>([['Name', 'n'], ['M', stringMap({ a: '1' })], ['I', anyMap({})]]), false, {
    Greet: goFunc(['string'], (who: string) => `hi ${who}`),
  });
  const eng = (mk: TemplateOptions['missingKey']) => newTemplateEngine({}, mk ? { missingKey: mk } : {});
  assert.equal(eng(undefined).expand('t', '{{ .Name }} {{ .Greet "x" }} {{ .M.a }}', data), 'n hi x 1');
  assert.equal(eng(undefined).expand('t', '[{{ .M.zz }}]', data), '[<no value>]');
  assert.equal(eng('zero').expand('t', '[{{ .M.zz }}][{{ .I.zz }}]', data), '[][<no value>]');
  assert.throws(() => eng('error').expand('t', '{{ .M.zz }}', data), {
    message: 'template: t:1:5: executing "t" at <.M.zz>: map has no entry for key "zz"',
  });
  assert.throws(() => eng('error').expand('t', '{{ .Foo }}', undefined), {
    message: 'template: t:1:3: executing "t" at <.Foo>: nil data; no entry for key "Foo"',
  });
  assert.throws(() => eng(undefined).expand('t', '{{ .Nope }}', data), {
    message: 'template: t:1:3: executing "t" at <.Nope>: can\'t evaluate field Nope in type main.Data',
  });
  assert.throws(() => eng(undefined).expand('t', '{{ .Name "arg" }}', data), {
    message: 'template: t:1:3: executing "t" at <.Name>: Name has arguments but cannot be invoked as function',
  });
});

test('user functions are type checked like Go funcs', () => {
  const eng = newTemplateEngine({
    double: goFunc(['float64'], (x: number) => x * 2),
    greet: goFunc(['string'], (s: string) => `hi ${s}`),
    fail: goFunc([], () => {
      throw new Error('boom');
    }),
    count: goFunc(['int'], (n: bigint) => n + 1n),
  });
  assert.equal(eng.expand('t', '{{ double 1.5 }} {{ double 2 }} {{ greet "x" }} {{ count 41 }}', undefined), '3 4 hi x 42');
  assert.throws(() => eng.expand('t', '{{ greet 1 }}', undefined), { message: 'template: t:1:9: executing "t" at <1>: expected string; found 1' });
  assert.throws(() => eng.expand('t', '{{ greet . }}', toGoValue(1)), {
    message: 'template: t:1:9: executing "t" at <.>: wrong type for value; expected string; got float64',
  });
  assert.throws(() => eng.expand('t', '{{ count 1.5 }}', undefined), { message: 'template: t:1:9: executing "t" at <1.5>: expected integer; found 1.5' });
  assert.throws(() => eng.expand('t', '{{ greet }}', undefined), {
    message: 'template: t:1:3: executing "t" at <greet>: wrong number of args for greet: want 1 got 0',
  });
  assert.throws(() => eng.expand('t', 'x\n  {{ fail }}', undefined), { message: 'template: t:2:5: executing "t" at <fail>: error calling fail: boom' });
  assert.throws(() => eng.expand('t', '{{ greet nil }}', undefined), { message: 'template: t:1:9: executing "t" at <nil>: cannot assign nil to string' });
});

test('parse errors name the template and line', () => {
  const cases: [string, string][] = [
    ['{{', 'template: test:1: unclosed action'],
    ['{{ foo }}', 'template: test:1: function "foo" not defined'],
    ['line1\n{{ $x }}', 'template: test:2: undefined variable "$x"'],
    ['{{ end }}', 'template: test:1: unexpected {{end}}'],
    ['{{ else }}', 'template: test:1: unexpected {{else}}'],
    ['{{ if true }}x', 'template: test:1: unexpected EOF'],
    ['{{ if }}{{ end }}', 'template: test:1: missing value for if'],
    ['{{ "a" | 1 }}', 'template: test:1: non executable command in pipeline stage 2'],
    ['{{ ( 1 }}', 'template: test:1: unclosed left paren'],
    ['{{ 1 ) }}', 'template: test:1: unexpected right paren'],
    ['{{ "abc }}', 'template: test:1: unterminated quoted string'],
    ['{{ `abc }}', 'template: test:1: unterminated raw quoted string'],
    ['{{ 3x }}', 'template: test:1: bad number syntax: "3x"'],
    ['{{ true.x }}', 'template: test:1: unexpected . after term "true"'],
    ['{{ 1.a }}', 'template: test:1: bad number syntax: "1.a"'],
    ['{{/* x */ 1 }}', 'template: test:1: comment ends before closing delimiter'],
    ['{{/* x ', 'template: test:1: unclosed comment'],
    ['{{ break }}', 'template: test:1: function "break" not defined'],
    ['{{ range . }}{{ break 1 }}{{ end }}', 'template: test:1: unexpected "1" in {{break}}'],
    ['{{ \u00a0 }}', 'template: test:1: unrecognized character in action: U+00A0'],
    ['{{ define "x" }}a{{ end }}{{ define "x" }}b{{ end }}', 'template: test:1: template: multiple definition of template "x"'],
    ['{{ template x }}', 'template: test:1: unexpected "x" in template clause'],
    ['{{ $x := 1 2 := }}', 'template: test:1: unexpected ":=" in operand'],
  ];
  for (const [text, msg] of cases) {
    assert.throws(() => run(text), (e: unknown) => {
      assert.ok(e instanceof TemplateParseError, `${text}: ${String(e)}`);
      assert.equal((e as Error).message, msg, text);
      return true;
    });
  }
});

test('execution errors name template, line:col (0-based byte column) and node', () => {
  const cases: [string, unknown, string][] = [
    ['{{ template "nope" }}', null, 'template: test:1:12: executing "test" at <{{template "nope"}}>: template "nope" not defined'],
    ['{{ 1 2 }}', null, "template: test:1:3: executing \"test\" at <1>: can't give argument to non-function 1"],
    ['{{ nil }}', null, 'template: test:1:3: executing "test" at <nil>: nil is not a command'],
    ['{{ .a.b }}', { a: 's' }, "template: test:1:5: executing \"test\" at <.a.b>: can't evaluate field b in type string"],
    ['{{ index . 5 }}', ['a'], 'template: test:1:3: executing "test" at <index . 5>: error calling index: index out of range: 5'],
    ['{{ len 3 }}', null, 'template: test:1:3: executing "test" at <len 3>: error calling len: len of type int'],
    ['{{ printf }}', null, 'template: test:1:3: executing "test" at <printf>: wrong number of args for printf: want at least 1 got 0'],
    ['{{ lt 1 2.5 }}', null, 'template: test:1:3: executing "test" at <lt 1 2.5>: error calling lt: incompatible types for comparison'],
    ['{{ eq . 1 }}', [], 'template: test:1:3: executing "test" at <eq . 1>: error calling eq: incompatible types for comparison'],
    ['{{ range 1.5 }}{{ end }}', null, "template: test:1:9: executing \"test\" at <1.5>: range can't iterate over 1.5"],
    ['{{ "x" | len | printf "%d" | index 1 }}', null, 'template: test:1:29: executing "test" at <index 1>: error calling index: can\'t index item of type int'],
    ['x\né {{ nil }}', null, 'template: test:2:6: executing "test" at <nil>: nil is not a command'],
    ['{{ define "t" }}\n {{ .x.y }}{{ end }}{{ template "t" . }}', { x: 1 }, "template: test:2:6: executing \"t\" at <.x.y>: can't evaluate field y in type float64"],
  ];
  for (const [text, data, msg] of cases) {
    assert.throws(() => run(text, data), (e: unknown) => {
      assert.ok(e instanceof TemplateExecError, `${text}: ${String(e)}`);
      assert.equal((e as Error).message, msg, text);
      return true;
    });
  }
});

test('runaway recursion is an error, not a crash', () => {
  assert.throws(() => run('{{ define "r" }}{{ template "r" . }}{{ end }}{{ template "r" . }}'), /exceeded maximum template depth/);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newTemplateEngine, toGoValue } from '../../src/template/engine.js';
import { GoTime } from '../../src/template/gotime.js';
import { GoFuncValue, goFunc, GoMap } from '../../src/template/values.js';

test('an engine carries user functions; withFuncs adds and overrides', () => {
  const base = newTemplateEngine({ shout: goFunc(['string'], (s: string) => s.toUpperCase() + '!') });
  assert.equal(base.expand('t', '{{ "hi" | shout }}', undefined), 'HI!');
  const more = base.withFuncs({ shout: goFunc(['string'], (s: string) => s + '!!'), join: goFunc(['any', 'string'], (xs: unknown, sep: string) => (xs as string[]).join(sep)) });
  assert.equal(more.expand('t', '{{ shout "a" }} {{ join . "," }}', toGoValue(['x', 'y'])), 'a!! x,y');
  assert.throws(() => base.expand('t', '{{ join . "," }}', undefined), { message: 'template: t:1: function "join" not defined' });
});

test('a user function named like a builtin replaces it and loses and/or short-circuiting', () => {
  const eng = newTemplateEngine({ and: goFunc(['string', 'string'], (a: string, b: string) => `${a}&${b}`) });
  assert.equal(eng.expand('t', '{{ and "x" "y" }}', undefined), 'x&y');
});

test('a set can hold several parses; execute picks a template by name', () => {
  const set = newTemplateEngine().newSet();
  set.parse('defs', '{{ define "title" }}[{{ .status | printf "%s" }}]{{ end }}');
  set.parse('main', '{{ template "title" . }} {{ len .alerts }} alerts');
  assert.ok(set.has('title'));
  assert.equal(set.execute('main', toGoValue({ status: 'firing', alerts: [1, 2] })), '[firing] 2 alerts');
  assert.equal(set.execute('title', toGoValue({ status: 'resolved' })), '[resolved]');
  assert.throws(() => set.execute('nope', undefined), /no template "nope"/);
});

test('toGoValue maps JS data to Go-like values', () => {
  const v = toGoValue({ n: 1, s: 'x', l: [true, null], d: new Date(0), o: { k: 'v' } });
  assert.ok(v instanceof GoMap);
  assert.equal(newTemplateEngine().expand('t', '{{ .n }} {{ .s }} {{ .l }} {{ .d }} {{ .o.k }} {{ .d.Format "2006" }}', v), '1 x [true <nil>] 1970-01-01 00:00:00 +0000 UTC v 1970');
});

test('call invokes function values; times print and format like Go', () => {
  const data = toGoValue({ f: new GoFuncValue('func(string) string', goFunc(['string'], (s: string) => `<${s}>`)) });
  assert.equal(newTemplateEngine().expand('t', '{{ call .f "x" }}', data), '<x>');
  const t = new GoTime(Date.UTC(2024, 0, 5, 7, 8, 9, 10), 'CET', 3600);
  assert.equal(t.stringer(), '2024-01-05 08:08:09.01 +0100 CET');
  assert.equal(t.format('Monday, 02-Jan-06 03:04:05.000 PM -07:00 MST'), 'Friday, 05-Jan-24 08:08:09.010 AM +01:00 CET');
});

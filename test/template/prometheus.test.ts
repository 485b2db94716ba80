import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toGoValue } from '../../src/template/engine.js';
import {
  expandAlertTemplate, expandAlertText, expandPrometheusTemplate, expansionErrorText, humanize,
  humanize1024, humanizeDuration, humanizePercentage, humanizeTimestamp, prometheusEngine, splitHostPort,
  stripDomain, title, tmplFunc, type AlertTemplateData, type ExpanderOptions, type TemplateQueryFn,
} from '../../src/template/prometheus.js';
import type { GoValue } from '../../src/template/values.js';

// Scenarios and expected strings follow Prometheus's template/template_test.go.

const EXT = 'http://testhost:9090/path/prefix';
const MAX_INT64 = 2n ** 63n - 1n;
const MIN_INT64 = -(2n ** 63n);
const MAX_UINT64 = 2n ** 64n - 1n;

interface Scenario {
  text: string;
  input?: GoValue;
  query?: { labels: Record<string, string>; value: number }[];
  missingKey?: ExpanderOptions['missingKey'];
  output?: string;
  error?: string;
}

function check(s: Scenario): void {
  const query: TemplateQueryFn = () => s.query ?? [];
  const opts: ExpanderOptions = { timestampMs: 0, query, externalURL: EXT, ...(s.missingKey ? { missingKey: s.missingKey } : {}) };
  const r = expandPrometheusTemplate('test', s.text, s.input, opts);
  if (s.error !== undefined) {
    assert.deepEqual(r, { ok: false, error: s.error }, s.text);
  } else {
    assert.deepEqual(r, { ok: true, text: s.output }, s.text);
  }
}

const metricA = { labels: { __name__: 'metric', instance: 'a' }, value: 11 };

test('expansion basics, args and query functions', () => {
  const scenarios: Scenario[] = [
    { text: 'plain text', output: 'plain text' },
    { text: '{{ 1 }}', output: '1' },
    { text: '{{\u00a0}}', error: 'error parsing template test: template: test:1: unrecognized character in action: U+00A0' },
    { text: '{{ "<b>" }}', output: '<b>' },
    { text: '{{define "x"}}{{.arg0}} {{.arg1}}{{end}}{{template "x" (args 1 "2")}}', output: '1 2' },
    { text: '{{ query "1.5" | first | value }}', query: [{ labels: {}, value: 1.5 }], output: '1.5' },
    { text: "{{ query \"metric{instance='a'}\" | first | value }}", query: [metricA], output: '11' },
    { text: "{{ query \"metric{instance='a'}\" | first | label \"instance\" }}", query: [metricA], output: 'a' },
    { text: "{{ query \"metric{__value__='a'}\" | first | strvalue }}", query: [{ labels: { __name__: 'metric', __value__: 'a' }, value: 11 }], output: 'a' },
    { text: "{{ query \"metric{instance='a'}\" | first | label \"foo\" }}", query: [metricA], output: '' },
    { text: '{{ $x := query "metric" | first }}{{ $x.Labels.foo }}', query: [metricA], output: '' },
    {
      text: '{{ range query "metric" | sortByLabel "instance" }}{{.Labels.instance}}:{{.Value}}: {{end}}',
      query: [{ labels: { __name__: 'metric', instance: 'b' }, value: 21 }, metricA],
      output: 'a:11: b:21: ',
    },
    { text: '{{ query "metric" | first }}', query: [metricA], output: '{map[__name__:metric instance:a] 11}' },
    { text: '{{ .Foo }}', output: '<no value>' },
    { text: '{{ .Foo }}', missingKey: 'error', error: 'error executing template test: template: test:1:3: executing "test" at <.Foo>: nil data; no entry for key "Foo"' },
    { text: '{{', error: 'error parsing template test: template: test:1: unclosed action' },
    {
      text: '{{ query "missing" | first }}',
      error: 'error executing template test: template: test:1:21: executing "test" at <first>: error calling first: first() called on vector with no elements',
    },
    {
      text: '{{ (query "missing").banana }}',
      error: 'error executing template test: template: test:1:10: executing "test" at <"missing">: can\'t evaluate field banana in type template.queryResult',
    },
    { text: '{{ reReplaceAll "(a)b" "x$1" "ab" }}', output: 'xa' },
    { text: '{{ "aa bb CC" | title }}', output: 'Aa Bb CC' },
    { text: '{{ "aa bb CC" | toUpper }}', output: 'AA BB CC' },
    { text: '{{ "aA bB CC" | toLower }}', output: 'aa bb cc' },
    { text: '{{ match "a+" "aa" }} {{ match "a+" "b" }}', output: 'true false' },
    { text: '{{ graphLink "up" }}', output: '/graph?g0.expr=up&g0.tab=0' },
    { text: '{{ tableLink "up" }}', output: '/graph?g0.expr=up&g0.tab=1' },
    { text: '{{ graphLink "rate(x{a=\\"b c\\"}[5m])" }}', output: '/graph?g0.expr=rate%28x%7Ba%3D%22b+c%22%7D%5B5m%5D%29&g0.tab=0' },
    { text: '{{ pathPrefix }}', output: '/path/prefix' },
    { text: '{{ externalURL }}', output: EXT },
    { text: '{{ printf "%0.2f" (parseDuration "1h2m10ms") }}', output: '3720.01' },
    { text: '{{ parseDuration "1x" }}', error: 'error executing template test: template: test:1:3: executing "test" at <parseDuration "1x">: error calling parseDuration: not a valid duration string: "1x"' },
    { text: '{{ tmpl "a" . }}', error: 'error parsing template test: template: test:1: function "tmpl" not defined' },
  ];
  scenarios.forEach(check);
});

test('stripPort and stripDomain', () => {
  const cases: [string, string, string][] = [
    ['foo.example.com', 'foo.example.com', 'foo'],
    ['foo.example.com:12345', 'foo.example.com', 'foo:12345'],
    ['192.0.2.1', '192.0.2.1', '192.0.2.1'],
    ['192.0.2.1:12345', '192.0.2.1', '192.0.2.1:12345'],
    ['2001:0DB8::1', '2001:0DB8::1', '2001:0DB8::1'],
    ['[2001:0DB8::1]:12345', '2001:0DB8::1', '[2001:0DB8::1]:12345'],
    ['[2001:0DB8::1]::12345', '[2001:0DB8::1]::12345', '[2001:0DB8::1]::12345'],
  ];
  for (const [input, port, domain] of cases) {
    check({ text: `{{ "${input}" | stripPort }}`, output: port });
    check({ text: `{{ "${input}" | stripDomain }}`, output: domain });
  }
  assert.deepEqual(splitHostPort('host:80'), { host: 'host', port: '80' });
  assert.equal(splitHostPort('host'), undefined);
  assert.equal(stripDomain('a.b.c:80'), 'a:80');
});

test('humanize family over float64, string, int64 and uint64 inputs', () => {
  const range = (fn: string) => `{{ range . }}{{ ${fn} . }}:{{ end }}`;
  const scenarios: Scenario[] = [
    { text: range('humanize'), input: toGoValue([0.0, 1.0, 1234567.0, 0.12]), output: '0:1:1.235M:120m:' },
    { text: range('humanize'), input: ['0.0', '1.0', '1234567.0', '.12'], output: '0:1:1.235M:120m:' },
    { text: range('humanize'), input: [0n, -1n, 1n, 1234567n, MAX_INT64], output: '0:-1:1:1.235M:9.223E:' },
    { text: range('humanize'), input: [0n, 1n, 1234567n, MAX_UINT64], output: '0:1:1.235M:18.45E:' },
    {
      text: '{{ humanize "one" }}',
      error: 'error executing template test: template: test:1:3: executing "test" at <humanize "one">: error calling humanize: strconv.ParseFloat: parsing "one": invalid syntax',
    },
    { text: range('humanize1024'), input: toGoValue([0.0, 1.0, 1048576.0, 0.12]), output: '0:1:1Mi:0.12:' },
    { text: range('humanize1024'), input: ['0.0', '1.0', '1048576.0', '.12'], output: '0:1:1Mi:0.12:' },
    { text: range('humanize1024'), input: [0n, -1n, 1n, 1234567n, MAX_INT64], output: '0:-1:1:1.177Mi:8Ei:' },
    { text: range('humanize1024'), input: [0n, 1n, 1234567n, MAX_UINT64], output: '0:1:1.177Mi:16Ei:' },
    {
      text: '{{ humanize1024 "one" }}',
      error: 'error executing template test: template: test:1:3: executing "test" at <humanize1024 "one">: error calling humanize1024: strconv.ParseFloat: parsing "one": invalid syntax',
    },
    {
      text: range('humanizeDuration'),
      input: toGoValue([0, 1, 60, 3600, 86400, 86400 + 3600, -(86400 * 2 + 3600 * 3 + 60 * 4 + 5), 899.99]),
      output: '0s:1s:1m 0s:1h 0m 0s:1d 0h 0m 0s:1d 1h 0m 0s:-2d 3h 4m 5s:14m 59s:',
    },
    { text: range('humanizeDuration'), input: ['0', '1', '60', '3600', '86400'], output: '0s:1s:1m 0s:1h 0m 0s:1d 0h 0m 0s:' },
    {
      text: range('humanizeDuration'),
      input: toGoValue([0.1, 0.0001, 0.12345, 60.1, 60.5, 1.2345, 12.345]),
      output: '100ms:100us:123.5ms:1m 0s:1m 0s:1.234s:12.35s:',
    },
    { text: range('humanizeDuration'), input: ['.1', '.0001', '.12345', '60.1', '60.5', '1.2345', '12.345'], output: '100ms:100us:123.5ms:1m 0s:1m 0s:1.234s:12.35s:' },
    { text: range('humanizeDuration'), input: [0n, -1n, 1n, 1234567n], output: '0s:-1s:1s:14d 6h 56m 7s:' },
    {
      text: '{{ range . }}{{ humanize . }}:{{ humanize1024 . }}:{{ humanizeDuration . }}:{{humanizeTimestamp .}}:{{ end }}',
      input: [Infinity, -Infinity, NaN],
      output: '+Inf:+Inf:+Inf:+Inf:-Inf:-Inf:-Inf:-Inf:NaN:NaN:NaN:NaN:',
    },
    {
      text: '{{ range . }}{{ humanize . }}:{{ humanize1024 . }}:{{ humanizeDuration . }}:{{humanizeTimestamp .}}:{{ end }}',
      input: ['+Inf', '-Inf', 'NaN'],
      output: '+Inf:+Inf:+Inf:+Inf:-Inf:-Inf:-Inf:-Inf:NaN:NaN:NaN:NaN:',
    },
    {
      text: '{{ -0.22222 | humanizePercentage }}:{{ 0.0 | humanizePercentage }}:{{ 0.1234567 | humanizePercentage }}:{{ 1.23456 | humanizePercentage }}',
      output: '-22.22%:0%:12.35%:123.5%',
    },
    { text: range('humanizePercentage'), input: [0n, -1n, 1n, 1234567n, MAX_INT64], output: '0%:-100%:100%:1.235e+08%:9.223e+20%:' },
    { text: range('humanizePercentage'), input: [0n, 1n, 1234567n, MAX_UINT64], output: '0%:100%:1.235e+08%:1.845e+21%:' },
    {
      text: '{{ "-0.22222" | humanizePercentage }}:{{ "0.0" | humanizePercentage }}:{{ "0.1234567" | humanizePercentage }}:{{ "1.23456" | humanizePercentage }}',
      output: '-22.22%:0%:12.35%:123.5%',
    },
    {
      text: '{{ "one" | humanizePercentage }}',
      error: 'error executing template test: template: test:1:11: executing "test" at <humanizePercentage>: error calling humanizePercentage: strconv.ParseFloat: parsing "one": invalid syntax',
    },
    { text: '{{ humanize true }}', error: 'error executing template test: template: test:1:3: executing "test" at <humanize true>: error calling humanize: can\'t convert bool to float' },
  ];
  scenarios.forEach(check);
});

test('humanizeTimestamp and toTime', () => {
  const range = '{{ range . }}{{ humanizeTimestamp . }}:{{ end }}';
  const scenarios: Scenario[] = [
    {
      text: range,
      input: [0n, -1n, 1n, 1234567n, 9223372036n],
      output: '1970-01-01 00:00:00 +0000 UTC:1969-12-31 23:59:59 +0000 UTC:1970-01-01 00:00:01 +0000 UTC:1970-01-15 06:56:07 +0000 UTC:2262-04-11 23:47:16 +0000 UTC:',
    },
    {
      text: range,
      input: [MIN_INT64, MAX_INT64],
      error: 'error executing template test: template: test:1:16: executing "test" at <humanizeTimestamp .>: error calling humanizeTimestamp: -9.223372036854776e+18 cannot be represented as a nanoseconds timestamp since it overflows int64',
    },
    {
      text: range,
      input: [MAX_UINT64],
      error: 'error executing template test: template: test:1:16: executing "test" at <humanizeTimestamp .>: error calling humanizeTimestamp: 1.8446744073709552e+19 cannot be represented as a nanoseconds timestamp since it overflows int64',
    },
    { text: '{{ 1435065584.128 | humanizeTimestamp }}', output: '2015-06-23 13:19:44.128 +0000 UTC' },
    { text: '{{ "1435065584.128" | humanizeTimestamp }}', output: '2015-06-23 13:19:44.128 +0000 UTC' },
    { text: '{{ (1435065584.128 | toTime).Format "2006" }}', output: '2015' },
    { text: '{{ ("1435065584.128" | toTime).Format "2006" }}', output: '2015' },
    { text: '{{ (1435065584.128 | toTime).Format "2006-01-02T15:04:05.000Z07:00 Mon Jan _2 3PM" }}', output: '2015-06-23T13:19:44.128Z Tue Jun 23 1PM' },
    { text: '{{ 1657155181 | toTime }}', output: '2022-07-07 00:53:01 +0000 UTC' },
    { text: '{{ (1657155181 | toTime).Unix }}', output: '1657155181' },
    { text: '{{ toTime 1.79769313486231570814527423731704356798070e+300 }}', error: 'error executing template test: template: test:1:3: executing "test" at <toTime 1.79769313486231570814527423731704356798070e+300>: error calling toTime: 1.7976931348623156e+300 cannot be represented as a nanoseconds timestamp since it overflows int64' },
  ];
  scenarios.forEach(check);
});

test('humanize edge cases: zero, small, negative, NaN, Inf', () => {
  assert.equal(humanize(0), '0');
  assert.equal(humanize(0.001), '1m');
  assert.equal(humanize(-1234), '-1.234k');
  assert.equal(humanize(1e-30), '1e-06y');
  assert.equal(humanize(1e30), '1e+06Y');
  assert.equal(humanize(999.99999), '1000');
  assert.equal(humanize(NaN), 'NaN');
  assert.equal(humanize(-Infinity), '-Inf');
  assert.equal(humanize1024(-2048), '-2ki');
  assert.equal(humanize1024(1), '1');
  assert.equal(humanize1024(0.5), '0.5');
  assert.equal(humanizeDuration(0), '0s');
  assert.equal(humanizeDuration(-0.5), '-500ms');
  assert.equal(humanizeDuration(0.000001), '1us');
  assert.equal(humanizeDuration(1e-30), '1e-06ys');
  assert.equal(humanizeDuration(59.99), '59.99s');
  assert.equal(humanizeDuration(-3601), '-1h 0m 1s');
  assert.equal(humanizeDuration(Infinity), '+Inf');
  assert.equal(humanizeDuration(NaN), 'NaN');
  assert.equal(humanizePercentage(0.5), '50%');
  assert.equal(humanizePercentage(NaN), 'NaN%');
  assert.equal(humanizeTimestamp(-Infinity), '-Inf');
  assert.equal(humanizeTimestamp(0.5), '1970-01-01 00:00:00.5 +0000 UTC');
  assert.equal(humanizeTimestamp(-0.5), '1969-12-31 23:59:59.5 +0000 UTC');
});

test('title follows word boundaries and keeps the rest of each word', () => {
  assert.equal(title('aa bb CC'), 'Aa Bb CC');
  assert.equal(title('hello-world foo_bar'), 'Hello-World Foo_bar');
  assert.equal(title("o'neil élan (x)"), "O'neil Élan (X)");
});

test('reReplaceAll and match use Go regexp semantics', () => {
  check({ text: '{{ reReplaceAll "localhost:(.*)" "my.domain:$1" "localhost:3000" }}', output: 'my.domain:3000' });
  check({ text: '{{ reReplaceAll "a*" "X" "baaac" }}', output: 'XbXcX' });
  check({ text: '{{ reReplaceAll "(a)" "$1x" "a" }}', output: '' });
  check({ text: '{{ reReplaceAll "(a)" "${1}x" "a" }}', output: 'ax' });
  check({ text: '{{ reReplaceAll "(?P<w>b)" "<$w>" "abc" }}', output: 'a<b>c' });
  check({ text: '{{ reReplaceAll "a" "$$" "a" }}', output: '$' });
  check({ text: '{{ match "^a.c$" "a\\nc" }}', output: 'false' });
  check({
    text: '{{ reReplaceAll "(" "" "x" }}',
    error: 'error executing template test: template: test:1:3: executing "test" at <reReplaceAll "(" "" "x">: error calling reReplaceAll: regexp: Compile(`(`): error parsing regexp: missing closing ): `(`',
  });
});

test('tmpl is available to engines that opt in', () => {
  const eng = prometheusEngine({ timestampMs: 0 }, { tmpl: tmplFunc });
  assert.equal(eng.expand('t', '{{ define "a" }}x{{ . }}{{ end }}{{ $name := "a" }}{{ tmpl $name 1 }}', undefined), 'x1');
});

const data: AlertTemplateData = {
  labels: { instance: 'host:9090', job: 'api', severity: 'page' },
  externalLabels: { dc: 'eu-1' },
  externalURL: 'http://prom.example:9090/prom',
  value: 1234567,
};

test('alert templates get $labels, $externalLabels, $externalURL and $value', () => {
  const expand = (text: string, value: number | string = data.value) => expandAlertTemplate('HighLoad', text, { ...data, value }, { timestampMs: 0 });
  assert.deepEqual(expand('{{ $labels.instance }} in {{ $externalLabels.dc }} at {{ $externalURL }}: {{ $value }}'), {
    ok: true, text: 'host:9090 in eu-1 at http://prom.example:9090/prom: 1.234567e+06',
  });
  const values: [number, string][] = [[0.5, '0.5'], [100, '100'], [1e6, '1e+06'], [123456, '123456'], [NaN, 'NaN'], [Infinity, '+Inf'], [-Infinity, '-Inf'], [1e21, '1e+21'], [0.00001, '1e-05']];
  for (const [v, want] of values) assert.deepEqual(expand('{{ $value }}', v), { ok: true, text: want }, String(v));
  assert.deepEqual(expand('{{ .Value }}|{{ .Labels.job }}|{{ $labels.nope }}|'), { ok: true, text: '1.234567e+06|api||' });
  assert.deepEqual(expand('{{ printf "%.2f" $value }} {{ $value | humanize }} {{ 100 | humanizePercentage }}'), { ok: true, text: '1234567.00 1.235M 1e+04%' });
  assert.deepEqual(expand('{{ if gt $value 1000.0 }}high{{ else }}low{{ end }}'), { ok: true, text: 'high' });
  assert.deepEqual(expand('{{ pathPrefix }} {{ externalURL }}'), { ok: true, text: '/prom http://prom.example:9090/prom' });
  assert.deepEqual(expand('{{ range $k, $v := $labels }}{{ $k }}={{ $v }} {{ end }}'), { ok: true, text: 'instance=host:9090 job=api severity=page ' });
});

test('alert template errors read as Prometheus writes them into the alert', () => {
  const r = expandAlertTemplate('HighLoad', '{{ foo }}', data, { timestampMs: 0 });
  assert.deepEqual(r, { ok: false, error: 'error parsing template __alert_HighLoad: template: __alert_HighLoad:1: function "foo" not defined' });
  assert.equal(
    expandAlertText('HighLoad', '{{ gt $value 10 }}', data, { timestampMs: 0 }),
    '<error expanding template: error executing template __alert_HighLoad: template: __alert_HighLoad:1:115: executing "__alert_HighLoad" at <gt $value 10>: error calling gt: incompatible types for comparison>',
  );
  assert.equal(
    expandAlertText('X', '{{ .Foo }}', data, { timestampMs: 0 }),
    "<error expanding template: error executing template __alert_X: template: __alert_X:1:115: executing \"__alert_X\" at <.Foo>: can't evaluate field Foo in type struct { Labels map[string]string; ExternalLabels map[string]string; ExternalURL string; Value interface {} }>",
  );
  assert.equal(expansionErrorText('boom'), '<error expanding template: boom>');
  assert.equal(expandAlertText('X', 'line1\n{{ end }}', data, { timestampMs: 0 }), '<error expanding template: error parsing template __alert_X: template: __alert_X:2: unexpected {{end}}>');
});

test('query runs at the evaluation time and failures surface as template errors', () => {
  const seen: [string, number][] = [];
  const query: TemplateQueryFn = (q, t) => {
    seen.push([q, t]);
    if (q === 'bad') throw new Error('parse error: bad query');
    return [{ labels: { instance: 'i1' }, value: 0.25 }];
  };
  const r = expandAlertTemplate('X', '{{ with query "up" }}{{ . | first | value | humanizePercentage }}{{ end }}', data, { timestampMs: 1234, query });
  assert.deepEqual(r, { ok: true, text: '25%' });
  assert.deepEqual(seen, [['up', 1234]]);
  const bad = expandAlertTemplate('X', '{{ query "bad" }}', data, { timestampMs: 0, query });
  assert.equal(bad.ok, false);
  assert.match((bad as { error: string }).error, /at <query "bad">: error calling query: parse error: bad query$/);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../src/clock.js';
import { NotifyTemplates, TemplateLoadError, glob, templateData } from '../../src/manager/templates.js';
import { durationString } from '../../src/manager/templates_funcs.js';
import { FIRING, RESOLVED, T0 } from './receivers_helpers.js';

const data = templateData({ receiver: 'team-x', groupLabels: { alertname: 'HighLatency' }, alerts: [FIRING, RESOLVED], externalURL: 'http://am.example:9093' });
const t = new NotifyTemplates([], new ManualClock(T0 + 600_000));

test('default subject, Slack and PagerDuty texts for one firing and one resolved alert', () => {
  // CommonLabels has job=api beyond the group label, so it is appended in parentheses.
  assert.equal(t.text('{{ template "__subject" . }}', data), '[FIRING:1] HighLatency (api)');
  assert.equal(t.text('{{ template "slack.default.title" . }}', data), '[FIRING:1] HighLatency (api)');
  assert.equal(t.text('{{ template "slack.default.titlelink" . }}', data), 'http://am.example:9093/#/alerts');
  assert.equal(t.text('{{ template "slack.default.fallback" . }}', data), '[FIRING:1] HighLatency (api) | http://am.example:9093/#/alerts');
  assert.equal(t.text('{{ template "slack.default.username" . }}', data), 'AlertManager');
  assert.equal(t.text('{{ template "slack.default.text" . }}', data), '');
  assert.equal(t.text('{{ template "pagerduty.default.description" . }}', data), '[FIRING:1] HighLatency (api)');
  assert.equal(t.text('{{ template "email.default.subject" . }}', data), '[FIRING:1] HighLatency (api)');
  assert.equal(t.text('{{ template "pagerduty.default.instances" .Alerts.Resolved }}', data),
    'Labels:\n - alertname = HighLatency\n - instance = h2\n - job = api\nAnnotations:\n - summary = slow h2\nSource: http://prom:9090/graph?g0.expr=up&i=h2\n');
});

test('all resolved: no count, trailing space when common labels equal group labels', () => {
  const d = templateData({ receiver: 'r', groupLabels: { alertname: 'HighLatency', instance: 'h2', job: 'api' }, alerts: [RESOLVED], externalURL: '' });
  assert.equal(t.text('{{ template "__subject" . }}', d), '[RESOLVED] HighLatency h2 api ');
});

test('data: KV methods, Alerts.Firing/Resolved, receiver quoted, times', () => {
  assert.equal(t.text('{{ .CommonLabels }}|{{ .CommonLabels.Names | join "," }}|{{ (.CommonLabels.Remove (stringSlice "job")).Values | join "," }}', data),
    'alertname=HighLatency, job=api|alertname,job|HighLatency');
  assert.equal(t.text('{{ len .Alerts.Firing }}/{{ len .Alerts.Resolved }} {{ range .Alerts.Resolved }}{{ .Fingerprint }}{{ end }}', data), '1/1 r2');
  assert.equal(t.text('{{ range (index .Alerts 0).Labels.SortedPairs }}{{ .Name }};{{ end }}', data), 'alertname;instance;job;');
  assert.equal(templateData({ receiver: 'a.b', groupLabels: {}, alerts: [], externalURL: '' }).fields.get('Receiver'), 'a\\.b');
  assert.equal(t.text('{{ (index .Alerts 0).StartsAt | date "2006-01-02 15:04" }}', data), '2024-01-15 12:00');
  assert.equal(t.text('{{ (index .Alerts 0).StartsAt | tz "America/New_York" | date "15:04 MST" }}', data), '07:00 EST');
  assert.equal(t.text('{{ since (index .Alerts 0).StartsAt }} {{ since (index .Alerts 0).StartsAt | humanizeDuration }}', data), '10m0s 10m 0s');
  // missingkey=zero: an absent label is "", an absent struct field is an error, as in Go.
  assert.equal(t.text('[{{ .CommonLabels.nope }}]', data), '[]');
  assert.throws(() => t.text('{{ .Missing }}', data), /can't evaluate field Missing/);
});

test('functions', () => {
  assert.equal(t.text('{{ toUpper "abc" }} {{ toLower "ABC" }} {{ title "hELLO wORLD" }} [{{ trimSpace "  x \\n" }}]', data), 'ABC abc Hello World [x]');
  assert.equal(t.text('{{ reReplaceAll "(a+)" "<$1>" "caab" }} {{ match "^h[0-9]$" "h1" }} {{ safeHtml "<b>" }}', data), 'c<aa>b true <b>');
  assert.equal(t.text('{{ toJson .GroupLabels }}', data), '{"alertname":"HighLatency"}');
  assert.match(t.text('{{ toJson (index .Alerts 1) }}', data), /"status":"resolved".*"endsAt":"2024-01-15T12:05:00Z"/);
  assert.throws(() => t.text('{{ tz "Nowhere/Land" (index .Alerts 0).StartsAt }}', data), /unknown time zone/);
  assert.equal(durationString(90_500_000_000n), '1m30.5s');
  assert.equal(durationString(1_500_000n), '1.5ms');
});

test('user template files by glob override and add templates; {{define}} in a field does not leak', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-tmpl-'));
  mkdirSync(join(dir, 'tpl'));
  writeFileSync(join(dir, 'tpl', 'a.tmpl'), '{{ define "slack.default.title" }}custom {{ .Status }}{{ end }}{{ define "my.one" }}one{{ end }}');
  writeFileSync(join(dir, 'tpl', 'b.txt'), '{{ define "my.two" }}two{{ end }}');
  assert.deepEqual(glob(join(dir, 'tpl', '*.tmpl')), [join(dir, 'tpl', 'a.tmpl')]);
  const u = NotifyTemplates.fromGlobs(['tpl/*.tmpl', 'none/*.tmpl'], dir);
  assert.equal(u.text('{{ template "slack.default.title" . }}/{{ template "my.one" . }}', data), 'custom firing/one');
  assert.equal(u.has('my.two'), false);
  u.text('{{ define "leak" }}x{{ end }}', data);
  assert.equal(u.has('leak'), false);
  writeFileSync(join(dir, 'tpl', 'bad.tmpl'), '{{ define "x" }}{{ .Foo ');
  assert.throws(() => NotifyTemplates.fromGlobs(['tpl/*.tmpl'], dir), (e: unknown) => e instanceof TemplateLoadError && e.file.endsWith('bad.tmpl'));
});

test('default HTML mail lists both alerts and escapes values', () => {
  const d = templateData({ receiver: 'r', groupLabels: { alertname: 'A<b>' }, alerts: [FIRING, RESOLVED], externalURL: 'http://am' });
  const html = t.text('{{ template "email.default.html" . }}', d);
  assert.match(html, /\[1\] Firing/);
  assert.match(html, /\[1\] Resolved/);
  assert.match(html, /alertname=A&lt;b&gt;/);
  assert.ok(!html.includes('A<b>'));
  assert.match(html, /href="http:\/\/prom:9090\/graph\?g0.expr=up&amp;i=h1"/);
});

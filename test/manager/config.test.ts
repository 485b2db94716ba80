import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigLoadError, parseManagerConfig } from '../../src/manager/config.js';
import { buildRoutes } from '../../src/manager/route.js';

const AMTOOL = '/usr/bin/amtool';

/** amtool's verdict on a config text: true when it says SUCCESS. */
function amtoolAccepts(text: string): boolean {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-am-'));
  const file = join(dir, 'am.yml');
  writeFileSync(file, text);
  try {
    execFileSync(AMTOOL, ['check-config', file], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

function errorsOf(text: string): string[] {
  try {
    parseManagerConfig(text, 'am.yml');
  } catch (e) {
    assert.ok(e instanceof ConfigLoadError, String(e));
    return e.errors.map((x) => x.text);
  }
  assert.fail('expected the config to be rejected');
}

const FULL = `
global:
  resolve_timeout: 2m
  smtp_smarthost: 'mail.example.com:25'
  smtp_from: 'vigil@example.com'
  slack_api_url: 'https://hooks.slack.example/services/X'
route:
  receiver: team-mail
  group_by: [alertname, cluster]
  group_wait: 10s
  routes:
    - matchers: ['severity="critical"']
      receiver: pager
      repeat_interval: 1h
      continue: true
      routes:
        - match_re: {service: 'db|cache'}
          receiver: slack
          group_by: ['...']
    - matchers: [team=web]
      receiver: hook
      mute_time_intervals: [nights]
      active_time_intervals: [weekdays]
inhibit_rules:
  - source_matchers: [severity=critical]
    target_matchers: [severity=warning]
    equal: [cluster]
  - source_match: {alertname: NodeDown}
    target_match_re: {alertname: '.+'}
receivers:
  - name: team-mail
    email_configs:
      - to: team@example.com
  - name: pager
    pagerduty_configs:
      - routing_key: abc
  - name: slack
    slack_configs:
      - channel: '#alerts'
        send_resolved: true
  - name: hook
    webhook_configs:
      - url: http://127.0.0.1:9/hook
time_intervals:
  - name: nights
    time_intervals:
      - times: [{start_time: '00:00', end_time: '06:00'}]
        location: Europe/Berlin
  - name: weekdays
    time_intervals:
      - weekdays: ['monday:friday']
`;

test('config: a full Alertmanager config parses, with global defaults in the receivers', () => {
  assert.ok(!existsSync(AMTOOL) || amtoolAccepts(FULL), 'amtool accepts the same config');
  const c = parseManagerConfig(FULL);
  assert.equal(c.global.resolve_timeout, 120_000);
  assert.equal(c.global.smtp_require_tls, true);
  assert.equal(c.route.group_wait, 10_000);
  assert.equal(c.route.group_interval, 300_000, 'root gets the default group_interval');
  assert.equal(c.route.repeat_interval, 4 * 3600_000);
  const mail = c.receivers.find((r) => r.name === 'team-mail')!.email_configs[0]!;
  assert.equal(mail.smarthost, 'mail.example.com:25');
  assert.equal(mail.from, 'vigil@example.com');
  assert.equal(mail.send_resolved, false);
  assert.equal(c.receivers.find((r) => r.name === 'pager')!.pagerduty_configs[0]!.url, 'https://events.pagerduty.com/v2/enqueue');
  assert.equal(c.receivers.find((r) => r.name === 'slack')!.slack_configs[0]!.api_url, 'https://hooks.slack.example/services/X');
  assert.equal(c.receivers.find((r) => r.name === 'hook')!.webhook_configs[0]!.send_resolved, true);
  assert.equal(c.inhibitRules.length, 2);
  assert.deepEqual(c.inhibitRules[1]!.targetMatchers.map((m) => `${m.name}${m.type}${m.value}`), ['alertname=~.+']);
  assert.equal(c.timeIntervals.get('nights')![0]!.location, 'Europe/Berlin');
  assert.ok(Object.isFrozen(c.route));
});

test('config: children inherit receiver, group_by and timings; `...` groups by everything', () => {
  const root = buildRoutes(parseManagerConfig(FULL));
  const pager = root.routes[0]!;
  assert.equal(pager.groupWait, 10_000, 'inherited from root');
  assert.equal(pager.repeatInterval, 3600_000);
  assert.deepEqual(pager.groupBy, ['alertname', 'cluster']);
  const slack = pager.routes[0]!;
  assert.equal(slack.repeatInterval, 3600_000, 'inherited from its parent, not the root');
  assert.equal(slack.groupBy, null);
  assert.equal(slack.key, '{}/{severity="critical"}/{service=~"db|cache"}');
  assert.deepEqual(root.routes[1]!.muteTimeIntervals, ['nights']);
});

test('config: errors name file:line:col and agree with amtool that the config is bad', () => {
  const cases: { text: string; want: RegExp[] }[] = [
    {
      text: 'route:\n  receiver: nobody\nreceivers:\n  - name: a\n',
      want: [/^am\.yml:2:13: undefined receiver "nobody" used in route$/],
    },
    {
      text: 'route:\n  receiver: a\n  routes:\n    - matchers: ["foo=~(x"]\n      receiver: a\nreceivers:\n  - name: a\n',
      want: [/^am\.yml:4:18: .*invalid regular expression in matcher foo=~\(x/],
    },
    {
      text: 'route:\n  receiver: a\n  group_wait: 5 minutes\nreceivers:\n  - name: a\n',
      want: [/^am\.yml:3:15: group_wait: not a valid duration string: "5 minutes"$/],
    },
    {
      text: 'route:\n  receiver: a\n  group_by: [alertname, alertname]\nreceivers:\n  - name: a\n  - name: a\n',
      want: [/^am\.yml:6:11: .*notification config name "a" is not unique$/, /^am\.yml:3:25: .*duplicated label "alertname" in group_by$/],
    },
    {
      text: 'route:\n  receiver: a\n  routes:\n    - receiver: a\n      mute_time_intervals: [never]\nreceivers:\n  - name: a\n',
      want: [/^am\.yml:5:29: .*undefined time interval "never" used in route$/],
    },
    {
      text: 'route:\n  receiver: a\n  matchers: [x=y]\nreceivers:\n  - name: a\n',
      want: [/^am\.yml:2:3: root route must not have any matchers$/],
    },
    {
      text: 'route:\n  receiver: a\nreceivers:\n  - name: a\n    email_configs:\n      - to: x@example.com\n',
      want: [/^am\.yml:6:9: no global SMTP smarthost set$/, /^am\.yml:6:9: no global SMTP from set$/],
    },
    {
      text: 'route:\n  receiver: a\n  recevier: b\nreceivers:\n  - name: a\n',
      want: [/^am\.yml:3:3: field recevier not found in config$/],
    },
    {
      text: 'route:\n  receiver: a\nreceivers:\n  - name: a\n    webhook_configs:\n      - send_resolved: false\n',
      want: [/^am\.yml:6:9: one of url or url_file must be configured$/],
    },
    {
      text: 'route:\n  receiver: a\nreceivers:\n  - name: a\ntime_intervals:\n  - name: t\n    time_intervals:\n      - weekdays: [funday]\n',
      want: [/^am\.yml:8:20: .*funday is not a valid weekday$/],
    },
    { text: 'receivers:\n  - name: a\n', want: [/no route provided in config/] },
  ];
  for (const c of cases) {
    const got = errorsOf(c.text);
    assert.equal(got.length, c.want.length, `${JSON.stringify(c.text)} gave ${JSON.stringify(got)}`);
    c.want.forEach((w, i) => assert.match(got[i]!, w));
    if (existsSync(AMTOOL)) assert.equal(amtoolAccepts(c.text), false, `amtool rejects ${JSON.stringify(c.text)} too`);
  }
});

test('config: YAML syntax errors carry positions', () => {
  const got = errorsOf('route:\n  receiver: a\n   bad: [\n');
  assert.match(got[0]!, /^am\.yml:\d+:\d+: /);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sharedKafka } from '../../src/services/kafka.js';
import { dropDatabase } from '../../src/services/mariadb.js';
import { anyAlive } from '../../src/stack/children.js';
import { mergeRuleGroups, type ApiGroupJson } from '../../src/stack/aggregate.js';
import { startStack } from '../../src/stack/stack.js';
import { Machine } from '../../src/dev/fleet.js';
import { fromEmailSubject, fromWebhookPayload, formatNotification } from '../../src/stack/inbox.js';

test('inbox reads webhook v4 payloads and default e-mail subjects, and prints one line each', () => {
  const payload = JSON.stringify({ receiver: 'inbox', status: 'firing', groupLabels: { alertname: 'NodeDown', tenant: 'acme' }, alerts: [{}, {}, {}], version: '4' });
  const n = fromWebhookPayload(payload, 0);
  assert.deepEqual({ receiver: n.receiver, status: n.status, alerts: n.alerts }, { receiver: 'inbox', status: 'firing', alerts: 3 });
  assert.equal(formatNotification(n), 'NOTIFY webhook [firing] NodeDown tenant=acme (3 alerts)');
  assert.throws(() => fromWebhookPayload('{"status":"firing","alerts":[]}', 0), /no "receiver"/);
  const m = fromEmailSubject('[FIRING:2] NodeDown acme (job=node)', 'oncall@x', 0);
  assert.equal(m.status, 'firing');
  assert.equal(m.alerts, 2);
  assert.equal(formatNotification(m), 'NOTIFY email [firing] NodeDown acme (2 alerts)');
});

test('mergeRuleGroups joins the same rule across evaluators and keeps the highest state', () => {
  const g = (state: string, alerts: number): ApiGroupJson => ({
    name: 'node', file: 'rules/node.rules.yml', interval: 60,
    rules: [{ name: 'NodeDown', type: 'alerting', health: 'ok', state, alerts: Array.from({ length: alerts }, (_, i) => ({ labels: { i: String(i) }, annotations: {}, state, value: '1' })) }],
  });
  const merged = mergeRuleGroups([[g('inactive', 0)], [g('firing', 2)], [g('pending', 1)]]);
  assert.equal(merged.length, 1);
  assert.equal(merged[0]!.rules[0]!.state, 'firing');
  assert.equal(merged[0]!.rules[0]!.alerts!.length, 3);
});

test('vigil start runs ingest, two evaluators and a manager; alerts fire, notifications reach the inbox, and stop leaves no process', { timeout: 240_000 }, async () => {
  const brokers = await sharedKafka();
  const home = mkdtempSync(join(tmpdir(), 'vigil-stack-'));
  const prefix = `stacktest${process.pid}`;
  const database = `vigil_test_stack_${process.pid}`;
  const lines: string[] = [];
  const stack = await startStack({
    machines: 10, backfillMs: 40 * 60_000, partitions: 2, brokers, topicPrefix: prefix, database, pagePort: 0, home,
    out: (l) => lines.push(l),
  });
  let stopped = false;
  try {
    // Machine 5 of the fleet died 30 minutes before the live start: NodeDown (for 5m) fires in the backfill.
    const fired = await stack.tail.waitFor((e) => e.state === 'firing' && e.rule.name === 'NodeDown', 60_000);
    assert.equal(fired.labels.instance, new Machine(5, 0).instance, 'the machine that died is the one alerted on');
    assert.ok(['acme', 'globex'].includes(fired.tenant), `tenant ${fired.tenant}`);
    assert.equal(fired.labels.tenant, fired.tenant);
    assert.ok(lines.some((l) => /FIRING\s+\[(acme|globex)\] NodeDown/.test(l)), 'the event is printed');

    const page = await fetch(`${stack.pageUrl}/`);
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.match(html, /<h2>Firing \((\d+)\)<\/h2>/);
    const alerts = (await (await fetch(`${stack.pageUrl}/api/v1/alerts`)).json()) as { status: string; data: { alerts: Array<{ state: string; labels: Record<string, string> }> } };
    assert.equal(alerts.status, 'success');
    assert.ok(alerts.data.alerts.some((a) => a.state === 'firing' && a.labels.alertname === 'NodeDown'), 'merged alerts show the firing NodeDown');
    const rules = (await (await fetch(`${stack.pageUrl}/api/v1/rules`)).json()) as { data: { groups: ApiGroupJson[] } };
    assert.ok(rules.data.groups.some((g) => g.rules.some((r) => r.name === 'NodeDown')));
    for (const u of stack.evaluatorUrls) assert.equal((await fetch(`${u}/api/v1/rules`)).status, 200);
    const ready = await fetch(`${stack.ingestUrl}/-/ready`);
    assert.equal(ready.status, 200);
    assert.equal(stack.pids.length, 5, 'two evaluators, the manager, the tenant API and the ingest');

    // The manager consumes the alerts topic and, after group_wait (10s), notifies the inbox.
    // Generous: each evaluator also replays the other's partitions (standby) while the backfill lands.
    const note = await stack.inbox.waitFor((n) => n.via === 'webhook' && n.groupLabels.alertname === 'NodeDown' && n.status === 'firing', 90_000);
    assert.equal(note.receiver, 'inbox');
    assert.equal(note.groupLabels.tenant, fired.tenant, 'grouped by tenant');
    assert.ok(note.alerts >= 1);
    assert.ok(lines.some((l) => l.startsWith(`NOTIFY webhook [firing] NodeDown tenant=${fired.tenant}`)), 'the notification is printed');
    // smtp-server is a devDependency, so under test the e-mail path must work too.
    assert.notEqual(stack.inbox.smarthost, null, 'the inbox runs an SMTP server');
    {
      await stack.inbox.waitFor((n) => n.via === 'email' && n.status === 'firing' && n.groupLabels.group!.startsWith('NodeDown'), 15_000);
    }
    // The demo policies, created through the tenant API, mail their tenant's own address: machine 3 (globex) has a filling disk.
    assert.equal(stack.policies.globex?.length, 2);
    const policyMail = await stack.inbox.waitFor((n) => n.via === 'email' && n.receiver === 'oncall@globex.example' && n.status === 'firing', 60_000);
    assert.match(policyMail.groupLabels.group!, /^PolicyDiskUtilization globex /);
    assert.ok(!stack.inbox.notifications.some((n) => n.receiver === 'ops@acme.example' && /globex/.test(n.groupLabels.group ?? '')), 'acme is never told of globex');
    const apiPage = await fetch(`${stack.apiUrl}/`);
    assert.equal(apiPage.status, 200);
    assert.match(await apiPage.text(), /<html/i);
    for (const f of Object.values(stack.tokenFiles)) assert.equal(statSync(f).mode & 0o777, 0o600, `${f} is private`);
    const amAlerts = (await (await fetch(`${stack.managerUrl}/api/v2/alerts`)).json()) as Array<{ labels: Record<string, string> }>;
    assert.ok(amAlerts.some((a) => a.labels.alertname === 'NodeDown'), 'the manager API lists NodeDown');
    const html2 = await (await fetch(`${stack.pageUrl}/`)).text();
    assert.match(html2, /<h2>Inbox \([1-9]\d*\)<\/h2>/);
    assert.match(html2, /<code>alertname=NodeDown<\/code>/);
    assert.ok(existsSync(join(home, 'logs', 'ingest.log')));

    await stack.stop();
    stopped = true;
    assert.equal(anyAlive(stack.pids), false, 'no child process is left');
  } finally {
    if (!stopped) await stack.stop();
    await dropDatabase({ host: '127.0.0.1', port: 3306, user: 'root', password: '', database }).catch(() => undefined);
    rmSync(home, { recursive: true, force: true });
  }
});

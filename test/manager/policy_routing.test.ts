// Tenant policy routing as timelines: a real MariaDB, a real SMTP server and a Slack-speaking
// HTTP server on loopback, policies written as the tenant API writes them.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../src/clock.js';
import type { PostableAlert } from '../../src/manager/alert.js';
import { ManagerMetrics } from '../../src/manager/api/index.js';
import { parseManagerConfig } from '../../src/manager/config.js';
import { Dispatcher, type DispatcherPolicyOptions, type FlushReport } from '../../src/manager/dispatch.js';
import { RecordingIntegration } from '../../src/manager/receivers/recording.js';
import { tenantAlertHistory } from '../../src/store/alert_history.js';
import { listTenantAlerts } from '../../src/store/manager_alerts.js';
import { listGroups } from '../../src/store/manager_groups.js';
import { database, dropDatabase, M, S } from './harness.js';
import { recordingServer, smtpServer, type Mail } from './receivers_helpers.js';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const PA = '11111111-1111-4111-8111-111111111111'; // acme's
const PB = '22222222-2222-4222-8222-222222222222'; // globex's
const HOOK_SECRET = 'T000/B000/acme-hook-s3cret';

let smtp: { host: string; mails: Mail[]; close(): Promise<void> };
let slack: Awaited<ReturnType<typeof recordingServer>>;


before(async () => {
  smtp = await smtpServer();
  // Slack's incoming webhooks answer 200 "ok"; a path with "fail" answers 500.
  slack = await recordingServer((req, res) => {
    if (req.url.includes('fail')) res.writeHead(500).end('internal_error');
    else res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
  });
});

after(async () => {
  await smtp?.close();
  await slack?.close();
  await dropDatabase();
});

beforeEach(async () => {
  const pool = await database();
  for (const t of ['manager_alerts', 'manager_groups', 'manager_group_alerts', 'manager_nflog', 'manager_silences', 'alert_history', 'alert_policies', 'tenants']) {
    await pool.query(`DELETE FROM ${t}`);
  }
  await pool.query("INSERT INTO tenants (id, name) VALUES ('acme', 'Acme'), ('globex', 'Globex')");
  smtp.mails.length = 0;
  slack.seen.length = 0;
});

function spec(email: string[], slackTargets: { url: string; channel?: string }[]): string {
  return JSON.stringify({
    type: 'disk_utilization_percent', description: 'Root disk filling up', compare: 'GreaterThan', value: 90, window: '5m',
    entities: [], tags: [], enabled: true, alerts: { email, slack: slackTargets },
  });
}

async function addPolicy(id: string, tenant: string, email: string[], slackTargets: { url: string; channel?: string }[]): Promise<void> {
  const pool = await database();
  await pool.query(
    'INSERT INTO alert_policies (id, tenant_id, spec, enabled, revision, created_at, updated_at) VALUES (?, ?, ?, 1, 1, ?, ?)',
    [id, tenant, spec(email, slackTargets), T0, T0],
  );
}

const global = (smtpHost: string | null) => smtpHost === null ? '' : `global: {smtp_smarthost: "${smtpHost}", smtp_from: "vigil@example.com", smtp_require_tls: false}\n`;

/** A dispatcher with an operator route tree of one recording receiver, and fast policy timing. */
class Timeline {
  readonly clock = new ManualClock(T0);
  readonly operator = new RecordingIntegration('webhook', 0, true);
  readonly reports: FlushReport[] = [];
  readonly d: Dispatcher;

  constructor(pool: Awaited<ReturnType<typeof database>>, opts: { smtp?: string | null; policies?: DispatcherPolicyOptions | false } = {}) {
    const yaml = `${global(opts.smtp === undefined ? smtp.host : opts.smtp)}route: {receiver: operator, group_by: [alertname], group_wait: 10s, group_interval: 1m}
receivers: [{name: operator, webhook_configs: [{url: "http://127.0.0.1:1/unused"}]}]
`;
    this.d = new Dispatcher({
      pool, config: parseManagerConfig(yaml), clock: this.clock, instance: 'a',
      retry: { sleep: async () => undefined, maxAttempts: 2 },
      integrations: () => [this.operator],
      policies: opts.policies ?? { groupWaitMs: 10 * S, groupIntervalMs: M, repeatIntervalMs: 60 * M, cacheMs: 10 * M },
    });
  }

  async post(...alerts: PostableAlert[]): Promise<void> {
    const faults = await this.d.put(alerts);
    assert.deepEqual(faults, []);
  }

  async until(t: number, step = 10 * S): Promise<void> {
    while (this.clock.now() < t) {
      this.clock.set(Math.min(t, this.clock.now() + step));
      this.reports.push(...(await this.d.tick()));
    }
  }
}

const diskAlert = (tenant: string, policy: string, instance = 'web-1', extra: Partial<PostableAlert> = {}): PostableAlert => ({
  labels: { alertname: 'DiskUtilization', tenant, vigil_policy: policy, policy_type: 'disk_utilization_percent', instance },
  annotations: { summary: `disk of ${instance}` },
  startsAt: T0,
  ...extra,
});

const slackPaths = () => slack.seen.map((s) => s.url);
const mailsTo = () => smtp.mails.map((m) => m.to.join(','));

test('a policy alert reaches its tenant\'s e-mail and Slack targets, firing then resolved; the operator tree sees nothing; history follows', async () => {
  const pool = await database();
  await addPolicy(PA, 'acme', ['ops@acme.example'], [{ url: `${slack.url}/services/${HOOK_SECRET}`, channel: '#acme-ops' }]);
  await addPolicy(PB, 'globex', ['ops@globex.example'], [{ url: `${slack.url}/services/globex` }]);
  const w = new Timeline(pool);
  await w.post(diskAlert('acme', PA));
  await w.until(T0 + 5 * S, 5 * S);
  assert.equal(smtp.mails.length, 0, 'group_wait');
  await w.until(T0 + 10 * S);
  assert.deepEqual(mailsTo(), ['ops@acme.example']);
  assert.match(smtp.mails[0]!.data, /^Subject: \[FIRING:1\] DiskUtilization/m);
  assert.deepEqual(slackPaths(), [`/services/${HOOK_SECRET}`]);
  const msg = JSON.parse(slack.seen[0]!.body) as { channel: string; attachments: { title: string }[] };
  assert.equal(msg.channel, '#acme-ops');
  assert.match(msg.attachments[0]!.title, /^\[FIRING:1\] DiskUtilization/);
  assert.equal(w.operator.sent.length, 0);
  const flushed = w.reports.filter((r) => r.alerts > 0);
  assert.equal(flushed.length, 1);
  assert.equal(flushed[0]!.receiver, `policy:${PA}`);
  assert.match(flushed[0]!.groupKey, /^\{\}\/policy:\{alertname="DiskUtilization", tenant="acme", vigil_policy="11111111-/);
  assert.equal(flushed[0]!.error, undefined);

  // Nothing new: no repeat before repeat_interval.
  await w.until(T0 + 3 * M);
  assert.equal(smtp.mails.length, 1);
  assert.equal((await tenantAlertHistory(pool, 'acme'))[0]!.resolved, false);
  assert.equal((await listTenantAlerts(pool, 'acme', w.clock.now())).length, 1);

  await w.post(diskAlert('acme', PA, 'web-1', { endsAt: T0 + 3 * M }));
  await w.until(T0 + 5 * M);
  assert.deepEqual(mailsTo(), ['ops@acme.example', 'ops@acme.example']);
  assert.match(smtp.mails[1]!.data, /^Subject: \[RESOLVED\] DiskUtilization/m);
  assert.equal(slack.seen.length, 2);
  const history = await tenantAlertHistory(pool, 'acme');
  assert.deepEqual(history.map((e) => [e.alertname, e.policyId, e.resolved, e.endsAt]), [['DiskUtilization', PA, true, T0 + 3 * M]]);
  assert.deepEqual(await tenantAlertHistory(pool, 'globex'), []);
  assert.deepEqual(await listTenantAlerts(pool, 'acme', w.clock.now()), []);
  assert.deepEqual(await listGroups(pool), [], 'the resolved group is gone');
  assert.equal(w.reports.filter((r) => r.dropped !== undefined).length, 0);
});

test('an alert naming another tenant\'s policy reaches nobody and is counted', async () => {
  const pool = await database();
  await addPolicy(PA, 'acme', ['ops@acme.example'], [{ url: `${slack.url}/services/acme` }]);
  await addPolicy(PB, 'globex', ['ops@globex.example'], [{ url: `${slack.url}/services/globex` }]);
  const w = new Timeline(pool);
  await w.post(diskAlert('acme', PB), diskAlert('globex', PA, 'web-9'));
  await w.until(T0 + 3 * M);
  assert.deepEqual(smtp.mails, []);
  assert.deepEqual(slack.seen, []);
  assert.equal(w.operator.sent.length, 0, 'not the operator\'s either');
  assert.ok(w.reports.length >= 2 && w.reports.every((r) => r.dropped === 'tenant_mismatch'));
  assert.ok(w.d.policyDrops!.tenant_mismatch >= 2);
  const metrics = new ManagerMetrics();
  metrics.policyDrops = w.d.policyDrops;
  const text = await metrics.render(pool);
  assert.match(text, /^vigil_manager_policy_notifications_dropped_total\{reason="tenant_mismatch"\} [1-9]\d*$/m);
  assert.match(text, /^vigil_manager_policy_notifications_dropped_total\{reason="disabled"\} 0$/m);
  // The groups wait (parked) rather than send; their history still belongs to the alerts' tenants.
  assert.equal((await listGroups(pool)).length, 2);
  assert.deepEqual((await tenantAlertHistory(pool, 'acme')).map((e) => e.policyId), [PB]);
});

test('disabling a policy stops its notifications (enabling resumes them); deleting it too', async () => {
  const pool = await database();
  await addPolicy(PA, 'acme', ['ops@acme.example'], [{ url: `${slack.url}/services/acme` }]);
  const w = new Timeline(pool);
  await w.post(diskAlert('acme', PA, 'web-1'));
  await w.until(T0 + 10 * S);
  assert.equal(smtp.mails.length, 1);
  assert.equal(slack.seen.length, 1);

  await pool.query('UPDATE alert_policies SET enabled = 0, revision = revision + 1 WHERE id = ?', [PA]);
  await w.post(diskAlert('acme', PA, 'web-2'));
  await w.until(T0 + 3 * M);
  assert.equal(smtp.mails.length, 1, 'nothing after the disable');
  assert.equal(slack.seen.length, 1);
  assert.ok(w.reports.some((r) => r.dropped === 'disabled'));

  await pool.query('UPDATE alert_policies SET enabled = 1, revision = revision + 1 WHERE id = ?', [PA]);
  await w.until(T0 + 4 * M + 10 * S);
  assert.equal(smtp.mails.length, 2, 'the parked group notifies again');
  assert.match(smtp.mails[1]!.data, /\[FIRING:2\]/);

  await pool.query('DELETE FROM alert_policies WHERE id = ?', [PA]);
  await w.post(diskAlert('acme', PA, 'web-3'));
  await w.until(T0 + 8 * M);
  assert.equal(smtp.mails.length, 2, 'nothing after the delete');
  assert.equal(slack.seen.length, 2);
  assert.ok(w.reports.some((r) => r.dropped === 'not_found'));
  assert.equal(w.operator.sent.length, 0);
});

test('non-policy alerts follow the operator\'s route tree; with policy routing off, policy alerts do too', async () => {
  const pool = await database();
  await addPolicy(PA, 'acme', ['ops@acme.example'], [{ url: `${slack.url}/services/acme` }]);
  const w = new Timeline(pool);
  await w.post(
    { labels: { alertname: 'NodeDown', instance: 'db-1' }, startsAt: T0 },
    // A tenant's alert that is not a policy's, and a policy label without a tenant: the operator's.
    { labels: { alertname: 'TenantRule', tenant: 'acme' }, startsAt: T0 },
    { labels: { alertname: 'Stray', vigil_policy: PA }, startsAt: T0 },
  );
  await w.until(T0 + 10 * S);
  assert.deepEqual(w.operator.sent.map((n) => n.groupKey).sort(), ['{}:{alertname="NodeDown"}', '{}:{alertname="Stray"}', '{}:{alertname="TenantRule"}']);
  assert.deepEqual(smtp.mails, []);
  assert.deepEqual(slack.seen, []);

  await pool.query('DELETE FROM manager_groups');
  await pool.query('DELETE FROM manager_group_alerts');
  const off = new Timeline(pool, { policies: false });
  await off.post(diskAlert('acme', PA));
  await off.until(T0 + 10 * S);
  assert.deepEqual(off.operator.sent.map((n) => n.groupKey), ['{}:{alertname="DiskUtilization"}']);
  assert.deepEqual(smtp.mails, []);
  assert.equal(off.d.policyDrops, null);
});

test('silences mute policy notifications like any other', async () => {
  const pool = await database();
  await addPolicy(PA, 'acme', ['ops@acme.example'], [{ url: `${slack.url}/services/acme` }]);
  const w = new Timeline(pool);
  await w.d.silences.set({
    matchers: [{ name: 'tenant', type: '=', value: 'acme' }, { name: 'instance', type: '=', value: 'web-1' }],
    startsAt: T0, endsAt: T0 + 60 * M, createdBy: 'acme', comment: 'maintenance',
  });
  await w.post(diskAlert('acme', PA, 'web-1'));
  await w.until(T0 + 2 * M);
  assert.equal(smtp.mails.length, 0);
  await w.post(diskAlert('acme', PA, 'web-2'));
  await w.until(T0 + 4 * M);
  assert.equal(smtp.mails.length, 1);
  assert.match(smtp.mails[0]!.data, /\[FIRING:1\]/, 'only the unsilenced alert');
});

test('targets change with the policy\'s revision; without global SMTP, e-mail fails and Slack still goes; no error quotes a webhook URL', async () => {
  const pool = await database();
  await addPolicy(PA, 'acme', ['ops@acme.example'], [{ url: `${slack.url}/services/first` }]);
  const w = new Timeline(pool);
  await w.post(diskAlert('acme', PA, 'web-1'));
  await w.until(T0 + 10 * S);
  assert.deepEqual(slackPaths(), ['/services/first']);
  await pool.query('UPDATE alert_policies SET spec = ?, revision = revision + 1 WHERE id = ?',
    [spec(['sre@acme.example'], [{ url: `${slack.url}/services/second` }]), PA]);
  await w.post(diskAlert('acme', PA, 'web-2'));
  await w.until(T0 + 2 * M);
  assert.deepEqual(slackPaths(), ['/services/first', '/services/second']);
  assert.deepEqual(mailsTo(), ['ops@acme.example', 'sre@acme.example']);

  // A manager without SMTP settings, and a Slack target that fails.
  await pool.query('DELETE FROM manager_groups');
  await pool.query('DELETE FROM manager_group_alerts');
  await pool.query('UPDATE alert_policies SET spec = ?, revision = revision + 1 WHERE id = ?',
    [spec(['ops@acme.example'], [{ url: `${slack.url}/services/ok` }, { url: `${slack.url}/fail/${HOOK_SECRET}` }]), PA]);
  smtp.mails.length = 0;
  slack.seen.length = 0;
  const bare = new Timeline(pool, { smtp: null });
  await bare.post(diskAlert('acme', PA, 'web-7'));
  await bare.until(T0 + 10 * S);
  assert.deepEqual(smtp.mails, []);
  assert.deepEqual(slackPaths().sort(), ['/fail/T000/B000/acme-hook-s3cret', '/fail/T000/B000/acme-hook-s3cret', '/services/ok']);
  const failed = bare.reports.find((r) => r.error !== undefined)!;
  const text = [failed.error!.message, ...((failed.error as AggregateError).errors ?? []).map((e: Error) => e.message)].join('\n');
  assert.match(text, /no global smtp_smarthost and smtp_from set for policy e-mail targets/);
  assert.match(text, /unexpected status code 500/);
  assert.ok(!text.includes(HOOK_SECRET) && !text.includes('/fail'), text);
});

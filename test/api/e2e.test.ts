/**
 * The customer's path end to end, on the real broker and MariaDB with every role in process:
 * an operator creates a tenant; the tenant registers a machine and creates a disk policy
 * through the API; the machine's metrics pushed to the ingest with the tenant's token make
 * the evaluator (which took the compiled rules from the rules topic) fire; the manager sends
 * the policy's e-mail to a real SMTP server on loopback. Disabling the policy stops mail.
 * Another tenant pushing the same machine name, full disk included, alerts nobody.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseApiConfig } from '../../src/api/config.js';
import { startApi, type RunningApi } from '../../src/api/run.js';
import { parseEvaluateConfig, startEvaluate, type RunningEvaluate } from '../../src/evaluate/run.js';
import { parseIngestConfig } from '../../src/ingest/config.js';
import { startIngest, type RunningIngest } from '../../src/ingest/run.js';
import { parseManagerRunConfig, startManager, type RunningManager } from '../../src/manager/run.js';
import { sharedKafka } from '../../src/services/kafka.js';
import { testDatabase } from '../../src/services/mariadb.js';
import { sleep } from '../../src/services/process.js';
import { smtpServer, type Mail } from '../manager/receivers_helpers.js';
import { mysqlUrl } from './harness.js';

const ADMIN = 'e2e-admin-token-not-a-real-secret';
const run = `${process.pid}.${Math.random().toString(36).slice(2, 8)}`;
const topics = { samples: `vigil.e2e.${run}.samples`, alerts: `vigil.e2e.${run}.alerts`, rules: `vigil.e2e.${run}.rules`, state: `vigil.e2e.${run}.state` };

let db: Awaited<ReturnType<typeof testDatabase>>;
let dir: string;
let smtp: { host: string; mails: Mail[]; close(): Promise<void> };
let ingest: RunningIngest | undefined;
let evaluator: RunningEvaluate | undefined;
let manager: RunningManager | undefined;
let api: RunningApi | undefined;


async function call(method: string, path: string, token: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${api!.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text === '' ? null : JSON.parse(text) };
}

async function waitFor<T>(what: string, timeoutMs: number, f: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(200);
  }
}

/** A node_exporter-like filesystem at `usedPct` percent, pushed in the text format with the tenant's token. */
async function pushDisk(token: string, instance: string, usedPct: number): Promise<void> {
  const t = Date.now();
  const size = 100e9;
  const fs = `device="/dev/sda1",fstype="ext4",instance="${instance}",job="node",mountpoint="/"`;
  const body = [
    `node_filesystem_size_bytes{${fs}} ${size} ${t}`,
    `node_filesystem_avail_bytes{${fs}} ${size * (1 - usedPct / 100)} ${t}`,
    `node_filesystem_size_bytes{${fs.replace('/dev/sda1', 'tmpfs').replace('ext4', 'tmpfs').replace('mountpoint="/"', 'mountpoint="/run"')}} 1e9 ${t}`,
    `node_filesystem_avail_bytes{${fs.replace('/dev/sda1', 'tmpfs').replace('ext4', 'tmpfs').replace('mountpoint="/"', 'mountpoint="/run"')}} 0 ${t}`,
    '',
  ].join('\n');
  const res = await fetch(`${ingest!.url}/api/v1/push`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'text/plain' }, body });
  assert.ok(res.status >= 200 && res.status < 300, `push: ${res.status} ${await res.text()}`);
}

before(async () => {
  db = await testDatabase('vigil_e2e');
  dir = mkdtempSync(join(tmpdir(), 'vigil-e2e-'));
  smtp = await smtpServer();
  const brokers = await sharedKafka();
  const url = mysqlUrl(db.config);
  ingest = await startIngest(parseIngestConfig({
    listen: { host: '127.0.0.1', port: 0 },
    kafka: { brokers, topics, partitions: 2, logLevel: 'nothing' },
    mysql: { url },
    tickIntervalMs: 500,
  }));
  evaluator = await startEvaluate(parseEvaluateConfig({
    listen: { host: '127.0.0.1', port: 0 },
    kafka: { brokers, topics, groupId: `vigil.e2e.${run}.evaluate`, sessionTimeoutMs: 6_000, logLevel: 'nothing' },
    rules: [],
    evaluation: { snapshotIntervalMs: 60_000 },
  }));
  const amFile = join(dir, 'alertmanager.yml');
  // The operator's own tree sends nothing: every mail in this test comes from a policy.
  writeFileSync(amFile, `global: {smtp_smarthost: "${smtp.host}", smtp_from: "vigil@example.com", smtp_require_tls: false}
route: {receiver: operator, group_by: [alertname], group_wait: 1h}
receivers: [{name: operator}]
`);
  manager = await startManager(parseManagerRunConfig({
    configFile: amFile,
    listen: { host: '127.0.0.1', port: 0 },
    mysql: { url },
    kafka: { brokers, topic: topics.alerts, groupId: `vigil.e2e.${run}.manager`, sessionTimeoutMs: 6_000, logLevel: 'nothing' },
    instance: 'e2e-1',
    tickMs: 200,
    policies: { groupWaitMs: 500, groupIntervalMs: 2_000, repeatIntervalMs: 3_600_000, cacheMs: 1_000 },
  }));
  api = await startApi(parseApiConfig({
    listen: { host: '127.0.0.1', port: 0 },
    mysql: { url },
    kafka: { brokers, rulesTopic: topics.rules, logLevel: 'nothing' },
    evaluators: [evaluator.url],
    policies: { interval: '2s' },
  }), { env: { VIGIL_API_ADMIN_TOKEN: ADMIN } });
});

after(async () => {
  for (const c of [api, ingest, evaluator, manager]) await c?.close().catch(() => undefined);
  await smtp?.close();
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

test('a disk policy created through the API e-mails its target when the machine fills up, and stops once disabled', { timeout: 120_000 }, async () => {
  const acme = await call('POST', '/api/v1/admin/tenants', ADMIN, { id: 'acme', name: 'Acme' });
  assert.equal(acme.status, 201, JSON.stringify(acme.body));
  const globex = await call('POST', '/api/v1/admin/tenants', ADMIN, { id: 'globex', name: 'Globex' });
  assert.equal(globex.status, 201, JSON.stringify(globex.body));
  const acmeToken: string = acme.body.data.token;
  const globexToken: string = globex.body.data.token;
  assert.match(acmeToken, /^vgl_/);

  assert.equal((await call('PUT', '/api/v1/machines/web-1', acmeToken, { tags: ['production'] })).status < 300, true);
  assert.equal((await call('PUT', '/api/v1/machines/web-1', globexToken, {})).status < 300, true);
  const created = await call('POST', '/api/v1/policies', acmeToken, {
    type: 'disk_utilization_percent', description: 'Root disk of {{ $labels.instance }} "filling"', compare: 'GreaterThan',
    value: 90, window: '5m', tags: ['production'], alerts: { email: ['ops@acme.example'] },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const policyId: string = created.body.data.id;
  assert.match(policyId, /^[0-9a-f-]{36}$/);

  // The evaluator takes the compiled rules from the rules topic within seconds.
  await waitFor('the policy rule group on the evaluator', 20_000, async () => {
    const r = (await (await fetch(`${evaluator!.url}/api/v1/rules`)).json()) as { data: { groups: Array<{ name: string; rules: Array<{ name: string }> }> } };
    return r.data.groups.find((g) => g.name === 'tenant/acme/policies' && g.rules.length === 1);
  });

  // Both tenants' web-1 is at 95 %; only acme has a policy, and acme's rule must not see globex's series.
  let pushing = true;
  const pusher = (async () => {
    while (pushing) {
      await pushDisk(acmeToken, 'web-1:9100', 95);
      await pushDisk(globexToken, 'web-1:9100', 99);
      await sleep(500);
    }
  })();
  try {
    const mail = await waitFor('the policy e-mail', 45_000, () => smtp.mails.find((m) => m.to.includes('ops@acme.example')));
    assert.match(mail.data, /PolicyDiskUtilization/);
    assert.match(mail.data, /tenant.{0,40}acme/s);
    assert.doesNotMatch(mail.data, /globex/, 'nothing of the other tenant is in acme\'s mail');
    // The description is text, not template code: it arrives as written (quoted-printable may wrap it).
    assert.match(mail.data.replace(/=\r?\n/g, '').replace(/=22/g, '"').replace(/&#34;|&quot;/g, '"'), /\{\{ \$labels\.instance \}\} "filling"/);
    assert.ok(smtp.mails.every((m) => m.to.every((to) => to === 'ops@acme.example')), 'only the policy target gets mail');

    // The tenant sees its firing alert and history through the API; the other tenant does not.
    const firing = await waitFor('the firing alert in the API', 10_000, async () => {
      const r = await call('GET', '/api/v1/alerts', acmeToken);
      return JSON.stringify(r.body).includes(policyId) ? r : undefined;
    });
    assert.equal(firing.status, 200);
    assert.doesNotMatch(JSON.stringify((await call('GET', '/api/v1/alerts', globexToken)).body), /acme|PolicyDisk/);
    assert.match(JSON.stringify((await call('GET', '/api/v1/alerts/history', acmeToken)).body), /PolicyDiskUtilization/);

    // Disabled: no more mail, though the disk stays full and the data keeps coming.
    const patched = await call('PATCH', `/api/v1/policies/${policyId}`, acmeToken, { enabled: false });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    await waitFor('the rule group to leave the evaluator', 20_000, async () => {
      const r = (await (await fetch(`${evaluator!.url}/api/v1/rules`)).json()) as { data: { groups: Array<{ name: string }> } };
      return r.data.groups.some((g) => g.name === 'tenant/acme/policies') ? undefined : true;
    });
    const count = smtp.mails.length;
    await sleep(8_000); // four group intervals
    assert.equal(smtp.mails.length, count, `mail after the policy was disabled: ${smtp.mails.slice(count).map((m) => m.data.split('\n').find((l) => l.startsWith('Subject'))).join('; ')}`);
  } finally {
    pushing = false;
    await pusher;
  }
});

// The Alertmanager API v2 in-process: posting and listing alerts with every filter,
// groups, the silence lifecycle, status, receivers and metrics, on a ManualClock.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../src/clock.js';
import { buildRequest, type Handler } from '../../src/http/server.js';
import { parseManagerConfig } from '../../src/manager/config.js';
import { Dispatcher } from '../../src/manager/dispatch.js';
import { RecordingIntegration } from '../../src/manager/receivers/recording.js';
import { countingIntegration, createManagerApi, ManagerMetrics } from '../../src/manager/api/index.js';
import { database, dropDatabase, H, M } from './harness.js';

after(dropDatabase);

const YAML = `route:
  receiver: default
  group_by: [alertname]
  routes:
  - receiver: pager
    matchers: ['severity="page"']
receivers:
- name: default
- name: pager
inhibit_rules:
- source_matchers: ['severity="page"']
  target_matchers: ['severity="ticket"']
  equal: [cluster]
`;
const T0 = Date.UTC(2024, 0, 1, 12);

async function setup() {
  const pool = await database();
  for (const t of ['manager_alerts', 'manager_groups', 'manager_group_alerts', 'manager_nflog', 'manager_silences']) await pool.query(`DELETE FROM ${t}`);
  const clock = new ManualClock(T0);
  const config = parseManagerConfig(YAML);
  const metrics = new ManagerMetrics();
  const recorders = new Map<string, RecordingIntegration>();
  const dispatcher = new Dispatcher({
    pool, config, clock, instance: 'api-test',
    integrations: (r) => {
      const rec = new RecordingIntegration('webhook');
      recorders.set(r.name, rec);
      return [countingIntegration(rec, metrics)];
    },
  });
  const api = createManagerApi({ dispatcher, pool, config, configText: YAML, clock, instance: 'api-test', address: '127.0.0.1:9093', startedAt: T0 - H, metrics });
  return { api, clock, dispatcher, metrics, recorders };
}

async function call(api: Handler, method: string, url: string, body?: unknown) {
  const res = await api(buildRequest(method, url, body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }));
  return { status: res.status, body: res.body, json: () => JSON.parse(res.body) as unknown };
}

const iso = (ms: number) => new Date(ms).toISOString();

test('alerts: post validates and names the field; get lists with receivers, status and every filter', async () => {
  const { api, clock, metrics } = await setup();
  const posted = [
    { labels: { alertname: 'Down', severity: 'page', cluster: 'c1' }, annotations: { summary: 'down' }, startsAt: iso(T0 - 10 * M), generatorURL: 'http://prom/graph' },
    { labels: { alertname: 'Slow', severity: 'ticket', cluster: 'c1' } },
    { labels: { alertname: 'Slow', severity: 'ticket', cluster: 'c2' } },
    { labels: { alertname: 'Old', severity: 'ticket' }, startsAt: iso(T0 - 2 * H), endsAt: iso(T0 - H) },
  ];
  const ok = await call(api, 'POST', '/api/v2/alerts', posted);
  assert.equal(ok.status, 200);
  assert.equal(ok.body, '', 'Prometheus gets an empty 200');

  const noLabels = await call(api, 'POST', '/api/v2/alerts', [{ annotations: {} }]);
  assert.equal(noLabels.status, 400);
  assert.match(String(noLabels.json()), /alerts\[0\]\.labels in body is required/);
  const badTime = await call(api, 'POST', '/api/v2/alerts', [{ labels: { a: 'b' } }, { labels: { a: 'c' }, startsAt: 'yesterday' }]);
  assert.equal(badTime.status, 400);
  assert.match(String(badTime.json()), /alerts\[1\]\.startsAt in body must be of type date-time/);
  const badName = await call(api, 'POST', '/api/v2/alerts', [{ labels: { '0bad': 'x' } }]);
  assert.equal(badName.status, 400);
  assert.match(String(badName.json()), /alerts\[0\].*invalid name "0bad"/);
  assert.equal((await call(api, 'POST', '/api/v2/alerts', '{not json')).status, 400);

  const all = (await call(api, 'GET', '/api/v2/alerts')).json() as Array<Record<string, any>>;
  assert.equal(all.length, 3, 'the resolved alert is not listed');
  const down = all.find((a) => a.labels.alertname === 'Down')!;
  assert.deepEqual(Object.keys(down).sort(), ['annotations', 'endsAt', 'fingerprint', 'generatorURL', 'labels', 'receivers', 'startsAt', 'status', 'updatedAt']);
  assert.equal(down.startsAt, iso(T0 - 10 * M));
  assert.equal(down.endsAt, iso(T0 + 5 * M), 'no endsAt: now + resolve_timeout');
  assert.equal(down.updatedAt, iso(T0));
  assert.equal(down.generatorURL, 'http://prom/graph');
  assert.match(down.fingerprint, /^[0-9a-f]{16}$/);
  assert.deepEqual(down.receivers, [{ name: 'pager' }]);
  assert.deepEqual(down.status, { state: 'active', silencedBy: [], inhibitedBy: [] });
  const slowC1 = all.find((a) => a.labels.alertname === 'Slow' && a.labels.cluster === 'c1')!;
  assert.deepEqual(slowC1.status, { state: 'suppressed', silencedBy: [], inhibitedBy: [down.fingerprint] }, 'inhibited by the page in its cluster');

  const names = async (q: string) => ((await call(api, 'GET', `/api/v2/alerts${q}`)).json() as Array<Record<string, any>>)
    .map((a) => `${a.labels.alertname}/${a.labels.cluster ?? ''}`).sort();
  assert.deepEqual(await names('?filter=severity%3D%22ticket%22'), ['Slow/c1', 'Slow/c2']);
  assert.deepEqual(await names('?filter=alertname%3D~%22S.*%22&filter=cluster!%3D%22c1%22'), ['Slow/c2']);
  assert.deepEqual(await names('?receiver=pag.*'), ['Down/c1']);
  assert.deepEqual(await names('?receiver=pag'), [], 'the receiver regex is anchored');
  assert.deepEqual(await names('?inhibited=false'), ['Down/c1', 'Slow/c2']);
  assert.deepEqual(await names('?active=false'), ['Slow/c1']);
  assert.equal((await call(api, 'GET', '/api/v2/alerts?active=maybe')).status, 400);
  assert.equal((await call(api, 'GET', '/api/v2/alerts?filter=%7B%7Bbad')).status, 400);

  const sil = (await call(api, 'POST', '/api/v2/silences', {
    matchers: [{ name: 'cluster', value: 'c2', isRegex: false }], startsAt: iso(T0), endsAt: iso(T0 + H), createdBy: 'alice', comment: 'maint',
  })).json() as { silenceID: string };
  const c2 = ((await call(api, 'GET', '/api/v2/alerts?filter=cluster%3D%22c2%22')).json() as Array<Record<string, any>>)[0]!;
  assert.deepEqual(c2.status, { state: 'suppressed', silencedBy: [sil.silenceID], inhibitedBy: [] });
  assert.deepEqual(await names('?silenced=false&inhibited=false'), ['Down/c1']);

  const groups = (await call(api, 'GET', '/api/v2/alerts/groups')).json() as Array<Record<string, any>>;
  assert.deepEqual(groups.map((g) => [g.receiver.name, g.labels, g.alerts.length]), [
    ['default', { alertname: 'Slow' }, 2],
    ['pager', { alertname: 'Down' }, 1],
  ]);
  const pagerOnly = (await call(api, 'GET', '/api/v2/alerts/groups?receiver=pager')).json() as unknown[];
  assert.equal(pagerOnly.length, 1);

  clock.advance(6 * M);
  assert.deepEqual(await names(''), [], 'alerts without endsAt resolve after resolve_timeout');
  const text = (await call(api, 'GET', '/metrics')).body;
  assert.match(text, /^alertmanager_alerts_received_total\{status="firing"\} 3$/m);
  assert.match(text, /^alertmanager_alerts_received_total\{status="resolved"\} 1$/m);
  assert.match(text, /^alertmanager_alerts_invalid_total 1$/m, 'only the alert with the bad label name got as far as validation');
  assert.match(text, /^vigil_manager_aggregation_groups 3$/m, 'Down, Slow, and Old (resolved, not flushed yet)');
  void metrics;
});

test('silences: create, list sorted and filtered, get, update, expire; errors as Alertmanager gives them', async () => {
  const { api, clock } = await setup();
  const post = (body: Record<string, unknown>) => call(api, 'POST', '/api/v2/silences', {
    matchers: [{ name: 'job', value: 'api', isRegex: false, isEqual: true }], startsAt: iso(T0), endsAt: iso(T0 + H), createdBy: 'alice', comment: 'deploy', ...body,
  });
  const a = (await post({})).json() as { silenceID: string };
  const b = (await post({ matchers: [{ name: 'job', value: 'web.*', isRegex: true }], endsAt: iso(T0 + 30 * M) })).json() as { silenceID: string };
  const p = (await post({ matchers: [{ name: 'job', value: 'db', isRegex: false }], startsAt: iso(T0 + H), endsAt: iso(T0 + 2 * H) })).json() as { silenceID: string };
  assert.match(a.silenceID, /^[0-9a-f-]{36}$/);

  const missing = await call(api, 'POST', '/api/v2/silences', { matchers: [{ name: 'job', value: 'x', isRegex: false }], startsAt: iso(T0), endsAt: iso(T0 + H), comment: 'c' });
  assert.equal(missing.status, 400);
  assert.match(String(missing.json()), /createdBy in body is required/);
  const noRegexFlag = await call(api, 'POST', '/api/v2/silences', { matchers: [{ name: 'job', value: 'x' }], startsAt: iso(T0), endsAt: iso(T0 + H), createdBy: 'a', comment: 'c' });
  assert.match(String(noRegexFlag.json()), /matchers\.0\.isRegex in body is required/);
  const past = await post({ startsAt: iso(T0 - 2 * H), endsAt: iso(T0 - H) });
  assert.equal(past.status, 400);
  assert.match(String(past.json()), /end time can't be in the past/);
  const backwards = await post({ startsAt: iso(T0 + 2 * H), endsAt: iso(T0 + H) });
  assert.match(String(backwards.json()), /start time must be before end time/);
  const emptyMatch = await post({ matchers: [{ name: 'job', value: '.*', isRegex: true }] });
  assert.equal(emptyMatch.status, 400);
  assert.equal((await post({ id: 'no-such-silence' })).status, 404);

  const list = (await call(api, 'GET', '/api/v2/silences')).json() as Array<Record<string, any>>;
  assert.deepEqual(list.map((s) => [s.id, s.status.state]), [[b.silenceID, 'active'], [a.silenceID, 'active'], [p.silenceID, 'pending']], 'active by end time, then pending');
  const one = (await call(api, 'GET', `/api/v2/silence/${a.silenceID}`)).json() as Record<string, any>;
  assert.deepEqual(one, {
    id: a.silenceID, status: { state: 'active' }, updatedAt: iso(T0),
    matchers: [{ name: 'job', value: 'api', isRegex: false, isEqual: true }],
    startsAt: iso(T0), endsAt: iso(T0 + H), createdBy: 'alice', comment: 'deploy',
  });
  const filtered = (await call(api, 'GET', '/api/v2/silences?filter=job%3D%22db%22')).json() as Array<Record<string, any>>;
  assert.deepEqual(filtered.map((s) => s.id), [p.silenceID], 'a filter matches equality matchers only');

  clock.advance(M);
  const updated = (await post({ id: a.silenceID, endsAt: iso(T0 + 3 * H), comment: 'longer' })).json() as { silenceID: string };
  assert.equal(updated.silenceID, a.silenceID, 'same matchers: updated in place');
  assert.equal(((await call(api, 'GET', `/api/v2/silence/${a.silenceID}`)).json() as Record<string, any>).comment, 'longer');

  assert.equal((await call(api, 'DELETE', `/api/v2/silence/${a.silenceID}`)).status, 200);
  const expired = (await call(api, 'GET', `/api/v2/silence/${a.silenceID}`)).json() as Record<string, any>;
  assert.equal(expired.status.state, 'expired');
  assert.equal(expired.endsAt, iso(T0 + M));
  assert.equal((await call(api, 'DELETE', `/api/v2/silence/${a.silenceID}`)).status, 500, 'already expired');
  assert.equal((await call(api, 'DELETE', '/api/v2/silence/nope')).status, 404);
  assert.equal((await call(api, 'GET', '/api/v2/silence/nope')).status, 404);
  const after = (await call(api, 'GET', '/api/v2/silences')).json() as Array<Record<string, any>>;
  assert.deepEqual(after.map((s) => s.status.state), ['active', 'pending', 'expired']);
});

test('status, receivers, health, unknown paths and methods', async () => {
  const { api } = await setup();
  const status = (await call(api, 'GET', '/api/v2/status')).json() as Record<string, any>;
  assert.deepEqual(Object.keys(status).sort(), ['cluster', 'config', 'uptime', 'versionInfo']);
  assert.equal(status.cluster.status, 'ready');
  assert.deepEqual(status.cluster.peers, [{ name: 'api-test', address: '127.0.0.1:9093' }]);
  assert.deepEqual(Object.keys(status.versionInfo).sort(), ['branch', 'buildDate', 'buildUser', 'goVersion', 'revision', 'version']);
  assert.equal(status.config.original, YAML);
  assert.equal(status.uptime, iso(T0 - H));
  assert.deepEqual((await call(api, 'GET', '/api/v2/receivers')).json(), [{ name: 'default' }, { name: 'pager' }]);
  assert.equal((await call(api, 'GET', '/-/healthy')).status, 200);
  assert.equal((await call(api, 'GET', '/-/ready')).status, 200);
  assert.equal((await call(api, 'GET', '/api/v2/nothing')).status, 404);
  assert.equal((await call(api, 'PUT', '/api/v2/alerts')).status, 405);
});

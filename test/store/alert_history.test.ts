import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import type { RowDataPacket } from 'mysql2/promise';
import { normalizeAlert, type PostableAlert } from '../../src/manager/alert.js';
import { testDatabase, type MySQLConfig } from '../../src/services/mariadb.js';
import { alertTenant, gcAlertHistory, tenantAlertHistory } from '../../src/store/alert_history.js';
import { isUuid } from '../../src/util/uuid.js';
import { listTenantAlerts, putAlerts } from '../../src/store/manager_alerts.js';
import { migrate } from '../../src/store/migrate.js';
import { createPool, type StorePool } from '../../src/store/pool.js';

let db: { config: MySQLConfig; drop(): Promise<void> };
let pool: StorePool;

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const RESOLVE_TIMEOUT = 5 * 60_000;
const POLICY = '0b5c7a52-3f0e-4c1e-9a57-2d9a4f1c6e01';

before(async () => {
  db = await testDatabase('vigil_history');
  await migrate(db.config);
  pool = createPool(db.config);
});

after(async () => {
  await pool?.end();
  await db?.drop();
});

beforeEach(async () => {
  for (const t of ['manager_alerts', 'alert_history']) await pool.query(`DELETE FROM ${t}`);
});

async function put(now: number, ...alerts: PostableAlert[]): Promise<void> {
  await putAlerts(pool, alerts.map((p) => normalizeAlert(p, now, RESOLVE_TIMEOUT)), now);
}

async function rows(sql: string, params: unknown[] = []): Promise<Record<string, unknown>[]> {
  const [r] = await pool.query<RowDataPacket[]>(sql, params);
  return r.map((x) => ({ ...x }));
}

const disk = (tenant: string, instance: string, extra: Record<string, string> = {}): Record<string, string> =>
  ({ alertname: 'DiskFull', tenant, instance, vigil_policy: POLICY, ...extra });

test('helpers: tenant from the label, uuid shape', () => {
  assert.equal(alertTenant({ tenant: 'acme' }), 'acme');
  assert.equal(alertTenant({ alertname: 'x' }), '');
  assert.equal(alertTenant({ tenant: 'x'.repeat(65) }), '', 'too long to be a tenant id');
  assert.ok(isUuid(POLICY));
  assert.ok(!isUuid(POLICY.toUpperCase()));
  assert.ok(!isUuid('disk-policy'));
  assert.ok(!isUuid(undefined));
});

test('putAlerts: the tenant column from the label, and one history row per episode, firing then resolved, idempotent', async () => {
  await put(T0, { labels: disk('acme', 'web-1'), annotations: { summary: 'disk' }, startsAt: T0 - 60_000 });
  await put(T0, { labels: { alertname: 'Operator', instance: 'db-1' } });
  assert.deepEqual(await rows('SELECT tenant, labels FROM manager_alerts ORDER BY tenant'), [
    { tenant: '', labels: JSON.stringify({ alertname: 'Operator', instance: 'db-1' }) },
    { tenant: 'acme', labels: JSON.stringify(disk('acme', 'web-1')) },
  ]);
  const firing = await tenantAlertHistory(pool, 'acme');
  assert.equal(firing.length, 1, 'an alert without tenant has no history');
  assert.deepEqual({ ...firing[0]!, fingerprint: '' }, {
    tenant: 'acme', fingerprint: '', startsAt: T0 - 60_000, endsAt: T0 + RESOLVE_TIMEOUT, resolved: false,
    alertname: 'DiskFull', policyId: POLICY, labels: disk('acme', 'web-1'), annotations: { summary: 'disk' },
  });

  // The evaluator's resolve: endsAt at or before now, given by the sender.
  const resolve = { labels: disk('acme', 'web-1'), annotations: { summary: 'disk' }, startsAt: T0 - 60_000, endsAt: T0 + 30_000 };
  await put(T0 + 40_000, resolve);
  await put(T0 + 40_000, resolve);
  const resolved = await tenantAlertHistory(pool, 'acme');
  assert.equal(resolved.length, 1, 'the same episode, updated');
  assert.equal(resolved[0]!.resolved, true);
  assert.equal(resolved[0]!.endsAt, T0 + 30_000);

  // It fires again: a new episode, newest first.
  await put(T0 + 120_000, { labels: disk('acme', 'web-1'), startsAt: T0 + 110_000 });
  const both = await tenantAlertHistory(pool, 'acme');
  assert.deepEqual(both.map((e) => [e.startsAt, e.resolved]), [[T0 + 110_000, false], [T0 - 60_000, true]]);
});

test('putAlerts: an explicit future endsAt is not resolved; a batch that replaces an episode writes both; a non-uuid vigil_policy is no policy id', async () => {
  await put(T0, { labels: disk('acme', 'web-2', { vigil_policy: 'not-a-uuid' }), startsAt: T0 - 1000, endsAt: T0 + 60_000 });
  let h = await tenantAlertHistory(pool, 'acme');
  assert.deepEqual(h.map((e) => [e.resolved, e.policyId]), [[false, null]]);

  // One batch: the first episode ends, then the alert starts again (stored copy replaced).
  await put(T0 + 200_000,
    { labels: disk('acme', 'web-3'), startsAt: T0 + 10_000, endsAt: T0 + 20_000 },
    { labels: disk('acme', 'web-3'), startsAt: T0 + 150_000 });
  h = (await tenantAlertHistory(pool, 'acme')).filter((e) => e.labels.instance === 'web-3');
  assert.deepEqual(h.map((e) => [e.startsAt, e.resolved]), [[T0 + 150_000, false], [T0 + 10_000, true]]);
});

test('listTenantAlerts and tenantAlertHistory: only the asked tenant, active ones, since, limit, newest first', async () => {
  for (let i = 0; i < 5; i++) await put(T0 + i * 1000, { labels: disk('acme', `web-${i}`), startsAt: T0 + i * 1000 });
  await put(T0, { labels: disk('globex', 'web-0'), startsAt: T0 });
  await put(T0 + 10_000, { labels: disk('acme', 'old'), startsAt: T0 - 100_000, endsAt: T0 + 5000 });

  const active = await listTenantAlerts(pool, 'acme', T0 + 10_000);
  assert.deepEqual(active.map((a) => a.labels.instance).sort(), ['web-0', 'web-1', 'web-2', 'web-3', 'web-4']);
  assert.ok(active.every((a) => a.labels.tenant === 'acme'));
  assert.deepEqual((await listTenantAlerts(pool, 'globex', T0 + 10_000)).map((a) => a.labels.tenant), ['globex']);
  assert.deepEqual(await listTenantAlerts(pool, '', T0), [], 'the empty tenant is nobody');
  assert.deepEqual(await listTenantAlerts(pool, "acme' OR '1'='1", T0), []);
  assert.deepEqual(await listTenantAlerts(pool, 'acme', T0 + RESOLVE_TIMEOUT + 10_000), [], 'timed out');

  const all = await tenantAlertHistory(pool, 'acme');
  assert.equal(all.length, 6);
  assert.ok(all.every((e) => e.tenant === 'acme'));
  assert.deepEqual(all.map((e) => e.startsAt), [...all.map((e) => e.startsAt)].sort((a, b) => b - a));
  assert.deepEqual((await tenantAlertHistory(pool, 'acme', { since: T0 + 3000 })).map((e) => e.labels.instance), ['web-4', 'web-3']);
  assert.deepEqual((await tenantAlertHistory(pool, 'acme', { limit: 2 })).map((e) => e.labels.instance), ['web-4', 'web-3']);
  assert.deepEqual((await tenantAlertHistory(pool, 'globex')).map((e) => e.tenant), ['globex']);
  assert.deepEqual(await tenantAlertHistory(pool, "acme' OR '1'='1"), []);

  assert.equal(await gcAlertHistory(pool, T0 + 6000), 1, 'the episode that ended before');
  assert.equal((await tenantAlertHistory(pool, 'acme')).length, 5);
});

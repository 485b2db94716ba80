/**
 * `vigil api` as a role: flags and environment into the configuration, migrations at start,
 * the start-up republish of every tenant, /metrics, /-/healthy, /-/ready over real HTTP.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { parseApiConfig } from '../../src/api/config.js';
import { startApi } from '../../src/api/run.js';
import { apiConfigInput, apiCommand } from '../../src/cli/api.js';
import { parseArgs } from '../../src/cli/command.js';
import { RuleSources } from '../../src/evaluate/rules_source.js';
import { kafkaClient } from '../../src/kafka/producer.js';
import { sharedKafka } from '../../src/services/kafka.js';
import { testDatabase } from '../../src/services/mariadb.js';
import { migrate } from '../../src/store/migrate.js';
import { createPool } from '../../src/store/pool.js';
import { mysqlUrl, policyBody } from './harness.js';

test('flags and environment: flags override the file, VIGIL_MYSQL_URL fills in, bad values are named', async () => {
  const args = parseArgs(['--port', '0', '--brokers', 'k1:9092,k2:9092', '--evaluators', 'http://e1:9090,http://e2:9090/', '--rules-topic', 'r.t'], apiCommand.flags);
  const cfg = parseApiConfig(await apiConfigInput(args, { VIGIL_MYSQL_URL: 'mysql://root@db:3306/vigil' }));
  assert.equal(cfg.listen.port, 0);
  assert.deepEqual(cfg.kafka.brokers, ['k1:9092', 'k2:9092']);
  assert.deepEqual(cfg.evaluators, ['http://e1:9090', 'http://e2:9090']);
  assert.equal(cfg.kafka.rulesTopic, 'r.t');
  assert.equal(cfg.mysql.url, 'mysql://root@db:3306/vigil');
  assert.ok(Object.isFrozen(cfg));
  const bad = parseArgs(['--port', 'x', '--brokers', 'nope', '--evaluators', 'ftp://e'], apiCommand.flags);
  const badInput = await apiConfigInput(bad, {});
  assert.throws(() => parseApiConfig(badInput, 'flags'),
    (e: Error) => /listen\.port/.test(e.message) && /kafka\.brokers/.test(e.message) && /evaluators/.test(e.message) && /mysql/.test(e.message));
  assert.throws(() => parseApiConfig({ mysql: { url: 'mysql://x/y' }, kafka: { brokers: 'k:1' }, admin: { tokenSha256: 'abc' } }), /admin\.tokenSha256/);
});

test('startApi: migrates, republishes every tenant at start, serves health, readiness, metrics and the API', async () => {
  const db = await testDatabase('vigil_api_role');
  try {
    await migrate(db.config);
    // A policy written before any publish (as after a crash between the database write and the publish).
    const pool = createPool(db.config);
    await pool.query("INSERT INTO tenants (id, name) VALUES ('crash', '')");
    await pool.query('INSERT INTO alert_policies (id, tenant_id, spec, enabled, created_at, updated_at) VALUES (?, ?, ?, 1, 0, 0)',
      ['11111111-2222-4333-8444-555555555555', 'crash', JSON.stringify({ ...policyBody(), entities: [], tags: [] })]);
    await pool.end();
    const brokers = await sharedKafka();
    const topic = `vigil.rules.role.${process.pid}.${randomBytes(3).toString('hex')}`;
    const adminToken = `adm-${randomBytes(8).toString('hex')}`;
    const config = parseApiConfig({ listen: { host: '127.0.0.1', port: 0 }, mysql: { url: mysqlUrl(db.config) }, kafka: { brokers, rulesTopic: topic } });
    const logs: string[] = [];
    const api = await startApi(config, { log: (l) => logs.push(l), env: { VIGIL_API_ADMIN_TOKEN: adminToken } });
    try {
      await api.republished;
      assert.equal((await fetch(`${api.url}/-/healthy`)).status, 200);
      assert.equal((await fetch(`${api.url}/-/ready`)).status, 200);
      const created = await fetch(`${api.url}/api/v1/admin/tenants`, { method: 'POST', headers: { authorization: `Bearer ${adminToken}` }, body: JSON.stringify({ id: 'live' }) });
      assert.equal(created.status, 201);
      const token = ((await created.json()) as any).data.token as string;
      const list = await fetch(`${api.url}/api/v1/policies`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(list.status, 200);
      const metrics = await (await fetch(`${api.url}/metrics`)).text();
      assert.match(metrics, /vigil_api_rules_published_total 1/);
      assert.match(metrics, /vigil_api_requests_total\{route="policies",code="200"\} 1/);
      assert.ok(!logs.join('\n').includes(adminToken) && !logs.join('\n').includes(token));
      const sources = new RuleSources([]);
      await sources.followTopic(kafkaClient({ brokers: [brokers] }), topic, 'vigil-api-role-test');
      assert.deepEqual(sources.current().map((f) => f.path), [`${topic}:tenant:crash`]);
      await sources.close();
    } finally {
      await api.close();
    }
  } finally {
    await db.drop();
  }
});

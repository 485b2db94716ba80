// A listening `vigil manager` (in-process, no Kafka) spoken to by real clients: Debian's
// amtool 0.25 (alert query, silence add / query / expire) and a real Prometheus 2.42 whose
// always-firing rule is delivered to POST /api/v2/alerts.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { testDatabase, type MySQLConfig } from '../../src/services/mariadb.js';
import { parseManagerRunConfig, startManager, type RunningManager } from '../../src/manager/run.js';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'vigil-amtool-'));
let db: { config: MySQLConfig; drop(): Promise<void> };
let manager: RunningManager;

const mysqlUrl = (c: MySQLConfig) => `mysql://${encodeURIComponent(c.user)}:${encodeURIComponent(c.password)}@${c.host}:${c.port}/${c.database}`;

before(async () => {
  db = await testDatabase('vigil_mgr_amtool');
  writeFileSync(join(dir, 'alertmanager.yml'), 'route:\n  receiver: default\n  group_by: [alertname]\nreceivers:\n- name: default\n');
  manager = await startManager(parseManagerRunConfig({
    configFile: join(dir, 'alertmanager.yml'), listen: { host: '127.0.0.1', port: 0 }, mysql: { url: mysqlUrl(db.config) }, instance: 'amtool-test',
  }));
});

after(async () => {
  await manager?.close();
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

async function amtool(...args: string[]): Promise<string> {
  const { stdout } = await run('/usr/bin/amtool', [`--alertmanager.url=${manager.url}`, ...args], { timeout: 20_000 });
  return stdout;
}

async function until<T>(what: string, f: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

test('amtool: alert query, silence add, silence query, silence expire', { skip: !existsSync('/usr/bin/amtool'), timeout: 60_000 }, async () => {
  const res = await fetch(`${manager.url}/api/v2/alerts`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify([{ labels: { alertname: 'DiskFull', instance: 'db1', severity: 'page' }, annotations: { summary: 'disk full' } },
      { labels: { alertname: 'CpuHot', instance: 'web1' } }]),
  });
  assert.equal(res.status, 200);

  const query = JSON.parse(await amtool('alert', 'query', '-o', 'json')) as Array<{ labels: Record<string, string>; status: { state: string } }>;
  assert.deepEqual(query.map((a) => a.labels.alertname).sort(), ['CpuHot', 'DiskFull']);
  const simple = await amtool('alert', 'query', 'alertname=DiskFull');
  assert.match(simple, /DiskFull/);
  assert.doesNotMatch(simple, /CpuHot/, 'amtool passes the matcher as a filter');

  const id = (await amtool('silence', 'add', 'alertname=DiskFull', 'instance=~"db.*"', '--comment=replacing disk', '--author=alice', '--duration=1h')).trim();
  assert.match(id, /^[0-9a-f-]{36}$/);
  const silences = JSON.parse(await amtool('silence', 'query', '-o', 'json')) as Array<{ id: string; createdBy: string; comment: string; matchers: Array<{ name: string; isRegex: boolean }>; status: { state: string } }>;
  assert.equal(silences.length, 1);
  assert.equal(silences[0]!.id, id);
  assert.equal(silences[0]!.createdBy, 'alice');
  assert.equal(silences[0]!.comment, 'replacing disk');
  assert.deepEqual(silences[0]!.matchers.map((m) => [m.name, m.isRegex]).sort(), [['alertname', false], ['instance', true]]);
  assert.match(await amtool('silence', 'query', '-q'), new RegExp(id));

  const silenced = JSON.parse(await amtool('alert', 'query', '-o', 'json', '--silenced')) as Array<{ labels: Record<string, string>; status: { silencedBy: string[] } }>;
  assert.deepEqual(silenced.map((a) => [a.labels.alertname, a.status.silencedBy]), [['DiskFull', [id]]]);
  const active = JSON.parse(await amtool('alert', 'query', '-o', 'json')) as Array<{ labels: Record<string, string> }>;
  assert.deepEqual(active.map((a) => a.labels.alertname), ['CpuHot'], 'amtool hides silenced alerts by default');

  await amtool('silence', 'expire', id);
  assert.equal((await amtool('silence', 'query', '-q')).trim(), '', 'expired silences are not shown by default');
  const expired = JSON.parse(await amtool('silence', 'query', '--expired', '-o', 'json')) as Array<{ id: string; status: { state: string } }>;
  assert.deepEqual(expired.map((s) => [s.id, s.status.state]), [[id, 'expired']]);
  await assert.rejects(amtool('silence', 'expire', '00000000-0000-0000-0000-000000000000'), 'expiring an unknown silence fails');
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

test('a real Prometheus delivers its firing alert to POST /api/v2/alerts', { skip: !existsSync('/usr/bin/prometheus'), timeout: 60_000 }, async () => {
  const promDir = mkdtempSync(join(dir, 'prom-'));
  const port = await freePort();
  writeFileSync(join(promDir, 'rules.yml'), 'groups:\n- name: always\n  interval: 1s\n  rules:\n  - alert: AlwaysFiring\n    expr: vector(1)\n    labels:\n      severity: test\n    annotations:\n      summary: it fires\n');
  writeFileSync(join(promDir, 'prometheus.yml'), `global:\n  evaluation_interval: 1s\nrule_files: [${JSON.stringify(join(promDir, 'rules.yml'))}]\nalerting:\n  alertmanagers:\n  - api_version: v2\n    static_configs:\n    - targets: ['${manager.url.replace('http://', '')}']\n`);
  let prom: ChildProcess | null = null;
  let stderr = '';
  try {
    prom = spawn('/usr/bin/prometheus', [`--config.file=${join(promDir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(promDir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      // The first send precedes alertmanager discovery (throttled to 5 s) and is dropped; resend soon after.
      '--rules.alert.resend-delay=1s'], { stdio: ['ignore', 'ignore', 'pipe'] });
    prom.stderr!.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
    const got = await until('Prometheus to deliver AlwaysFiring', async () => {
      const alerts = await (await fetch(`${manager.url}/api/v2/alerts?filter=alertname%3D%22AlwaysFiring%22`)).json() as Array<Record<string, any>>;
      return alerts[0];
    }, 30_000).catch((e: Error) => {
      throw new Error(`${e.message}; prometheus stderr:\n${stderr}`);
    });
    assert.equal(got.labels.severity, 'test');
    assert.equal(got.annotations.summary, 'it fires');
    assert.match(got.generatorURL, /graph\?g0\.expr=vector/);
    assert.ok(Date.parse(got.endsAt) > Date.now(), 'Prometheus sends an endsAt in the future for a firing alert');
    const metrics = await (await fetch(`${manager.url}/metrics`)).text();
    assert.match(metrics, /^alertmanager_alerts_received_total\{status="firing"\} [1-9]/m);
  } finally {
    if (prom !== null && prom.exitCode === null) {
      const exited = new Promise((r) => prom!.once('exit', r));
      prom.kill('SIGTERM');
      await exited;
    }
  }
});

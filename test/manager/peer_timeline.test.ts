// Acceptance timelines run against a real Alertmanager 0.25 process and a real `vigil manager`
// (startManager over MariaDB) side by side, on wall time with short intervals: both get the same
// config, the same POSTed alerts and silences at the same moments, and each notifies its own
// loopback webhook. What each receiver is told (per group: status, alerts' labels and status, in
// order) must be the same, and each pair of notifications must arrive within a tolerance.
// Scenarios, one group each, all in one 13 s run: group_wait then group_interval for a joining
// alert, repeat_interval, send_resolved; a silence deleted mid-way; an inhibit rule whose source
// resolves. A second test compares the silence list filter on the same silences.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { alertmanagerMissing, postAlerts, startAlertmanager, type Alertmanager, type PostAlert } from '../../bench/manager_peer.js';
import { parseManagerRunConfig, startManager, type RunningManager } from '../../src/manager/run.js';
import { testDatabase } from '../../src/services/mariadb.js';

const missing = alertmanagerMissing();
const skip = missing === null ? false : `Alertmanager 0.25 is needed: ${missing}`;

/** Allowed difference between the two systems' arrival times of the same notification. */
const TOLERANCE_MS = 1_000;

const config = (hook: string) => `
global: {resolve_timeout: 5m}
route:
  receiver: hook
  group_by: [alertname, cluster]
  group_wait: 1s
  group_interval: 2s
  repeat_interval: 3s
receivers:
- name: hook
  webhook_configs:
  - url: ${hook}
    send_resolved: true
inhibit_rules:
- source_matchers: ['severity="critical"']
  target_matchers: ['severity="warning"']
  equal: [cluster]
`;

interface Arrival {
  readonly at: number;
  readonly body: { status: string; groupLabels: Record<string, string>; alerts: Array<{ status: string; labels: Record<string, string> }> };
}

/** A loopback webhook receiver recording what arrives. */
class Hook {
  readonly arrivals: Arrival[] = [];
  private readonly server: Server = createServer((req, res) => {
    let b = '';
    req.on('data', (d) => (b += d));
    req.on('end', () => {
      this.arrivals.push({ at: Date.now(), body: JSON.parse(b) as Arrival['body'] });
      res.end();
    });
  });

  async listen(): Promise<string> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }
}

/** One system under comparison. */
interface System {
  readonly name: string;
  readonly url: string;
  readonly hook: Hook;
}

let am: Alertmanager | null = null;
let vigil: RunningManager | null = null;
let db: { drop(): Promise<void> } | null = null;
let dir = '';
const systems: System[] = [];

before(async () => {
  if (skip !== false) return;
  dir = mkdtempSync(join(tmpdir(), 'vigil-peer-timeline-'));
  const amHook = new Hook();
  am = await startAlertmanager(config(await amHook.listen()));
  systems.push({ name: 'alertmanager', url: am.url, hook: amHook });
  const d = await testDatabase('vigil_peer_tl');
  db = d;
  const c = d.config;
  const vHook = new Hook();
  const file = join(dir, 'vigil.yml');
  writeFileSync(file, config(await vHook.listen()));
  vigil = await startManager(parseManagerRunConfig({
    configFile: file, listen: { host: '127.0.0.1', port: 0 }, instance: 'peer-tl', tickMs: 50,
    mysql: { url: `mysql://${c.user}:${c.password}@${c.host}:${c.port}/${c.database}` },
  }));
  systems.push({ name: 'vigil', url: vigil.url, hook: vHook });
});

after(async () => {
  await vigil?.close().catch(() => undefined);
  await am?.stop().catch(() => undefined);
  for (const s of systems) await s.hook.close();
  await db?.drop().catch(() => undefined);
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const iso = (ms: number) => new Date(ms).toISOString();

async function request(base: string, method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${base}${path}`, { method, ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }) });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${method} ${base}${path}: HTTP ${res.status}: ${text}`);
  return text === '' ? null : JSON.parse(text);
}

/** Sends the same alerts to every system at once. */
const postAll = (alerts: PostAlert[]) => Promise.all(systems.map((s) => postAlerts(s.url, alerts)));

const labelText = (l: Record<string, string>) => Object.keys(l).sort().map((k) => `${k}=${l[k]}`).join(',');
const groupOf = (a: Arrival) => labelText(a.body.groupLabels);

/** A notification as compared: overall status, then each alert's labels and status, sorted. */
function summary(a: Arrival): string {
  const alerts = a.body.alerts.map((x) => `${x.labels.instance ?? x.labels.cluster ?? x.labels.alertname}:${x.status}`).sort();
  return `${a.body.status} [${alerts.join(' ')}]`;
}

test('peer timeline: Vigil and Alertmanager 0.25 tell the receiver the same things, in the same order, at about the same times', { skip, timeout: 60_000 }, async () => {
  const silenceBody = { matchers: [{ name: 'alertname', value: 'Sil', isRegex: false, isEqual: true }], startsAt: iso(Date.now()), endsAt: iso(Date.now() + 3600_000), createdBy: 'peer-test', comment: 'muted at first' };
  const silenceIds = await Promise.all(systems.map(async (s) => ((await request(s.url, 'POST', '/api/v2/silences', silenceBody)) as { silenceID: string }).silenceID));

  const t0 = Date.now();
  const at = async (s: number) => sleep(Math.max(0, t0 + s * 1000 - Date.now()));
  const fire = (labels: Record<string, string>): PostAlert => ({ labels, annotations: { summary: 'peer timeline' } });
  const resolve = (labels: Record<string, string>): PostAlert => ({ labels, startsAt: iso(t0), endsAt: iso(Date.now()) });
  const crit = { alertname: 'Crit', severity: 'critical', cluster: 'c1' };
  const warn1 = { alertname: 'Warn', severity: 'warning', cluster: 'c1' };
  const warn2 = { alertname: 'Warn', severity: 'warning', cluster: 'c2' };
  // Groups flush at t0 + 1, 3, 5, 7, 9, 11 s; every step below is 1 s away from a flush.
  await postAll([fire({ alertname: 'Tl', instance: 'a' }), fire({ alertname: 'Sil', instance: 'a' }), fire(crit), fire(warn1), fire(warn2)]);
  await at(2);
  await postAll([fire({ alertname: 'Tl', instance: 'b' })]);
  await at(4);
  await Promise.all(systems.map((s, i) => request(s.url, 'DELETE', `/api/v2/silence/${silenceIds[i]}`)));
  await at(6);
  await postAll([resolve(crit)]);
  await at(8);
  await postAll([resolve({ alertname: 'Tl', instance: 'a' })]);
  await at(10);
  await postAll([resolve({ alertname: 'Tl', instance: 'b' }), resolve({ alertname: 'Sil', instance: 'a' }), resolve(warn1), resolve(warn2)]);
  await at(12.5);

  const expected: Record<string, string[]> = {
    // group_wait; b joins → group_interval; 5 s: nothing new, 2 s < repeat_interval; 7 s: repeat; resolutions.
    'alertname=Tl': ['1 firing [a:firing]', '3 firing [a:firing b:firing]', '7 firing [a:firing b:firing]', '9 firing [a:resolved b:firing]', '11 resolved [b:resolved]'],
    // Muted at 1 and 3 s; the silence is deleted at 4 s.
    'alertname=Sil': ['5 firing [a:firing]', '9 firing [a:firing]', '11 resolved [a:resolved]'],
    'alertname=Crit,cluster=c1': ['1 firing [c1:firing]', '5 firing [c1:firing]', '7 resolved [c1:resolved]'],
    // Inhibited by Crit until it resolved at 6 s.
    'alertname=Warn,cluster=c1': ['7 firing [c1:firing]', '11 resolved [c1:resolved]'],
    'alertname=Warn,cluster=c2': ['1 firing [c2:firing]', '5 firing [c2:firing]', '9 firing [c2:firing]', '11 resolved [c2:resolved]'],
  };
  const told = new Map<string, Map<string, Arrival[]>>();
  for (const s of systems) {
    const byGroup = new Map<string, Arrival[]>();
    for (const a of s.hook.arrivals) byGroup.set(groupOf(a), [...(byGroup.get(groupOf(a)) ?? []), a]);
    told.set(s.name, byGroup);
  }
  const report = () => systems.map((s) => `${s.name}:\n${s.hook.arrivals.map((a) => `  +${((a.at - t0) / 1000).toFixed(2)}s ${groupOf(a)} ${summary(a)}`).join('\n')}`).join('\n');
  for (const s of systems) {
    const byGroup = told.get(s.name)!;
    assert.deepEqual([...byGroup.keys()].sort(), Object.keys(expected).sort(), `${s.name}: the groups notified\n${report()}`);
    for (const [group, want] of Object.entries(expected)) {
      // The same notifications in the same order, each from the scheduled flush: flushes are 2 s
      // apart, so an arrival up to 0.9 s late (a loaded machine) still names its flush unambiguously.
      const arrivals = byGroup.get(group)!;
      assert.deepEqual(arrivals.map(summary), want.map((w) => w.slice(w.indexOf(' ') + 1)), `${s.name}: ${group}\n${report()}`);
      arrivals.forEach((a, i) => {
        const scheduled = Number(want[i]!.split(' ')[0]);
        const late = (a.at - t0) / 1000 - scheduled;
        assert.ok(late > -0.5 && late < 0.9, `${s.name}: ${group} notification ${i} at +${((a.at - t0) / 1000).toFixed(2)}s, scheduled at ${scheduled}s\n${report()}`);
      });
    }
  }
  for (const group of Object.keys(expected)) {
    const [x, y] = systems.map((s) => told.get(s.name)!.get(group)!);
    x!.forEach((a, i) => {
      const d = Math.abs(a.at - y![i]!.at);
      assert.ok(d <= TOLERANCE_MS, `${group} notification ${i}: ${systems[0]!.name} and ${systems[1]!.name} ${d} ms apart\n${report()}`);
    });
  }
});

test('peer: the silence list filter finds the same silences in both (exact matcher equality, !=, !~ included)', { skip, timeout: 30_000 }, async () => {
  const m = (name: string, value: string, isRegex: boolean, isEqual: boolean) => ({ name, value, isRegex, isEqual });
  const bodies = [
    { comment: 'f1', matchers: [m('fa', 'x', false, true)] },
    { comment: 'f2', matchers: [m('fa', 'x', false, false), m('fb', 'y', false, true)] },
    { comment: 'f3', matchers: [m('fa', 'x.*', true, true)] },
    { comment: 'f4', matchers: [m('fa', 'x.*', true, false), m('fb', 'z', false, true)] },
    { comment: 'f5', matchers: [m('fc', 'q', false, true), m('fb', 'y', false, true)] },
  ];
  for (const s of systems) {
    for (const b of bodies) await request(s.url, 'POST', '/api/v2/silences', { ...b, startsAt: iso(Date.now()), endsAt: iso(Date.now() + 3600_000), createdBy: 'peer-test' });
  }
  const filters: string[][] = [
    ['fa="x"'], ['fa!="x"'], ['fa=~"x.*"'], ['fa!~"x.*"'], ['fa=~"x"'], ['fa!="y"'], ['fb="y"'], ['fa=""'], ['fa!=""'],
    ['fd=""'], ['fd!="v"'], ['fa=~".+"'], ['fb="y"', 'fc="q"'], ['fb="y"', 'fa!="x"'], ['fb=y'],
  ];
  const expected = [['f1'], ['f2'], ['f3'], ['f4'], [], [], ['f2', 'f5'], [], [], [], [], [], ['f5'], ['f2'], ['f2', 'f5']];
  for (const s of systems) {
    const got: string[][] = [];
    for (const f of filters) {
      const q = f.map((x) => `filter=${encodeURIComponent(x)}`).join('&');
      const list = (await request(s.url, 'GET', `/api/v2/silences?${q}`)) as Array<{ comment: string }>;
      got.push(list.map((x) => x.comment).filter((c) => /^f\d$/.test(c)).sort());
    }
    assert.deepEqual(got, expected, `${s.name}: ${filters.map((f, i) => `${f.join(' ')} -> [${got[i]!.join(',')}]`).join('; ')}`);
  }
});

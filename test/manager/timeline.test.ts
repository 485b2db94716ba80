// Timelines of one or two managers on a ManualClock over a real MariaDB: what each receiver
// is told, and when.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { listGroups } from '../../src/store/manager_groups.js';
import { dropDatabase, H, M, S, World } from './harness.js';

after(dropDatabase);

const GROUPING = `
global: {resolve_timeout: 1d}
route:
  receiver: team
  group_by: [alertname]
  group_wait: 30s
  group_interval: 5m
  repeat_interval: 1h
  routes:
    - matchers: [quiet="true"]
      receiver: quiet
receivers:
  - name: team
    webhook_configs: [{url: 'http://127.0.0.1:9/team'}]
  - name: quiet
    webhook_configs: [{url: 'http://127.0.0.1:9/quiet', send_resolved: false}]
`;

const cpu = (instance: string, extra: { endsAt?: number; startsAt?: number } = {}) => ({ labels: { alertname: 'HighCPU', instance }, ...extra });

test('timeline: group_wait, then group_interval for news, repeat_interval for nothing new, resolved notifications', async () => {
  const w = await World.create(GROUPING);
  await w.post([cpu('a')]);                    // 0h00m00s  a fires: a new group waits group_wait
  await w.until(29 * S);
  assert.deepEqual(w.log('team'), []);
  await w.until(30 * S);                        // group_wait over
  assert.deepEqual(w.log('team'), ['0h00m30s firing[HighCPU/a]']);
  w.clock.set(1 * M);
  await w.post([cpu('b')]);                     // 0h01m00s  b joins the group: waits for group_interval
  await w.until(5 * M + 20 * S);
  assert.equal(w.log('team').length, 1);
  await w.until(5 * M + 30 * S);
  assert.deepEqual(w.log('team').slice(1), ['0h05m30s firing[HighCPU/a,HighCPU/b]']);
  await w.until(65 * M + 30 * S);               // nothing new: a repeat needs more than repeat_interval
  assert.equal(w.log('team').length, 2);
  await w.until(70 * M + 30 * S);
  assert.deepEqual(w.log('team').slice(2), ['1h10m30s firing[HighCPU/a,HighCPU/b]']);
  w.clock.set(72 * M);
  await w.post([cpu('a', { startsAt: 0, endsAt: 72 * M })]);  // a resolves
  await w.until(75 * M + 30 * S);
  assert.deepEqual(w.log('team').slice(3), ['1h15m30s firing[HighCPU/b] resolved[HighCPU/a]']);
  w.clock.set(76 * M);
  await w.post([cpu('b', { startsAt: M, endsAt: 76 * M })]);
  await w.until(85 * M + 30 * S);
  assert.deepEqual(w.log('team').slice(4), ['1h20m30s resolved[HighCPU/b]'], 'told once, then the group is gone');
  assert.deepEqual(await listGroups(w.pool), []);
});

test('timeline: an alert older than group_wait flushes a new group at once; without endsAt it resolves after resolve_timeout', async () => {
  const w = await World.create(GROUPING.replace('resolve_timeout: 1d', 'resolve_timeout: 5m'), { start: 10 * M });
  await w.post([cpu('old', { startsAt: 2 * M })]);  // fired 8 minutes before the manager heard of it
  await w.until(10 * M + 10 * S);
  assert.deepEqual(w.log('team'), ['0h10m10s firing[HighCPU/old]']);
  await w.until(16 * M);                              // not re-sent: endsAt = 10m + resolve_timeout
  assert.deepEqual(w.log('team').slice(1), ['0h15m10s resolved[HighCPU/old]']);
});

test('timeline: send_resolved false stays quiet on resolution and speaks again when it fires again', async () => {
  const w = await World.create(GROUPING);
  const q = (extra: { startsAt?: number; endsAt?: number } = {}) => ({ labels: { alertname: 'Disk', quiet: 'true' }, ...extra });
  await w.post([q()]);
  await w.until(1 * M);
  w.clock.set(2 * M);
  await w.post([q({ startsAt: 0, endsAt: 2 * M })]);
  await w.until(10 * M);
  w.clock.set(11 * M);
  await w.post([q({ startsAt: 11 * M })]);
  await w.until(20 * M);
  // The resolution emptied the group at 0h05m30s, so the alert firing again opens a new one.
  assert.deepEqual(w.log('quiet'), ['0h00m30s firing[Disk]', '0h11m30s firing[Disk]']);
  assert.deepEqual(w.log('team'), [], 'the route did not continue');
});

test('timeline: a silence mutes until it expires; an expired-early silence lets the next flush through', async () => {
  const w = await World.create(GROUPING);
  const silences = w.instance().silences;
  await silences.set({ matchers: [{ name: 'instance', type: '=~', value: 'a|b' }], startsAt: 0, endsAt: 10 * M, createdBy: 'ops', comment: 'maintenance' });
  const second = await silences.set({ matchers: [{ name: 'alertname', type: '=', value: 'Mem' }], startsAt: 0, endsAt: 2 * H, createdBy: 'ops', comment: 'known' });
  await w.post([cpu('a'), { labels: { alertname: 'Mem', instance: 'c' } }]);
  await w.until(10 * M);
  assert.deepEqual(w.log('team'), [], 'both groups muted');
  await w.until(10 * M + 30 * S);
  assert.deepEqual(w.log('team'), ['0h10m30s firing[HighCPU/a]'], 'the first silence ended at 10m');
  w.clock.set(12 * M);
  await silences.expire(second);
  await w.until(15 * M + 30 * S);
  assert.deepEqual(w.log('team').slice(1), ['0h15m30s firing[Mem/c]']);
  const states = (await silences.list()).map((s) => s.endsAt <= w.clock.now());
  assert.deepEqual(states, [true, true]);
});

const INHIBIT = `
route:
  receiver: team
  group_by: [alertname, cluster]
  group_wait: 30s
  group_interval: 5m
  repeat_interval: 4h
receivers:
  - name: team
    webhook_configs: [{url: 'http://127.0.0.1:9/team'}]
inhibit_rules:
  - source_matchers: [severity=critical]
    target_matchers: [severity=warning]
    equal: [cluster]
`;

test('timeline: a firing critical alert inhibits warnings of its cluster only, until it resolves', async () => {
  const w = await World.create(INHIBIT);
  const a = (name: string, severity: string, cluster: string, extra = {}) => ({ labels: { alertname: name, severity, cluster }, endsAt: 1 * H, ...extra });
  await w.post([a('ClusterDown', 'critical', 'c1'), a('Latency', 'warning', 'c1'), a('Latency', 'warning', 'c2')]);
  await w.until(30 * S);
  const at30 = w.sent('team').map((n) => `${n.groupLabels.alertname}@${n.groupLabels.cluster}`).sort();
  assert.deepEqual(at30, ['ClusterDown@c1', 'Latency@c2']);
  w.clock.set(3 * M);
  await w.post([a('ClusterDown', 'critical', 'c1', { startsAt: 0, endsAt: 3 * M })]);
  await w.until(5 * M + 30 * S);
  const later = w.sent('team').slice(2).map((n) => `${n.groupLabels.alertname}@${n.groupLabels.cluster} ${n.firing.length}f/${n.resolved.length}r`).sort();
  assert.deepEqual(later, ['ClusterDown@c1 0f/1r', 'Latency@c1 1f/0r']);
});

const CONTINUE = `
route:
  receiver: default
  group_by: [alertname]
  group_wait: 30s
  routes:
    - matchers: [team=db]
      receiver: db
      continue: true
    - matchers: [severity=page]
      receiver: pager
receivers:
  - name: default
    webhook_configs: [{url: 'http://127.0.0.1:9/d'}]
  - name: db
    webhook_configs: [{url: 'http://127.0.0.1:9/db'}]
  - name: pager
    webhook_configs: [{url: 'http://127.0.0.1:9/p'}]
`;

test('timeline: a route with continue hands the alert on to the next matching sibling, each with its own group', async () => {
  const w = await World.create(CONTINUE);
  await w.post([{ labels: { alertname: 'Replication', team: 'db', severity: 'page' } }, { labels: { alertname: 'Slow', team: 'db' } }]);
  await w.until(30 * S);
  assert.deepEqual(w.log('db'), ['0h00m30s firing[Replication]', '0h00m30s firing[Slow]']);
  assert.deepEqual(w.log('pager'), ['0h00m30s firing[Replication]']);
  assert.deepEqual(w.log('default'), []);
  assert.deepEqual(w.sent('pager').map((n) => n.groupKey), ['{}/{severity="page"}:{alertname="Replication"}']);
});

test('timeline: two managers share the groups; when the lease holder dies the other continues without repeating', async () => {
  const w = await World.create(GROUPING, { instances: ['m1', 'm2'], leaseMs: 60 * S });
  await w.post([cpu('a')], 'm2');
  await w.until(4 * M);
  assert.deepEqual(w.log('team'), ['0h00m30s firing[HighCPU/a]'], 'one notification from two live managers');
  const [group] = await listGroups(w.pool);
  const holder = group!.leaseOwner!;
  const other = holder === 'm1' ? 'm2' : 'm1';
  w.dead.add(holder);                           // 0h04m00s the lease holder crashes
  await w.until(20 * M);
  assert.equal(w.log('team').length, 1, 'the survivor took the group over and the log said: already notified');
  assert.equal((await listGroups(w.pool))[0]!.leaseOwner, other);
  await w.post([cpu('b')], other);              // 0h20m00s news for the group
  await w.until(26 * M);
  assert.deepEqual(w.log('team').slice(1), ['0h20m30s firing[HighCPU/a,HighCPU/b]']);
});

test('timeline: retriable failures are retried within the flush; a permanent failure waits for the next interval and is not logged', async () => {
  const w = await World.create(GROUPING);
  await w.post([cpu('a')]);
  await w.until(10 * S);
  const team = w.receivers.get('team')![0]!;
  team.failures = [true, true];                 // two 503s, then success
  await w.until(30 * S);
  assert.deepEqual(w.log('team'), ['0h00m30s firing[HighCPU/a]']);
  assert.equal(team.attempts.length, 3);
  await w.post([cpu('b')]);
  team.failures = [false];                      // a 400: no retry
  await w.until(5 * M + 30 * S);
  assert.equal(w.log('team').length, 1);
  assert.match(String(w.reports.at(-1)!.error), /permanent failure \(not retrying\)/);
  await w.until(10 * M + 30 * S);
  assert.deepEqual(w.log('team').slice(1), ['0h10m30s firing[HighCPU/a,HighCPU/b]'], 'nothing was logged, so the next flush sends it');
});

test('timeline: mute_time_intervals hold notifications over the weekend; active_time_intervals only in office hours', async () => {
  const yaml = `
route:
  receiver: team
  group_by: [alertname]
  group_wait: 30s
  group_interval: 5m
  routes:
    - matchers: [when=weekdays]
      receiver: team
      mute_time_intervals: [weekend]
    - matchers: [when=office]
      receiver: team
      active_time_intervals: [office]
receivers:
  - name: team
    webhook_configs: [{url: 'http://127.0.0.1:9/t'}]
time_intervals:
  - name: weekend
    time_intervals: [{weekdays: ['saturday', 'sunday']}]
  - name: office
    time_intervals: [{times: [{start_time: '09:00', end_time: '17:00'}]}]
`;
  const saturday = Date.UTC(2024, 0, 13, 12, 0); // Saturday noon UTC
  const w = await World.create(yaml, { start: saturday });
  await w.post([{ labels: { alertname: 'Weekend', when: 'weekdays' }, endsAt: saturday + 3 * 24 * H }]);
  await w.until(saturday + 36 * H - 5 * M, 5 * M);  // Sunday 23:55: flushed every 5 minutes, all muted
  assert.equal(w.sent('team').length, 0);
  await w.until(saturday + 36 * H, 5 * M);           // Monday 00:00
  assert.deepEqual(w.sent('team').map((n) => new Date(n.at).toISOString()), ['2024-01-15T00:00:00.000Z']);
  await w.post([{ labels: { alertname: 'Office', when: 'office' }, endsAt: saturday + 3 * 24 * H }]);
  await w.until(saturday + 45 * H + 10 * M, 5 * M);
  const office = w.sent('team').filter((n) => n.firing.includes('Office')).map((n) => new Date(n.at).toISOString());
  assert.deepEqual(office, ['2024-01-15T09:00:00.000Z'], 'held until the office opens');
  const weekend = w.sent('team').filter((n) => n.firing.includes('Weekend')).map((n) => new Date(n.at).toISOString());
  assert.deepEqual(weekend, ['2024-01-15T00:00:00.000Z', '2024-01-15T04:05:00.000Z', '2024-01-15T08:10:00.000Z'], 'repeats after 4h (default repeat_interval)');
});

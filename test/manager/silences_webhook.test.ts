import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ManualClock } from '../../src/clock.js';
import { Silences, SilenceError, silenceState } from '../../src/manager/silences.js';
import { WebhookIntegration } from '../../src/manager/receivers/webhook.js';
import { InhibitionSnapshot } from '../../src/manager/inhibit.js';
import { SilenceSnapshot } from '../../src/manager/silences.js';
import { buildRoutes } from '../../src/manager/route.js';
import { parseManagerConfig } from '../../src/manager/config.js';
import type { NotifyContext } from '../../src/manager/pipeline/stage.js';
import { database, dropDatabase, H, M } from './harness.js';

after(dropDatabase);

const base = { matchers: [{ name: 'job', type: '=' as const, value: 'api' }], createdBy: 'alice', comment: 'deploy' };

test('silences: states, validation, update in place or by replacement, expiry', async () => {
  const pool = await database();
  await pool.query('DELETE FROM manager_silences');
  const clock = new ManualClock(10 * M);
  const s = new Silences(pool, clock);
  assert.deepEqual([silenceState({ startsAt: 5, endsAt: 10 }, 4), silenceState({ startsAt: 5, endsAt: 10 }, 5), silenceState({ startsAt: 5, endsAt: 10 }, 10)], ['pending', 'active', 'expired']);
  await assert.rejects(s.set({ ...base, matchers: [{ name: 'job', type: '=~', value: '.*' }], startsAt: 0, endsAt: H }), /at least one matcher must not match the empty string/);
  await assert.rejects(s.set({ ...base, matchers: [], startsAt: 0, endsAt: H }), /at least one matcher required/);
  await assert.rejects(s.set({ ...base, comment: '', startsAt: 0, endsAt: H }), /comment missing/);
  await assert.rejects(s.set({ ...base, startsAt: 2 * H, endsAt: H }), /end time must not be before start time/);
  await assert.rejects(s.set({ ...base, id: 'nope', startsAt: 0, endsAt: H }), (e) => e instanceof SilenceError && e.status === 404);

  const active = await s.set({ ...base, startsAt: 0, endsAt: H });
  assert.equal((await s.get(active))!.startsAt, 10 * M, 'a start in the past becomes now');
  assert.equal(await s.set({ ...base, id: active, startsAt: 10 * M, endsAt: 2 * H, comment: 'longer' }), active, 'same matchers: updated in place');
  const replaced = await s.set({ ...base, id: active, matchers: [{ name: 'job', type: '=', value: 'web' }], startsAt: 10 * M, endsAt: 2 * H });
  assert.notEqual(replaced, active, 'new matchers on an active silence: a new silence');
  assert.equal((await s.get(active))!.endsAt, 10 * M, 'and the old one expired');

  const pending = await s.set({ ...base, startsAt: H, endsAt: 2 * H });
  const snap = await s.activeSnapshot(clock.now());
  assert.deepEqual(snap.mutedBy({ job: 'web' }), [replaced]);
  assert.deepEqual(snap.mutedBy({ job: 'api' }), [], 'the api silence is pending, the other expired');
  await s.expire(pending);
  const p = (await s.get(pending))!;
  assert.deepEqual([p.startsAt, p.endsAt], [10 * M, 10 * M], 'a pending silence expired never starts');
  await assert.rejects(s.expire(pending), /already expired/);
});

test('inhibition: an alert matching both sides is not muted by a source matching both sides', () => {
  const rules = [{ sourceMatchers: parse('severity=~"warning|critical"'), targetMatchers: parse('severity=~"warning|info"'), equal: ['cluster'] }];
  const alerts = [alert('w1', { severity: 'warning', cluster: 'c' })];
  const snap = new InhibitionSnapshot(rules, alerts, 0);
  assert.equal(snap.inhibitedBy({ severity: 'warning', cluster: 'c' }), null, 'the warning does not inhibit itself or its like');
  assert.equal(snap.inhibitedBy({ severity: 'info', cluster: 'c' }), 'w1');
  assert.equal(snap.inhibitedBy({ severity: 'info', cluster: 'd' }), null, 'equal labels differ');
  const resolved = new InhibitionSnapshot(rules, [alert('w1', { severity: 'warning', cluster: 'c' }, -1)], 0);
  assert.equal(resolved.inhibitedBy({ severity: 'info', cluster: 'c' }), null, 'a resolved source inhibits nothing');
});

test('webhook: posts the version 4 payload; 5xx is retriable, 4xx is not', async () => {
  const bodies: Record<string, unknown>[] = [];
  const statuses = [200, 503, 400];
  const server = createServer((req, res) => {
    let b = '';
    req.on('data', (c) => (b += c));
    req.on('end', () => {
      bodies.push(JSON.parse(b) as Record<string, unknown>);
      res.statusCode = statuses.shift() ?? 200;
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    const hook = new WebhookIntegration({ url, send_resolved: true, max_alerts: 1 }, 0, 'http://vigil.example');
    const config = parseManagerConfig('route: {receiver: r}\nreceivers: [{name: r}]');
    const ctx: NotifyContext = {
      now: 5 * M, groupId: 'g', groupKey: '{}:{alertname="X"}', groupLabels: { alertname: 'X' }, receiver: 'r', route: buildRoutes(config),
      silences: new SilenceSnapshot([]), inhibition: new InhibitionSnapshot([], [], 0), timeIntervals: new Map(),
    };
    const alerts = [
      { ...alert('a', { alertname: 'X', instance: '1' }), resolved: false },
      { ...alert('b', { alertname: 'X', instance: '2' }, 4 * M), resolved: true },
    ];
    assert.deepEqual(await hook.send(ctx, alerts), { retry: false });
    const body = bodies[0]!;
    assert.equal(body.version, '4');
    assert.equal(body.status, 'firing');
    assert.equal(body.truncatedAlerts, 1);
    assert.deepEqual(body.commonLabels, { alertname: 'X' });
    assert.deepEqual(body.alerts, [{
      status: 'firing', labels: { alertname: 'X', instance: '1' }, annotations: {}, startsAt: '1970-01-01T00:00:00.000Z',
      endsAt: '0001-01-01T00:00:00Z', generatorURL: '', fingerprint: 'a',
    }]);
    const r503 = await hook.send(ctx, alerts);
    assert.equal(r503.retry, true);
    const r400 = await hook.send(ctx, alerts);
    assert.equal(r400.retry, false);
    assert.match(String(r400.error), /unexpected status code 400/);
  } finally {
    server.close();
  }
});

function parse(s: string) {
  return parseManagerConfig(`route: {receiver: r}\nreceivers: [{name: r}]\ninhibit_rules: [{source_matchers: ['${s}']}]`).inhibitRules[0]!.sourceMatchers;
}

function alert(fp: string, labels: Record<string, string>, endsAt = H) {
  return { fingerprint: fp, labels, annotations: {}, startsAt: 0, endsAt, updatedAt: 0, generatorURL: '', timeout: false };
}

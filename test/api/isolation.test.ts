/**
 * Tenant isolation: tenant A's token, whatever it puts in URLs, bodies, matchers or PromQL,
 * never reads or changes B's policies, tokens, machines, silences, alerts, history, rules or
 * series. Rules and queries go to a real evaluator (in-process, on loopback) that holds
 * both tenants' compiled rules and series.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createEvaluatorServer } from '../../src/evaluate/http.js';
import { PartitionEvaluator } from '../../src/evaluate/partition.js';
import { MIN, play, ruleFile, series } from '../evaluate/helpers.js';
import { apiHarness, newTenant, policyBody, type ApiHarness } from './harness.js';

let h: ApiHarness;
let server: Server;
let server2: Server;
let evs: PartitionEvaluator[] = [];
let evs2: PartitionEvaluator[] = [];
let A: string;
let B: string;
let B2: string;
const b: Record<string, string> = {};
const now = Date.parse('2026-06-01T12:00:00Z');

before(async () => {
  // Two evaluators, as two workers owning different samples partitions: A's series on the first, B's on the second.
  server = createEvaluatorServer({ evaluators: () => evs, ready: () => true });
  server2 = createEvaluatorServer({ evaluators: () => evs2, ready: () => true });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  await new Promise<void>((r) => server2.listen(0, '127.0.0.1', () => r()));
  const url = (s: Server) => `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
  h = await apiHarness({ evaluators: [url(server), url(server2)] });
  A = await newTenant(h, 'A');
  B = await newTenant(h, 'B');
  // B's objects.
  await h.call('PUT', '/api/v1/machines/b-1', { token: B, body: { tags: ['secret'] } });
  await h.call('PUT', '/api/v1/machines/b-only', { token: B });
  b.policy = (await h.call('POST', '/api/v1/policies', { token: B, body: policyBody({ description: 'B policy', tags: ['secret'] }) })).body.data.id;
  const tok = await h.call('POST', '/api/v1/tokens', { token: B, body: { scopes: ['read', 'write'] } });
  b.token = String(tok.body.data.id);
  B2 = tok.body.data.token;
  b.silence = (await h.call('POST', '/api/v1/silences', { token: B, body: { matchers: ['alertname=~".+"'], endsAt: '2026-06-02T00:00:00Z', comment: 'B mutes all' } })).body.data.id;
  // A's objects.
  await h.call('PUT', '/api/v1/machines/a-1', { token: A });
  await h.call('POST', '/api/v1/policies', { token: A, body: policyBody({ description: 'A policy' }) });
  // Alerts and history as the manager would store them.
  for (const [tenant, fp] of [['A', 'aaaaaaaaaaaaaaaa'], ['B', 'bbbbbbbbbbbbbbbb']] as const) {
    const labels = JSON.stringify({ alertname: `Alert${tenant}`, tenant, severity: 'page' });
    await h.pool.query(
      'INSERT INTO manager_alerts (fingerprint, labels, annotations, starts_at, ends_at, updated_at, timeout, generator_url, tenant) VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?)',
      [fp, labels, '{}', now - 60_000, now + 3600_000, now, '', tenant]);
    await h.pool.query(
      'INSERT INTO alert_history (tenant, fingerprint, starts_at, ends_at, resolved, alertname, labels, annotations) VALUES (?, ?, ?, ?, 0, ?, ?, ?)',
      [tenant, fp, now - 60_000, now + 3600_000, `Alert${tenant}`, labels, '{}']);
  }
  // The evaluator loads both tenants' rule sets as the rules topic would give them, and both tenants' series.
  const files = [];
  for (const t of ['A', 'B']) {
    const rec = await h.publisher.compile(t);
    if (rec.value !== null) files.push(ruleFile(rec.value, `${h.topic}:${rec.key}`));
  }
  const ev = new PartitionEvaluator(files, { evaluateFrom: 0 });
  play(ev, series({ 'node_load1{tenant="A", instance="a-1"}': '10x20' }), 0, 20 * MIN);
  const ev2 = new PartitionEvaluator(files, { evaluateFrom: 0 });
  play(ev2, series({ 'node_load1{tenant="B", instance="b-1"}': '20x20' }), 0, 20 * MIN);
  evs = [ev];
  evs2 = [ev2];
});

after(async () => {
  await h?.close();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  await new Promise<void>((r) => (server2 ? server2.close(() => r()) : r()));
});

test("ids of B's objects in A's URLs answer 404 and change nothing", async () => {
  for (const m of ['GET', 'PUT', 'PATCH', 'DELETE']) {
    const r = await h.call(m, `/api/v1/policies/${b.policy}`, { token: A, body: m === 'PUT' || m === 'PATCH' ? policyBody() : undefined });
    assert.equal(r.status, 404, `${m} policy`);
    assert.equal(r.body.errorType, 'not_found');
  }
  assert.equal((await h.call('GET', `/api/v1/policies/${b.policy}`, { token: B })).body.data.description, 'B policy');
  assert.equal((await h.call('DELETE', `/api/v1/tokens/${b.token}`, { token: A })).status, 404);
  assert.equal((await h.call('GET', '/api/v1/tokens', { token: B2 })).status, 200, "B's token still works");
  assert.equal((await h.call('DELETE', '/api/v1/machines/b-only', { token: A })).status, 404);
  assert.equal((await h.call('GET', `/api/v1/silences/${b.silence}`, { token: A })).status, 404);
  assert.equal((await h.call('DELETE', `/api/v1/silences/${b.silence}`, { token: A })).status, 404);
  assert.equal((await h.call('GET', `/api/v1/silences/${b.silence}`, { token: B })).body.data.status.state, 'active');
  // A machine id is per tenant: A's "b-1" is A's own, B's keeps its tags.
  assert.equal((await h.call('PUT', '/api/v1/machines/b-1', { token: A, body: { tags: ['mine'] } })).status, 201);
  assert.deepEqual((await h.call('GET', '/api/v1/machines', { token: B })).body.data.map((m: any) => [m.id, m.tags]), [['b-1', ['secret']], ['b-only', []]]);
  assert.equal((await h.call('DELETE', '/api/v1/machines/b-1', { token: A })).status, 200);
  assert.equal((await h.call('GET', '/api/v1/machines', { token: B })).body.data.length, 2);
});

test('lists show only the caller\'s objects, whatever X-Vigil-Tenant a tenant token sends', async () => {
  const hdr = { 'x-vigil-tenant': 'B' };
  const pols = await h.call('GET', '/api/v1/policies', { token: A, headers: hdr });
  assert.deepEqual(pols.body.data.map((p: any) => p.description), ['A policy']);
  const toks = await h.call('GET', '/api/v1/tokens', { token: A, headers: hdr });
  assert.equal(toks.body.data.length, 1);
  assert.deepEqual((await h.call('GET', '/api/v1/machines', { token: A, headers: hdr })).body.data.map((m: any) => m.id), ['a-1']);
  assert.deepEqual((await h.call('GET', '/api/v1/silences', { token: A, headers: hdr })).body.data, []);
  const alerts = await h.call('GET', '/api/v1/alerts', { token: A, headers: hdr });
  assert.deepEqual(alerts.body.data.groups.map((g: any) => g.alertname), ['AlertA']);
  assert.deepEqual(alerts.body.data.groups[0].alerts[0].silenced, [], "B's silence does not mute A's alert");
  const hist = await h.call('GET', '/api/v1/alerts/history?since=2026-01-01T00:00:00Z&limit=10', { token: A, headers: hdr });
  assert.deepEqual(hist.body.data.map((e: any) => e.alertname), ['AlertA']);
  assert.equal((await h.call('GET', '/api/v1/alerts/history?since=yesterday', { token: A })).status, 400);
  // B sees its own alert muted by its silence.
  const balerts = await h.call('GET', '/api/v1/alerts', { token: B });
  assert.deepEqual(balerts.body.data.groups[0].alerts[0].silenced, [b.silence]);
});

test('URL tricks: dot segments, encoded slashes, admin paths', async () => {
  const dots = await h.call('GET', '/api/v1/policies/../tokens', { token: A });
  assert.equal(dots.status, 200);
  assert.equal(dots.body.data.length, 1, "normalised to A's own tokens");
  for (const p of [`/api/v1/policies/${b.policy}%2F..%2F..`, `/api/v1/policies/%2e%2e%2F${b.policy}`, `/api/v1/policies/${b.policy}%00`, '/api/v1/policies/%ZZ',
    `/api/v1/silences/..%2F${b.silence}`, '/api/v1/machines/..%2Fb-only', '/api/v1/tokens/1%20OR%201=1']) {
    const r = await h.call('GET', p, { token: A });
    assert.ok(r.status === 404 || r.status === 405, `${p}: ${r.status}`);
    const d = await h.call('DELETE', p, { token: A });
    assert.ok(d.status === 404 || d.status === 405, `DELETE ${p}: ${d.status}`);
  }
  assert.equal((await h.call('GET', '/api/v1/admin/tenants', { token: A })).status, 403);
  assert.equal((await h.call('PATCH', '/api/v1/admin/tenants/B', { token: A, body: { enabled: false } })).status, 403);
  assert.equal((await h.call('GET', '/api/v1/tokens', { token: B2 })).status, 200);
});

test('bodies cannot name another tenant: tenant fields, B\'s machines, B\'s tags, tenant matchers', async () => {
  const r = await h.call('POST', '/api/v1/policies', { token: A, body: policyBody({ tenant: 'B' }) });
  assert.equal(r.status, 400);
  assert.deepEqual(r.body.fields.map((f: any) => f.path), ['tenant']);
  const ent = await h.call('POST', '/api/v1/policies', { token: A, body: policyBody({ entities: ['b-only'] }) });
  assert.equal(ent.status, 400);
  assert.deepEqual(ent.body.fields.map((f: any) => f.path), ['entities[0]']);
  // A policy on B's tag matches none of A's machines: A's compiled rules never name B's machine.
  const tagged = await h.call('POST', '/api/v1/policies', { token: A, body: policyBody({ tags: ['secret'] }) });
  assert.equal(tagged.status, 201);
  const rec = await h.publisher.compile('A');
  assert.ok(rec.value !== null && !/\bb-1\b/.test(rec.value) && !rec.value.includes('"B"'), String(rec.value));
  assert.equal((await h.call('DELETE', `/api/v1/policies/${tagged.body.data.id}`, { token: A })).status, 200);
  const sil = await h.call('POST', '/api/v1/silences', {
    token: A, body: { matchers: ['severity="page"', 'tenant="B"', { name: 'tenant', value: 'B|A', isRegex: true, isEqual: true }, 'tenant!="A"'], endsAt: '2026-06-02T00:00:00Z', comment: 'x' },
  });
  assert.equal(sil.status, 201);
  assert.deepEqual(sil.body.data.matchers.filter((m: any) => m.name === 'tenant'), [{ name: 'tenant', value: 'A', isRegex: false, isEqual: true }]);
  const balerts = await h.call('GET', '/api/v1/alerts', { token: B });
  assert.deepEqual(balerts.body.data.groups[0].alerts[0].silenced, [b.silence], "A's silence does not mute B's alert");
  const aalerts = await h.call('GET', '/api/v1/alerts', { token: A });
  assert.deepEqual(aalerts.body.data.groups[0].alerts[0].silenced, [sil.body.data.id]);
  await h.call('DELETE', `/api/v1/silences/${sil.body.data.id}`, { token: A });
});

test("rules: only the caller's policy group, with only its alerts", async () => {
  const ra = await h.call('GET', '/api/v1/rules', { token: A });
  assert.equal(ra.status, 200, ra.text);
  assert.deepEqual(ra.body.data.groups.map((g: any) => [g.name, g.file]), [['tenant/A/policies', `${h.topic}:tenant:A`]]);
  const rules = ra.body.data.groups[0].rules;
  assert.equal(rules.length, 1);
  assert.equal(rules[0].health, 'ok');
  assert.ok(rules[0].alerts.length > 0, 'A\'s load alert is active');
  for (const a of rules[0].alerts) assert.equal(a.labels.tenant, 'A');
  assert.ok(!ra.text.includes('"B"') && !/\bb-1\b/.test(ra.text), ra.text);
  const rb = await h.call('GET', '/api/v1/rules', { token: B });
  assert.deepEqual(rb.body.data.groups.map((g: any) => g.name), ['tenant/B/policies']);
  const balerts = rb.body.data.groups[0].rules[0].alerts;
  assert.ok(balerts.length > 0 && balerts.every((a: any) => a.labels.tenant === 'B'), 'B\'s alerts come from the other evaluator');
});

test("PromQL: every selector is pinned to the caller's tenant, whatever the query says", async () => {
  const values = async (q: string) => {
    const r = await h.call('GET', `/api/v1/query?query=${encodeURIComponent(q)}`, { token: A });
    assert.equal(r.status, 200, `${q}: ${r.text}`);
    return r.body.data;
  };
  assert.deepEqual((await values('node_load1')).result.map((s: any) => [s.metric.tenant, s.value[1]]), [['A', '10']]);
  for (const q of ['node_load1{tenant="B"}', 'node_load1{tenant=~".+"}', 'node_load1{tenant!="A"}', '{__name__=~"node_.*", tenant="B"}']) {
    assert.deepEqual((await values(q)).result.map((s: any) => s.metric.tenant), ['A'], q);
  }
  assert.deepEqual((await values('sum(node_load1)')).result.map((s: any) => s.value[1]), ['10']);
  assert.deepEqual((await values('count(node_load1 or node_load1{tenant="B"})')).result.map((s: any) => s.value[1]), ['1']);
  assert.deepEqual((await values('max_over_time(node_load1{tenant="B"}[10m])')).result.map((s: any) => s.value[1]), ['10']);
  // Relabelling its own series as B's gains nothing: a series naming another tenant is dropped.
  assert.deepEqual((await values('label_replace(node_load1, "tenant", "B", "", "")')).result, []);
  assert.deepEqual((await values('vector(1)')).result.map((s: any) => s.value[1]), ['1'], 'one answer per label set');
  const bad = await h.call('GET', '/api/v1/query?query=sum(', { token: A });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.fields[0].path, 'query');
  assert.equal((await h.call('GET', '/api/v1/query', { token: A })).status, 400);
});

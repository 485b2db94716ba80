/** The tenant API in-process over a real MariaDB and Kafka: CRUD, tokens, auth, limits, verbatim text. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { RuleSources, type RuleSetProblem } from '../../src/evaluate/rules_source.js';
import { hashToken } from '../../src/store/tokens.js';
import { apiHarness, newTenant, policyBody, type ApiHarness } from './harness.js';

let h: ApiHarness;
before(async () => {
  h = await apiHarness({ limits: { maxPolicies: 3, maxTargets: 2, maxMachines: 3 } });
});
after(async () => {
  await h?.close();
});

test('auth: no token 401, unknown token 401, tenant token on admin paths 403, admin without X-Vigil-Tenant 403', async () => {
  const none = await h.call('GET', '/api/v1/policies');
  assert.equal(none.status, 401);
  assert.equal(none.body.errorType, 'unauthorized');
  assert.equal(none.headers['www-authenticate'], 'Bearer realm="vigil"');
  const bogus = 'vgl_' + 'x'.repeat(43);
  const unknown = await h.call('GET', '/api/v1/policies', { token: bogus });
  assert.equal(unknown.status, 401);
  assert.ok(!unknown.text.includes(bogus), 'the token is not echoed');
  // Unknown paths reveal nothing before authentication.
  assert.equal((await h.call('GET', '/api/v1/nothing')).status, 401);
  const t = await newTenant(h, 'auth1');
  assert.equal((await h.call('GET', '/api/v1/admin/tenants', { token: t })).status, 403);
  assert.equal((await h.call('GET', '/api/v1/policies', { token: h.adminToken })).status, 403);
  assert.equal((await h.call('GET', '/api/v1/policies', { token: h.adminToken, headers: { 'x-vigil-tenant': 'auth1' } })).status, 200);
  assert.equal((await h.call('GET', '/api/v1/policies', { token: h.adminToken, headers: { 'x-vigil-tenant': 'nobody' } })).status, 404);
  assert.equal((await h.call('GET', '/api/v1/nothing', { token: t })).status, 404);
  assert.equal((await h.call('POST', '/api/v1/alerts', { token: t, body: {} })).status, 405);
  assert.equal((await h.call('GET', '/-/healthy')).status, 200);
  assert.equal((await h.call('GET', '/-/ready')).status, 200);
  const metrics = await h.call('GET', '/metrics');
  assert.match(metrics.text, /vigil_api_requests_total\{route="policies",code="200"\} 1/);
  assert.ok(!metrics.text.includes(t));
});

test('admin: create (409 twice), list, patch name/enabled/limits with field errors', async () => {
  const r = await h.call('POST', '/api/v1/admin/tenants', { token: h.adminToken, body: { id: 'adm1', name: 'Adm One' } });
  assert.equal(r.status, 201);
  assert.equal(r.body.data.tenant.id, 'adm1');
  assert.match(r.body.data.token, /^vgl_[0-9A-Za-z]{43}$/);
  assert.equal((await h.call('POST', '/api/v1/admin/tenants', { token: h.adminToken, body: { id: 'adm1' } })).status, 409);
  const bad = await h.call('POST', '/api/v1/admin/tenants', { token: h.adminToken, body: { id: '../x', name: 5, extra: 1 } });
  assert.equal(bad.status, 400);
  assert.deepEqual(bad.body.fields.map((f: any) => f.path).sort(), ['extra', 'id', 'name']);
  const list = await h.call('GET', '/api/v1/admin/tenants', { token: h.adminToken });
  assert.ok(list.body.data.some((t: any) => t.id === 'adm1' && t.name === 'Adm One' && t.enabled === true));
  const p = await h.call('PATCH', '/api/v1/admin/tenants/adm1', { token: h.adminToken, body: { limits: { max_policies: 7, max_series: 10, samples_per_second: 2.5 } } });
  assert.equal(p.status, 200);
  assert.deepEqual(p.body.data.limits, { max_series: 10, samples_per_second: 2.5, max_policies: 7, max_targets: null, max_machines: null });
  const pb = await h.call('PATCH', '/api/v1/admin/tenants/adm1', { token: h.adminToken, body: { limits: { max_targets: -1, nope: 1 }, enabled: 'yes' } });
  assert.equal(pb.status, 400);
  assert.deepEqual(pb.body.fields.map((f: any) => f.path).sort(), ['enabled', 'limits.max_targets', 'limits.nope']);
  assert.equal((await h.call('PATCH', '/api/v1/admin/tenants/none', { token: h.adminToken, body: {} })).status, 404);
  // Disabling a tenant stops its tokens at once.
  assert.equal((await h.call('GET', '/api/v1/tokens', { token: r.body.data.token })).status, 200);
  assert.equal((await h.call('PATCH', '/api/v1/admin/tenants/adm1', { token: h.adminToken, body: { enabled: false } })).status, 200);
  assert.equal((await h.call('GET', '/api/v1/tokens', { token: r.body.data.token })).status, 401);
});

test('tokens: shown once, stored hashed, listed without secret, scopes enforced, revoked ones stop working', async () => {
  const t = await newTenant(h, 'tok1');
  const created = await h.call('POST', '/api/v1/tokens', { token: t, body: { scopes: ['read'], description: 'dashboards' } });
  assert.equal(created.status, 201);
  const secret: string = created.body.data.token;
  assert.match(secret, /^vgl_/);
  assert.ok(secret.startsWith(created.body.data.prefix));
  const [rows] = await h.pool.query('SELECT * FROM api_tokens WHERE id = ?', [created.body.data.id]);
  const row = (rows as any[])[0];
  assert.deepEqual(row.token_hash, hashToken(secret));
  assert.ok(!JSON.stringify(Object.values(row).map(String)).includes(secret.slice(10)), 'no column holds the secret');
  const list = await h.call('GET', '/api/v1/tokens', { token: t });
  assert.equal(list.body.data.length, 2);
  assert.ok(!list.text.includes(secret.slice(10)));
  const mine = list.body.data.find((x: any) => x.id === created.body.data.id);
  assert.deepEqual({ ...mine, created_at: 'x' }, { id: created.body.data.id, prefix: created.body.data.prefix, scopes: ['read'], description: 'dashboards', created_at: 'x', revoked_at: null });
  // read-only: GET fine, writes 403.
  assert.equal((await h.call('GET', '/api/v1/policies', { token: secret })).status, 200);
  const w = await h.call('POST', '/api/v1/tokens', { token: secret, body: { scopes: ['read'] } });
  assert.equal(w.status, 403);
  assert.equal(w.body.errorType, 'forbidden');
  const bad = await h.call('POST', '/api/v1/tokens', { token: t, body: { scopes: ['read', 'admin'], description: 3 } });
  assert.equal(bad.status, 400);
  assert.deepEqual(bad.body.fields.map((f: any) => f.path), ['scopes[1]', 'description']);
  assert.equal((await h.call('POST', '/api/v1/tokens', { token: t, body: { scopes: [] } })).status, 400);
  // Revoke: works at once; again is fine; unknown ids 404.
  assert.equal((await h.call('DELETE', `/api/v1/tokens/${created.body.data.id}`, { token: t })).status, 200);
  assert.equal((await h.call('GET', '/api/v1/policies', { token: secret })).status, 401);
  assert.equal((await h.call('DELETE', `/api/v1/tokens/${created.body.data.id}`, { token: t })).status, 200);
  assert.equal((await h.call('DELETE', '/api/v1/tokens/999999', { token: t })).status, 404);
  assert.equal((await h.call('DELETE', '/api/v1/tokens/abc', { token: t })).status, 404);
  const after = await h.call('GET', '/api/v1/tokens', { token: t });
  assert.ok(after.body.data.find((x: any) => x.id === created.body.data.id).revoked_at !== null);
});

test('machines: put with tags, list, 422 past max_machines, 409 while a policy names it, delete', async () => {
  const t = await newTenant(h, 'mach1');
  const a = await h.call('PUT', '/api/v1/machines/web-1', { token: t, body: { tags: ['production', 'web'] } });
  assert.equal(a.status, 201);
  assert.deepEqual(a.body.data.tags, ['production', 'web']);
  assert.equal((await h.call('PUT', '/api/v1/machines/web-1', { token: t, body: { tags: ['web'] } })).status, 200);
  assert.equal((await h.call('PUT', '/api/v1/machines/web-2:9100', { token: t })).status, 201);
  assert.equal((await h.call('PUT', '/api/v1/machines/db%2F1', { token: t })).status, 201);
  const over = await h.call('PUT', '/api/v1/machines/web-4', { token: t });
  assert.equal(over.status, 422);
  assert.equal(over.body.errorType, 'limit');
  assert.match(over.body.error, /max_machines \(3\)/);
  const bad = await h.call('PUT', `/api/v1/machines/${encodeURIComponent("x' OR 1=1 --")}`, { token: t, body: { tags: ['ok', 'bad tag'] } });
  assert.equal(bad.status, 400);
  assert.deepEqual(bad.body.fields.map((f: any) => f.path), ['id', 'tags[1]']);
  const list = await h.call('GET', '/api/v1/machines', { token: t });
  assert.deepEqual(list.body.data.map((m: any) => [m.id, m.tags]), [['db/1', []], ['web-1', ['web']], ['web-2:9100', []]]);
  const pol = await h.call('POST', '/api/v1/policies', { token: t, body: policyBody({ entities: ['web-1'] }) });
  assert.equal(pol.status, 201);
  const busy = await h.call('DELETE', '/api/v1/machines/web-1', { token: t });
  assert.equal(busy.status, 409);
  assert.match(busy.body.error, new RegExp(pol.body.data.id));
  assert.equal((await h.call('DELETE', '/api/v1/machines/db%2F1', { token: t })).status, 200);
  assert.equal((await h.call('DELETE', '/api/v1/machines/db%2F1', { token: t })).status, 404);
});

test('policies: create, get, list, put, patch, delete; field errors with paths; entities must be owned', async () => {
  const t = await newTenant(h, 'pol1');
  await h.call('PUT', '/api/v1/machines/web-1', { token: t });
  const c = await h.call('POST', '/api/v1/policies', { token: t, body: policyBody({ entities: ['web-1'], tags: ['production'] }) });
  assert.equal(c.status, 201);
  const id = c.body.data.id;
  assert.match(id, /^[0-9a-f-]{36}$/);
  assert.equal(c.body.data.revision, 1);
  assert.equal(c.body.data.type, 'load_1');
  assert.deepEqual((await h.call('GET', `/api/v1/policies/${id}`, { token: t })).body.data, c.body.data);
  assert.deepEqual((await h.call('GET', '/api/v1/policies', { token: t })).body.data.map((p: any) => p.id), [id]);
  // A GET body sent back as PUT works (read-only fields are ignored).
  const put = await h.call('PUT', `/api/v1/policies/${id}`, { token: t, body: { ...c.body.data, value: 8 } });
  assert.equal(put.status, 200);
  assert.equal(put.body.data.value, 8);
  assert.equal(put.body.data.revision, 2);
  const patch = await h.call('PATCH', `/api/v1/policies/${id}`, { token: t, body: { enabled: false } });
  assert.equal(patch.status, 200);
  assert.equal(patch.body.data.enabled, false);
  assert.equal(patch.body.data.value, 8);
  const bad = await h.call('POST', '/api/v1/policies', {
    token: t, body: policyBody({ type: 'nope', value: 'x', entities: ['web-1', 'not-mine'], alerts: { email: ['ops@example.com', 'bad'] }, tenant: 'other' }),
  });
  assert.equal(bad.status, 400);
  const paths = bad.body.fields.map((f: any) => f.path);
  for (const p of ['type', 'value', 'alerts.email[1]', 'tenant']) assert.ok(paths.includes(p), `${p} in ${paths}`);
  const notOwned = await h.call('POST', '/api/v1/policies', { token: t, body: policyBody({ entities: ['web-1', 'not-mine'] }) });
  assert.equal(notOwned.status, 400);
  assert.deepEqual(notOwned.body.fields.map((f: any) => f.path), ['entities[1]']);
  assert.equal((await h.call('POST', '/api/v1/policies', { token: t, body: '{"type":' })).status, 400);
  assert.equal((await h.call('POST', '/api/v1/policies', { token: t, body: policyBody({ id: '00000000-0000-0000-0000-000000000000' }) })).status, 400);
  assert.equal((await h.call('DELETE', `/api/v1/policies/${id}`, { token: t })).status, 200);
  assert.equal((await h.call('GET', `/api/v1/policies/${id}`, { token: t })).status, 404);
  assert.equal((await h.call('DELETE', `/api/v1/policies/${id}`, { token: t })).status, 404);
});

test('limits: max_policies and max_targets answer 422 naming the limit; per-tenant overrides apply', async () => {
  const t = await newTenant(h, 'lim1');
  for (let i = 0; i < 3; i++) assert.equal((await h.call('POST', '/api/v1/policies', { token: t, body: policyBody({ value: i }) })).status, 201);
  const over = await h.call('POST', '/api/v1/policies', { token: t, body: policyBody() });
  assert.equal(over.status, 422);
  assert.equal(over.body.errorType, 'limit');
  assert.match(over.body.error, /max_policies \(3\)/);
  const targets = await h.call('POST', '/api/v1/policies', { token: t, body: policyBody({ alerts: { email: ['a@example.com', 'b@example.com', 'c@example.com'] } }) });
  assert.equal(targets.status, 422);
  assert.match(targets.body.error, /max_targets \(2\)/);
  await h.call('PATCH', '/api/v1/admin/tenants/lim1', { token: h.adminToken, body: { limits: { max_policies: 4, max_targets: 3 } } });
  assert.equal((await h.call('POST', '/api/v1/policies', { token: t, body: policyBody({ alerts: { email: ['a@example.com', 'b@example.com', 'c@example.com'] } }) })).status, 201);
  assert.equal((await h.call('POST', '/api/v1/policies', { token: t, body: policyBody() })).status, 422);
});

test('SQL injection and template strings in text fields are stored and returned verbatim', async () => {
  const t = await newTenant(h, 'inj1', "Robert'); DROP TABLE tenants;--");
  const evil = [
    "'; DROP TABLE alert_policies; --", '" OR "1"="1', '{{ .Values }}{{ range . }}x{{ end }}', '${process.env.HOME}', '\\x00\\\'', '$(rm -rf /)', '<script>alert(1)</script>',
  ].join(' | ');
  const pol = await h.call('POST', '/api/v1/policies', { token: t, body: policyBody({ description: evil }) });
  assert.equal(pol.status, 201);
  assert.equal(pol.body.data.description, evil);
  assert.equal((await h.call('GET', `/api/v1/policies/${pol.body.data.id}`, { token: t })).body.data.description, evil);
  const tok = await h.call('POST', '/api/v1/tokens', { token: t, body: { scopes: ['read'], description: evil.slice(0, 255) } });
  assert.equal(tok.status, 201);
  assert.ok((await h.call('GET', '/api/v1/tokens', { token: t })).body.data.some((x: any) => x.description === evil.slice(0, 255)));
  const sil = await h.call('POST', '/api/v1/silences', {
    token: t, body: { matchers: [{ name: 'alertname', value: evil, isRegex: false }], endsAt: '2026-06-02T00:00:00Z', comment: evil, createdBy: evil.slice(0, 255) },
  });
  assert.equal(sil.status, 201);
  const got = (await h.call('GET', `/api/v1/silences/${sil.body.data.id}`, { token: t })).body.data;
  assert.equal(got.comment, evil);
  assert.equal(got.matchers[0].value, evil);
  const tenants = await h.call('GET', '/api/v1/admin/tenants', { token: h.adminToken });
  assert.equal(tenants.body.data.find((x: any) => x.id === 'inj1').name, "Robert'); DROP TABLE tenants;--");
  // The compiled rule quotes the description as a literal: the rule set loads, and the annotation renders it verbatim.
  const rec = await h.publisher.compile('inj1');
  const problems: RuleSetProblem[] = [];
  const rs = new RuleSources([], { onProblem: (p) => problems.push(p) });
  rs.applyTopicRecord(h.topic, rec.key, rec.value);
  assert.deepEqual(problems, []);
  assert.equal(rs.current().length, 1);
  const [tables] = await h.pool.query("SHOW TABLES LIKE 'alert_policies'");
  assert.equal((tables as unknown[]).length, 1);
});

test('silences: validation as Alertmanager, forced tenant matcher, list and expire', async () => {
  const t = await newTenant(h, 'sil1');
  const bad = await h.call('POST', '/api/v1/silences', {
    token: t, body: { matchers: [{ name: 'bad-name', value: 'x', isRegex: false }, { name: 'a', value: '(', isRegex: true }], startsAt: '2026-06-01T13:00:00Z', endsAt: '2026-06-01T12:30:00Z', comment: '' },
  });
  assert.equal(bad.status, 400);
  assert.deepEqual(bad.body.fields.map((f: any) => f.path), ['matchers[0].name', 'matchers[1].value', 'endsAt', 'comment']);
  const empty = await h.call('POST', '/api/v1/silences', { token: t, body: { matchers: [], endsAt: '2026-06-02T00:00:00Z', comment: 'c' } });
  assert.equal(empty.status, 400);
  const matchesEmpty = await h.call('POST', '/api/v1/silences', { token: t, body: { matchers: ['a=~".*"'], endsAt: '2026-06-02T00:00:00Z', comment: 'c' } });
  assert.equal(matchesEmpty.status, 400);
  assert.match(matchesEmpty.body.error, /empty string/);
  const past = await h.call('POST', '/api/v1/silences', { token: t, body: { matchers: ['a="b"'], startsAt: '2026-06-01T10:00:00Z', endsAt: '2026-06-01T11:00:00Z', comment: 'c' } });
  assert.equal(past.status, 400);
  const ok = await h.call('POST', '/api/v1/silences', {
    token: t, body: { matchers: ['severity="page"', { name: 'tenant', value: 'other', isRegex: false }, { name: 'tenant', value: '.*', isRegex: true }], endsAt: '2026-06-01T14:00:00Z', comment: 'deploy' },
  });
  assert.equal(ok.status, 201);
  assert.deepEqual(ok.body.data.matchers, [
    { name: 'severity', value: 'page', isRegex: false, isEqual: true },
    { name: 'tenant', value: 'sil1', isRegex: false, isEqual: true },
  ]);
  assert.equal(ok.body.data.status.state, 'active');
  assert.match(ok.body.data.createdBy, /^token vgl_/);
  const [rows] = await h.pool.query('SELECT tenant FROM manager_silences WHERE id = ?', [ok.body.data.id]);
  assert.equal((rows as any[])[0].tenant, 'sil1');
  assert.deepEqual((await h.call('GET', '/api/v1/silences', { token: t })).body.data.map((s: any) => s.id), [ok.body.data.id]);
  const exp = await h.call('DELETE', `/api/v1/silences/${ok.body.data.id}`, { token: t });
  assert.equal(exp.status, 200);
  assert.equal(exp.body.data.status.state, 'expired');
  assert.equal((await h.call('DELETE', `/api/v1/silences/${ok.body.data.id}`, { token: t })).status, 409);
  assert.equal((await h.call('DELETE', '/api/v1/silences/not-a-uuid', { token: t })).status, 404);
});

test('scopes: write-only tokens cannot read; the admin acting as a tenant reads and writes it, named "admin"', async () => {
  const t = await newTenant(h, 'scope1');
  const w = (await h.call('POST', '/api/v1/tokens', { token: t, body: { scopes: ['write'] } })).body.data.token;
  assert.equal((await h.call('GET', '/api/v1/policies', { token: w })).status, 403);
  assert.equal((await h.call('HEAD', '/api/v1/policies', { token: w })).status, 403);
  assert.equal((await h.call('POST', '/api/v1/policies', { token: w, body: policyBody() })).status, 201);
  const as = { token: h.adminToken, headers: { 'x-vigil-tenant': 'scope1' } };
  assert.equal((await h.call('GET', '/api/v1/policies', as)).body.data.length, 1);
  const s = await h.call('POST', '/api/v1/silences', { ...as, body: { matchers: ['alertname="X"'], endsAt: '2026-06-02T00:00:00Z', comment: 'ops' } });
  assert.equal(s.status, 201);
  assert.equal(s.body.data.createdBy, 'admin');
  assert.deepEqual(s.body.data.matchers.find((m: any) => m.name === 'tenant'), { name: 'tenant', value: 'scope1', isRegex: false, isEqual: true });
  assert.equal((await h.call('GET', '/api/v1/silences', { token: t })).body.data.length, 1);
});

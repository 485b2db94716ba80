/**
 * The web page of `vigil api` in headless Chromium, against the real API handler, a real
 * MariaDB database and a real evaluator: signing in, alerts, silences, rules, policies,
 * tenant text shown as text, tenant isolation, and a phone-sized screen. Screenshots go
 * to test-output/screenshots/ and their paths into the test output.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { buildRequest } from '../../src/http/server.js';
import { serveUi, uiAssetsDir, UI_CSP } from '../../src/api/ui/index.js';
import { createToken } from '../../src/store/tokens.js';
import { launchChromium, openPage, screenshot, signIn, type WatchedPage } from './ui_browser.js';
import { startUiEnv, type UiEnv } from './ui_env.js';

const XSS = '<img src=x onerror=alert(1)>';
const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };

let env: UiEnv;
let browser: Browser;
const pages: WatchedPage[] = [];
let acmePolicy = '';

before(async () => {
  // First, so a missing browser fails the file at once with its own message.
  browser = await launchChromium();
  env = await startUiEnv();
  const policy = {
    type: 'disk_utilization_percent', description: 'Root disk filling up', compare: 'GreaterThan', value: 90, window: '5m',
    entities: ['web-1'], alerts: { email: ['ops@acme.example'], slack: [{ url: 'https://hooks.slack.com/services/T0/B0/SECRET', channel: '#ops' }] },
  };
  const a = await env.api(env.acme, 'POST', '/api/v1/policies', policy);
  assert.equal(a.status, 201, JSON.stringify(a.body));
  acmePolicy = a.body.data.id;
  const g = await env.api(env.globex, 'POST', '/api/v1/policies', {
    ...policy, description: 'GLOBEX-PRIVATE policy', entities: ['gx-1'], alerts: { email: ['ops@globex.example'] },
  });
  assert.equal(g.status, 201, JSON.stringify(g.body));

  await env.fire('acme', { alertname: 'PolicyDiskUtilization', instance: 'web-1', mountpoint: '/', note: XSS, vigil_policy: acmePolicy },
    { summary: 'Disk usage is 93% on web-1 /', description: 'Root disk <script>window.pwned=1</script> filling up' }, 12 * 60_000);
  await env.fire('acme', { alertname: 'PolicyDiskUtilization', instance: 'db-1', mountpoint: '/var' }, { summary: 'Disk usage is 91% on db-1 /var' }, 3 * 3_600_000);
  await env.fire('acme', { alertname: 'PolicyCpu', instance: 'web-1' }, { summary: 'CPU usage is 99%' }, 90_000);
  await env.fire('globex', { alertname: 'PolicyDiskUtilization', instance: 'gx-1', mountpoint: '/', secret: 'GLOBEX-ONLY' }, { summary: 'GLOBEX disk' }, 60_000);
});

after(async () => {
  for (const p of pages) await p.context.close().catch(() => undefined);
  await browser?.close();
  await env?.close();
});

/** A page of `size` signed in as `token`, closed after the file. */
async function page(token: string, size = DESKTOP, mobile = false): Promise<WatchedPage> {
  const w = await openPage(browser, size, mobile);
  pages.push(w);
  await signIn(w.page, env.baseUrl, token);
  return w;
}

/** Nothing a page must never do happened on `w`. */
function clean(w: WatchedPage): void {
  assert.deepEqual(w.errors, [], 'script errors');
  assert.deepEqual(w.cspViolations, [], 'CSP violations');
  assert.deepEqual(w.dialogs, [], 'dialogs (an injected alert(1) would be here)');
}

async function tab(w: WatchedPage, name: string, ready: string): Promise<void> {
  await w.page.click(`nav a[data-tab=${name}]`);
  await w.page.waitForSelector(ready);
}

test('serveUi: the page and its assets with a strict CSP, null for other paths, assets found from dist/', () => {
  const res = serveUi(buildRequest('GET', '/'))!;
  assert.equal(res.status, 200);
  assert.match(res.headers['content-type']!, /^text\/html/);
  assert.equal(res.headers['content-security-policy'], UI_CSP);
  assert.match(UI_CSP, /script-src 'self'/);
  assert.doesNotMatch(UI_CSP, /unsafe-inline|unsafe-eval/);
  assert.doesNotMatch(res.body, /<script>|<style>|\son[a-z]+=/i, 'no inline script, style or handler');
  assert.match(res.body, /<option>disk_utilization_percent<\/option>/, 'policy types come from the schema');
  for (const p of ['/ui/app.js', '/ui/app.css', '/ui/icon.svg']) assert.equal(serveUi(buildRequest('GET', p))?.status, 200, p);
  for (const p of ['/api/v1/alerts', '/ui/nope.js', '/ui/../index.ts', '/metrics']) assert.equal(serveUi(buildRequest('GET', p)), null, p);
  assert.equal(serveUi(buildRequest('POST', '/'))?.status, 405);
  assert.ok(uiAssetsDir().endsWith('/src/api/ui/assets/'), uiAssetsDir());
  // The page's one rule for tenant text: it goes in as text, never parsed as HTML.
  const js = readFileSync(`${uiAssetsDir()}app.js`, 'utf8');
  assert.doesNotMatch(js, /innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(/);
});

test('sign in: an unknown token is refused; then the firing alerts, grouped by alertname, with labels, annotations and since', async (t) => {
  const w = await openPage(browser, DESKTOP);
  pages.push(w);
  await w.page.goto(`${env.baseUrl}/`);
  await w.page.fill('#signin-token', 'vgl_' + 'x'.repeat(43));
  await w.page.click('#signin button[type=submit]');
  await w.page.waitForSelector('#signin-error:has-text("not accepted")');
  assert.equal(await w.page.isVisible('#app'), false);

  await signIn(w.page, env.baseUrl, env.acme.token);
  await w.page.waitForSelector('#alerts .group');
  const groups = await w.page.$$eval('#alerts .group', (gs) => gs.map((g) => ({
    name: g.getAttribute('data-alertname'), alerts: g.querySelectorAll('li.alert').length,
  })));
  assert.deepEqual(groups, [{ name: 'PolicyCpu', alerts: 1 }, { name: 'PolicyDiskUtilization', alerts: 2 }]);
  assert.equal(await w.page.textContent('#count-alerts'), '(3)');
  const web1 = w.page.locator('li.alert', { hasText: 'instance="web-1"' }).filter({ hasText: 'mountpoint' });
  assert.match(await web1.locator('.since').textContent() ?? '', /^firing since 12m ago$/);
  assert.match(await w.page.locator('li.alert', { hasText: 'db-1' }).locator('.since').textContent() ?? '', /^firing since 3h 0m ago$/);
  const chips = await web1.locator('.labels code').allTextContents();
  assert.deepEqual(chips, ['instance="web-1"', 'mountpoint="/"', `note="${XSS}"`], 'alertname heads the group; tenant and the policy id are implied');
  assert.equal(await web1.locator('.policy-ref').textContent(), 'policy: Root disk filling up (disk_utilization_percent > 90 over 5m)');
  assert.deepEqual(await web1.locator('dl.ann dt').allTextContents(), ['summary', 'description']);
  assert.equal(await web1.locator('dl.ann dd').first().textContent(), 'Disk usage is 93% on web-1 /');
  t.diagnostic(`screenshot: ${await screenshot(w.page, 'desktop-alerts')}`);

  // The token lives in sessionStorage: a reload stays signed in, signing out forgets it.
  await w.page.reload();
  await w.page.waitForSelector('#alerts li.alert');
  await w.page.click('#signout');
  await w.page.waitForSelector('#signin', { state: 'visible' });
  assert.equal(await w.page.evaluate(() => sessionStorage.length), 0);
  assert.equal(await w.page.locator('li.alert').count(), 0, 'nothing of the tenant is left on the page');
  clean(w);
});

test('tenant text renders as text: labels, annotations and policy descriptions with HTML stay inert', async () => {
  const r = await env.api(env.acme, 'POST', '/api/v1/policies', {
    type: 'cpu', description: XSS, compare: 'GreaterThan', value: 95, window: '10m', alerts: { email: ['ops@acme.example'] },
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const w = await page(env.acme.token);
  await w.page.waitForSelector('#alerts li.alert');
  const web1 = w.page.locator('li.alert', { hasText: 'mountpoint="/"' });
  assert.ok((await web1.locator('.labels code').allTextContents()).includes(`note="${XSS}"`));
  assert.equal(await web1.locator('dl.ann dd').nth(1).textContent(), 'Root disk <script>window.pwned=1</script> filling up');
  await tab(w, 'policies', '#policies li.policy');
  assert.equal(await w.page.locator('li.policy', { hasText: 'over 10m' }).locator('b').textContent(), XSS);
  assert.equal(await w.page.locator('img').count(), 0, 'no <img> was created from tenant text');
  assert.equal(await w.page.evaluate(() => (window as unknown as { pwned?: number }).pwned), undefined);
  // Let an onerror that had been created fire, had there been one.
  await w.page.waitForTimeout(200);
  clean(w);
  assert.equal((await env.api(env.acme, 'DELETE', `/api/v1/policies/${r.body.data.id}`)).status, 200);
});

test('silences: create one from an alert (the server adds the tenant matcher), see it, expire it', async (t) => {
  const w = await page(env.acme.token);
  const alert = w.page.locator('li.alert', { hasText: 'db-1' });
  await alert.locator('button.silence').click();
  await w.page.waitForSelector('#silence-form', { state: 'visible' });
  const offered = await w.page.locator('#silence-matchers code').allTextContents();
  assert.deepEqual(offered, ['alertname="PolicyDiskUtilization"', 'instance="db-1"', 'mountpoint="/var"'], 'the alert\'s labels, tenant aside');
  // Without a comment the API refuses; its message lands next to the field.
  await w.page.click('#silence-form button[type=submit]');
  await w.page.waitForSelector('#silence-form .field-error[data-for=comment]:not(:empty)');
  await w.page.locator('#silence-matchers input').nth(2).uncheck();
  await w.page.selectOption('#silence-duration', '3600');
  await w.page.fill('#silence-comment', 'db-1 disk resize <b>tonight</b>');
  await w.page.fill('#silence-createdby', 'oncall');
  await w.page.click('#silence-form button[type=submit]');
  await w.page.waitForSelector('#silence-form', { state: 'hidden' });
  await w.page.waitForSelector('li.alert:has-text("db-1") .silenced-by');

  const [rows] = await env.pool.query('SELECT id, tenant, matchers, comment, created_by, ends_at - starts_at AS len FROM manager_silences');
  const silences = rows as { id: string; tenant: string; matchers: string; comment: string; created_by: string; len: number }[];
  assert.equal(silences.length, 1);
  const s = silences[0]!;
  assert.equal(s.tenant, 'acme');
  assert.deepEqual(JSON.parse(s.matchers), [
    { name: 'alertname', type: '=', value: 'PolicyDiskUtilization' }, { name: 'instance', type: '=', value: 'db-1' },
    { name: 'tenant', type: '=', value: 'acme' },
  ]);
  assert.equal(s.comment, 'db-1 disk resize <b>tonight</b>');
  assert.equal(s.created_by, 'oncall');
  assert.ok(Math.abs(Number(s.len) - 3_600_000) < 60_000, `about an hour: ${s.len}`);

  await tab(w, 'silences', '#silences li.silence');
  const item = w.page.locator(`li.silence[data-id="${s.id}"]`);
  assert.deepEqual(await item.locator('.labels code').allTextContents(), ['alertname="PolicyDiskUtilization"', 'instance="db-1"', 'tenant="acme"']);
  assert.match(await item.locator('.comment').textContent() ?? '', /^db-1 disk resize <b>tonight<\/b> by oncall$/);
  assert.match(await item.textContent() ?? '', /ends in (59m|1h 0m)/);
  t.diagnostic(`screenshot: ${await screenshot(w.page, 'desktop-silences')}`);

  await item.locator('button.expire').click();
  await w.page.waitForSelector('#silences p.none');
  const [after] = await env.pool.query('SELECT ends_at FROM manager_silences WHERE id = ?', [s.id]);
  assert.ok(Number((after as { ends_at: number }[])[0]!.ends_at) <= Date.now(), 'expired in the database');
  await tab(w, 'alerts', '#alerts li.alert');
  assert.equal(await w.page.locator('li.alert .silenced-by').count(), 0);
  clean(w);
});

test('rules: the tenant\'s policy rules with their health and last evaluation, from the evaluator', async (t) => {
  env.evaluate();
  const w = await page(env.acme.token);
  await tab(w, 'rules', '#rules li.rule');
  assert.equal(await w.page.textContent('#rules h2'), 'tenant/acme/policies every 30s');
  const rule = w.page.locator('li.rule').first();
  assert.equal(await rule.locator('b').textContent(), 'PolicyDiskUtilization');
  assert.equal(await rule.locator('.health').textContent(), 'ok');
  assert.match(await rule.textContent() ?? '', /evaluated (\d+s|1m) ago/);
  assert.match(await rule.locator('.policy-ref').textContent() ?? '', /Root disk filling up \(disk_utilization_percent > 90 over 5m\)/);
  assert.equal(await w.page.locator('#rules .last-error').count(), 0);
  t.diagnostic(`screenshot: ${await screenshot(w.page, 'desktop-rules')}`);
  clean(w);
});

test('policies: the form shows the API\'s field errors at their fields; create, disable, delete', async (t) => {
  const w = await page(env.acme.token);
  await tab(w, 'policies', '#policies li.policy');
  const seeded = w.page.locator(`li.policy[data-id="${acmePolicy}"]`);
  assert.equal(await seeded.locator('.summary').textContent(), 'disk_utilization_percent > 90 over 5m');
  const targets = await seeded.locator('.labels').nth(1).textContent() ?? '';
  assert.match(targets, /ops@acme\.example.*Slack #ops/);
  assert.doesNotMatch(await seeded.textContent() ?? '', /hooks\.slack\.com|SECRET/, 'a webhook URL is a secret');

  await w.page.fill('#policy-description', 'Memory pressure');
  await w.page.selectOption('#policy-type', 'memory_utilization_percent');
  await w.page.fill('#policy-value', '150');
  await w.page.selectOption('#policy-window', '10m');
  await w.page.fill('#policy-entities', 'db-1, nope-9');
  await w.page.fill('#policy-email', 'ops@acme.example, not-an-address');
  await w.page.click('#policy-form button[type=submit]');
  await w.page.waitForSelector('#policy-form .field-error[data-for=value]:not(:empty)');
  assert.equal(await w.page.textContent('#policy-form .field-error[data-for=value]'), 'must be a percentage (0 to 100) for memory_utilization_percent');
  assert.match(await w.page.textContent('#policy-form .field-error[data-for="alerts.email"]') ?? '', /must be an e-mail address/);
  assert.equal(await w.page.getAttribute('#policy-value', 'aria-invalid'), 'true');
  assert.equal(await w.page.getAttribute('#policy-email', 'aria-invalid'), 'true');
  t.diagnostic(`screenshot: ${await screenshot(w.page, 'desktop-policy-errors')}`);

  await w.page.fill('#policy-value', '85');
  await w.page.fill('#policy-email', 'ops@acme.example');
  await w.page.click('#policy-form button[type=submit]');
  // The body was valid; the machines are checked against the tenant's own next.
  await w.page.waitForSelector('#policy-form .field-error[data-for=entities]:not(:empty)');
  assert.match(await w.page.textContent('#policy-form .field-error[data-for=entities]') ?? '', /not one of this tenant's machines/);
  assert.equal(await w.page.textContent('#policy-form .field-error[data-for=value]'), '', 'fixed fields are cleared');
  await w.page.fill('#policy-entities', 'db-1');
  await w.page.click('#policy-form button[type=submit]');
  const created = w.page.locator('li.policy', { hasText: 'Memory pressure' });
  await created.waitFor();
  assert.equal(await created.locator('.summary').textContent(), 'memory_utilization_percent > 85 over 10m');
  assert.equal(await w.page.inputValue('#policy-description'), '', 'the form is reset');
  const id = await created.getAttribute('data-id');
  const [rows] = await env.pool.query('SELECT tenant_id, enabled, spec FROM alert_policies WHERE id = ?', [id]);
  const row = (rows as { tenant_id: string; enabled: number; spec: string }[])[0]!;
  assert.equal(row.tenant_id, 'acme');
  assert.equal(row.enabled, 1);
  assert.deepEqual(JSON.parse(row.spec).entities, ['db-1']);

  await created.locator('input.enabled').uncheck();
  await w.page.waitForSelector(`li.policy.off[data-id="${id}"]`);
  const [off] = await env.pool.query('SELECT enabled FROM alert_policies WHERE id = ?', [id]);
  assert.equal((off as { enabled: number }[])[0]!.enabled, 0);
  t.diagnostic(`screenshot: ${await screenshot(w.page, 'desktop-policies')}`);

  const del = w.page.locator(`li.policy[data-id="${id}"] button.delete`);
  await del.click();
  assert.equal(await del.textContent(), 'Really delete?', 'one click does not delete');
  await del.click();
  await w.page.locator(`li.policy[data-id="${id}"]`).waitFor({ state: 'detached' });
  const [gone] = await env.pool.query('SELECT COUNT(*) AS n FROM alert_policies WHERE id = ?', [id]);
  assert.equal(Number((gone as { n: number }[])[0]!.n), 0);
  clean(w);
});

test('tenants: acme\'s page never shows globex\'s alerts or policies, and the other way round', async () => {
  const a = await page(env.acme.token);
  await a.page.waitForSelector('#alerts li.alert');
  await tab(a, 'policies', '#policies li.policy');
  await tab(a, 'silences', '#silences p.none');
  await tab(a, 'rules', '#rules li.rule');
  const seenA = await a.page.evaluate(() => document.body.innerText);
  assert.doesNotMatch(seenA, /GLOBEX|gx-1|globex/);
  const g = await page(env.globex.token);
  await g.page.waitForSelector('#alerts li.alert');
  assert.equal(await g.page.locator('li.alert').count(), 1);
  assert.ok((await g.page.locator('li.alert .labels code').allTextContents()).includes('secret="GLOBEX-ONLY"'));
  await tab(g, 'policies', '#policies li.policy');
  const seenG = await g.page.evaluate(() => document.body.innerText);
  assert.match(seenG, /GLOBEX-PRIVATE policy/);
  assert.doesNotMatch(seenG, /web-1|db-1|acme|Root disk/);
  clean(a);
  clean(g);
});

test('operators: the admin token with a tenant id shows that tenant\'s page', async () => {
  const w = await openPage(browser, DESKTOP);
  pages.push(w);
  await w.page.goto(`${env.baseUrl}/`);
  await w.page.fill('#signin-token', env.adminToken);
  await w.page.fill('#signin-tenant', 'globex');
  await w.page.click('#signin button[type=submit]');
  await w.page.waitForSelector('#alerts li.alert');
  assert.match(await w.page.textContent('#who') ?? '', /as tenant globex$/);
  assert.deepEqual(await w.page.$$eval('#alerts li.alert', (ls) => ls.length), 1);
  assert.ok((await w.page.locator('li.alert .labels code').allTextContents()).includes('secret="GLOBEX-ONLY"'));
  clean(w);
});

test('scopes: a read-only token sees everything, and a write shows the API\'s refusal in the form', async () => {
  const r = await createToken(env.pool, { tenant: 'acme', scopes: ['read'] });
  const w = await page(r.token);
  await tab(w, 'policies', '#policies li.policy');
  await w.page.fill('#policy-value', '80');
  await w.page.fill('#policy-email', 'ops@acme.example');
  await w.page.click('#policy-form button[type=submit]');
  await w.page.waitForSelector('#policy-form .form-error:not(:empty)');
  assert.equal(await w.page.textContent('#policy-form .form-error'), 'this token lacks the write scope');
  const [rows] = await env.pool.query('SELECT COUNT(*) AS n FROM alert_policies WHERE tenant_id = ?', ['acme']);
  assert.equal(Number((rows as { n: number }[])[0]!.n), 1);
  clean(w);
});

test('refresh: the visible tab is reloaded every 20 s, nothing more', async () => {
  const w = await openPage(browser, DESKTOP);
  pages.push(w);
  await w.page.clock.install({ time: Date.now() });
  const calls: string[] = [];
  w.page.on('request', (r) => {
    const u = new URL(r.url());
    if (u.pathname.startsWith('/api/')) calls.push(u.pathname);
  });
  await signIn(w.page, env.baseUrl, env.acme.token);
  await w.page.waitForSelector('#alerts li.alert');
  await w.page.waitForSelector('[data-panel="alerts"]:not([aria-busy])', { state: 'attached' });
  await w.page.waitForTimeout(300);
  const atStart = calls.length;
  for (let i = 0; i < 3; i++) {
    const answered = Promise.all(['/api/v1/alerts', '/api/v1/policies'].map((p) => w.page.waitForResponse((r) => new URL(r.url()).pathname === p)));
    await w.page.clock.fastForward(20_000);
    await answered;
    // The responses are in, but the page skips a refresh while the last one is still rendering.
    await w.page.waitForSelector('[data-panel="alerts"]:not([aria-busy])', { state: 'attached' });
  }
  await w.page.waitForTimeout(300);
  const refreshes = calls.slice(atStart);
  assert.deepEqual([...refreshes].sort(), [...Array(3).fill('/api/v1/alerts'), ...Array(3).fill('/api/v1/policies')].sort(), refreshes.join(' '));
  clean(w);
});

test('phone: 390x844 renders every tab in one column without horizontal scrolling', async (t) => {
  const w = await page(env.acme.token, PHONE, true);
  await w.page.waitForSelector('#alerts li.alert');
  for (const [name, ready] of [['alerts', '#alerts li.alert'], ['silences', '#silences p.none'], ['rules', '#rules li.rule'], ['policies', '#policies li.policy']] as const) {
    await tab(w, name, ready);
    const [scroll, inner] = await w.page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
    assert.ok(scroll! <= inner!, `${name}: page is ${scroll}px wide on a ${inner}px screen`);
    if (name === 'alerts' || name === 'policies') t.diagnostic(`screenshot: ${await screenshot(w.page, `phone-${name}`)}`);
  }
  // One column: the form's fields stack.
  const xs = await w.page.$$eval('#policy-form .fields > div', (ds) => ds.map((d) => Math.round(d.getBoundingClientRect().left)));
  assert.equal(new Set(xs).size, 1, `fields start at ${xs.join(', ')}`);
  clean(w);
  assert.deepEqual(env.log.filter((l) => /error/i.test(l)), [], 'the API logged no error');
});

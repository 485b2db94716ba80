// The tenant page of `vigil api`: plain DOM, no framework, no build step. Labels, annotations,
// descriptions and comments are the tenant's own text, so data only ever enters the page as
// text nodes or attribute values (el() below), never as HTML; the CSP forbids inline script.
'use strict';
(() => {
  const REFRESH_MS = 20000;
  const TOKEN_KEY = 'vigil.token';
  const TENANT_KEY = 'vigil.tenant';
  const TABS = ['alerts', 'silences', 'rules', 'policies'];

  const $ = (id) => document.getElementById(id);
  let token = sessionStorage.getItem(TOKEN_KEY) || '';
  let tenant = sessionStorage.getItem(TENANT_KEY) || '';
  let current = 'alerts';
  const loading = new Set();

  /** An element with attributes/properties and children; strings become text nodes. */
  function el(tag, props, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') e.className = v;
      else if (k === 'text') e.textContent = String(v);
      else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children.flat(Infinity)) if (c !== null && c !== undefined && c !== false) e.append(c);
    return e;
  }

  /** Replaces the children of element `id` (arrays are flattened). */
  function put(id, ...children) {
    $(id).replaceChildren(...children.flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false));
  }

  function status(text, kind) {
    const s = $('status');
    s.textContent = text || '';
    s.className = kind || '';
    delete s.dataset.load;
  }

  /** "5m ago" / "in 2h" for an RFC 3339 time or ms. */
  function relative(t) {
    const ms = typeof t === 'number' ? t : Date.parse(t);
    if (!Number.isFinite(ms)) return '';
    const d = Math.round((Date.now() - ms) / 1000);
    const a = Math.abs(d);
    const s = a < 60 ? `${a}s` : a < 3600 ? `${Math.floor(a / 60)}m` : a < 86400 ? `${Math.floor(a / 3600)}h ${Math.floor((a % 3600) / 60)}m`
      : `${Math.floor(a / 86400)}d ${Math.floor((a % 86400) / 3600)}h`;
    return d >= 0 ? `${s} ago` : `in ${s}`;
  }

  function timeEl(t, prefix) {
    const ms = typeof t === 'number' ? t : Date.parse(t);
    if (!Number.isFinite(ms)) return el('span', { class: 'muted', text: `${prefix}unknown` });
    return el('time', { datetime: new Date(ms).toISOString(), title: new Date(ms).toLocaleString() }, prefix + relative(ms));
  }

  class ApiError extends Error {
    constructor(httpStatus, body) {
      super(body && typeof body.error === 'string' ? body.error : `HTTP ${httpStatus}`);
      this.status = httpStatus;
      this.fields = body && Array.isArray(body.fields) ? body.fields : [];
    }
  }

  /** One API call with the signed-in token; 401 signs out. */
  async function api(method, path, body) {
    const headers = { Authorization: `Bearer ${token}`, Accept: 'application/json' };
    if (tenant) headers['X-Vigil-Tenant'] = tenant;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store', credentials: 'omit' });
    const text = await res.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch { data = null; }
    if (res.status === 401) {
      signOut('That token was not accepted (unknown or revoked, or its tenant is disabled).');
      throw new ApiError(401, data);
    }
    if (!res.ok) throw new ApiError(res.status, data);
    return data && typeof data === 'object' && data.status === 'success' && 'data' in data ? data.data : data;
  }

  /** `d` if it is an array, else `d[key]` if that is one, else []: answers are read defensively. */
  function list(d, key) {
    if (Array.isArray(d)) return d;
    return d && key && Array.isArray(d[key]) ? d[key] : [];
  }

  function fail(what, e) {
    status(`${what}: ${e.message}`, 'err');
  }

  // ---- alerts ----

  /** [{name, alerts}] of GET /api/v1/alerts (`{groups: [{alertname, alerts}]}`). */
  function alertGroups(d) {
    return list(d, 'groups').map((g) => ({ name: String(g.alertname ?? ''), alerts: list(g.alerts) }));
  }

  function chips(labels, skip) {
    return Object.keys(labels || {}).sort().filter((k) => !skip.includes(k)).map((k) => el('code', { class: 'chip' }, `${k}="${labels[k]}"`));
  }

  function alertItem(a, byId) {
    const silencedBy = list(a.silenced);
    const ann = Object.keys(a.annotations || {}).sort((x, y) => order(x) - order(y) || x.localeCompare(y));
    const policy = policyOf(a, byId);
    return el('li', { class: `item alert ${silencedBy.length ? 'silenced' : 'firing'}`, 'data-fingerprint': a.fingerprint },
      el('div', { class: 'row' },
        el('span', { class: 'since grow' }, timeEl(a.startsAt, 'firing since ')),
        silencedBy.length ? el('span', { class: 'muted silenced-by' }, `silenced (${silencedBy.length})`) : null,
        el('button', { type: 'button', class: 'silence', onclick: () => openSilenceForm(a) }, 'Silence')),
      // alertname heads the group, tenant is always the reader's own, a known policy is named below.
      el('div', { class: 'labels' }, chips(a.labels, ['alertname', 'tenant', ...(policy ? ['vigil_policy'] : [])])),
      policy,
      ann.length ? el('dl', { class: 'ann' }, ann.map((k) => [el('dt', { text: k }), el('dd', { text: a.annotations[k] })])) : null);
  }

  function order(k) {
    return k === 'summary' ? 0 : k === 'description' ? 1 : 2;
  }

  /** The tenant's policies by id, to name the policy of an alert or rule (none when they cannot be read). */
  async function policiesById() {
    const ps = await api('GET', '/api/v1/policies').catch(() => []);
    return new Map(list(ps).map((p) => [p.id, p]));
  }

  async function loadAlerts() {
    const [answer, byId] = await Promise.all([api('GET', '/api/v1/alerts'), policiesById()]);
    const groups = alertGroups(answer).filter((g) => g.alerts.length > 0)
      .sort((x, y) => x.name.localeCompare(y.name));
    const n = groups.reduce((s, g) => s + g.alerts.length, 0);
    $('count-alerts').textContent = `(${n})`;
    document.title = n ? `Vigil: ${n} firing` : 'Vigil';
    put('alerts', groups.length === 0 ? el('p', { class: 'none', text: 'Nothing is firing.' })
      : groups.map((g) => el('div', { class: 'group', 'data-alertname': g.name },
        el('h2', null, g.name || '(no alertname)', ' ', el('small', { text: `${g.alerts.length} firing` })),
        el('ul', null, g.alerts.map((a) => alertItem(a, byId))))));
  }

  // ---- silences ----

  let silenceMatchers = [];

  function openSilenceForm(a) {
    const f = $('silence-form');
    clearErrors(f);
    // The server adds tenant="<id>" itself; the alert's other labels are the candidates.
    silenceMatchers = Object.keys(a.labels || {}).sort().filter((k) => k !== 'tenant')
      .map((k) => ({ name: k, value: a.labels[k], isRegex: false, isEqual: true }));
    $('silence-matchers').replaceChildren(...silenceMatchers.map((m, i) => el('li', null,
      el('label', { class: 'check' }, el('input', { type: 'checkbox', checked: true, 'data-index': i }), el('code', { class: 'chip' }, `${m.name}="${m.value}"`)))));
    $('silence-comment').value = '';
    f.hidden = false;
    f.scrollIntoView({ block: 'nearest' });
    $('silence-comment').focus();
  }

  async function submitSilence(ev) {
    ev.preventDefault();
    const f = $('silence-form');
    clearErrors(f);
    const matchers = [...$('silence-matchers').querySelectorAll('input:checked')].map((i) => silenceMatchers[Number(i.dataset.index)]);
    if (matchers.length === 0) return showErrors(f, [{ path: 'matchers', message: 'check at least one matcher' }]);
    const endsAt = new Date(Date.now() + Number($('silence-duration').value) * 1000).toISOString();
    const body = { matchers, endsAt, comment: $('silence-comment').value.trim() };
    const by = $('silence-createdby').value.trim();
    if (by) body.createdBy = by;
    await submit(f, async () => {
      const r = await api('POST', '/api/v1/silences', body);
      f.hidden = true;
      status(`Silence ${(r && r.id) || ''} created, until ${new Date(endsAt).toLocaleString()}.`, 'ok');
      await loadAlerts();
    });
  }

  function matcherText(m) {
    const op = m.isRegex ? (m.isEqual === false ? '!~' : '=~') : (m.isEqual === false ? '!=' : '=');
    return `${m.name}${op}"${m.value}"`;
  }

  async function loadSilences() {
    const all = list(await api('GET', '/api/v1/silences'));
    const now = Date.now();
    const live = all.filter((s) => (s.status && s.status.state ? s.status.state !== 'expired' : Date.parse(s.endsAt) > now))
      .sort((x, y) => Date.parse(x.endsAt) - Date.parse(y.endsAt));
    $('count-silences').textContent = `(${live.length})`;
    put('silences', live.length === 0 ? el('p', { class: 'none', text: 'No active silences.' })
      : el('ul', null, live.map((s) => el('li', { class: 'item silence', 'data-id': s.id },
        el('div', { class: 'row' },
          el('span', { class: 'grow' }, Date.parse(s.startsAt) > now ? timeEl(s.startsAt, 'starts ') : 'active', ', ', timeEl(s.endsAt, 'ends ')),
          el('button', { type: 'button', class: 'danger expire', onclick: (e) => expireSilence(s.id, e.currentTarget) }, 'Expire')),
        el('div', { class: 'labels' }, (s.matchers || []).map((m) => el('code', { class: 'chip' }, matcherText(m)))),
        el('div', { class: 'comment' }, s.comment || '', s.createdBy ? el('small', null, ` by ${s.createdBy}`) : null)))));
  }

  async function expireSilence(id, button) {
    button.disabled = true;
    try {
      await api('DELETE', `/api/v1/silences/${encodeURIComponent(id)}`);
      status('Silence expired.', 'ok');
    } catch (e) {
      fail('Expiring the silence failed', e);
    }
    await refresh();
  }

  // ---- rules ----

  async function loadRules() {
    // Policies too, so each rule shows the policy it came from (its vigil_policy label).
    const [answer, byId] = await Promise.all([api('GET', '/api/v1/rules'), policiesById()]);
    const groups = list(answer, 'groups');
    const rules = groups.flatMap((g) => g.rules || []);
    put('rules', rules.length === 0 ? el('p', { class: 'none', text: 'No rules yet: each enabled policy becomes a rule once an evaluator has loaded it.' })
      : groups.map((g) => el('div', { class: 'rule-group' },
        el('h2', null, g.name || '', ' ', g.interval ? el('small', { text: `every ${g.interval}s` }) : null),
        el('ul', null, (g.rules || []).map((r) => {
          const health = ['ok', 'err'].includes(r.health) ? r.health : 'unknown';
          return el('li', { class: `item rule h-${health}` },
            el('div', { class: 'row' }, el('b', { class: 'grow' }, r.name || ''),
              el('span', { class: `badge health h-${health}` }, r.health || 'unknown'),
              r.state ? el('span', { class: 'muted' }, r.state) : null),
            el('div', { class: 'muted' }, r.lastEvaluation && !r.lastEvaluation.startsWith('0001') ? timeEl(r.lastEvaluation, 'evaluated ') : 'not evaluated yet'),
            policyOf(r, byId),
            r.lastError ? el('div', { class: 'err last-error' }, r.lastError) : null,
            r.query ? el('div', null, el('small', null, el('code', null, r.query))) : null);
        })))));
  }

  function policyOf(r, byId) {
    const p = byId.get(r.labels && r.labels.vigil_policy);
    return p ? el('div', { class: 'policy-ref' }, el('small', null, 'policy: '), p.description || policyText(p), ' ', el('small', { class: 'muted' }, `(${policyText(p)})`)) : null;
  }

  // ---- policies ----

  function policyText(p) {
    return `${p.type} ${p.compare === 'LessThan' ? '<' : '>'} ${p.value} over ${p.window}`;
  }

  function policyItem(p) {
    const alerts = p.alerts || {};
    const machines = [...(p.entities || []).map((m) => el('code', { class: 'chip' }, m)), ...(p.tags || []).map((t) => el('code', { class: 'chip' }, `tag:${t}`))];
    const targets = [...(alerts.email || []).map((m) => el('code', { class: 'chip' }, m)),
      // A Slack webhook URL is a secret: show its channel, never the URL.
      ...(alerts.slack || []).map((s) => el('code', { class: 'chip' }, `Slack ${s.channel || 'webhook'}`))];
    const toggle = el('input', { type: 'checkbox', class: 'enabled', checked: p.enabled !== false });
    toggle.addEventListener('change', () => setEnabled(p.id, toggle));
    const del = el('button', { type: 'button', class: 'danger delete' }, 'Delete');
    del.addEventListener('click', () => deletePolicy(p.id, del));
    return el('li', { class: `item policy${p.enabled === false ? ' off' : ''}`, 'data-id': p.id },
      el('div', { class: 'row' }, el('b', { class: 'grow' }, p.description || p.type || ''),
        el('label', { class: 'check' }, toggle, 'enabled'), del),
      el('div', { class: 'summary' }, policyText(p)),
      el('div', { class: 'labels' }, el('small', null, 'machines: '), machines.length ? machines : el('span', { class: 'muted' }, 'all')),
      el('div', { class: 'labels' }, el('small', null, 'targets: '), targets));
  }

  async function loadPolicies() {
    const ps = list(await api('GET', '/api/v1/policies'));
    $('count-policies').textContent = `(${ps.length})`;
    put('policies', ps.length === 0 ? el('p', { class: 'none', text: 'No policies yet.' }) : el('ul', null, ps.map(policyItem)));
  }

  async function setEnabled(id, box) {
    box.disabled = true;
    try {
      await api('PATCH', `/api/v1/policies/${encodeURIComponent(id)}`, { enabled: box.checked });
      status(box.checked ? 'Policy enabled.' : 'Policy disabled.', 'ok');
    } catch (e) {
      box.checked = !box.checked;
      fail('Changing the policy failed', e);
    }
    await refresh();
  }

  async function deletePolicy(id, button) {
    // Two clicks, not confirm(): a stray tap on a phone should not delete.
    if (!button.dataset.armed) {
      button.dataset.armed = '1';
      button.textContent = 'Really delete?';
      setTimeout(() => { delete button.dataset.armed; button.textContent = 'Delete'; }, 4000);
      return;
    }
    button.disabled = true;
    try {
      await api('DELETE', `/api/v1/policies/${encodeURIComponent(id)}`);
      status('Policy deleted.', 'ok');
    } catch (e) {
      fail('Deleting the policy failed', e);
    }
    await refresh();
  }

  function csv(s) {
    return s.split(',').map((x) => x.trim()).filter((x) => x !== '');
  }

  async function submitPolicy(ev) {
    ev.preventDefault();
    const f = $('policy-form');
    clearErrors(f);
    const raw = $('policy-value').value.trim();
    const body = {
      type: $('policy-type').value,
      description: $('policy-description').value.trim(),
      compare: $('policy-compare').value,
      window: $('policy-window').value,
      entities: csv($('policy-entities').value),
      tags: csv($('policy-tags').value),
      enabled: $('policy-enabled').checked,
      alerts: {
        email: csv($('policy-email').value),
        slack: $('policy-slack').value.split('\n').map((l) => l.trim()).filter((l) => l !== '').map((l) => {
          const [url, channel] = l.split(/\s+/);
          return channel ? { url, channel } : { url };
        }),
      },
    };
    // The server judges the value; a non-number is sent as typed so its error names the field.
    if (raw !== '') body.value = Number.isFinite(Number(raw)) ? Number(raw) : raw;
    await submit(f, async () => {
      await api('POST', '/api/v1/policies', body);
      f.reset();
      status('Policy created.', 'ok');
      await loadPolicies();
    });
  }

  // ---- forms ----

  function clearErrors(f) {
    for (const p of f.querySelectorAll('.field-error, .form-error')) p.textContent = '';
    for (const i of f.querySelectorAll('[aria-invalid]')) i.removeAttribute('aria-invalid');
  }

  /** Puts each {path, message} next to the field whose data-for is the longest prefix of its path. */
  function showErrors(f, fields, fallback) {
    const spots = new Map([...f.querySelectorAll('.field-error[data-for]')].map((p) => [p.dataset.for, p]));
    const rest = [];
    for (const { path, message } of fields) {
      let p = String(path || '');
      while (p && !spots.has(p)) p = parentPath(p);
      const spot = spots.get(p);
      if (!spot) { rest.push(path ? `${path}: ${message}` : message); continue; }
      spot.textContent = spot.textContent ? `${spot.textContent}; ${message}` : message;
      const input = spot.parentElement.querySelector('input, select, textarea');
      if (input) input.setAttribute('aria-invalid', 'true');
    }
    if (rest.length === 0 && fields.length === 0 && fallback) rest.push(fallback);
    f.querySelector('.form-error').textContent = rest.join('; ');
  }

  /** `alerts.email[1]` -> `alerts.email` -> `alerts` -> ''. */
  function parentPath(p) {
    const q = p.replace(/(\.[^.[\]]*|\[[^\]]*\])$/, '');
    return q === p ? '' : q;
  }

  async function submit(f, fn) {
    const b = f.querySelector('button[type=submit]');
    b.disabled = true;
    try {
      await fn();
    } catch (e) {
      if (e instanceof ApiError && e.status !== 401) showErrors(f, e.fields, e.message);
      else if (!(e instanceof ApiError)) showErrors(f, [], e.message);
    } finally {
      b.disabled = false;
    }
  }

  // ---- tabs, sign-in, refresh ----

  const loaders = { alerts: loadAlerts, silences: loadSilences, rules: loadRules, policies: loadPolicies };

  async function load(tab) {
    if (loading.has(tab) || !token) return;
    loading.add(tab);
    // aria-busy tells screen readers (and tests) that the panel is being reloaded.
    const panel = document.querySelector(`[data-panel="${tab}"]`);
    panel?.setAttribute('aria-busy', 'true');
    try {
      await loaders[tab]();
      // A load that works again clears the failure an earlier one reported.
      if ($('status').dataset.load === tab) status('');
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 401)) {
        fail(`Loading ${tab} failed`, e);
        $('status').dataset.load = tab;
      }
    } finally {
      loading.delete(tab);
      panel?.removeAttribute('aria-busy');
    }
  }

  function refresh() {
    return load(current);
  }

  function show(tab) {
    current = TABS.includes(tab) ? tab : 'alerts';
    for (const a of document.querySelectorAll('nav a')) {
      if (a.dataset.tab === current) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
    for (const s of document.querySelectorAll('[data-panel]')) s.hidden = s.dataset.panel !== current;
    status('');
    return refresh();
  }

  function signOut(message) {
    token = '';
    tenant = '';
    sessionStorage.removeItem(TOKEN_KEY);
    sessionStorage.removeItem(TENANT_KEY);
    $('app').hidden = true;
    $('signout').hidden = true;
    $('who').textContent = '';
    $('signin').hidden = false;
    $('signin-error').textContent = message || '';
    for (const id of ['alerts', 'silences', 'rules', 'policies']) $(id).replaceChildren();
    document.title = 'Vigil';
  }

  function signedIn() {
    $('signin').hidden = true;
    $('app').hidden = false;
    $('signout').hidden = false;
    $('who').textContent = `${token.slice(0, 10)}…${tenant ? ` as tenant ${tenant}` : ''}`;
    return show(location.hash.slice(1));
  }

  async function submitSignIn(ev) {
    ev.preventDefault();
    const t = $('signin-token').value.trim();
    if (!t) { $('signin-error').textContent = 'Paste an API token.'; return; }
    token = t;
    tenant = $('signin-tenant').value.trim();
    try {
      await api('GET', '/api/v1/policies');
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 401)) $('signin-error').textContent = `Signing in failed: ${e.message}`;
      return;
    }
    sessionStorage.setItem(TOKEN_KEY, token);
    if (tenant) sessionStorage.setItem(TENANT_KEY, tenant);
    $('signin-token').value = '';
    $('signin-error').textContent = '';
    await signedIn();
  }

  function start() {
    $('signin').addEventListener('submit', submitSignIn);
    $('signout').addEventListener('click', () => signOut(''));
    $('silence-form').addEventListener('submit', submitSilence);
    $('silence-cancel').addEventListener('click', () => { $('silence-form').hidden = true; });
    $('policy-form').addEventListener('submit', submitPolicy);
    window.addEventListener('hashchange', () => { if (token) void show(location.hash.slice(1)); });
    // One refresh of the visible tab every REFRESH_MS, none while the page is hidden.
    setInterval(() => { if (token && !document.hidden) void refresh(); }, REFRESH_MS);
    document.addEventListener('visibilitychange', () => { if (token && !document.hidden) void refresh(); });
    if (token) void signedIn();
    else signOut('');
  }

  start();
})();

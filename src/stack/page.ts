/** The status page of `vigil start`: firing and pending alerts of every evaluator, and rule health. */
import { escapeHtml } from '../dev/page.js';
import type { ApiAlertJson, ApiGroupJson } from './aggregate.js';
import type { InboxNotification } from './inbox.js';
import { pageHead } from '../http/page.js';

/** Where the page points. */
export interface PageLinks {
  readonly ingest: string;
  readonly evaluators: readonly string[];
  /** The alert manager's base URL, when one runs. */
  readonly manager?: string;
  /** The tenant API, whose web page a tenant signs in to. */
  readonly api?: string;
  readonly machines: number;
  readonly tenants: readonly string[];
}

function ago(iso: string | undefined, now: number): string {
  if (!iso) return '';
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  return s < 60 ? `${s}s` : s < 3600 ? `${Math.floor(s / 60)}m ${s % 60}s` : `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
}

function card(a: ApiAlertJson, now: number): string {
  const labels = Object.entries(a.labels).filter(([k]) => k !== 'alertname');
  return `<li class="${escapeHtml(a.state)}"><b>${escapeHtml(a.labels.alertname ?? '')}</b>
<span class="since">${escapeHtml(a.state)}, active for ${ago(a.activeAt, now)}</span>
<div class="labels">${labels.map(([k, v]) => `<code>${escapeHtml(k)}=${escapeHtml(v)}</code>`).join(' ')}</div>
${a.annotations.summary ? `<div>${escapeHtml(a.annotations.summary)}</div>` : ''}</li>`;
}

const INBOX_SHOWN = 20;

function inboxRows(ns: readonly InboxNotification[], now: number): string {
  if (ns.length === 0) return '<p class="none">nothing yet (the manager waits group_wait before the first notification)</p>';
  const rows = [...ns].reverse().slice(0, INBOX_SHOWN).map((n) => `<tr class="${escapeHtml(n.status)}"><td>${escapeHtml(n.via)}: ${escapeHtml(n.receiver)}</td><td>${escapeHtml(n.status)}</td>
<td class="labels">${Object.entries(n.groupLabels).map(([k, v]) => `<code>${escapeHtml(k)}=${escapeHtml(v)}</code>`).join(' ')}</td><td>${n.alerts}</td>
<td>${escapeHtml(new Date(n.at).toISOString().slice(11, 19))} (${ago(new Date(n.at).toISOString(), now)} ago)</td></tr>`);
  return `<table><tr><th>receiver</th><th>status</th><th>group</th><th>alerts</th><th>time</th></tr>\n${rows.join('\n')}</table>`;
}

/** The page's HTML; `inbox` holds the notifications received so far, oldest first. */
export function renderStackPage(alerts: readonly ApiAlertJson[], groups: readonly ApiGroupJson[], links: PageLinks, now: number, inbox: readonly InboxNotification[] = []): string {
  const by = (s: string) => alerts.filter((a) => a.state === s).sort((a, b) => (a.activeAt ?? '').localeCompare(b.activeAt ?? ''));
  const firing = by('firing');
  const pending = by('pending');
  const list = (as: ApiAlertJson[]) => (as.length === 0 ? '<p class="none">none</p>' : `<ul>${as.map((a) => card(a, now)).join('\n')}</ul>`);
  const rules = groups.map((g) => `<details><summary>${escapeHtml(g.name)} <small>every ${g.interval}s · ${escapeHtml(g.file)}</small></summary><ul>${
    g.rules.map((r) => `<li class="h-${escapeHtml(r.health)}">${escapeHtml(r.name)} <small>${escapeHtml(r.health)}${r.state ? ' · ' + escapeHtml(r.state) : ''}${r.lastError ? ': ' + escapeHtml(r.lastError) : ''}</small></li>`).join('')
  }</ul></details>`).join('\n');
  const evs = links.evaluators.map((u, i) => `<a href="${escapeHtml(u)}/api/v1/alerts">evaluator ${i + 1}</a>`).join(' · ');
  return `${pageHead(`Vigil — ${firing.length} firing`, 5)}
<h1>Vigil</h1>
<p>${links.machines} simulated machines of tenants ${links.tenants.map(escapeHtml).join(', ')} · ingest <code>${escapeHtml(links.ingest)}</code> ·
${evs}${links.manager ? ` · <a href="${escapeHtml(links.manager)}/api/v2/alerts">alert manager</a>` : ''} · <a href="/api/v1/alerts">merged alerts API</a> · <a href="/api/v1/rules">merged rules API</a>${links.api ? ` · <a href="${escapeHtml(links.api)}/">tenant web page</a> (sign in with a token from <code>.vigil/stack/*.token</code>)` : ''}</p>
<h2>Firing (${firing.length})</h2>
${list(firing)}
<h2>Pending (${pending.length})</h2>
${list(pending)}
<h2>Inbox (${inbox.length})</h2>
${inboxRows(inbox, now)}
<h2>Rule groups</h2>
${rules}
</body></html>
`;
}

/** The HTML status page of `vigil dev`: firing and pending alerts and rule health, refreshing itself. */
import { labelsToRecord } from '../promql/labels.js';
import type { Alert } from '../rules/alerting.js';
import type { PartitionEvaluator } from '../evaluate/partition.js';
import { pageHead } from '../http/page.js';

/** What the page shows besides the evaluator's state. */
export interface PageInfo {
  readonly simTime: number;
  readonly machines: number;
  readonly speed: number;
  readonly refreshSeconds: number;
}

/** HTML-escapes text. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function ago(from: number, now: number): string {
  const s = Math.max(0, Math.round((now - from) / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
}

function utc(t: number): string {
  return new Date(t).toISOString().replace('T', ' ').slice(0, 19) + ' UTC';
}

function alertCard(a: Alert, now: number): string {
  const labels = Object.entries(labelsToRecord(a.labels)).filter(([k]) => k !== 'alertname');
  const ann = labelsToRecord(a.annotations);
  const since = a.state === 'firing' && a.firedAt !== null ? a.firedAt : a.activeAt;
  return `<li class="${a.state}"><b>${escapeHtml(labelsToRecord(a.labels).alertname ?? '')}</b>
<span class="since">${a.state} for ${ago(since, now)} (since ${escapeHtml(utc(since))})</span>
<div class="labels">${labels.map(([k, v]) => `<code>${escapeHtml(k)}=${escapeHtml(v)}</code>`).join(' ')}</div>
${ann.summary ? `<div>${escapeHtml(ann.summary)}</div>` : ''}
${ann.description ? `<div class="desc">${escapeHtml(ann.description)}</div>` : ''}</li>`;
}

/** The page. */
export function renderPage(ev: PartitionEvaluator, info: PageInfo): string {
  const alerts = ev.activeAlerts().map((x) => x.alert);
  const byTime = (a: Alert, b: Alert) => a.activeAt - b.activeAt;
  const firing = alerts.filter((a) => a.state === 'firing').sort(byTime);
  const pending = alerts.filter((a) => a.state === 'pending').sort(byTime);
  const list = (as: Alert[]) => (as.length === 0 ? '<p class="none">none</p>' : `<ul>${as.map((a) => alertCard(a, info.simTime)).join('\n')}</ul>`);
  const groups = ev.ruleGroups().map((g) => {
    const rules = g.rules.map((r) => `<li class="h-${r.health}">${escapeHtml(r.name)} <small>${r.health}${r.lastError ? ': ' + escapeHtml(r.lastError.message) : ''}</small></li>`).join('');
    return `<details><summary class="h-${g.health()}">${escapeHtml(g.name)} <small>${g.health()} · every ${g.interval / 1000}s · ${escapeHtml(g.file)}</small></summary><ul>${rules}</ul></details>`;
  }).join('\n');
  return `${pageHead(`Vigil dev — ${firing.length} firing`, info.refreshSeconds)}
<h1>Vigil dev</h1>
<p>Simulated time ${escapeHtml(utc(info.simTime))} · ${info.machines} machines · ${info.speed}× real time ·
<a href="/api/v1/alerts">alerts API</a> · <a href="/api/v1/rules">rules API</a> · <a href="/metrics">metrics</a></p>
<h2>Firing (${firing.length})</h2>
${list(firing)}
<h2>Pending (${pending.length})</h2>
${list(pending)}
<h2>Rule groups</h2>
${groups}
</body></html>
`;
}

/** The HTML status page of `vigil dev`: firing and pending alerts and rule health, refreshing itself. */
import { labelsToRecord } from '../promql/labels.js';
import type { Alert } from '../rules/alerting.js';
import type { PartitionEvaluator } from '../evaluate/partition.js';

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
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="${info.refreshSeconds}">
<title>Vigil dev — ${firing.length} firing</title>
<style>
body{font:15px/1.4 system-ui,sans-serif;margin:0 auto;max-width:60em;padding:0 .8em;color:#222}
h1{font-size:1.3em}h2{font-size:1.1em;margin-top:1.4em}
ul{padding:0;list-style:none}li{margin:.4em 0;padding:.5em .7em;border-radius:6px;background:#f4f4f4}
li.firing{border-left:5px solid #c62828}li.pending{border-left:5px solid #ef8f00}
.since{color:#555;margin-left:.5em}.labels code{background:#e6e6e6;padding:0 .3em;border-radius:3px;font-size:.85em;word-break:break-all}
.desc{color:#555;font-size:.9em}.none{color:#777}small{color:#666}
.h-err{color:#c62828}.h-ok::marker{color:#2e7d32}summary{cursor:pointer;padding:.3em 0}
</style></head><body>
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

/**
 * What fires for a tenant:
 *   GET /api/v1/alerts                           firing alerts (manager store), grouped by alertname, with
 *                                                the ids of the silences muting each
 *   GET /api/v1/alerts/history?since=&limit=     episodes, newest first
 *   GET /api/v1/rules                            the tenant's policy rule group from the evaluators
 */
import { SilenceSnapshot } from '../manager/silences.js';
import { MAX_HISTORY_LIMIT, tenantAlertHistory } from '../store/alert_history.js';
import { listTenantAlerts } from '../store/manager_alerts.js';
import { loadSilences } from '../store/manager_silences.js';
import { policyGroupName, rulesKey } from './compile.js';
import { badFields, type FieldError } from './errors.js';
import { ok, parseRfc3339, rfc3339, RFC3339_EXPECTED, tenantRoute, type Route } from './routes_common.js';


/** The alert routes. */
export const ALERT_ROUTES: readonly Route[] = [
  tenantRoute('GET', '/api/v1/alerts', 'alerts', async (ctx, _req, _params, p) => {
    const now = ctx.clock.now();
    const [alerts, silences] = await Promise.all([listTenantAlerts(ctx.pool, p.tenant, now), loadSilences(ctx.pool, now)]);
    const snapshot = new SilenceSnapshot(silences);
    const groups = new Map<string, unknown[]>();
    for (const a of alerts) {
      // The column says whose it is; the label must agree, or the alert is not shown.
      if (a.labels.tenant !== p.tenant) continue;
      const name = a.labels.alertname ?? '';
      const list = groups.get(name) ?? [];
      list.push({
        fingerprint: a.fingerprint, labels: a.labels, annotations: a.annotations,
        startsAt: rfc3339(a.startsAt), endsAt: rfc3339(a.endsAt), silenced: snapshot.mutedBy(a.labels),
      });
      groups.set(name, list);
    }
    const out = [...groups.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([alertname, list]) => ({ alertname, alerts: list }));
    return ok({ groups: out });
  }),
  tenantRoute('GET', '/api/v1/alerts/history', 'alerts_history', async (ctx, req, _params, p) => {
    const errors: FieldError[] = [];
    const s = req.query.get('since');
    let since: number | undefined;
    if (s !== null && s !== '') {
      since = parseRfc3339(s) ?? undefined;
      if (since === undefined) errors.push({ path: 'since', message: RFC3339_EXPECTED });
    }
    const l = req.query.get('limit');
    let limit = 100;
    if (l !== null && l !== '') {
      if (/^\d{1,7}$/.test(l) && Number(l) >= 1 && Number(l) <= MAX_HISTORY_LIMIT) limit = Number(l);
      else errors.push({ path: 'limit', message: `must be an integer from 1 to ${MAX_HISTORY_LIMIT}` });
    }
    if (errors.length > 0) throw badFields(errors, 'invalid parameters');
    const episodes = await tenantAlertHistory(ctx.pool, p.tenant, { ...(since !== undefined ? { since } : {}), limit });
    return ok(episodes.filter((e) => e.tenant === p.tenant).map((e) => ({
      fingerprint: e.fingerprint, alertname: e.alertname, policy_id: e.policyId, labels: e.labels, annotations: e.annotations,
      startsAt: rfc3339(e.startsAt), endsAt: rfc3339(e.endsAt), resolved: e.resolved,
    })));
  }),
  tenantRoute('GET', '/api/v1/rules', 'rules', async (ctx, _req, _params, p) => {
    const file = `${ctx.config.kafka.rulesTopic}:${rulesKey(p.tenant)}`;
    const r = await ctx.evaluators.tenantRules(p.tenant, file, policyGroupName(p.tenant));
    return ok(r.data, 200, r.warnings);
  }),
];

/**
 * /api/v2/alerts and /api/v2/alerts/groups: posting alerts (as Prometheus and amtool do)
 * and listing the unresolved ones with their receivers and their silenced / inhibited
 * status, filtered as Alertmanager's getAlertsHandler does.
 */
import { jsonResponse, textResponse, type HttpRequest, type HttpResponse } from '../../http/server.js';
import { labelsFromRecord, labelsKey } from '../../promql/labels.js';
import type { Matcher } from '../../promql/matcher.js';
import { listAlerts } from '../../store/manager_alerts.js';
import { validatePostable, type Alert, type PostableAlert } from '../alert.js';
import { InhibitionSnapshot } from '../inhibit.js';
import { amMatcher, matchesAll } from '../matchers.js';
import { groupLabels, type Route } from '../route.js';
import {
  ApiError, boolParam, dateTime, errorResponse, filterParam, jsonBody, parseDateTime, stringMap, type ManagerApiContext,
} from './common.js';

/** GettableAlert of the OpenAPI spec. */
export interface GettableAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  updatedAt: string;
  generatorURL: string;
  fingerprint: string;
  receivers: { name: string }[];
  status: { state: 'unprocessed' | 'active' | 'suppressed'; silencedBy: string[]; inhibitedBy: string[] };
}

/** Parses a PostableAlerts body; throws ApiError naming the first bad field. */
export function parsePostableAlerts(body: string): PostableAlert[] {
  const raw = jsonBody(body);
  if (!Array.isArray(raw)) throw new ApiError(400, 'alerts in body must be of type array');
  return raw.map((item: unknown, i): PostableAlert => {
    const at = `alerts[${i}]`;
    if (typeof item !== 'object' || item === null || Array.isArray(item)) throw new ApiError(400, `${at} in body must be of type object`);
    const o = item as Record<string, unknown>;
    if (o.labels === undefined || o.labels === null) throw new ApiError(400, `${at}.labels in body is required`);
    const p: { -readonly [K in keyof PostableAlert]: PostableAlert[K] } = { labels: stringMap(o.labels, `${at}.labels`) };
    if (o.annotations !== undefined && o.annotations !== null) p.annotations = stringMap(o.annotations, `${at}.annotations`);
    if (o.startsAt !== undefined && o.startsAt !== null && o.startsAt !== '') p.startsAt = parseDateTime(o.startsAt, `${at}.startsAt`);
    if (o.endsAt !== undefined && o.endsAt !== null && o.endsAt !== '') p.endsAt = parseDateTime(o.endsAt, `${at}.endsAt`);
    if (o.generatorURL !== undefined && o.generatorURL !== null) {
      if (typeof o.generatorURL !== 'string') throw new ApiError(400, `${at}.generatorURL in body must be of type string`);
      p.generatorURL = o.generatorURL;
    }
    return p;
  });
}

/** POST /api/v2/alerts: stores the valid alerts; 400 listing the invalid ones (the valid ones are kept, as Alertmanager does). */
export async function postAlerts(ctx: ManagerApiContext, req: HttpRequest): Promise<HttpResponse> {
  const alerts = parsePostableAlerts(req.body);
  const now = ctx.clock.now();
  const valid: PostableAlert[] = [];
  const faults: string[] = [];
  alerts.forEach((a, i) => {
    const fault = validatePostable(a);
    if (fault === null) valid.push(a);
    else faults.push(`alerts[${i}]: ${fault}`);
  });
  for (const a of valid) ctx.metrics.alertReceived(a.endsAt !== undefined && a.endsAt !== 0 && a.endsAt <= now ? 'resolved' : 'firing');
  for (let i = 0; i < faults.length; i++) ctx.metrics.alertInvalid();
  if (valid.length > 0) faults.push(...await ctx.dispatcher.put(valid));
  if (faults.length > 0) return errorResponse(400, faults.join(';'));
  return textResponse(200, '', 'application/json');
}

/** Filters shared by the alerts and groups listings. */
interface AlertQuery {
  readonly matchers: readonly Matcher[];
  readonly receiver: Matcher | null;
  readonly active: boolean;
  readonly silenced: boolean;
  readonly inhibited: boolean;
  readonly unprocessed: boolean;
}

function alertQuery(q: URLSearchParams): AlertQuery {
  const r = q.get('receiver');
  let receiver: Matcher | null = null;
  if (r !== null && r !== '') {
    try {
      receiver = amMatcher('=~', 'receiver', r);
    } catch (e) {
      throw new ApiError(400, `receiver: bad regular expression ${JSON.stringify(r)}: ${(e as Error).message}`);
    }
  }
  return {
    matchers: filterParam(q),
    receiver,
    active: boolParam(q, 'active', true),
    silenced: boolParam(q, 'silenced', true),
    inhibited: boolParam(q, 'inhibited', true),
    unprocessed: boolParam(q, 'unprocessed', true),
  };
}

/** An alert with where it routes and its status, when it passes the query. */
interface Listed {
  readonly alert: Alert;
  readonly routes: Route[];
  readonly view: GettableAlert;
}

async function listed(ctx: ManagerApiContext, q: AlertQuery): Promise<Listed[]> {
  const now = ctx.clock.now();
  const [alerts, silences] = await Promise.all([listAlerts(ctx.pool, now), ctx.dispatcher.silences.activeSnapshot(now)]);
  const inhibition = new InhibitionSnapshot(ctx.config.inhibitRules, alerts, now);
  const out: Listed[] = [];
  for (const a of alerts) {
    const routes = ctx.dispatcher.routesFor(a.labels);
    const receivers = [...new Set(routes.map((r) => r.receiver))];
    if (q.receiver !== null && !receivers.some((r) => q.receiver!.matches(r))) continue;
    if (!matchesAll(q.matchers, a.labels)) continue;
    const silencedBy = silences.mutedBy(a.labels);
    const inhibitor = inhibition.inhibitedBy(a.labels);
    const inhibitedBy = inhibitor === null ? [] : [inhibitor];
    const state = silencedBy.length > 0 || inhibitedBy.length > 0 ? 'suppressed' : 'active';
    if (!q.active && state === 'active') continue;
    if (!q.silenced && silencedBy.length > 0) continue;
    if (!q.inhibited && inhibitedBy.length > 0) continue;
    out.push({
      alert: a,
      routes,
      view: {
        labels: { ...a.labels },
        annotations: { ...a.annotations },
        startsAt: dateTime(a.startsAt),
        endsAt: dateTime(a.endsAt),
        updatedAt: dateTime(a.updatedAt),
        generatorURL: a.generatorURL,
        fingerprint: a.fingerprint,
        receivers: receivers.map((name) => ({ name })),
        status: { state, silencedBy, inhibitedBy },
      },
    });
  }
  return out;
}

/** GET /api/v2/alerts. */
export async function getAlerts(ctx: ManagerApiContext, req: HttpRequest): Promise<HttpResponse> {
  const rows = await listed(ctx, alertQuery(req.query));
  return jsonResponse(200, rows.map((r) => r.view));
}

/** GET /api/v2/alerts/groups: the aggregation groups the listed alerts fall in, per route. */
export async function getAlertGroups(ctx: ManagerApiContext, req: HttpRequest): Promise<HttpResponse> {
  const q = alertQuery(req.query);
  const rows = await listed(ctx, q);
  const groups = new Map<string, { labels: Record<string, string>; receiver: { name: string }; alerts: GettableAlert[]; sort: string }>();
  for (const row of rows) {
    for (const route of row.routes) {
      if (q.receiver !== null && !q.receiver.matches(route.receiver)) continue;
      const gl = groupLabels(route, row.alert.labels);
      const key = `${route.id}\u0000${labelsKey(gl)}`;
      let g = groups.get(key);
      if (g === undefined) {
        const labels: Record<string, string> = {};
        for (const l of gl) labels[l.name] = l.value;
        g = { labels, receiver: { name: route.receiver }, alerts: [], sort: `${route.receiver}\u0000${labelsKey(labelsFromRecord(labels))}` };
        groups.set(key, g);
      }
      g.alerts.push(row.view);
    }
  }
  const out = [...groups.values()].sort((a, b) => (a.sort < b.sort ? -1 : a.sort > b.sort ? 1 : 0));
  return jsonResponse(200, out.map(({ labels, receiver, alerts }) => ({ labels, receiver, alerts })));
}

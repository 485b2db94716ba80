/**
 * /api/v2/silences and /api/v2/silence/{id}: create or update, list (filtered and sorted as
 * Alertmanager's getSilencesHandler does), get one, expire one.
 */
import { jsonResponse, textResponse, type HttpRequest, type HttpResponse } from '../../http/server.js';
import type { Matcher } from '../../promql/matcher.js';
import { matchTypeOf } from '../matchers.js';
import { SilenceError, silenceState, type Silence, type SilenceInput } from '../silences.js';
import { ApiError, dateTime, errorResponse, filterParam, jsonBody, parseDateTime, type ManagerApiContext } from './common.js';

/** GettableSilence of the OpenAPI spec. */
export interface GettableSilence {
  id: string;
  status: { state: 'pending' | 'active' | 'expired' };
  updatedAt: string;
  matchers: { name: string; value: string; isRegex: boolean; isEqual: boolean }[];
  startsAt: string;
  endsAt: string;
  createdBy: string;
  comment: string;
}

/** A stored silence in the API's shape at `now`. */
export function gettableSilence(s: Silence, now: number): GettableSilence {
  return {
    id: s.id,
    status: { state: silenceState(s, now) },
    updatedAt: dateTime(s.updatedAt),
    matchers: s.matchers.map((m) => ({ name: m.name, value: m.value, isRegex: m.type.endsWith('~'), isEqual: m.type.startsWith('=') })),
    startsAt: dateTime(s.startsAt),
    endsAt: dateTime(s.endsAt),
    createdBy: s.createdBy,
    comment: s.comment,
  };
}

function requiredString(o: Record<string, unknown>, field: string, at = ''): string {
  const v = o[field];
  if (v === undefined || v === null) throw new ApiError(400, `${at}${field} in body is required`);
  if (typeof v !== 'string') throw new ApiError(400, `${at}${field} in body must be of type string`);
  return v;
}

function requiredBool(o: Record<string, unknown>, field: string, at: string, def?: boolean): boolean {
  const v = o[field];
  if ((v === undefined || v === null) && def !== undefined) return def;
  if (v === undefined || v === null) throw new ApiError(400, `${at}${field} in body is required`);
  if (typeof v !== 'boolean') throw new ApiError(400, `${at}${field} in body must be of type boolean`);
  return v;
}

/** Parses a PostableSilence body; throws ApiError naming the bad field. */
export function parsePostableSilence(body: string): SilenceInput {
  const raw = jsonBody(body);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ApiError(400, 'silence in body must be of type object');
  const o = raw as Record<string, unknown>;
  if (!Array.isArray(o.matchers)) throw new ApiError(400, o.matchers === undefined ? 'matchers in body is required' : 'matchers in body must be of type array');
  if (o.matchers.length === 0) throw new ApiError(400, 'matchers in body should have at least 1 items');
  const matchers = o.matchers.map((m: unknown, i) => {
    const at = `matchers.${i}.`;
    if (typeof m !== 'object' || m === null) throw new ApiError(400, `matchers.${i} in body must be of type object`);
    const mo = m as Record<string, unknown>;
    const name = requiredString(mo, 'name', at);
    const value = requiredString(mo, 'value', at);
    const isRegex = requiredBool(mo, 'isRegex', at);
    const isEqual = requiredBool(mo, 'isEqual', at, true);
    return { name, type: matchTypeOf(isRegex, isEqual), value };
  });
  for (const f of ['startsAt', 'endsAt']) if (o[f] === undefined || o[f] === null) throw new ApiError(400, `${f} in body is required`);
  const id = o.id === undefined || o.id === null ? undefined : requiredString(o, 'id');
  return {
    ...(id !== undefined && id !== '' ? { id } : {}),
    matchers,
    startsAt: parseDateTime(o.startsAt, 'startsAt'),
    endsAt: parseDateTime(o.endsAt, 'endsAt'),
    createdBy: requiredString(o, 'createdBy'),
    comment: requiredString(o, 'comment'),
  };
}

/** POST /api/v2/silences: `{silenceID}`. */
export async function postSilence(ctx: ManagerApiContext, req: HttpRequest): Promise<HttpResponse> {
  const input = parsePostableSilence(req.body);
  const now = ctx.clock.now();
  if (input.startsAt > input.endsAt) return errorResponse(400, 'Failed to create silence: start time must be before end time');
  if (input.endsAt < now) return errorResponse(400, "Failed to create silence: end time can't be in the past");
  try {
    const silenceID = await ctx.dispatcher.silences.set(input);
    return jsonResponse(200, { silenceID });
  } catch (e) {
    if (e instanceof SilenceError) return errorResponse(e.status, e.message);
    throw e;
  }
}

const STATE_ORDER = { active: 0, pending: 1, expired: 2 } as const;

/** Alertmanager's SortSilences: active by end, then pending by start, then expired latest first. */
function compareSilences(a: Silence, b: Silence, now: number): number {
  const sa = silenceState(a, now);
  const sb = silenceState(b, now);
  if (sa !== sb) return STATE_ORDER[sa] - STATE_ORDER[sb];
  if (sa === 'active') return a.endsAt - b.endsAt;
  if (sa === 'pending') return a.startsAt - b.startsAt;
  return b.endsAt - a.endsAt;
}

/**
 * Whether a silence passes a list filter, as Alertmanager 0.25's CheckSilenceMatchesFilterLabels:
 * every filter matcher must equal one of the silence's matchers (same name, same type, same
 * value, compared as text). A filter says which silences were written with that matcher, not
 * which alerts they mute: `job=~"a.*"` finds only silences with that very regex, and `job!="x"`
 * only silences holding `job!="x"`.
 */
export function silenceMatchesFilter(s: Pick<Silence, 'matchers'>, filter: readonly Matcher[]): boolean {
  return filter.every((f) => s.matchers.some((m) => m.name === f.name && m.type === f.type && m.value === f.value));
}

/** GET /api/v2/silences, filtered by silenceMatchesFilter and sorted as Alertmanager's SortSilences. */
export async function getSilences(ctx: ManagerApiContext, req: HttpRequest): Promise<HttpResponse> {
  const filter = filterParam(req.query);
  const now = ctx.clock.now();
  const all = await ctx.dispatcher.silences.list();
  const kept = all.filter((s) => silenceMatchesFilter(s, filter));
  kept.sort((a, b) => compareSilences(a, b, now));
  return jsonResponse(200, kept.map((s) => gettableSilence(s, now)));
}

/** GET /api/v2/silence/{id}. */
export async function getSilence(ctx: ManagerApiContext, id: string): Promise<HttpResponse> {
  const s = await ctx.dispatcher.silences.get(id);
  if (s === null) return errorResponse(404, `silence ${id} not found`);
  return jsonResponse(200, gettableSilence(s, ctx.clock.now()));
}

/** DELETE /api/v2/silence/{id}: 404 when unknown, 500 when already expired (as Alertmanager). */
export async function deleteSilence(ctx: ManagerApiContext, id: string): Promise<HttpResponse> {
  try {
    await ctx.dispatcher.silences.expire(id);
    return textResponse(200, '', 'application/json');
  } catch (e) {
    if (e instanceof SilenceError) return errorResponse(e.status === 404 ? 404 : 500, e.message);
    throw e;
  }
}

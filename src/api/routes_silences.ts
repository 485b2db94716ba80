/**
 * A tenant's silences, kept with the manager's (manager_silences, column `tenant`):
 *   GET    /api/v1/silences        GET /api/v1/silences/:id
 *   POST   /api/v1/silences        {matchers, startsAt?, endsAt, comment, createdBy?} -> 201
 *   DELETE /api/v1/silences/:id    expires it
 * Validation follows Alertmanager's API v2. Any `tenant` matcher of the body is dropped and
 * `tenant="<id>"` added, so a tenant's silence can only ever mute its own alerts.
 */
import { randomUUID } from 'node:crypto';
import type { HttpRequest } from '../http/server.js';
import { gettableSilence } from '../manager/api/silences.js';
import { amMatcher, matchTypeOf, parseMatcher } from '../manager/matchers.js';
import { silenceState } from '../manager/silences.js';
import type { MatchType } from '../promql/matcher.js';
import { expireTenantSilence, getTenantSilence, insertTenantSilence, listTenantSilences } from '../store/tenant_views.js';
import type { TenantPrincipal } from './auth.js';
import { ApiError, badFields, notFound, type FieldError } from './errors.js';
import { objectBody, ok, parseRfc3339, RFC3339_EXPECTED, tenantRoute, unknownFields, type ApiContext, type Route } from './routes_common.js';
import { isUuid } from '../util/uuid.js';

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const MAX_COMMENT = 10_000;
const MAX_MATCHERS = 50;

type M = { name: string; type: MatchType; value: string };

function parseTime(v: unknown, path: string, errors: FieldError[]): number | undefined {
  const ms = parseRfc3339(v);
  if (ms === null) errors.push({ path, message: RFC3339_EXPECTED });
  return ms ?? undefined;
}

/** One matcher: Alertmanager's `{name, value, isRegex, isEqual?}` or the text form `name=~"value"`. */
function parseOne(v: unknown, at: string, errors: FieldError[]): M | undefined {
  if (typeof v === 'string') {
    try {
      const m = parseMatcher(v);
      return { name: m.name, type: m.type, value: m.value };
    } catch (e) {
      errors.push({ path: at, message: (e as Error).message });
      return undefined;
    }
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    errors.push({ path: at, message: 'must be {name, value, isRegex, isEqual} or a matcher such as severity="critical"' });
    return undefined;
  }
  const o = v as Record<string, unknown>;
  const before = errors.length;
  errors.push(...unknownFields(o, ['name', 'value', 'isRegex', 'isEqual'], at));
  if (typeof o.name !== 'string') errors.push({ path: `${at}.name`, message: o.name === undefined ? 'is required' : 'must be a string' });
  else if (!LABEL_NAME.test(o.name)) errors.push({ path: `${at}.name`, message: 'must be a label name ([a-zA-Z_][a-zA-Z0-9_]*)' });
  if (typeof o.value !== 'string') errors.push({ path: `${at}.value`, message: o.value === undefined ? 'is required' : 'must be a string' });
  if (typeof o.isRegex !== 'boolean') errors.push({ path: `${at}.isRegex`, message: o.isRegex === undefined ? 'is required' : 'must be true or false' });
  if (o.isEqual !== undefined && typeof o.isEqual !== 'boolean') errors.push({ path: `${at}.isEqual`, message: 'must be true or false' });
  if (errors.length > before) return undefined;
  const isEqual = o.isEqual !== false;
  return { name: o.name as string, type: matchTypeOf(o.isRegex as boolean, isEqual), value: o.value as string };
}

async function createSilence(ctx: ApiContext, req: HttpRequest, p: TenantPrincipal) {
  const b = objectBody(req);
  const errors: FieldError[] = unknownFields(b, ['matchers', 'startsAt', 'endsAt', 'comment', 'createdBy']);
  const own: M[] = [];
  if (!Array.isArray(b.matchers)) errors.push({ path: 'matchers', message: b.matchers === undefined ? 'is required' : 'must be a list of matchers' });
  else if (b.matchers.length > MAX_MATCHERS) errors.push({ path: 'matchers', message: `must have at most ${MAX_MATCHERS} matchers` });
  else {
    b.matchers.forEach((v: unknown, i) => {
      const m = parseOne(v, `matchers[${i}]`, errors);
      if (m === undefined) return;
      try {
        amMatcher(m.type, m.name, m.value);
        // The server owns the tenant matcher: whatever the body says about `tenant` is dropped.
        if (m.name !== 'tenant') own.push(m);
      } catch (e) {
        errors.push({ path: `matchers[${i}].value`, message: `invalid regular expression: ${(e as Error).message}` });
      }
    });
    if (errors.length === 0) {
      if (own.length === 0) errors.push({ path: 'matchers', message: 'must have at least one matcher (besides tenant, which the server sets)' });
      else if (own.every((m) => amMatcher(m.type, m.name, m.value).matches(''))) {
        errors.push({ path: 'matchers', message: 'at least one matcher must not match the empty string' });
      }
    }
  }
  const now = ctx.clock.now();
  const startsAt = b.startsAt === undefined || b.startsAt === null ? now : parseTime(b.startsAt, 'startsAt', errors);
  const endsAt = b.endsAt === undefined ? (errors.push({ path: 'endsAt', message: 'is required' }), undefined) : parseTime(b.endsAt, 'endsAt', errors);
  if (startsAt !== undefined && endsAt !== undefined) {
    if (endsAt <= startsAt) errors.push({ path: 'endsAt', message: 'must be after startsAt' });
    else if (endsAt <= now) errors.push({ path: 'endsAt', message: 'must be in the future' });
  }
  if (typeof b.comment !== 'string' || b.comment.trim() === '') errors.push({ path: 'comment', message: b.comment === undefined ? 'is required' : 'must be a non-empty string' });
  else if (b.comment.length > MAX_COMMENT) errors.push({ path: 'comment', message: `must be at most ${MAX_COMMENT} characters` });
  let createdBy = p.name;
  if (b.createdBy !== undefined) {
    if (typeof b.createdBy !== 'string' || b.createdBy.trim() === '' || b.createdBy.length > 255) errors.push({ path: 'createdBy', message: 'must be a non-empty string of at most 255 characters' });
    else createdBy = b.createdBy;
  }
  if (errors.length > 0) throw badFields(errors, 'invalid silence');
  const record = {
    id: randomUUID(),
    matchers: [...own, { name: 'tenant', type: '=' as const, value: p.tenant }],
    startsAt: Math.max(startsAt!, now),
    endsAt: endsAt!,
    updatedAt: now,
    createdBy,
    comment: b.comment as string,
  };
  await insertTenantSilence(ctx.pool, p.tenant, record);
  return ok(gettableSilence(record, now), 201);
}

/** The silence routes. */
export const SILENCE_ROUTES: readonly Route[] = [
  tenantRoute('GET', '/api/v1/silences', 'silences', async (ctx, _req, _params, p) => {
    const now = ctx.clock.now();
    return ok((await listTenantSilences(ctx.pool, p.tenant)).map((s) => gettableSilence(s, now)));
  }),
  tenantRoute('POST', '/api/v1/silences', 'silences', (ctx, req, _params, p) => createSilence(ctx, req, p)),
  tenantRoute('GET', '/api/v1/silences/:id', 'silence', async (ctx, _req, params, p) => {
    const s = isUuid(params.id!) ? await getTenantSilence(ctx.pool, p.tenant, params.id!) : null;
    if (s === null) throw notFound('silence');
    return ok(gettableSilence(s, ctx.clock.now()));
  }),
  tenantRoute('DELETE', '/api/v1/silences/:id', 'silence', async (ctx, _req, params, p) => {
    const id = params.id!;
    const s = isUuid(id) ? await getTenantSilence(ctx.pool, p.tenant, id) : null;
    if (s === null) throw notFound('silence');
    const now = ctx.clock.now();
    if (silenceState(s, now) === 'expired' || !(await expireTenantSilence(ctx.pool, p.tenant, id, now))) {
      throw new ApiError('conflict', 'silence already expired');
    }
    return ok(gettableSilence((await getTenantSilence(ctx.pool, p.tenant, id))!, now));
  }),
];

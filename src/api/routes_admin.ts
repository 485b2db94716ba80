/**
 * Operators' endpoints (admin token only):
 *   POST  /api/v1/admin/tenants        {id, name?} -> 201 {tenant, token, token_id, prefix}
 *   GET   /api/v1/admin/tenants        every tenant with its limit overrides
 *   GET   /api/v1/admin/tenants/:id
 *   PATCH /api/v1/admin/tenants/:id    {name?, enabled?, limits?}
 */
import type { HttpRequest } from '../http/server.js';
import type { StorePool } from '../store/pool.js';
import { policyLimits, setPolicyLimits } from '../store/policies.js';
import { getTenant, insertTenant, renameTenant, tenantsWithLimits, type TenantWithLimits } from '../store/tenant_views.js';
import { setTenantEnabled, setTenantLimits, TENANT_ID, tenantLimits } from '../store/tenants.js';
import { createToken } from '../store/tokens.js';
import { ApiError, badFields, notFound, type FieldError } from './errors.js';
import { objectBody, ok, rfc3339, unknownFields, type ApiContext, type Route } from './routes_common.js';

const LIMIT_KEYS = ['max_series', 'samples_per_second', 'max_policies', 'max_targets', 'max_machines'] as const;
type LimitKey = typeof LIMIT_KEYS[number];

async function tenantJson(pool: StorePool, id: string): Promise<Record<string, unknown> | null> {
  const t = (await tenantsWithLimits(pool, id))[0];
  return t === undefined ? null : viewJson(t);
}

function viewJson(t: TenantWithLimits): Record<string, unknown> {
  return { id: t.id, name: t.name, enabled: t.enabled, created_at: rfc3339(t.createdAt), limits: t.limits };
}

function nameField(v: unknown, errors: FieldError[]): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string') errors.push({ path: 'name', message: 'must be a string' });
  else if (v.length > 255) errors.push({ path: 'name', message: 'must be at most 255 characters' });
  else return v;
  return undefined;
}

async function createTenant(ctx: ApiContext, req: HttpRequest) {
  const b = objectBody(req);
  const errors: FieldError[] = unknownFields(b, ['id', 'name']);
  if (typeof b.id !== 'string') errors.push({ path: 'id', message: b.id === undefined ? 'is required' : 'must be a string' });
  else if (!TENANT_ID.test(b.id)) errors.push({ path: 'id', message: "must be 1-64 letters, digits, '_', '.' or '-', starting with a letter or digit" });
  const name = nameField(b.name, errors) ?? '';
  if (errors.length > 0) throw badFields(errors);
  const id = b.id as string;
  if (!(await insertTenant(ctx.pool, id, name))) throw new ApiError('conflict', `tenant ${id} already exists`);
  const tok = await createToken(ctx.pool, { tenant: id, scopes: ['read', 'write'], description: 'created with the tenant' });
  return ok({ tenant: await tenantJson(ctx.pool, id), token: tok.token, token_id: tok.id, prefix: tok.prefix }, 201);
}

async function patchTenant(ctx: ApiContext, req: HttpRequest, params: Readonly<Record<string, string>>) {
  const t = await getTenant(ctx.pool, params.id!);
  if (t === null) throw notFound('tenant');
  const b = objectBody(req);
  const errors: FieldError[] = unknownFields(b, ['name', 'enabled', 'limits']);
  const name = nameField(b.name, errors);
  if (b.enabled !== undefined && typeof b.enabled !== 'boolean') errors.push({ path: 'enabled', message: 'must be true or false' });
  const limits: Partial<Record<LimitKey, number | null>> = {};
  if (b.limits !== undefined) {
    if (typeof b.limits !== 'object' || b.limits === null || Array.isArray(b.limits)) {
      errors.push({ path: 'limits', message: 'must be an object' });
    } else {
      const l = b.limits as Record<string, unknown>;
      errors.push(...unknownFields(l, LIMIT_KEYS, 'limits'));
      for (const k of LIMIT_KEYS) {
        const v = l[k];
        if (v === undefined) continue;
        const intOnly = k !== 'samples_per_second';
        if (v === null) limits[k] = null;
        else if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0 || (intOnly && !Number.isInteger(v)) || v > 4_294_967_295) {
          errors.push({ path: `limits.${k}`, message: `must be a positive ${intOnly ? 'integer' : 'number'} or null (the server default)` });
        } else limits[k] = v;
      }
    }
  }
  if (errors.length > 0) throw badFields(errors);
  if (name !== undefined) await renameTenant(ctx.pool, t.id, name);
  if (Object.keys(limits).length > 0) {
    const cur = await tenantLimits(ctx.pool, t.id);
    const pick = (k: LimitKey, old: number | null) => (limits[k] === undefined ? old : limits[k]!);
    await setTenantLimits(ctx.pool, t.id, { ...cur, maxSeries: pick('max_series', cur.maxSeries), samplesPerSecond: pick('samples_per_second', cur.samplesPerSecond) });
    const pl = await policyLimits(ctx.pool, t.id);
    await setPolicyLimits(ctx.pool, t.id, {
      maxPolicies: pick('max_policies', pl.maxPolicies), maxTargets: pick('max_targets', pl.maxTargets), maxMachines: pick('max_machines', pl.maxMachines),
    });
  }
  const enabledChanged = typeof b.enabled === 'boolean' && b.enabled !== t.enabled;
  if (enabledChanged) {
    await setTenantEnabled(ctx.pool, t.id, b.enabled as boolean);
    // A disabled tenant's tokens stop at once in this process (others within the cache TTL).
    ctx.tokens.clear();
  }
  // A disabled tenant evaluates nothing: its rule set becomes a tombstone, and comes back when enabled.
  if (enabledChanged) await ctx.publisher.publish(t.id);
  return ok(await tenantJson(ctx.pool, t.id));
}

/** The operator routes. */
export const ADMIN_ROUTES: readonly Route[] = [
  { method: 'POST', pattern: '/api/v1/admin/tenants', who: 'admin', name: 'admin_tenants', run: (ctx, req) => createTenant(ctx, req) },
  {
    method: 'GET', pattern: '/api/v1/admin/tenants', who: 'admin', name: 'admin_tenants',
    run: async (ctx) => ok((await tenantsWithLimits(ctx.pool)).map(viewJson)),
  },
  {
    method: 'GET', pattern: '/api/v1/admin/tenants/:id', who: 'admin', name: 'admin_tenant',
    run: async (ctx, _req, params) => {
      const t = await tenantJson(ctx.pool, params.id!);
      if (t === null) throw notFound('tenant');
      return ok(t);
    },
  },
  { method: 'PATCH', pattern: '/api/v1/admin/tenants/:id', who: 'admin', name: 'admin_tenant', run: (ctx, req, params) => patchTenant(ctx, req, params) },
];

/**
 * A tenant's alert policies:
 *   GET    /api/v1/policies           POST /api/v1/policies  -> 201
 *   GET|PUT|PATCH|DELETE /api/v1/policies/:uuid
 * Bodies are validated by policy.ts (every fault with its field path), `entities` must be the
 * tenant's machines, and limits (max_policies, max_targets) answer 422 naming the limit.
 * Every change recompiles and publishes the tenant's rules before answering (503 when Kafka
 * refuses; the change stands and is published again in the background).
 */
import { randomUUID } from 'node:crypto';
import type { HttpRequest } from '../http/server.js';
import { deletePolicy, getPolicy, insertPolicy, listPolicies, updatePolicy, type PolicyRow } from '../store/policies.js';
import { tenantMachines } from '../store/tenants.js';
import type { TenantPrincipal } from './auth.js';
import { ApiError, badFields, notFound, type FieldError } from './errors.js';
import { parsePolicy, parsePolicyPatch, policyTargetCount, type PolicySpec } from './policy.js';
import { effectiveLimits, jsonBody, ok, rfc3339, tenantRoute, type ApiContext, type Route } from './routes_common.js';
import { isUuid } from '../util/uuid.js';

/** Fields the server sets: a client may send them back (a GET's body), but they change nothing. */
const READ_ONLY = ['id', 'revision', 'created_at', 'updated_at'];

function policyJson(r: PolicyRow): Record<string, unknown> {
  return { id: r.id, ...(r.spec as object), enabled: r.enabled, revision: r.revision, created_at: rfc3339(r.createdAt), updated_at: rfc3339(r.updatedAt) };
}

/** The body without the read-only fields; 400 when it names another id than `id`. */
function writableBody(req: HttpRequest, id: string | null): unknown {
  const b = jsonBody(req);
  if (typeof b !== 'object' || b === null || Array.isArray(b)) return b;
  const o = { ...(b as Record<string, unknown>) };
  if (o.id !== undefined && o.id !== id) {
    throw badFields([{ path: 'id', message: id === null ? 'is chosen by the server; leave it out' : 'must be the id in the path, if given' }]);
  }
  for (const k of READ_ONLY) delete o[k];
  return o;
}

/** Faults of a valid spec against this tenant: machines it does not own; then the target limit. */
async function checkForTenant(ctx: ApiContext, tenant: string, spec: PolicySpec): Promise<void> {
  if (spec.entities.length > 0) {
    const owned = new Set(await tenantMachines(ctx.pool, tenant));
    const errors: FieldError[] = [];
    spec.entities.forEach((m, i) => {
      if (!owned.has(m)) errors.push({ path: `entities[${i}]`, message: 'is not one of this tenant\'s machines (add it with PUT /api/v1/machines/{id})' });
    });
    if (errors.length > 0) throw badFields(errors);
  }
  const limits = await effectiveLimits(ctx, tenant);
  const n = policyTargetCount(spec);
  if (n > limits.maxTargets) throw new ApiError('limit', `limit max_targets (${limits.maxTargets}) exceeded: the policy has ${n} notification targets`);
}

function validated(r: ReturnType<typeof parsePolicy>): PolicySpec {
  if (!r.ok) throw badFields(r.errors, 'invalid policy');
  return r.policy;
}

async function ownPolicy(ctx: ApiContext, p: TenantPrincipal, id: string): Promise<PolicyRow> {
  const row = isUuid(id) ? await getPolicy(ctx.pool, p.tenant, id) : null;
  if (row === null) throw notFound('policy');
  return row;
}

async function replace(ctx: ApiContext, p: TenantPrincipal, id: string, spec: PolicySpec) {
  await checkForTenant(ctx, p.tenant, spec);
  if (!(await updatePolicy(ctx.pool, p.tenant, id, spec, spec.enabled, ctx.clock.now()))) throw notFound('policy');
  await ctx.publisher.publish(p.tenant);
  const row = await getPolicy(ctx.pool, p.tenant, id);
  if (row === null) throw notFound('policy');
  return ok(policyJson(row));
}

/** The policy routes. */
export const POLICY_ROUTES: readonly Route[] = [
  tenantRoute('GET', '/api/v1/policies', 'policies', async (ctx, _req, _params, p) => ok((await listPolicies(ctx.pool, p.tenant)).map(policyJson))),
  tenantRoute('POST', '/api/v1/policies', 'policies', async (ctx, req, _params, p) => {
    const spec = validated(parsePolicy(writableBody(req, null), { slackUrlPrefixes: ctx.config.policies.slackUrlPrefixes }));
    await checkForTenant(ctx, p.tenant, spec);
    const limits = await effectiveLimits(ctx, p.tenant);
    const id = randomUUID();
    const inserted = await insertPolicy(ctx.pool, p.tenant, { id, spec, enabled: spec.enabled, now: ctx.clock.now() }, limits.maxPolicies);
    if (!inserted) throw new ApiError('limit', `limit max_policies (${limits.maxPolicies}) reached: delete a policy first`);
    await ctx.publisher.publish(p.tenant);
    return ok(policyJson((await getPolicy(ctx.pool, p.tenant, id))!), 201);
  }),
  tenantRoute('GET', '/api/v1/policies/:id', 'policy', async (ctx, _req, params, p) => ok(policyJson(await ownPolicy(ctx, p, params.id!)))),
  tenantRoute('PUT', '/api/v1/policies/:id', 'policy', async (ctx, req, params, p) => {
    const row = await ownPolicy(ctx, p, params.id!);
    const spec = validated(parsePolicy(writableBody(req, row.id), { slackUrlPrefixes: ctx.config.policies.slackUrlPrefixes }));
    return replace(ctx, p, row.id, spec);
  }),
  tenantRoute('PATCH', '/api/v1/policies/:id', 'policy', async (ctx, req, params, p) => {
    const row = await ownPolicy(ctx, p, params.id!);
    const spec = validated(parsePolicyPatch(writableBody(req, row.id), row.spec as PolicySpec, { slackUrlPrefixes: ctx.config.policies.slackUrlPrefixes }));
    return replace(ctx, p, row.id, spec);
  }),
  tenantRoute('DELETE', '/api/v1/policies/:id', 'policy', async (ctx, _req, params, p) => {
    const id = params.id!;
    if (!isUuid(id) || !(await deletePolicy(ctx.pool, p.tenant, id))) throw notFound('policy');
    await ctx.publisher.publish(p.tenant);
    return ok({ id, deleted: true });
  }),
];

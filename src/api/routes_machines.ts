/**
 * A tenant's machines and their tags (what policies' `entities` and `tags` name):
 *   GET    /api/v1/machines
 *   PUT    /api/v1/machines/:id   {tags?: string[]} -> 201 when created, 200 when updated; 422 past max_machines
 *   DELETE /api/v1/machines/:id   409 while a policy names it in `entities`
 * Tags change which machines a tag-scoped policy watches, so every write republishes the tenant's rules.
 */
import { deleteMachine, getMachine, listMachines, listPolicies, putMachine, type MachineRow } from '../store/policies.js';
import { ApiError, badFields, notFound, type FieldError } from './errors.js';
import { isValidMachineId } from './policy.js';
import { jsonBody, ok, rfc3339, tenantRoute, unknownFields, effectiveLimits, type Route } from './routes_common.js';

/** Tags one machine may carry. */
const MAX_TAGS = 50;
const ID_RULE = 'must be 1-255 characters of letters, digits and . _ - : / @';

function machineJson(m: MachineRow): Record<string, unknown> {
  return { id: m.id, tags: m.tags, created_at: rfc3339(m.createdAt) };
}

/** The machine routes. */
export const MACHINE_ROUTES: readonly Route[] = [
  tenantRoute('GET', '/api/v1/machines', 'machines', async (ctx, _req, _params, p) => ok((await listMachines(ctx.pool, p.tenant)).map(machineJson))),
  tenantRoute('PUT', '/api/v1/machines/:id', 'machine', async (ctx, req, params, p) => {
    const id = params.id!;
    const errors: FieldError[] = [];
    if (!isValidMachineId(id)) errors.push({ path: 'id', message: ID_RULE });
    let tags: string[] | undefined;
    if (req.body.trim() !== '') {
      const b = jsonBody(req);
      if (typeof b !== 'object' || b === null || Array.isArray(b)) throw badFields([{ path: '', message: 'must be a JSON object' }]);
      const o = b as Record<string, unknown>;
      errors.push(...unknownFields(o, ['tags', 'id']));
      if (o.id !== undefined && o.id !== id) errors.push({ path: 'id', message: 'must be the id in the path, if given' });
      if (o.tags !== undefined) {
        if (!Array.isArray(o.tags)) errors.push({ path: 'tags', message: 'must be a list of tags' });
        else if (o.tags.length > MAX_TAGS) errors.push({ path: 'tags', message: `must have at most ${MAX_TAGS} tags` });
        else {
          tags = [];
          o.tags.forEach((t: unknown, i) => {
            if (typeof t !== 'string' || !isValidMachineId(t)) errors.push({ path: `tags[${i}]`, message: ID_RULE });
            else tags!.push(t);
          });
        }
      }
    }
    if (errors.length > 0) throw badFields(errors);
    const limits = await effectiveLimits(ctx, p.tenant);
    const r = await putMachine(ctx.pool, p.tenant, id, tags, limits.maxMachines);
    if (r === 'limit') throw new ApiError('limit', `limit max_machines (${limits.maxMachines}) reached: this tenant has ${limits.maxMachines} machines`);
    await ctx.publisher.publish(p.tenant);
    return ok(machineJson((await getMachine(ctx.pool, p.tenant, id))!), r === 'created' ? 201 : 200);
  }),
  tenantRoute('DELETE', '/api/v1/machines/:id', 'machine', async (ctx, _req, params, p) => {
    const id = params.id!;
    if ((await getMachine(ctx.pool, p.tenant, id)) === null) throw notFound('machine');
    const naming = (await listPolicies(ctx.pool, p.tenant)).filter((x) => ((x.spec as { entities?: string[] }).entities ?? []).includes(id)).map((x) => x.id);
    if (naming.length > 0) throw new ApiError('conflict', `machine is named in the entities of policies ${naming.join(', ')}; change them first`);
    if (!(await deleteMachine(ctx.pool, p.tenant, id))) throw notFound('machine');
    await ctx.publisher.publish(p.tenant);
    return ok({ id, deleted: true });
  }),
];

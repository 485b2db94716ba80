/**
 *   GET /api/v1/query?query=&time=   PromQL over the tenant's own series: every selector gets
 *   tenant="<id>" (scope_query.ts) before the query reaches the evaluators; results merged.
 */
import { ApiError, badFields } from './errors.js';
import { ok, tenantRoute, type Route } from './routes_common.js';
import { scopeQuery } from './scope_query.js';

const TIME = /^(?:-?\d+(?:\.\d+)?|\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2}))$/;

/** The query route. */
export const QUERY_ROUTES: readonly Route[] = [
  tenantRoute('GET', '/api/v1/query', 'query', async (ctx, req, _params, p) => {
    const q = req.query.get('query') ?? '';
    const time = req.query.get('time');
    if (q.trim() === '') throw badFields([{ path: 'query', message: 'is required' }], 'invalid parameters');
    if (time !== null && time !== '' && !TIME.test(time)) {
      throw badFields([{ path: 'time', message: 'must be a Unix time in seconds or an RFC 3339 date-time' }], 'invalid parameters');
    }
    const scoped = scopeQuery(q, p.tenant);
    if (!scoped.ok) throw new ApiError('bad_data', `invalid parameter "query": ${scoped.error}`, [{ path: 'query', message: scoped.error }]);
    const r = await ctx.evaluators.query(scoped.query, time, p.tenant);
    return ok(r.data, 200, r.warnings);
  }),
];

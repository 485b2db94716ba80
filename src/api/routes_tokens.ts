/**
 * A tenant's API tokens:
 *   GET    /api/v1/tokens       id, prefix, scopes, description, created_at, revoked_at (never the secret)
 *   POST   /api/v1/tokens       {scopes, description?} -> 201 {id, prefix, token}: the only time the secret is shown
 *   DELETE /api/v1/tokens/:id   revokes
 */
import { listTenantTokens, revokeTenantToken } from '../store/tenant_views.js';
import { createToken, type TokenScope } from '../store/tokens.js';
import { badFields, notFound, type FieldError } from './errors.js';
import { objectBody, ok, rfc3339, tenantRoute, unknownFields, type Route } from './routes_common.js';

/** The token routes. */
export const TOKEN_ROUTES: readonly Route[] = [
  tenantRoute('GET', '/api/v1/tokens', 'tokens', async (ctx, _req, _params, p) => {
    const list = await listTenantTokens(ctx.pool, p.tenant);
    return ok(list.map((t) => ({
      id: t.id, prefix: t.prefix, scopes: t.scopes, description: t.description,
      created_at: rfc3339(t.createdAt), revoked_at: t.revokedAt === null ? null : rfc3339(t.revokedAt),
    })));
  }),
  tenantRoute('POST', '/api/v1/tokens', 'tokens', async (ctx, req, _params, p) => {
    const b = objectBody(req);
    const errors: FieldError[] = unknownFields(b, ['scopes', 'description']);
    const scopes: TokenScope[] = [];
    if (!Array.isArray(b.scopes)) errors.push({ path: 'scopes', message: b.scopes === undefined ? 'is required' : 'must be a list of "read" and "write"' });
    else if (b.scopes.length === 0) errors.push({ path: 'scopes', message: 'must name at least one scope ("read", "write")' });
    else {
      b.scopes.forEach((s: unknown, i) => {
        if (s !== 'read' && s !== 'write') errors.push({ path: `scopes[${i}]`, message: 'must be "read" or "write"' });
        else if (!scopes.includes(s)) scopes.push(s);
      });
    }
    let description = '';
    if (b.description !== undefined) {
      if (typeof b.description !== 'string') errors.push({ path: 'description', message: 'must be a string' });
      else if (b.description.length > 255) errors.push({ path: 'description', message: 'must be at most 255 characters' });
      else description = b.description;
    }
    if (errors.length > 0) throw badFields(errors);
    const t = await createToken(ctx.pool, { tenant: p.tenant, scopes, description });
    return ok({ id: t.id, prefix: t.prefix, token: t.token, scopes, description }, 201);
  }),
  tenantRoute('DELETE', '/api/v1/tokens/:id', 'token', async (ctx, _req, params, p) => {
    const raw = params.id!;
    if (!/^[1-9]\d{0,15}$/.test(raw)) throw notFound('token');
    const id = Number(raw);
    const r = await revokeTenantToken(ctx.pool, p.tenant, id);
    if (r === 'none') throw notFound('token');
    // Revoked tokens stop at once in this process; other processes drop them within their cache TTL.
    ctx.tokens.clear();
    return ok({ id, revoked: true });
  }),
];

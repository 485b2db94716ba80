/**
 * Who a request speaks for. A tenant token (looked up by hash, cached) acts for its own
 * tenant with its scopes; the admin token (compared by SHA-256 in constant time) manages
 * tenants and may act as one named by X-Vigil-Tenant. The tenant of a request comes from
 * here and nowhere else. Tokens are never logged nor echoed: faults name no token.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { HttpRequest } from '../http/server.js';
import { TENANT_ID } from '../store/tenants.js';
import type { TokenPrincipal, TokenScope } from '../store/tokens.js';
import { ApiError } from './errors.js';

/** The caller of a request. */
export interface Principal {
  readonly kind: 'tenant' | 'admin';
  /** The tenant acted for (null: the admin token without X-Vigil-Tenant). */
  readonly tenant: string | null;
  readonly scopes: ReadonlySet<TokenScope>;
  /** How the caller is named in records it creates (silences' createdBy): a token's prefix, or `admin`. */
  readonly name: string;
  /** The tenant token's id (tenant principals only). */
  readonly tokenId?: number;
}

/** A principal that acts for a tenant. */
export type TenantPrincipal = Principal & { readonly tenant: string };

/** What authentication reads. */
export interface AuthDeps {
  /** SHA-256 of the admin token; null: no admin token is configured. */
  readonly adminHash: Buffer | null;
  /** Token -> principal (a TokenCache); rejects when the database does not answer. */
  readonly resolve: (token: string) => Promise<TokenPrincipal | null>;
  /** Whether a tenant exists, for X-Vigil-Tenant. */
  readonly tenantExists: (id: string) => Promise<boolean>;
}

const ALL_SCOPES: ReadonlySet<TokenScope> = new Set(['read', 'write']);
const BEARER = /^Bearer[ \t]+([^\s]+)[ \t]*$/i;

/** Whether `token` is the admin token (constant time in the token's content). */
function isAdmin(adminHash: Buffer | null, token: string): boolean {
  if (adminHash === null || adminHash.length !== 32) return false;
  return timingSafeEqual(createHash('sha256').update(token, 'utf8').digest(), adminHash);
}

/** The request's principal; throws ApiError 401 (no or unknown token) or 503 (the database is away). */
export async function authenticate(deps: AuthDeps, req: HttpRequest): Promise<Principal> {
  const header = req.headers.authorization;
  if (header === undefined || header === '') throw new ApiError('unauthorized', 'missing Authorization: Bearer <token> header');
  const m = BEARER.exec(header);
  if (!m) throw new ApiError('unauthorized', 'the Authorization header must be "Bearer <token>"');
  const token = m[1]!;
  if (isAdmin(deps.adminHash, token)) {
    const acting = req.headers['x-vigil-tenant'];
    if (acting === undefined || acting === '') return { kind: 'admin', tenant: null, scopes: ALL_SCOPES, name: 'admin' };
    if (!TENANT_ID.test(acting) || !(await deps.tenantExists(acting))) throw new ApiError('not_found', 'tenant named by X-Vigil-Tenant not found');
    return { kind: 'admin', tenant: acting, scopes: ALL_SCOPES, name: 'admin' };
  }
  let p: TokenPrincipal | null;
  try {
    p = await deps.resolve(token);
  } catch {
    throw new ApiError('unavailable', 'cannot check the token now (database unavailable); retry');
  }
  if (p === null) throw new ApiError('unauthorized', 'unknown or revoked token');
  // X-Vigil-Tenant is ignored here on purpose: a tenant token acts for its own tenant only.
  return { kind: 'tenant', tenant: p.tenant, scopes: p.scopes, name: `token ${p.prefix}`, tokenId: p.tokenId };
}

/** The scope a method needs: GET and HEAD read, everything else writes. */
export function scopeFor(method: string): TokenScope {
  return method === 'GET' || method === 'HEAD' ? 'read' : 'write';
}

/** Throws 403 unless `p` may call `method` on a tenant path, and returns it as a tenant principal. */
export function requireTenant(p: Principal, method: string): TenantPrincipal {
  if (p.tenant === null) throw new ApiError('forbidden', 'the admin token acts for a tenant only with the X-Vigil-Tenant header');
  const need = scopeFor(method);
  if (!p.scopes.has(need)) throw new ApiError('forbidden', `this token lacks the ${need} scope`);
  return p as TenantPrincipal;
}

/** Throws 403 unless `p` is the admin. */
export function requireAdmin(p: Principal): void {
  if (p.kind !== 'admin') throw new ApiError('forbidden', 'operator endpoints need the admin token');
}

/**
 * What the route handlers share: the context they read (built once by buildApiHandler),
 * the route table's shape, JSON bodies, success envelopes, and id parsing.
 */
import type { Clock } from '../clock.js';
import { jsonResponse, type HttpRequest, type HttpResponse } from '../http/server.js';
import type { StorePool } from '../store/pool.js';
import { policyLimits } from '../store/policies.js';
import type { TokenCache } from '../store/token_cache.js';
import type { Principal, TenantPrincipal } from './auth.js';
import type { ApiConfig } from './config.js';
import { ApiError } from './errors.js';
import type { Evaluators } from './evaluators.js';
import type { RulesPublisher } from './publish.js';

/** Everything the handlers read or call. */
export interface ApiContext {
  readonly pool: StorePool;
  readonly clock: Clock;
  readonly config: ApiConfig;
  readonly publisher: RulesPublisher;
  readonly evaluators: Evaluators;
  readonly tokens: TokenCache;
  readonly log: (line: string) => void;
}

/** A route: method, path pattern (`:name` segments are parameters), who may call it, and its handler. */
export interface Route {
  readonly method: string;
  /** e.g. `/api/v1/policies/:id`. */
  readonly pattern: string;
  readonly who: 'tenant' | 'admin';
  /** A short name for metrics. */
  readonly name: string;
  readonly run: (ctx: ApiContext, req: HttpRequest, params: Readonly<Record<string, string>>, p: Principal) => Promise<HttpResponse>;
}

/** A tenant route's handler, given the tenant principal. */
export type TenantRun = (ctx: ApiContext, req: HttpRequest, params: Readonly<Record<string, string>>, p: TenantPrincipal) => Promise<HttpResponse>;

/** Prometheus's success envelope. */
export function ok(data: unknown, status = 200, warnings: readonly string[] = []): HttpResponse {
  return jsonResponse(status, warnings.length > 0 ? { status: 'success', data, warnings } : { status: 'success', data });
}

/** The JSON body; 400 when it is empty or not JSON. */
export function jsonBody(req: HttpRequest): unknown {
  if (req.body.trim() === '') throw new ApiError('bad_data', 'the request needs a JSON body', [{ path: '', message: 'is required' }]);
  try {
    return JSON.parse(req.body) as unknown;
  } catch (e) {
    throw new ApiError('bad_data', `body is not JSON: ${(e as Error).message}`, [{ path: '', message: 'is not JSON' }]);
  }
}

/** The body as an object; 400 otherwise. */
export function objectBody(req: HttpRequest): Record<string, unknown> {
  const b = jsonBody(req);
  if (typeof b !== 'object' || b === null || Array.isArray(b)) throw new ApiError('bad_data', 'the body must be a JSON object', [{ path: '', message: 'must be a JSON object' }]);
  return b as Record<string, unknown>;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/;

/** What a date-time field that is not RFC 3339 is told. */
export const RFC3339_EXPECTED = 'must be an RFC 3339 date-time such as 2026-01-02T15:04:05Z';

/** The milliseconds of an RFC 3339 date-time, or null when `v` is not one. */
export function parseRfc3339(v: unknown): number | null {
  if (typeof v !== 'string' || !RFC3339.test(v)) return null;
  const ms = Date.parse(v);
  return Number.isNaN(ms) ? null : ms;
}

/** RFC 3339 with milliseconds, UTC. */
export function rfc3339(ms: number): string {
  return new Date(ms).toISOString();
}

/** Keys of `o` not in `known`, as field errors. */
export function unknownFields(o: Record<string, unknown>, known: readonly string[], at = ''): { path: string; message: string }[] {
  return Object.keys(o).filter((k) => !known.includes(k)).map((k) => ({ path: at === '' ? k : `${at}.${k}`, message: 'is not a known field' }));
}

/** A route only a principal acting for a tenant may call (scope checked by the server). */
export function tenantRoute(method: string, pattern: string, name: string, run: TenantRun): Route {
  return { method, pattern, who: 'tenant', name, run: run as Route['run'] };
}

/** The tenant's policy API limits: its overrides, else the configured defaults. */
export async function effectiveLimits(ctx: ApiContext, tenant: string): Promise<{ maxPolicies: number; maxTargets: number; maxMachines: number }> {
  const o = await policyLimits(ctx.pool, tenant);
  const d = ctx.config.limits;
  return { maxPolicies: o.maxPolicies ?? d.maxPolicies, maxTargets: o.maxTargets ?? d.maxTargets, maxMachines: o.maxMachines ?? d.maxMachines };
}

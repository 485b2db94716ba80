/**
 * The tenant API as a handler (request value -> response value), built without listening
 * so tests call it in-process. Every /api/ request is authenticated first (so nothing about
 * paths or objects is revealed without a valid token), then routed; the tenant it acts for
 * comes only from its principal. /metrics, /-/healthy and /-/ready need no token; any other
 * GET is the web page's (src/api/ui).
 */
import { systemClock, type Clock } from '../clock.js';
import { EXPOSITION_CONTENT_TYPE } from '../http/exposition.js';
import { textResponse, type Handler, type HttpRequest, type HttpResponse } from '../http/server.js';
import type { StorePool } from '../store/pool.js';
import { TokenCache } from '../store/token_cache.js';
import { lookupToken } from '../store/tokens.js';
import { getTenant } from '../store/tenant_views.js';
import { authenticate, requireAdmin, requireTenant } from './auth.js';
import { adminTokenHash, type ApiConfig } from './config.js';
import { ApiError, errorResponse } from './errors.js';
import { Evaluators } from './evaluators.js';
import { ApiMetrics } from './metrics.js';
import type { RulesPublisher } from './publish.js';
import { ADMIN_ROUTES } from './routes_admin.js';
import { ALERT_ROUTES } from './routes_alerts.js';
import type { ApiContext, Route } from './routes_common.js';
import { MACHINE_ROUTES } from './routes_machines.js';
import { POLICY_ROUTES } from './routes_policies.js';
import { QUERY_ROUTES } from './routes_query.js';
import { SILENCE_ROUTES } from './routes_silences.js';
import { TOKEN_ROUTES } from './routes_tokens.js';
import { serveUi } from './ui/index.js';

/** Every route of the API. */
export const ROUTES: readonly Route[] = [
  ...ADMIN_ROUTES, ...TOKEN_ROUTES, ...MACHINE_ROUTES, ...POLICY_ROUTES, ...SILENCE_ROUTES, ...ALERT_ROUTES, ...QUERY_ROUTES,
];

/** mysql2 error codes of a database that is away (as opposed to a bad statement): 503, not 500. */
const DB_DOWN = new Set(['ECONNREFUSED', 'ETIMEDOUT', 'ECONNRESET', 'PROTOCOL_CONNECTION_LOST', 'ER_CON_COUNT_ERROR', 'POOL_CLOSED', 'ER_LOCK_WAIT_TIMEOUT']);

/** What the handler is built from. */
export interface ApiHandlerOptions {
  readonly pool: StorePool;
  readonly config: ApiConfig;
  readonly publisher: RulesPublisher;
  readonly clock?: Clock;
  /** Default: the configured evaluators. */
  readonly evaluators?: Evaluators;
  /** SHA-256 of the admin token (default: from the config, else VIGIL_API_ADMIN_TOKEN). */
  readonly adminHash?: Buffer | null;
  /** Default: a cache over lookupToken with the configured TTLs. */
  readonly tokens?: TokenCache;
  readonly metrics?: ApiMetrics;
  /** Whether /-/ready answers 200 (default: always). */
  readonly ready?: () => boolean;
  readonly log?: (line: string) => void;
}

interface CompiledRoute {
  readonly route: Route;
  readonly segments: readonly string[];
}

/** The route for `path`'s segments and method: the route with its parameters, 'method' (path known, not the method), or null. */
function match(routes: readonly CompiledRoute[], segs: readonly string[], method: string): { route: Route; params: Record<string, string> } | 'method' | null {
  let pathKnown = false;
  for (const r of routes) {
    if (r.segments.length !== segs.length) continue;
    const params: Record<string, string> = {};
    let ok = true;
    for (let i = 0; i < segs.length && ok; i++) {
      const p = r.segments[i]!;
      if (p.startsWith(':')) params[p.slice(1)] = segs[i]!;
      else ok = p === segs[i];
    }
    if (!ok) continue;
    pathKnown = true;
    if (r.route.method === method) return { route: r.route, params };
  }
  return pathKnown ? 'method' : null;
}

/** The API handler. */
export function buildApiHandler(opts: ApiHandlerOptions): Handler {
  const clock = opts.clock ?? systemClock;
  const log = opts.log ?? (() => undefined);
  const metrics = opts.metrics ?? new ApiMetrics();
  const tokens = opts.tokens ?? new TokenCache((t) => lookupToken(opts.pool, t), clock, {
    ttlMs: opts.config.auth.cacheTtlMs, negativeTtlMs: opts.config.auth.negativeCacheTtlMs,
  });
  const ctx: ApiContext = {
    pool: opts.pool, clock, config: opts.config, publisher: opts.publisher, tokens, log,
    evaluators: opts.evaluators ?? new Evaluators({ urls: opts.config.evaluators, timeoutMs: opts.config.evaluatorTimeoutMs }),
  };
  const authDeps = {
    adminHash: opts.adminHash === undefined ? adminTokenHash(opts.config) : opts.adminHash,
    resolve: (t: string) => tokens.resolve(t),
    tenantExists: async (id: string) => (await getTenant(opts.pool, id)) !== null,
  };
  const routes: CompiledRoute[] = ROUTES.map((route) => ({ route, segments: route.pattern.split('/').slice(1) }));

  const api = async (req: HttpRequest): Promise<{ name: string; res: HttpResponse }> => {
    let name = 'unknown';
    try {
      const principal = await authenticate(authDeps, req);
      let segs: string[];
      try {
        segs = req.path.split('/').slice(1).map((s) => decodeURIComponent(s));
      } catch {
        throw new ApiError('not_found', 'no such endpoint (bad percent-encoding)');
      }
      const method = req.method === 'HEAD' ? 'GET' : req.method;
      const m = match(routes, segs, method);
      if (m === null) throw new ApiError('not_found', 'no such endpoint');
      if (m === 'method') throw new ApiError('method_not_allowed', `${req.method} is not allowed here`);
      name = m.route.name;
      if (m.route.who === 'admin') requireAdmin(principal);
      const p = m.route.who === 'tenant' ? requireTenant(principal, method) : principal;
      return { name, res: await m.route.run(ctx, req, m.params, p) };
    } catch (e) {
      if (e instanceof ApiError) return { name, res: errorResponse(e) };
      if (DB_DOWN.has(String((e as { code?: unknown }).code))) {
        log(`api: ${req.method} ${name}: database unavailable: ${(e as Error).message}`);
        return { name, res: errorResponse(new ApiError('unavailable', 'the database is unavailable; retry')) };
      }
      log(`api: ${req.method} ${name}: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
      return { name, res: errorResponse(new ApiError('internal', 'internal error (logged)')) };
    }
  };

  return async (req) => {
    if (req.path === '/metrics') return textResponse(200, metrics.render(opts.publisher), EXPOSITION_CONTENT_TYPE);
    if (req.path === '/-/healthy') return textResponse(200, 'Vigil API is Healthy.\n');
    if (req.path === '/-/ready') {
      return (opts.ready ?? (() => true))() ? textResponse(200, 'Vigil API is Ready.\n') : textResponse(503, 'Service Unavailable\n');
    }
    if (req.path === '/api' || req.path.startsWith('/api/')) {
      const { name, res } = await api(req);
      metrics.request(name, res.status);
      return res;
    }
    if (req.method === 'GET' || req.method === 'HEAD') {
      const page = serveUi(req);
      if (page !== null) return page;
    }
    return textResponse(404, '404 page not found\n');
  };
}

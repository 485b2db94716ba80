/**
 * The manager's HTTP API, built without listening so tests call it in-process: Alertmanager
 * API v2 (the paths amtool, Grafana and Prometheus use), /metrics, /-/healthy, /-/ready.
 */
import { EXPOSITION_CONTENT_TYPE } from '../../http/exposition.js';
import { textResponse, type Handler, type HttpRequest, type HttpResponse } from '../../http/server.js';
import { getAlertGroups, getAlerts, postAlerts } from './alerts.js';
import { ApiError, errorResponse, type ManagerApiContext } from './common.js';
import { deleteSilence, getSilence, getSilences, postSilence } from './silences.js';
import { getReceivers, getStatus } from './status.js';

export type { ManagerApiContext } from './common.js';
export { ManagerMetrics, countingIntegration } from './metrics.js';

type Route = (ctx: ManagerApiContext, req: HttpRequest, id: string) => HttpResponse | Promise<HttpResponse>;

const ROUTES: Record<string, Partial<Record<string, Route>>> = {
  '/api/v2/alerts': { GET: getAlerts, POST: postAlerts },
  '/api/v2/alerts/groups': { GET: getAlertGroups },
  '/api/v2/silences': { GET: getSilences, POST: postSilence },
  '/api/v2/silence/{id}': { GET: (c, _r, id) => getSilence(c, id), DELETE: (c, _r, id) => deleteSilence(c, id) },
  '/api/v2/status': { GET: (c) => getStatus(c) },
  '/api/v2/receivers': { GET: (c) => getReceivers(c) },
  '/metrics': { GET: async (c) => textResponse(200, await c.metrics.render(c.pool), EXPOSITION_CONTENT_TYPE) },
  '/-/healthy': { GET: () => textResponse(200, 'OK') },
  '/-/ready': { GET: (c) => ((c.ready?.() ?? true) ? textResponse(200, 'OK') : textResponse(503, 'Service Unavailable')) },
};

function lookup(path: string): { methods: Partial<Record<string, Route>>; id: string } | null {
  const p = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
  const exact = ROUTES[p];
  if (exact !== undefined) return { methods: exact, id: '' };
  const m = /^\/api\/v2\/silence\/([^/]+)$/.exec(p);
  if (m) return { methods: ROUTES['/api/v2/silence/{id}']!, id: decodeURIComponent(m[1]!) };
  return null;
}

/** The API's request handler. */
export function createManagerApi(ctx: ManagerApiContext): Handler {
  return async (req) => {
    const found = lookup(req.path);
    if (found === null) return textResponse(404, `path ${req.path} was not found\n`);
    const method = req.method === 'HEAD' ? 'GET' : req.method;
    const route = found.methods[method];
    if (route === undefined) {
      return { status: 405, headers: { 'content-type': 'text/plain; charset=utf-8', allow: Object.keys(found.methods).join(', ') }, body: `method ${req.method} is not allowed\n` };
    }
    try {
      return await route(ctx, req, found.id);
    } catch (e) {
      if (e instanceof ApiError) return errorResponse(e.status, e.message);
      throw e;
    }
  };
}

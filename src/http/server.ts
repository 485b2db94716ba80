/**
 * A transport-free HTTP layer: handlers are functions from a request value to a
 * response value, so tests call them in-process (as fastify's inject) and a
 * node:http server is only an adapter around them.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/** A request as handlers see it; the body is read completely beforehand. */
export interface HttpRequest {
  readonly method: string;
  /** The path without the query string. */
  readonly path: string;
  readonly query: URLSearchParams;
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: string;
}

/** A complete response. */
export interface HttpResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** A request handler. */
export type Handler = (req: HttpRequest) => HttpResponse | Promise<HttpResponse>;

/** Builds a request value, for tests and adapters: `buildRequest('GET', '/api/v1/query?query=up')`. */
export function buildRequest(
  method: string,
  url: string,
  opts: { headers?: Record<string, string>; body?: string } = {},
): HttpRequest {
  const u = new URL(url, 'http://in-process');
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(opts.headers ?? {})) headers[k.toLowerCase()] = v;
  return { method: method.toUpperCase(), path: u.pathname, query: u.searchParams, headers, body: opts.body ?? '' };
}

/** A JSON response. */
export function jsonResponse(status: number, value: unknown): HttpResponse {
  return { status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(value) };
}

/** A plain-text (or other type) response. */
export function textResponse(status: number, body: string, contentType = 'text/plain; charset=utf-8'): HttpResponse {
  return { status, headers: { 'content-type': contentType }, body };
}

/**
 * The request's form values as Go's r.FormValue sees them: a urlencoded POST body's
 * values first, then the URL query's.
 */
export function formValues(req: HttpRequest): URLSearchParams {
  const out = new URLSearchParams();
  const ct = req.headers['content-type'] ?? '';
  if ((req.method === 'POST' || req.method === 'PUT') && ct.startsWith('application/x-www-form-urlencoded')) {
    for (const [k, v] of new URLSearchParams(req.body)) out.append(k, v);
  }
  for (const [k, v] of req.query) out.append(k, v);
  return out;
}

/** Limits of the node adapter. */
export interface ServeOptions {
  /** Larger bodies get 413 (default 1 MiB). */
  readonly maxBodyBytes?: number;
  /** Called with errors a handler threw (default: none; the client gets 500 either way). */
  readonly onError?: (e: unknown) => void;
}

/** A node:http server (not yet listening) that runs `handler` for every request. */
export function createHttpServer(handler: Handler, opts: ServeOptions = {}): Server {
  const limit = opts.maxBodyBytes ?? 1 << 20;
  return createServer((req, res) => {
    void serveOne(handler, req, res, limit, opts.onError);
  });
}

async function serveOne(
  handler: Handler, req: IncomingMessage, res: ServerResponse, limit: number, onError?: (e: unknown) => void,
): Promise<void> {
  let out: HttpResponse;
  try {
    const body = await readBody(req, limit);
    if (body === null) {
      out = textResponse(413, 'request body too large\n');
    } else {
      const headers: Record<string, string | undefined> = {};
      for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(', ') : v;
      const u = new URL(req.url ?? '/', 'http://server');
      out = await handler({ method: req.method ?? 'GET', path: u.pathname, query: u.searchParams, headers, body });
    }
  } catch (e) {
    onError?.(e);
    out = textResponse(500, 'internal server error\n');
  }
  if (res.destroyed) return;
  res.writeHead(out.status, { ...out.headers, 'content-length': String(Buffer.byteLength(out.body)) });
  res.end(req.method === 'HEAD' ? undefined : out.body);
}

/** The body as UTF-8, or null past `limit` bytes. */
function readBody(req: IncomingMessage, limit: number): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) over = true;
      else chunks.push(c);
    });
    req.on('end', () => resolve(over ? null : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

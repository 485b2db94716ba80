/**
 * The web page of `vigil api`: one static HTML document, a hand-written script and a
 * stylesheet (in ./assets, read from the source tree, no build step). The page reads
 * everything through the tenant API with the token the user pastes; the server sends no
 * tenant data here, and a strict CSP (no inline script or style) backs up the script's
 * rule of writing tenant text only as text.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { escapeHtml } from '../../dev/page.js';
import type { HttpRequest, HttpResponse } from '../../http/server.js';
import { POLICY_COMPARES, POLICY_TYPES, POLICY_WINDOWS } from '../policy.js';

/** The page's Content-Security-Policy: only its own script, style and API; no frames, no plugins. */
export const UI_CSP = [
  "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self'", "connect-src 'self'",
  // form-action 'none': should the script not run, a form must not send the token in a URL.
  "form-action 'none'", "base-uri 'none'", "frame-ancestors 'none'", "require-trusted-types-for 'script'",
].join('; ');

const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': UI_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  // Small files, fetched again on every load so a new version shows at once.
  'cache-control': 'no-cache',
};

/** The folder of the page's files: ./assets next to the source, also when running from dist/. */
export function uiAssetsDir(): string {
  const candidates = [new URL('./assets/', import.meta.url), new URL('../../../../src/api/ui/assets/', import.meta.url)];
  for (const c of candidates) {
    const p = fileURLToPath(c);
    if (existsSync(p)) return p;
  }
  throw new Error(`api ui: assets folder not found (looked in ${candidates.map((c) => fileURLToPath(c)).join(', ')})`);
}

const ASSETS: Readonly<Record<string, { file: string; type: string }>> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/ui/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/ui/app.css': { file: 'app.css', type: 'text/css; charset=utf-8' },
  '/ui/icon.svg': { file: 'icon.svg', type: 'image/svg+xml' },
};

function options(values: readonly string[]): string {
  return values.map((v) => `<option>${escapeHtml(v)}</option>`).join('');
}

/** index.html with the policy form's choices filled in from the schema, so the two cannot drift. */
function renderIndex(html: string): string {
  return html
    .replace('<!--policy-types-->', options(POLICY_TYPES))
    .replace('<!--policy-compares-->', options(POLICY_COMPARES))
    .replace('<!--policy-windows-->', options(POLICY_WINDOWS));
}

const cache = new Map<string, string>();

function body(path: string): string {
  let b = cache.get(path);
  if (b === undefined) {
    const text = readFileSync(uiAssetsDir() + ASSETS[path]!.file, 'utf8');
    b = path === '/' ? renderIndex(text) : text;
    cache.set(path, b);
  }
  return b;
}

/** The page's response to `req`, or null when `req` is not one of the page's paths. */
export function serveUi(req: HttpRequest): HttpResponse | null {
  const asset = ASSETS[req.path];
  if (!asset) return null;
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    return { status: 405, headers: { ...SECURITY_HEADERS, allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }, body: 'method not allowed\n' };
  }
  return { status: 200, headers: { ...SECURITY_HEADERS, 'content-type': asset.type }, body: body(req.path) };
}

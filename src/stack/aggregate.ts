/**
 * One view over several evaluators: `/api/v1/alerts` and `/api/v1/rules` merged from each
 * evaluator's Prometheus API (each holds only its partitions' alerts), and a status page
 * at `/` built from the merged answers.
 */
import { mergeRuleGroupLists } from '../evaluate/api_json.js';
import { createHttpServer, jsonResponse, textResponse, type Handler } from '../http/server.js';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { InboxNotification } from './inbox.js';
import { renderStackPage, type PageLinks } from './page.js';

/** An alert as the Prometheus API reports it. */
export interface ApiAlertJson {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: string;
  activeAt?: string;
  value: string;
}

/** A rule as the Prometheus API reports it (the fields the merge reads). */
export interface ApiRuleJson {
  name: string;
  type: string;
  health: string;
  state?: string;
  lastError?: string;
  alerts?: ApiAlertJson[];
  [k: string]: unknown;
}

/** A rule group as the Prometheus API reports it. */
export interface ApiGroupJson {
  name: string;
  file: string;
  interval: number;
  rules: ApiRuleJson[];
  [k: string]: unknown;
}

async function getData<T>(base: string, path: string): Promise<T> {
  const res = await fetch(`${base}${path}`, { signal: AbortSignal.timeout(5_000) });
  const body = (await res.json()) as { status?: string; data?: T; error?: string };
  if (!res.ok || body.status !== 'success' || body.data === undefined) throw new Error(`${base}${path}: ${res.status} ${body.error ?? ''}`);
  return body.data;
}

/** Merges rule groups of several evaluators (see mergeRuleGroupJson). */
export function mergeRuleGroups(lists: readonly ApiGroupJson[][]): ApiGroupJson[] {
  return mergeRuleGroupLists<ApiRuleJson, ApiGroupJson>(lists);
}

/** The merged view's sources. */
export interface AggregateOptions {
  /** Base URLs of the evaluators. */
  readonly evaluators: () => readonly string[];
  readonly links: PageLinks;
  /** The latest notifications of the stack's inbox. */
  readonly inbox?: () => readonly InboxNotification[];
  readonly now?: () => number;
}

/** The handler: `/` page, merged `/api/v1/alerts` and `/api/v1/rules`, `/-/healthy`. */
export function aggregateHandler(o: AggregateOptions): Handler {
  const alerts = async () => (await Promise.all(o.evaluators().map((u) => getData<{ alerts: ApiAlertJson[] }>(u, '/api/v1/alerts')))).flatMap((d) => d.alerts);
  const groups = async () => mergeRuleGroups(await Promise.all(o.evaluators().map(async (u) => (await getData<{ groups: ApiGroupJson[] }>(u, '/api/v1/rules')).groups)));
  const fail = (e: unknown) => jsonResponse(503, { status: 'error', errorType: 'unavailable', error: (e as Error).message });
  return async (req) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return jsonResponse(405, { status: 'error', errorType: 'bad_data', error: `method ${req.method} not allowed` });
    try {
      switch (req.path) {
        case '/':
          return textResponse(200, renderStackPage(await alerts(), await groups(), o.links, (o.now ?? Date.now)(), o.inbox?.() ?? []), 'text/html; charset=utf-8');
        case '/api/v1/alerts':
          return jsonResponse(200, { status: 'success', data: { alerts: await alerts() } });
        case '/api/v1/rules':
          return jsonResponse(200, { status: 'success', data: { groups: await groups() } });
        case '/-/healthy':
        case '/-/ready':
          return textResponse(200, 'Vigil stack page is Healthy.\n');
        default:
          return jsonResponse(404, { status: 'error', errorType: 'not_found', error: `no such path ${req.path}` });
      }
    } catch (e) {
      return fail(e);
    }
  };
}

/** Serves the handler on host:port (0: a free port); resolves to the server and its URL. */
export async function serveAggregate(o: AggregateOptions, port: number, host = '127.0.0.1'): Promise<{ server: Server; url: string }> {
  const server = createHttpServer(aggregateHandler(o));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return { server, url: `http://${host}:${(server.address() as AddressInfo).port}` };
}

/**
 * The evaluator's HTTP API in Prometheus's shapes, over one or more partition
 * evaluators: /api/v1/query, /api/v1/query_range, /api/v1/rules, /api/v1/alerts,
 * /metrics, /-/healthy, /-/ready. Built as a handler; createEvaluatorServer wraps it
 * in a node:http server that is not yet listening.
 */
import type { Server } from 'node:http';
import { Engine, EvalError } from '../promql/engine.js';
import { exprType, ParseError, parseExpr } from '../promql/parser.js';
import type { Matcher } from '../promql/matcher.js';
import type { Querier, SeriesData } from '../promql/value.js';
import type { Alert } from '../rules/alerting.js';
import type { RuleGroup } from '../rules/group.js';
import { EXPOSITION_CONTENT_TYPE } from '../http/exposition.js';
import { parseDurationParam, parseTimeParam } from '../http/params.js';
import {
  buildRequest, createHttpServer, formValues, jsonResponse, textResponse,
  type Handler, type HttpRequest, type HttpResponse, type ServeOptions,
} from '../http/server.js';
import { apiAlert, apiGroup, apiRule, queryData, ruleView, type RuleView } from './api_json.js';
import { evaluatorMetrics } from './metrics.js';
import { DEFAULT_LOOKBACK_DELTA_MS, type PartitionEvaluator } from './partition.js';

/** Prometheus's API error types, with the HTTP status each maps to. */
export const API_ERRORS = {
  bad_data: 400,
  execution: 422,
  canceled: 503,
  timeout: 503,
  internal: 500,
  not_found: 404,
  unavailable: 503,
} as const;
/** One of Prometheus's API error types. */
export type ApiErrorType = keyof typeof API_ERRORS;

/** Prometheus's limit on points per series of a range query. */
export const MAX_RANGE_POINTS = 11_000;

/** An API failure, rendered as Prometheus's error body. */
export class ApiError extends Error {
  constructor(readonly errorType: ApiErrorType, message: string) {
    super(message);
    this.name = 'ApiError';
  }
}

/** What the API serves. */
export interface EvaluatorApiOptions {
  /** The partition evaluators, read at every request (partitions come and go). */
  readonly evaluators: () => readonly PartitionEvaluator[];
  readonly compat?: 2 | 3;
  readonly lookbackDelta?: number;
  /** Ready when this says so (default: every evaluator has a watermark). */
  readonly ready?: () => boolean;
}

/** Prometheus's success envelope. */
function success(data: unknown): HttpResponse {
  return jsonResponse(200, { status: 'success', data });
}

/** Prometheus's error envelope. */
export function apiErrorResponse(e: ApiError): HttpResponse {
  return jsonResponse(API_ERRORS[e.errorType], { status: 'error', errorType: e.errorType, error: e.message });
}

function invalidParam(name: string, e: unknown): ApiError {
  return new ApiError('bad_data', `invalid parameter ${JSON.stringify(name)}: ${(e as Error).message}`);
}

/** Series of every partition: tenants' series live in one partition each, so a union is exact. */
class UnionQuerier implements Querier {
  constructor(private readonly parts: readonly Querier[]) {}
  select(matchers: readonly Matcher[], mint: number, maxt: number): SeriesData[] {
    return this.parts.flatMap((p) => p.select(matchers, mint, maxt));
  }
}

/** The API handler. */
export function createEvaluatorApi(opts: EvaluatorApiOptions): Handler {
  const compat = opts.compat ?? 3;
  const engine = new Engine({ compat, lookbackDelta: opts.lookbackDelta ?? DEFAULT_LOOKBACK_DELTA_MS });
  const querier = (): Querier => {
    const evs = opts.evaluators();
    return evs.length === 1 ? evs[0]!.querier : new UnionQuerier(evs.map((e) => e.querier));
  };
  /** The time every partition has reached: the default query time. */
  const watermark = (): number => {
    const wms = opts.evaluators().map((e) => e.watermark).filter((w): w is number => w !== null);
    return wms.length === 0 ? 0 : Math.min(...wms);
  };
  const parse = (form: URLSearchParams) => {
    const q = form.get('query') ?? '';
    try {
      return parseExpr(q, { compat });
    } catch (e) {
      if (e instanceof ParseError) throw invalidParam('query', e);
      throw e;
    }
  };
  const timeParam = (form: URLSearchParams, name: string, dflt: number | null): number => {
    const s = form.get(name);
    if (s === null || s === '') {
      if (dflt === null) throw new ApiError('bad_data', `invalid parameter ${JSON.stringify(name)}: cannot parse "" to a valid timestamp`);
      return dflt;
    }
    try {
      return parseTimeParam(s);
    } catch (e) {
      throw invalidParam(name, e);
    }
  };
  const evaluate = <T>(f: () => T): T => {
    try {
      return f();
    } catch (e) {
      if (e instanceof EvalError) throw new ApiError('execution', e.message);
      throw e;
    }
  };

  const routes: Record<string, { methods: readonly string[]; run: (req: HttpRequest) => HttpResponse }> = {
    '/api/v1/query': {
      methods: ['GET', 'POST'],
      run(req) {
        const form = formValues(req);
        const t = timeParam(form, 'time', watermark());
        const expr = parse(form);
        return success(queryData(evaluate(() => engine.instantQuery(querier(), expr, t))));
      },
    },
    '/api/v1/query_range': {
      methods: ['GET', 'POST'],
      run(req) {
        const form = formValues(req);
        const start = timeParam(form, 'start', null);
        const end = timeParam(form, 'end', null);
        if (end < start) throw invalidParam('end', new Error('end timestamp must not be before start time'));
        let step: number;
        try {
          step = parseDurationParam(form.get('step') ?? '');
        } catch (e) {
          throw invalidParam('step', e);
        }
        if (step <= 0) throw invalidParam('step', new Error('zero or negative query resolution step widths are not accepted. Try a positive integer'));
        if ((end - start) / step > MAX_RANGE_POINTS) {
          throw new ApiError('bad_data', 'exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)');
        }
        const expr = parse(form);
        const type = exprType(expr, compat);
        if (type !== 'scalar' && type !== 'vector') {
          const name = type === 'matrix' ? 'range vector' : type;
          throw invalidParam('query', new Error(`invalid expression type "${name}" for range query, must be Scalar or instant Vector`));
        }
        return success(queryData(evaluate(() => engine.rangeQuery(querier(), expr, start, end, step))));
      },
    },
    '/api/v1/rules': { methods: ['GET'], run: (req) => success(rulesData(opts.evaluators(), req.query)) },
    '/api/v1/alerts': {
      methods: ['GET'],
      run: () => success({ alerts: opts.evaluators().flatMap((e) => e.activeAlerts().map((x) => apiAlert(x.alert))) }),
    },
    '/metrics': { methods: ['GET'], run: () => textResponse(200, evaluatorMetrics(opts.evaluators()), EXPOSITION_CONTENT_TYPE) },
    '/-/healthy': { methods: ['GET', 'HEAD'], run: () => textResponse(200, 'Vigil evaluator is Healthy.\n') },
    '/-/ready': {
      methods: ['GET', 'HEAD'],
      run: () => {
        const ready = opts.ready ? opts.ready() : opts.evaluators().every((e) => e.watermark !== null);
        return ready ? textResponse(200, 'Vigil evaluator is Ready.\n') : textResponse(503, 'Service Unavailable\n');
      },
    },
  };

  return (req) => {
    const route = routes[req.path];
    if (route === undefined) {
      return req.path.startsWith('/api/')
        ? apiErrorResponse(new ApiError('not_found', `unknown API endpoint ${req.path}`))
        : textResponse(404, '404 page not found\n');
    }
    if (!route.methods.includes(req.method)) {
      return { status: 405, headers: { allow: route.methods.join(', '), 'content-type': 'text/plain; charset=utf-8' }, body: 'Method Not Allowed\n' };
    }
    try {
      return route.run(req);
    } catch (e) {
      if (e instanceof ApiError) return apiErrorResponse(e);
      return apiErrorResponse(new ApiError('internal', (e as Error).message ?? String(e)));
    }
  };
}

/** /api/v1/rules's data: groups merged over partitions, with Prometheus's filters. */
function rulesData(evaluators: readonly PartitionEvaluator[], q: URLSearchParams): { groups: unknown[] } {
  const type = q.get('type') ?? '';
  if (type !== '' && type !== 'alert' && type !== 'record') throw new ApiError('bad_data', `not supported value ${JSON.stringify(type)}`);
  const excl = q.get('exclude_alerts') ?? '';
  if (excl !== '' && excl !== 'true' && excl !== 'false') {
    throw new ApiError('bad_data', `invalid parameter "exclude_alerts": strconv.ParseBool: parsing ${JSON.stringify(excl)}: invalid syntax`);
  }
  const names = new Set(q.getAll('rule_name[]'));
  const groupNames = new Set(q.getAll('rule_group[]'));
  const files = new Set(q.getAll('file[]'));
  const filtered = type !== '' || names.size > 0 || groupNames.size > 0 || files.size > 0;
  const out: unknown[] = [];
  for (const merged of mergeGroups(evaluators)) {
    const g = merged.group;
    if (groupNames.size > 0 && !groupNames.has(g.name)) continue;
    if (files.size > 0 && !files.has(g.file)) continue;
    const rules = merged.rules
      .filter((v) => type === '' || (type === 'alert') === (v.rule.kind === 'alerting'))
      .filter((v) => names.size === 0 || names.has(v.rule.name))
      .map((v) => apiRule(v, excl !== 'true'));
    if (filtered && rules.length === 0) continue;
    out.push(apiGroup(g, rules));
  }
  return { groups: out };
}

/** Groups of all partitions, one per file and name, each rule's alerts and health merged. */
export function mergeGroups(evaluators: readonly PartitionEvaluator[]): { group: RuleGroup; rules: RuleView[] }[] {
  const byKey = new Map<string, { group: RuleGroup; rules: RuleView[] }>();
  for (const ev of evaluators) {
    for (const g of ev.ruleGroups()) {
      const views = g.rules.map(ruleView);
      const cur = byKey.get(g.key());
      if (cur === undefined || cur.rules.length !== views.length) {
        if (cur === undefined) byKey.set(g.key(), { group: g, rules: views });
        continue;
      }
      cur.rules = cur.rules.map((a, i) => mergeView(a, views[i]!));
    }
  }
  return [...byKey.values()];
}

function mergeView(a: RuleView, b: RuleView): RuleView {
  const worse = a.health === 'err' ? a : b.health === 'err' ? b : a.health === 'unknown' ? a : b;
  const alerts: Alert[] = [...a.alerts, ...b.alerts];
  const lastEvaluation = a.lastEvaluation === null ? b.lastEvaluation : b.lastEvaluation === null ? a.lastEvaluation : Math.min(a.lastEvaluation, b.lastEvaluation);
  return {
    rule: a.rule,
    health: worse.health,
    lastError: worse.lastError,
    evaluationSeconds: Math.max(a.evaluationSeconds, b.evaluationSeconds),
    lastEvaluation,
    alerts,
  };
}

/** A node:http server (not listening) serving the API. */
export function createEvaluatorServer(opts: EvaluatorApiOptions, serve: ServeOptions = {}): Server {
  return createHttpServer(createEvaluatorApi(opts), serve);
}

/** Calls the API in-process, as a test would: `await inject(api, 'GET', '/api/v1/rules')`. */
export async function inject(handler: Handler, method: string, url: string, body?: string): Promise<HttpResponse> {
  const headers: Record<string, string> = body !== undefined ? { 'content-type': 'application/x-www-form-urlencoded' } : {};
  return handler(buildRequest(method, url, { headers, ...(body !== undefined ? { body } : {}) }));
}

/**
 * What the Alertmanager API v2 handlers share: the context they read, the response helpers
 * with Alertmanager's error shape (a JSON string), and its query-parameter parsing.
 */
import type { Clock } from '../../clock.js';
import { jsonResponse, type HttpResponse } from '../../http/server.js';
import type { Matcher } from '../../promql/matcher.js';
import type { StorePool } from '../../store/pool.js';
import type { ManagerConfig } from '../config.js';
import type { Dispatcher } from '../dispatch.js';
import { parseMatcher } from '../matchers.js';
import type { ManagerMetrics } from './metrics.js';

/** Everything the API reads or calls. */
export interface ManagerApiContext {
  readonly dispatcher: Dispatcher;
  readonly pool: StorePool;
  readonly config: ManagerConfig;
  /** The configuration file's text, as /api/v2/status shows it. */
  readonly configText: string;
  readonly clock: Clock;
  /** This instance's name (its lease owner name). */
  readonly instance: string;
  /** This instance's address, as peers see it. */
  readonly address?: string;
  readonly startedAt: number;
  readonly metrics: ManagerMetrics;
  /** Whether /-/ready answers 200. */
  readonly ready?: () => boolean;
  readonly version?: string;
}

/** A bad request or a missing resource: the status and Alertmanager's message. */
export class ApiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Alertmanager answers errors with the message as a JSON string. */
export function errorResponse(status: number, message: string): HttpResponse {
  return jsonResponse(status, message);
}

const TRUE = new Set(['true', '1', 'yes', 'y', 'on']);
const FALSE = new Set(['false', '0', 'no', 'n', 'off', '']);

/** A boolean query parameter (go-openapi's spellings); `def` when absent. */
export function boolParam(q: URLSearchParams, name: string, def: boolean): boolean {
  const v = q.get(name);
  if (v === null) return def;
  const l = v.toLowerCase();
  if (TRUE.has(l)) return true;
  if (FALSE.has(l) && l !== '') return false;
  throw new ApiError(400, `${name} in query must be of type boolean: ${JSON.stringify(v)}`);
}

/** The `filter` parameters as matchers; 400 naming the bad one. */
export function filterParam(q: URLSearchParams): Matcher[] {
  return q.getAll('filter').map((f) => {
    try {
      return parseMatcher(f);
    } catch (e) {
      throw new ApiError(400, `filter: bad matcher ${JSON.stringify(f)}: ${(e as Error).message}`);
    }
  });
}

/** strfmt.DateTime as Alertmanager marshals it: RFC 3339 with milliseconds, UTC. */
export function dateTime(ms: number): string {
  return new Date(ms).toISOString();
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:?\d{2})$/;

/** Parses a date-time field; throws ApiError naming `field`. */
export function parseDateTime(v: unknown, field: string): number {
  if (typeof v !== 'string') throw new ApiError(400, `${field} in body must be of type date-time: ${JSON.stringify(v)}`);
  const ms = RFC3339.test(v) ? Date.parse(v.replace(' ', 'T')) : NaN;
  if (Number.isNaN(ms)) throw new ApiError(400, `${field} in body must be of type date-time: ${JSON.stringify(v)}`);
  return ms;
}

/** A map of strings; throws ApiError naming `field`. */
export function stringMap(v: unknown, field: string): Record<string, string> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ApiError(400, `${field} in body must be of type object`);
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) {
    if (typeof x !== 'string') throw new ApiError(400, `${field}.${k} in body must be of type string: ${JSON.stringify(x)}`);
    out[k] = x;
  }
  return out;
}

/** Parses a JSON body; 400 when it is not JSON. */
export function jsonBody(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch (e) {
    throw new ApiError(400, `body: not JSON: ${(e as Error).message}`);
  }
}

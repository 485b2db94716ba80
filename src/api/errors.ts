/**
 * Every way a tenant API request can fail, in one catalog: the HTTP status of each
 * `errorType`, and the error body `{status:"error", errorType, error, fields?}`. A
 * message never holds a token or another secret: tokens are named by id or prefix.
 */
import { jsonResponse, type HttpResponse } from '../http/server.js';

/** The error types the API answers with, and their status. */
export const API_ERRORS = {
  /** A malformed body or parameter: `fields` names every fault. */
  bad_data: 400,
  /** No token, or one that is unknown, revoked, or whose tenant is disabled. */
  unauthorized: 401,
  /** A valid token without the scope (read for GET, write otherwise), or a tenant token on an operator path. */
  forbidden: 403,
  /** Not this tenant's, or nothing at all: the two are indistinguishable on purpose. */
  not_found: 404,
  method_not_allowed: 405,
  /** The state forbids it (the tenant exists, a machine is still named by a policy, ...). */
  conflict: 409,
  /** A query the evaluators could not run (Prometheus's `execution`). */
  execution: 422,
  /** A limit (max_policies, max_targets, max_machines) would be exceeded: the message names it and its value. */
  limit: 422,
  /** The rules topic or the evaluators did not answer; a database write stands and is retried. */
  unavailable: 503,
  internal: 500,
} as const;

/** A catalogued error type. */
export type ApiErrorType = keyof typeof API_ERRORS;

/** One fault of a body, at its field path (`alerts.email[1]`). */
export interface FieldError {
  readonly path: string;
  readonly message: string;
}

/** A request failure with its answer. */
export class ApiError extends Error {
  override name = 'ApiError';
  readonly status: number;
  constructor(readonly errorType: ApiErrorType, message: string, readonly fields: readonly FieldError[] = []) {
    super(message);
    this.status = API_ERRORS[errorType];
  }
}

/** A 400 listing every field fault; the message joins them. */
export function badFields(fields: readonly FieldError[], what = 'invalid body'): ApiError {
  return new ApiError('bad_data', `${what}: ${fields.map((f) => `${f.path || '(body)'}: ${f.message}`).join('; ')}`, fields);
}

/** The 404 every "not yours or not there" lookup answers with. */
export function notFound(what: string): ApiError {
  return new ApiError('not_found', `${what} not found`);
}

/** The response for `e`. */
export function errorResponse(e: ApiError): HttpResponse {
  const body: Record<string, unknown> = { status: 'error', errorType: e.errorType, error: e.message };
  if (e.fields.length > 0) body.fields = e.fields;
  const res = jsonResponse(e.status, body);
  if (e.status === 401) return { ...res, headers: { ...res.headers, 'www-authenticate': 'Bearer realm="vigil"' } };
  return res;
}

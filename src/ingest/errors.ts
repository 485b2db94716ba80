/**
 * Every way an ingest request can fail, in one catalog: the HTTP status, the `errorType`
 * of the JSON body (`{status:"error", errorType, error}`, as Prometheus's API), and what
 * Prometheus's remote-write client does with it (4xx: drop, 429/5xx: retry).
 */

/** The error types the gateway answers with. */
export const INGEST_ERRORS = {
  /** No, malformed or unknown bearer token. */
  unauthorized: 401,
  /** A valid token without the write scope. */
  forbidden: 403,
  /** A machine-restricted token wrote a series of a machine it may not write for. */
  forbidden_machine: 403,
  /** Undecodable snappy, protobuf or text, or an invalid series or sample. */
  bad_data: 400,
  /** The tenant's series limit was reached (the rest of the request was written). */
  series_limit: 400,
  /** Body larger than the tenant's limit, or a request larger than its burst. */
  too_large: 413,
  /** Wrong content type or encoding. */
  unsupported_media_type: 415,
  not_found: 404,
  method_not_allowed: 405,
  /** The tenant's samples/s budget is spent: retry after Retry-After seconds. */
  rate_limited: 429,
  /** Kafka (or MySQL, for authentication) did not answer: retry. */
  unavailable: 503,
  internal: 500,
} as const;

/** A catalogued error type. */
export type IngestErrorType = keyof typeof INGEST_ERRORS;

/** A request failure with its answer. */
export class IngestError extends Error {
  override name = 'IngestError';
  readonly status: number;
  constructor(readonly errorType: IngestErrorType, message: string, readonly retryAfterSeconds?: number) {
    super(message);
    this.status = INGEST_ERRORS[errorType];
  }
}

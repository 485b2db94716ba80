/**
 * Prometheus's HTTP API parameter parsing (web/api/v1's parseTime and parseDuration):
 * times as float Unix seconds or RFC 3339, durations as float seconds or `5m`.
 */
import { parseDuration } from '../promql/duration.js';

/** A parameter that does not parse; the message is Prometheus's. */
export class ParamError extends Error {
  override name = 'ParamError';
}

const GO_FLOAT = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/;

/** Earliest and latest times Prometheus's API accepts (its minTime/maxTime), in ms. */
export const MIN_TIME_MS = -9223372036854775;
export const MAX_TIME_MS = 9223372036854775;

/** Parses a time parameter into ms since the epoch. */
export function parseTimeParam(s: string): number {
  if (GO_FLOAT.test(s)) {
    const secs = Number(s);
    const whole = Math.trunc(secs);
    // Prometheus rounds to milliseconds.
    return whole * 1000 + Math.round((secs - whole) * 1000);
  }
  if (RFC3339.test(s)) {
    const ms = Date.parse(s);
    if (!Number.isNaN(ms)) return ms;
  }
  if (s === '-292273086-05-16T16:47:06Z') return MIN_TIME_MS;
  if (s === '292277025-08-18T07:12:54.999999999Z') return MAX_TIME_MS;
  throw new ParamError(`cannot parse ${JSON.stringify(s)} to a valid timestamp`);
}

/** Parses a duration parameter into ms. */
export function parseDurationParam(s: string): number {
  if (GO_FLOAT.test(s)) {
    const ms = Number(s) * 1000;
    if (!Number.isFinite(ms) || Math.abs(ms) > 9223372036854) {
      throw new ParamError(`cannot parse ${JSON.stringify(s)} to a valid duration. It overflows int64`);
    }
    return Math.round(ms);
  }
  try {
    return parseDuration(s);
  } catch {
    throw new ParamError(`cannot parse ${JSON.stringify(s)} to a valid duration`);
  }
}

/** Go's time.Time.Format(time.RFC3339Nano) of a UTC time in ms: trailing zero fraction digits dropped. */
export function formatRFC3339(ms: number): string {
  const iso = new Date(ms).toISOString();
  const dot = iso.lastIndexOf('.');
  if (dot < 0) return iso;
  const frac = iso.slice(dot + 1, -1).replace(/0+$/, '');
  return iso.slice(0, dot) + (frac === '' ? '' : '.' + frac) + 'Z';
}

/** Go's zero time.Time in RFC 3339, shown for "never". */
export const GO_ZERO_TIME = '0001-01-01T00:00:00Z';

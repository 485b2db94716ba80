/**
 * The calendar fields Go's time.Unix(int64(v), 0).UTC() gives a float v, for the PromQL date
 * functions — including where JS's Date gives up: NaN and ±Inf (which amd64 converts to
 * the minimum int64) and years far outside ±275760, computed with Go's absolute-date arithmetic.
 */

/** The fields the date functions read. */
export interface GoDateParts {
  readonly year: number;
  /** 1..12 */
  readonly month: number;
  readonly day: number;
  /** 1..366 */
  readonly yearDay: number;
  /** 0 = Sunday */
  readonly weekday: number;
  readonly hour: number;
  readonly minute: number;
}

const SECONDS_PER_DAY = 86400n;
const DAYS_PER_400_YEARS = 365n * 400n + 97n;
const DAYS_PER_100_YEARS = 365n * 100n + 24n;
const DAYS_PER_4_YEARS = 365n * 4n + 1n;
const ABSOLUTE_ZERO_YEAR = -292277022399n;
/** unixToInternal + internalToAbsolute of Go's time package. */
const UNIX_TO_ABSOLUTE = 62135596800n + 9223371966579724800n;
const DAYS_BEFORE = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365] as const;
/** Seconds JS's Date handles (±8.64e15 ms). */
const DATE_LIMIT_S = 8.64e12;

/** Go's int64(v) on amd64: truncation, and the minimum int64 for NaN and out-of-range values. */
function goInt64(v: number): bigint {
  if (Number.isNaN(v) || v >= 2 ** 63 || v < -(2 ** 63)) return -(2n ** 63n);
  return BigInt(Math.trunc(v));
}

/** True for a Gregorian leap year. */
export function isLeap(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}

/** Days in a month (1..12) of a year. */
export function daysIn(month: number, year: number): number {
  if (month === 2 && isLeap(year)) return 29;
  return DAYS_BEFORE[month]! - DAYS_BEFORE[month - 1]!;
}

/** Calendar fields of Unix time `v` seconds, as Go computes them. */
export function goDateParts(v: number): GoDateParts {
  if (Number.isFinite(v) && Math.abs(v) < DATE_LIMIT_S) {
    const d = new Date(Math.trunc(v) * 1000);
    const year = d.getUTCFullYear();
    const month = d.getUTCMonth() + 1;
    const day = d.getUTCDate();
    return {
      year, month, day, yearDay: DAYS_BEFORE[month - 1]! + day + (month > 2 && isLeap(year) ? 1 : 0),
      weekday: d.getUTCDay(), hour: d.getUTCHours(), minute: d.getUTCMinutes(),
    };
  }
  return absoluteParts(BigInt.asUintN(64, goInt64(v) + UNIX_TO_ABSOLUTE));
}

/** Go's absDate, absWeekday and clock over a uint64 absolute time (wrapping as Go does). */
function absoluteParts(abs: bigint): GoDateParts {
  let d = abs / SECONDS_PER_DAY;
  let n = d / DAYS_PER_400_YEARS;
  let y = 400n * n;
  d -= DAYS_PER_400_YEARS * n;
  n = d / DAYS_PER_100_YEARS;
  n -= n >> 2n;
  y += 100n * n;
  d -= DAYS_PER_100_YEARS * n;
  n = d / DAYS_PER_4_YEARS;
  y += 4n * n;
  d -= DAYS_PER_4_YEARS * n;
  n = d / 365n;
  n -= n >> 2n;
  y += n;
  d -= 365n * n;
  const year = Number(BigInt.asIntN(64, y) + ABSOLUTE_ZERO_YEAR);
  const yday = Number(d);
  let day = yday;
  let month: number;
  if (isLeap(year) && day === 31 + 29 - 1) {
    month = 2;
    day = 29;
  } else {
    if (isLeap(year) && day > 31 + 29 - 1) day--;
    month = Math.floor(day / 31);
    const end = DAYS_BEFORE[month + 1]!;
    let begin: number;
    if (day >= end) {
      month++;
      begin = end;
    } else {
      begin = DAYS_BEFORE[month]!;
    }
    month++;
    day = day - begin + 1;
  }
  const weekday = Number((BigInt.asUintN(64, abs + SECONDS_PER_DAY) % (7n * SECONDS_PER_DAY)) / SECONDS_PER_DAY);
  return {
    year, month, day, yearDay: yday + 1, weekday,
    hour: Number(abs % SECONDS_PER_DAY) / 3600 | 0, minute: Number(abs % 3600n) / 60 | 0,
  };
}

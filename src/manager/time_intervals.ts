/**
 * Alertmanager time intervals (config/timeinterval): times of day, weekdays, days of the
 * month (negative counts from the month's end), months and years, in a location. Used by
 * routes to mute (mute_time_intervals) or to send only within (active_time_intervals).
 */

/** An inclusive range of integers (minutes of day use [start, end) instead, see TimeRange). */
export interface InclusiveRange {
  readonly begin: number;
  readonly end: number;
}

/** A time of day range in minutes since midnight, end exclusive. */
export interface TimeRange {
  readonly startMinute: number;
  readonly endMinute: number;
}

/** One entry of a named interval's list; every set field must match. */
export interface TimeInterval {
  readonly times?: readonly TimeRange[];
  readonly weekdays?: readonly InclusiveRange[];
  readonly daysOfMonth?: readonly InclusiveRange[];
  readonly months?: readonly InclusiveRange[];
  readonly years?: readonly InclusiveRange[];
  /** IANA name, "UTC" or "Local"; default UTC. */
  readonly location?: string;
}

const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
const MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];

function splitRange(s: string): [string, string] {
  const parts = s.split(':');
  if (parts.length === 1) return [parts[0]!, parts[0]!];
  if (parts.length === 2) return [parts[0]!, parts[1]!];
  throw new Error(`invalid range ${JSON.stringify(s)}`);
}

function named(s: string, names: readonly string[], what: string, base: number): number {
  const i = names.indexOf(s.toLowerCase());
  if (i >= 0) return i + base;
  throw new Error(`${s} is not a valid ${what}`);
}

/** Parses `monday:friday` or `saturday`. */
export function parseWeekdayRange(s: string): InclusiveRange {
  const [a, b] = splitRange(s);
  const r = { begin: named(a, WEEKDAYS, 'weekday', 0), end: named(b, WEEKDAYS, 'weekday', 0) };
  if (r.begin > r.end) throw new Error(`start day cannot be before end day: ${s}`);
  return r;
}

function monthNumber(s: string): number {
  if (/^\d+$/.test(s)) {
    const n = Number(s);
    if (n < 1 || n > 12) throw new Error(`${s} is not a valid month`);
    return n;
  }
  return named(s, MONTHS, 'month', 1);
}

/** Parses `january:march`, `1:3` or `may`. */
export function parseMonthRange(s: string): InclusiveRange {
  const [a, b] = splitRange(s);
  const r = { begin: monthNumber(a), end: monthNumber(b) };
  if (r.begin > r.end) throw new Error(`end month ${b} is before start month ${a}`);
  return r;
}

function intOf(s: string, what: string): number {
  if (!/^-?\d+$/.test(s)) throw new Error(`invalid ${what}: ${JSON.stringify(s)}`);
  return Number(s);
}

/** Parses `1:5`, `-3:-1` or `15` (days of the month, negatives count from the end). */
export function parseDayOfMonthRange(s: string): InclusiveRange {
  const [a, b] = splitRange(s);
  const r = { begin: intOf(a, 'day of month'), end: intOf(b, 'day of month') };
  for (const d of [r.begin, r.end]) {
    if (d === 0 || d < -31 || d > 31) throw new Error(`${d} is not a valid day of the month: out of range`);
  }
  if (r.begin > 0 && r.end < 0) return r; // e.g. 1:-1, the whole month: checked at match time
  if ((r.begin >= 0) === (r.end >= 0) && r.begin > r.end) throw new Error(`end day must be greater than start day: ${s}`);
  return r;
}

/** Parses `2020:2022` or `2021`. */
export function parseYearRange(s: string): InclusiveRange {
  const [a, b] = splitRange(s);
  const r = { begin: intOf(a, 'year'), end: intOf(b, 'year') };
  if (r.begin > r.end) throw new Error(`end year ${b} is before start year ${a}`);
  return r;
}

const HHMM = /^(\d{2}):(\d{2})$/;

function minuteOf(s: string): number {
  const m = HHMM.exec(s);
  if (!m) throw new Error(`couldn't parse timestamp ${s}, invalid format`);
  const h = Number(m[1]);
  const min = Number(m[2]);
  if (h > 24 || min > 59 || (h === 24 && min !== 0)) throw new Error(`timestamp ${s} out of range`);
  return h * 60 + min;
}

/** Parses `{start_time: "09:00", end_time: "17:00"}`. */
export function parseTimeRange(start: string, end: string): TimeRange {
  const r = { startMinute: minuteOf(start), endMinute: minuteOf(end) };
  if (r.startMinute >= r.endMinute) throw new Error('start time cannot be equal or greater than end time');
  return r;
}

/** Checks that a location name is known to the runtime; throws otherwise. */
export function checkLocation(name: string): void {
  if (name === 'Local' || name === 'UTC') return;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
  } catch {
    throw new Error(`unknown time zone ${name}`);
  }
}

interface Civil {
  year: number;
  month: number;
  day: number;
  weekday: number;
  minute: number;
  daysInMonth: number;
}

function civilTime(ms: number, location: string | undefined): Civil {
  const tz = location === undefined || location === 'UTC' ? 'UTC' : location === 'Local' ? undefined : location;
  const f = new Intl.DateTimeFormat('en-US', {
    timeZone: tz, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', weekday: 'long',
  });
  const parts = Object.fromEntries(f.formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
  const year = Number(parts.year);
  const month = Number(parts.month);
  return {
    year,
    month,
    day: Number(parts.day),
    weekday: WEEKDAYS.indexOf(String(parts.weekday).toLowerCase()),
    minute: Number(parts.hour) * 60 + Number(parts.minute),
    daysInMonth: new Date(Date.UTC(year, month, 0)).getUTCDate(),
  };
}

function inRanges(v: number, rs: readonly InclusiveRange[]): boolean {
  return rs.some((r) => v >= r.begin && v <= r.end);
}

/** Whether `ms` falls in the interval (Alertmanager's TimeInterval.ContainsTime). */
export function intervalContains(ti: TimeInterval, ms: number): boolean {
  const t = civilTime(ms, ti.location);
  if (ti.times && !ti.times.some((r) => t.minute >= r.startMinute && t.minute < r.endMinute)) return false;
  if (ti.daysOfMonth) {
    const ok = ti.daysOfMonth.some((r) => {
      // Negative days count back from the month's end; clamp to the month as Alertmanager does.
      const begin = r.begin < 0 ? Math.max(1, t.daysInMonth + r.begin + 1) : r.begin;
      const end = r.end < 0 ? t.daysInMonth + r.end + 1 : Math.min(r.end, t.daysInMonth);
      return t.day >= begin && t.day <= end;
    });
    if (!ok) return false;
  }
  if (ti.months && !inRanges(t.month, ti.months)) return false;
  if (ti.weekdays && !inRanges(t.weekday, ti.weekdays)) return false;
  if (ti.years && !inRanges(t.year, ti.years)) return false;
  return true;
}

/** Whether any interval of a named list contains `ms`. */
export function anyIntervalContains(list: readonly TimeInterval[], ms: number): boolean {
  return list.some((ti) => intervalContains(ti, ms));
}

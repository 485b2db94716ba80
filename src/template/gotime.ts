/**
 * Go's time.Time as templates see it (String(), Format with Go layouts, a few
 * accessors) and Prometheus's duration syntax (model.ParseDuration).
 */

import { goFunc, GoObject, type GoValue, type TemplateFunc } from './values.js';

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** Wall-clock fields of an instant in a fixed-offset zone. */
interface Civil {
  year: number;
  month: number; // 1..12
  day: number;
  hour: number;
  minute: number;
  second: number;
  nanos: number;
  weekday: number;
  yday: number;
}

const pad = (n: number, w: number): string => String(n).padStart(w, '0');

/** A *time.Time: an instant (ms precision, as Prometheus's model.Time) in a zone with a fixed offset. */
export class GoTime extends GoObject {
  readonly goType = '*time.Time';
  readonly kind = 'ptr' as const;

  constructor(
    readonly epochMs: number,
    readonly zoneName = 'UTC',
    readonly offsetSeconds = 0,
  ) {
    super();
  }

  /** The civil fields in this time's zone. */
  civil(): Civil {
    const d = new Date(this.epochMs + this.offsetSeconds * 1000);
    const startOfYear = Date.UTC(d.getUTCFullYear(), 0, 1);
    const msOfSecond = ((this.epochMs % 1000) + 1000) % 1000;
    return {
      year: d.getUTCFullYear(),
      month: d.getUTCMonth() + 1,
      day: d.getUTCDate(),
      hour: d.getUTCHours(),
      minute: d.getUTCMinutes(),
      second: d.getUTCSeconds(),
      nanos: msOfSecond * 1e6,
      weekday: d.getUTCDay(),
      yday: Math.floor((d.getTime() - startOfYear) / 86400000) + 1,
    };
  }

  /** time.Time.Format with a Go reference layout. */
  format(layout: string): string {
    return formatTime(this, layout);
  }

  override stringer(): string {
    return this.format('2006-01-02 15:04:05.999999999 -0700 MST');
  }

  override method(name: string): TemplateFunc | undefined {
    const c = (): Civil => this.civil();
    switch (name) {
      case 'Format': return goFunc(['string'], (layout: string) => this.format(layout));
      case 'String': return goFunc([], () => this.stringer());
      case 'Unix': return goFunc([], () => BigInt(Math.floor(this.epochMs / 1000)));
      case 'UnixMilli': return goFunc([], () => BigInt(this.epochMs));
      case 'UnixNano': return goFunc([], () => BigInt(this.epochMs) * 1000000n);
      case 'UTC': return goFunc([], () => new GoTime(this.epochMs));
      case 'Year': return goFunc([], () => BigInt(c().year));
      case 'YearDay': return goFunc([], () => BigInt(c().yday));
      case 'Month': return goFunc([], () => MONTHS[c().month - 1]!);
      case 'Day': return goFunc([], () => BigInt(c().day));
      case 'Weekday': return goFunc([], () => DAYS[c().weekday]!);
      case 'Hour': return goFunc([], () => BigInt(c().hour));
      case 'Minute': return goFunc([], () => BigInt(c().minute));
      case 'Second': return goFunc([], () => BigInt(c().second));
      case 'Nanosecond': return goFunc([], () => BigInt(c().nanos));
      case 'IsZero': return goFunc([], () => this.epochMs === -62135596800000);
      case 'Before': return goFunc([TIME_PARAM], (o: GoTime) => this.epochMs < o.epochMs);
      case 'After': return goFunc([TIME_PARAM], (o: GoTime) => this.epochMs > o.epochMs);
      case 'Equal': return goFunc([TIME_PARAM], (o: GoTime) => this.epochMs === o.epochMs);
    }
    return undefined;
  }
}

const TIME_PARAM = { name: 'time.Time', nilable: false, accepts: (v: GoValue) => v instanceof GoTime };

function zoneOffset(t: GoTime, colon: boolean, seconds: boolean, short: boolean): string {
  const off = t.offsetSeconds;
  const sign = off < 0 ? '-' : '+';
  const a = Math.abs(off);
  let s = sign + pad(Math.floor(a / 3600), 2);
  if (short) return s;
  s += (colon ? ':' : '') + pad(Math.floor((a % 3600) / 60), 2);
  if (seconds) s += (colon ? ':' : '') + pad(a % 60, 2);
  return s;
}

type Chunk = { std: string; len: number } | null;

/** Go's nextStdChunk: the layout element starting at i, if any. */
function stdAt(layout: string, i: number): Chunk {
  const rest = layout.slice(i);
  const pick = (...names: string[]): Chunk => {
    for (const n of names) if (rest.startsWith(n)) return { std: n, len: n.length };
    return null;
  };
  switch (layout[i]) {
    case 'J': return pick('January', 'Jan');
    case 'M': return pick('Monday', 'Mon', 'MST');
    case '0': return pick('01', '02', '03', '04', '05', '06', '002');
    case '1': return pick('15', '1');
    case '2': return pick('2006', '2');
    case '_':
      if (rest.startsWith('_2006')) return { std: '_', len: 1 };
      return pick('__2', '_2');
    case '3': case '4': case '5': return { std: layout[i]!, len: 1 };
    case 'P': return pick('PM');
    case 'p': return pick('pm');
    case '-': return pick('-07:00:00', '-070000', '-07:00', '-0700', '-07');
    case 'Z': return pick('Z07:00:00', 'Z070000', 'Z07:00', 'Z0700', 'Z07');
    case '.':
    case ',': {
      const ch = layout[i + 1];
      if (ch !== '0' && ch !== '9') return null;
      let j = i + 1;
      while (j < layout.length && layout[j] === ch) j++;
      if (j < layout.length && layout[j]! >= '0' && layout[j]! <= '9') return null;
      return { std: layout.slice(i, j), len: j - i };
    }
  }
  return null;
}

/** Formats with a Go layout such as "2006-01-02T15:04:05Z07:00". */
export function formatTime(t: GoTime, layout: string): string {
  const c = t.civil();
  let out = '';
  let i = 0;
  while (i < layout.length) {
    const chunk = stdAt(layout, i);
    if (!chunk) {
      out += layout[i];
      i++;
      continue;
    }
    i += chunk.len;
    const std = chunk.std;
    const h12 = c.hour % 12 === 0 ? 12 : c.hour % 12;
    switch (std) {
      case 'January': out += MONTHS[c.month - 1]; break;
      case 'Jan': out += MONTHS[c.month - 1]!.slice(0, 3); break;
      case 'Monday': out += DAYS[c.weekday]; break;
      case 'Mon': out += DAYS[c.weekday]!.slice(0, 3); break;
      case 'MST': out += t.zoneName !== '' ? t.zoneName : zoneOffset(t, false, false, false); break;
      case '01': out += pad(c.month, 2); break;
      case '1': out += c.month; break;
      case '02': out += pad(c.day, 2); break;
      case '2': out += c.day; break;
      case '_2': out += String(c.day).padStart(2, ' '); break;
      case '002': out += pad(c.yday, 3); break;
      case '__2': out += String(c.yday).padStart(3, ' '); break;
      case '03': out += pad(h12, 2); break;
      case '3': out += h12; break;
      case '15': out += pad(c.hour, 2); break;
      case '04': out += pad(c.minute, 2); break;
      case '4': out += c.minute; break;
      case '05': out += pad(c.second, 2); break;
      case '5': out += c.second; break;
      case '06': out += pad(((c.year % 100) + 100) % 100, 2); break;
      case '2006': out += c.year < 0 ? '-' + pad(-c.year, 4) : pad(c.year, 4); break;
      case '_': out += '_'; break;
      case 'PM': out += c.hour >= 12 ? 'PM' : 'AM'; break;
      case 'pm': out += c.hour >= 12 ? 'pm' : 'am'; break;
      case '-07:00:00': out += zoneOffset(t, true, true, false); break;
      case '-070000': out += zoneOffset(t, false, true, false); break;
      case '-07:00': out += zoneOffset(t, true, false, false); break;
      case '-0700': out += zoneOffset(t, false, false, false); break;
      case '-07': out += zoneOffset(t, false, false, true); break;
      case 'Z07:00:00': out += t.offsetSeconds === 0 ? 'Z' : zoneOffset(t, true, true, false); break;
      case 'Z070000': out += t.offsetSeconds === 0 ? 'Z' : zoneOffset(t, false, true, false); break;
      case 'Z07:00': out += t.offsetSeconds === 0 ? 'Z' : zoneOffset(t, true, false, false); break;
      case 'Z0700': out += t.offsetSeconds === 0 ? 'Z' : zoneOffset(t, false, false, false); break;
      case 'Z07': out += t.offsetSeconds === 0 ? 'Z' : zoneOffset(t, false, false, true); break;
      default: {
        // Fractional seconds: ".000" keeps zeros, ".999" trims them (and the dot when nothing is left).
        const digits = std.length - 1;
        let frac = pad(c.nanos, 9).slice(0, Math.min(digits, 9)).padEnd(digits, '0');
        if (std[1] === '9') {
          frac = frac.replace(/0+$/, '');
          if (frac !== '') out += std[0] + frac;
        } else {
          out += std[0] + frac;
        }
      }
    }
  }
  return out;
}

/** Thrown for an invalid Prometheus duration, with model.ParseDuration's message. */
export class DurationError extends Error {}

const DURATION_RE = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;
const UNIT_MS = [365 * 86400000, 7 * 86400000, 86400000, 3600000, 60000, 1000, 1];

/** model.ParseDuration: "1h30m", "5m", "0"; returns milliseconds. */
export function parsePromDuration(s: string): number {
  if (s === '0') return 0;
  if (s === '') throw new DurationError('empty duration string');
  const m = DURATION_RE.exec(s);
  if (!m) throw new DurationError(`not a valid duration string: ${JSON.stringify(s)}`);
  let ms = 0n;
  const max = 2n ** 63n - 1n;
  for (let i = 0; i < UNIT_MS.length; i++) {
    const part = m[i + 1];
    if (part === undefined) continue;
    ms += BigInt(part) * BigInt(UNIT_MS[i]!);
    if (ms * 1000000n > max) throw new DurationError('duration out of range');
  }
  return Number(ms);
}

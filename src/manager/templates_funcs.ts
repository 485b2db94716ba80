/**
 * Alertmanager's template functions (template/template.go DefaultFuncs, 0.25–0.27):
 * string helpers, regex helpers, time helpers reading the injected clock, toJson.
 */
import type { Clock } from '../clock.js';
import type { FuncMap } from '../template/engine.js';
import { goMatchString, goReplaceAllString, mustCompileGoRegexp } from '../template/goregexp.js';
import { GoTime } from '../template/gotime.js';
import { convertToFloat, humanizeDuration } from '../template/prometheus.js';
import { goFunc, GoObject, sliceItems, type GoValue, type TemplateFunc } from '../template/values.js';
import { jsonOf, stringSlice, STRING_SLICE } from './templates_data.js';

/** Go's time.Duration (int64 nanoseconds), printed as Go prints it ("1h2m3.5s"). */
export class GoDuration extends GoObject {
  readonly goType = 'time.Duration';
  readonly kind = 'opaque' as const;
  constructor(readonly nanos: bigint) {
    super();
  }
  override stringer(): string {
    return durationString(this.nanos);
  }
  override method(name: string): TemplateFunc | undefined {
    switch (name) {
      case 'Seconds': return goFunc([], () => Number(this.nanos) / 1e9);
      case 'Minutes': return goFunc([], () => Number(this.nanos) / 6e10);
      case 'Hours': return goFunc([], () => Number(this.nanos) / 3.6e12);
      case 'String': return goFunc([], () => this.stringer());
    }
    return undefined;
  }
}

function frac(v: bigint, digits: number): string {
  const unit = 10n ** BigInt(digits);
  const f = (v % unit).toString().padStart(digits, '0').replace(/0+$/, '');
  return `${v / unit}${f === '' ? '' : `.${f}`}`;
}

/** time.Duration.String. */
export function durationString(ns: bigint): string {
  if (ns === 0n) return '0s';
  const sign = ns < 0n ? '-' : '';
  const u = ns < 0n ? -ns : ns;
  if (u < 1000n) return `${sign}${u}ns`;
  if (u < 1000000n) return `${sign}${frac(u, 3)}µs`;
  if (u < 1000000000n) return `${sign}${frac(u, 6)}ms`;
  const h = u / 3600000000000n;
  const m = (u / 60000000000n) % 60n;
  const s = u % 60000000000n;
  return `${sign}${h > 0n ? `${h}h` : ''}${h > 0n || m > 0n ? `${m}m` : ''}${frac(s, 9)}s`;
}

function perRune(s: string, f: (ch: string) => string): string {
  let out = '';
  // Go maps rune by rune; a JS mapping that grows a rune (ß → SS) is not Go's.
  for (const ch of s) {
    const m = f(ch);
    out += [...m].length === 1 ? m : ch;
  }
  return out;
}

const upper = (s: string): string => perRune(s, (c) => c.toUpperCase());
const lower = (s: string): string => perRune(s, (c) => c.toLowerCase());
const WORD = /[\p{L}\p{M}\p{N}_'\u2019]/u;

/** cases.Title(language.AmericanEnglish): each word's first letter upper-cased, the rest lower. */
export function titleCase(s: string): string {
  let out = '';
  let inWord = false;
  for (const ch of s) {
    if (!WORD.test(ch)) {
      inWord = false;
      out += ch;
      continue;
    }
    out += inWord ? lower(ch) : upper(ch);
    inWord = true;
  }
  return out;
}

const TIME = { name: 'time.Time', nilable: false, accepts: (v: GoValue) => v instanceof GoTime };

/** The zone abbreviation and offset of IANA zone `name` at instant `ms`. */
export function zoneAt(name: string, ms: number): { abbr: string; offsetSeconds: number } {
  let parts: Intl.DateTimeFormatPart[];
  let short: string;
  try {
    parts = new Intl.DateTimeFormat('en-US', { timeZone: name, timeZoneName: 'longOffset' }).formatToParts(new Date(ms));
    short = new Intl.DateTimeFormat('en-US', { timeZone: name, timeZoneName: 'short' }).formatToParts(new Date(ms))
      .find((p) => p.type === 'timeZoneName')?.value ?? name;
  } catch {
    throw new Error(`unknown time zone ${name}`);
  }
  const off = parts.find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  const m = /^GMT([+-])(\d{2}):(\d{2})$/.exec(off);
  const offsetSeconds = m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 3600 + Number(m[3]) * 60) : 0;
  const a = Math.abs(offsetSeconds);
  const hh = String(Math.floor(a / 3600)).padStart(2, '0');
  const mm = String(Math.floor((a % 3600) / 60)).padStart(2, '0');
  // Zones without a letter abbreviation: Go's tzdata names them by offset, "+0530" or "-03".
  const numeric = `${offsetSeconds < 0 ? '-' : '+'}${hh}${mm === '00' ? '' : mm}`;
  let abbr = numeric;
  if (name === 'UTC' || name === 'Etc/UTC') abbr = 'UTC';
  else if (/^[A-Z]{2,5}$/.test(short) && short !== 'GMT') abbr = short;
  else if (offsetSeconds === 0) abbr = 'GMT';
  return { abbr, offsetSeconds };
}

function durationSeconds(v: GoValue): number {
  return v instanceof GoDuration ? Number(v.nanos) / 1e9 : convertToFloat(v);
}

/** Alertmanager's DefaultFuncs; `now` and `since` read the clock. */
export function alertmanagerFuncs(clock: Clock): FuncMap {
  return {
    toUpper: goFunc(['string'], upper),
    toLower: goFunc(['string'], lower),
    title: goFunc(['string'], titleCase),
    trimSpace: goFunc(['string'], (s: string) => s.replace(/^[\s\u0085]+|[\s\u0085]+$/gu, '')),
    join: goFunc(['string', STRING_SLICE], (sep: string, s: GoValue) => ((sliceItems(s) ?? []) as string[]).join(sep)),
    match: goFunc(['string', 'string'], goMatchString),
    safeHtml: goFunc(['string'], (s: string) => s),
    safeUrl: goFunc(['string'], (s: string) => s),
    urlUnescape: goFunc(['string'], (s: string) => {
      try {
        return decodeURIComponent(s.replace(/\+/g, ' '));
      } catch {
        throw new Error(`invalid URL escape in ${JSON.stringify(s)}`);
      }
    }),
    reReplaceAll: goFunc(['string', 'string', 'string'], (pattern: string, repl: string, text: string) =>
      goReplaceAllString(mustCompileGoRegexp(pattern), text, repl)),
    stringSlice: goFunc([], (...s: string[]) => stringSlice(s), 'string'),
    date: goFunc(['string', TIME], (layout: string, t: GoTime) => t.format(layout)),
    tz: goFunc(['string', TIME], (name: string, t: GoTime) => {
      const z = zoneAt(name, t.epochMs);
      return new GoTime(t.epochMs, z.abbr, z.offsetSeconds);
    }),
    now: goFunc([], () => new GoTime(clock.now())),
    since: goFunc([TIME], (t: GoTime) => new GoDuration(BigInt(clock.now() - t.epochMs) * 1000000n)),
    humanizeDuration: goFunc(['any'], (v: GoValue) => humanizeDuration(durationSeconds(v))),
    toJson: goFunc(['any'], (v: GoValue) => JSON.stringify(jsonOf(v))),
  };
}

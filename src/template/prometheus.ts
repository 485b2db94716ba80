/**
 * Prometheus's template functions and alert-template expansion, as
 * template/template.go and rules/alerting.go define them (2.42 / 3.x):
 * humanize*, toTime, query/first/label/value, stripPort, graphLink, … and the
 * `$labels`/`$externalLabels`/`$externalURL`/`$value` header.
 */

import { isIP } from 'node:net';
import { newTemplateEngine, type FuncMap, type TemplateEngine } from './engine.js';
import { queryEscape } from './builtins.js';
import { TemplateExecError, type ContextFunc, type ExecContext, type MissingKey } from './exec.js';
import { goMatchString, goReplaceAllString, mustCompileGoRegexp } from './goregexp.js';
import { GoTime, parsePromDuration } from './gotime.js';
import { TemplateParseError } from './parse.js';
import { sprintf } from './printf.js';
import { formatFloatV, parseFloat as goParseFloat } from './strconv.js';
import {
  goFunc, GoMap, GoSlice, GoStruct, stringMap, anyMap, compareGoStrings, typeName,
  type GoValue, type ParamType,
} from './values.js';

/** The data Prometheus gives an alert's label and annotation templates. */
export interface AlertTemplateData {
  labels: Record<string, string>;
  externalLabels: Record<string, string>;
  externalURL: string;
  value: number | string;
}

/** Runs a PromQL instant query for `query`; returns the vector. Throw to fail the template. */
export type TemplateQueryFn = (query: string, evalTimeMs: number) => { labels: Record<string, string>; value: number }[];

/** What a Prometheus template expansion needs besides its text and data. */
export interface ExpanderOptions {
  /** Evaluation time in ms; `query` runs at this time. */
  readonly timestampMs: number;
  readonly query?: TemplateQueryFn;
  /** The --web.external-url; pathPrefix and externalURL read it. */
  readonly externalURL?: string;
  /** Prometheus defaults to missingkey=zero; tests of its options may change it. */
  readonly missingKey?: MissingKey;
}

const SAMPLE_TYPE = '*template.sample';
const QUERY_RESULT_TYPE = 'template.queryResult';

const SAMPLE: ParamType = { name: SAMPLE_TYPE, nilable: true, accepts: (v) => v instanceof GoStruct && v.goType === SAMPLE_TYPE };
const QUERY_RESULT: ParamType = { name: QUERY_RESULT_TYPE, nilable: true, accepts: (v) => v instanceof GoSlice && v.goType === QUERY_RESULT_TYPE };

/** A query result row as templates see it: *template.sample{Labels, Value}. */
export function newSample(labels: Record<string, string>, value: number): GoStruct {
  return new GoStruct(SAMPLE_TYPE, new Map<string, GoValue>([['Labels', stringMap(labels)], ['Value', value]]), true);
}

function sampleOf(s: GoValue): GoStruct {
  if (!(s instanceof GoStruct)) throw new Error('runtime error: invalid memory address or nil pointer dereference');
  return s;
}

function sampleLabel(s: GoStruct, name: string): string {
  const labels = s.fields.get('Labels');
  const v = labels instanceof GoMap ? labels.entries.get(name) : undefined;
  return typeof v === 'string' ? v : '';
}

/** common/helpers/templates.ConvertToFloat. */
export function convertToFloat(i: GoValue): number {
  switch (typeof i) {
    case 'number': return i;
    case 'string': return goParseFloat(i);
    case 'bigint': return Number(i);
  }
  throw new Error(`can't convert ${typeName(i)} to float`);
}

const g4 = (v: number): string => sprintf('%.4g', [v]);

/** Prometheus's humanize: SI prefixes, 4 significant digits. */
export function humanize(v: number): string {
  if (v === 0 || !Number.isFinite(v)) return g4(v);
  if (Math.abs(v) >= 1) {
    let prefix = '';
    for (const p of ['k', 'M', 'G', 'T', 'P', 'E', 'Z', 'Y']) {
      if (Math.abs(v) < 1000) break;
      prefix = p;
      v /= 1000;
    }
    return g4(v) + prefix;
  }
  let prefix = '';
  for (const p of ['m', 'u', 'n', 'p', 'f', 'a', 'z', 'y']) {
    if (Math.abs(v) >= 1) break;
    prefix = p;
    v *= 1000;
  }
  return g4(v) + prefix;
}

/** Prometheus's humanize1024: binary prefixes (ki, Mi, …). */
export function humanize1024(v: number): string {
  if (Math.abs(v) <= 1 || !Number.isFinite(v)) return g4(v);
  let prefix = '';
  for (const p of ['ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei', 'Zi', 'Yi']) {
    if (Math.abs(v) < 1024) break;
    prefix = p;
    v /= 1024;
  }
  return g4(v) + prefix;
}

/** Prometheus's humanizeDuration: seconds as "1d 2h 3m 4s", or "123.5ms" below a second. */
export function humanizeDuration(v: number): string {
  if (!Number.isFinite(v)) return g4(v);
  if (v === 0) return g4(v) + 's';
  if (Math.abs(v) >= 1) {
    let sign = '';
    if (v < 0) {
      sign = '-';
      v = -v;
    }
    // int64(v): truncation; Go saturates out-of-range conversions differently, but such durations are absurd.
    const duration = BigInt(Math.trunc(v));
    const seconds = duration % 60n;
    const minutes = (duration / 60n) % 60n;
    const hours = (duration / 3600n) % 24n;
    const days = duration / 86400n;
    if (days !== 0n) return `${sign}${days}d ${hours}h ${minutes}m ${seconds}s`;
    if (hours !== 0n) return `${sign}${hours}h ${minutes}m ${seconds}s`;
    if (minutes !== 0n) return `${sign}${minutes}m ${seconds}s`;
    return `${sign}${g4(v)}s`;
  }
  let prefix = '';
  for (const p of ['m', 'u', 'n', 'p', 'f', 'a', 'z', 'y']) {
    if (Math.abs(v) >= 1) break;
    prefix = p;
    v *= 1000;
  }
  return `${g4(v)}${prefix}s`;
}

/** Prometheus's humanizePercentage: a ratio as "12.35%". */
export function humanizePercentage(v: number): string {
  return sprintf('%.4g%%', [v * 100]);
}

class NaNOrInfError extends Error {}

/** common/helpers/templates.FloatToTime: Unix seconds to a UTC time at millisecond precision. */
export function floatToTime(v: number): GoTime {
  if (!Number.isFinite(v)) throw new NaNOrInfError('value is NaN or Inf');
  const ns = v * 1e9;
  if (ns > 9223372036854775807 || ns < -9223372036854775808) {
    throw new Error(`${formatFloatV(v)} cannot be represented as a nanoseconds timestamp since it overflows int64`);
  }
  // model.TimeFromUnixNano truncates to milliseconds.
  const ms = BigInt(Math.trunc(ns)) / 1000000n;
  return new GoTime(Number(ms));
}

/** Prometheus's humanizeTimestamp: "2015-06-23 13:19:44.128 +0000 UTC". */
export function humanizeTimestamp(v: number): string {
  if (!Number.isFinite(v)) return g4(v);
  return floatToTime(v).stringer();
}

/** net.SplitHostPort; undefined when Go would return an error. */
export function splitHostPort(hostport: string): { host: string; port: string } | undefined {
  const i = hostport.lastIndexOf(':');
  if (i < 0) return undefined;
  let host: string;
  let j = 0;
  let k = 0;
  if (hostport[0] === '[') {
    const end = hostport.indexOf(']');
    if (end < 0 || end + 1 !== i) return undefined;
    host = hostport.slice(1, end);
    j = 1;
    k = end + 1;
  } else {
    host = hostport.slice(0, i);
    if (host.includes(':')) return undefined;
  }
  if (hostport.slice(j).includes('[') || hostport.slice(k).includes(']')) return undefined;
  return { host, port: hostport.slice(i + 1) };
}

function isGoIP(s: string): boolean {
  return !s.includes('%') && isIP(s) !== 0;
}

/** Prometheus's stripDomain: the first DNS label, port kept, IPs untouched. */
export function stripDomain(hostPort: string): string {
  const hp = splitHostPort(hostPort);
  const host = hp ? hp.host : hostPort;
  const port = hp ? hp.port : '';
  if (isGoIP(host)) return hostPort;
  const first = host.split('.')[0]!;
  if (port !== '') return first.includes(':') ? `[${first}]:${port}` : `${first}:${port}`;
  return first;
}

function simpleCase(s: string, upper: boolean): string {
  let out = '';
  for (const ch of s) {
    const m = upper ? ch.toUpperCase() : ch.toLowerCase();
    out += [...m].length === 1 ? m : ch;
  }
  return out;
}

const WORD = /[\p{L}\p{M}\p{N}_]/u;
const MID = /['\u2019.:\u00b7]/u;

/**
 * cases.Title(AmericanEnglish, NoLower): between words, uncased runes are
 * copied until the first cased letter, which is upper-cased; the rest of the
 * word is kept; a rune that is neither word nor mid-word punctuation ends it.
 */
export function title(s: string): string {
  let out = '';
  let interWord = true;
  for (const ch of s) {
    if (interWord) {
      const cased = ch.toUpperCase() !== ch.toLowerCase();
      out += cased ? simpleCase(ch, true) : ch;
      if (cased) interWord = false;
    } else {
      out += ch;
      if (!WORD.test(ch) && !MID.test(ch)) interWord = true;
    }
  }
  return out;
}

function urlPath(externalURL: string): string {
  if (externalURL === '') return '';
  try {
    return decodeURIComponent(new URL(externalURL).pathname.replace(/^\/$/, externalURL.endsWith('/') ? '/' : ''));
  } catch {
    const m = /^(?:[a-zA-Z][a-zA-Z0-9+.-]*:)?(?:\/\/[^/]*)?([^?#]*)/.exec(externalURL);
    return m ? m[1]! : '';
  }
}

const any1 = (f: (v: number) => string) => goFunc(['any'], (i: GoValue) => f(convertToFloat(i)));

/** Prometheus's template functions for one expansion (NewTemplateExpander's FuncMap). */
export function prometheusFuncs(opts: ExpanderOptions): FuncMap {
  const externalURL = opts.externalURL ?? '';
  return {
    query: goFunc(['string'], (q: string) => {
      if (!opts.query) throw new Error('no query function configured');
      const rows = opts.query(q, opts.timestampMs);
      return new GoSlice(QUERY_RESULT_TYPE, rows.map((r) => newSample(r.labels, r.value)));
    }),
    first: goFunc([QUERY_RESULT], (v: GoValue) => {
      const items = v instanceof GoSlice ? v.items : [];
      if (items.length > 0) return items[0];
      throw new Error('first() called on vector with no elements');
    }),
    label: goFunc(['string', SAMPLE], (name: string, s: GoValue) => sampleLabel(sampleOf(s), name)),
    value: goFunc([SAMPLE], (s: GoValue) => sampleOf(s).fields.get('Value')),
    strvalue: goFunc([SAMPLE], (s: GoValue) => sampleLabel(sampleOf(s), '__value__')),
    args: goFunc([], (...a: GoValue[]) => anyMap(new Map(a.map((v, i) => [`arg${i}`, v]))), 'any'),
    reReplaceAll: goFunc(['string', 'string', 'string'], (pattern: string, repl: string, text: string) =>
      goReplaceAllString(mustCompileGoRegexp(pattern), text, repl)),
    safeHtml: goFunc(['string'], (s: string) => s),
    match: goFunc(['string', 'string'], goMatchString),
    title: goFunc(['string'], title),
    toUpper: goFunc(['string'], (s: string) => simpleCase(s, true)),
    toLower: goFunc(['string'], (s: string) => simpleCase(s, false)),
    graphLink: goFunc(['string'], (e: string) => `/graph?g0.expr=${queryEscape(e)}&g0.tab=0`),
    tableLink: goFunc(['string'], (e: string) => `/graph?g0.expr=${queryEscape(e)}&g0.tab=1`),
    sortByLabel: goFunc(['string', QUERY_RESULT], (name: string, v: GoValue) => {
      if (!(v instanceof GoSlice)) return v;
      // Go sorts the slice in place (sort.Stable) and returns it; Array.prototype.sort is stable too.
      (v.items as GoValue[]).sort((a, b) => compareGoStrings(sampleLabel(a as GoStruct, name), sampleLabel(b as GoStruct, name)));
      return v;
    }),
    stripPort: goFunc(['string'], (hp: string) => splitHostPort(hp)?.host ?? hp),
    stripDomain: goFunc(['string'], stripDomain),
    humanize: any1(humanize),
    humanize1024: any1(humanize1024),
    humanizeDuration: any1(humanizeDuration),
    humanizePercentage: any1(humanizePercentage),
    humanizeTimestamp: any1(humanizeTimestamp),
    toTime: goFunc(['any'], (i: GoValue) => floatToTime(convertToFloat(i))),
    pathPrefix: goFunc([], () => urlPath(externalURL)),
    externalURL: goFunc([], () => externalURL),
    parseDuration: goFunc(['string'], (d: string) => parsePromDuration(d) / 1000),
  };
}

/** Prometheus's `tmpl` (console/HTML templates only): runs a named template to a string. */
export const tmplFunc: ContextFunc = {
  params: ['string', 'any'],
  needsContext: true,
  fn: (ctx: GoValue, ...rest: GoValue[]) => (ctx as unknown as ExecContext).executeTemplate(rest[0] as string, rest[1]),
};

/** The template engine for one Prometheus expansion; Prometheus uses missingkey=zero. */
export function prometheusEngine(opts: ExpanderOptions, extra: FuncMap = {}): TemplateEngine {
  return newTemplateEngine({ ...prometheusFuncs(opts), ...extra }, { missingKey: opts.missingKey ?? 'zero' });
}

/**
 * Expands `text` as Prometheus's Expander.Expand does, with errors worded
 * "error parsing template NAME: …" / "error executing template NAME: …".
 */
export function expandPrometheusTemplate(name: string, text: string, data: GoValue, opts: ExpanderOptions, extra: FuncMap = {}): { ok: true; text: string } | { ok: false; error: string } {
  const engine = prometheusEngine(opts, extra);
  let set;
  try {
    set = engine.parse(name, text);
  } catch (e) {
    if (e instanceof TemplateParseError) return { ok: false, error: `error parsing template ${name}: ${e.message}` };
    return { ok: false, error: `panic expanding template ${name}: ${(e as Error).message}` };
  }
  try {
    return { ok: true, text: set.execute(name, data) };
  } catch (e) {
    if (e instanceof TemplateExecError) return { ok: false, error: `error executing template ${name}: ${e.message}` };
    return { ok: false, error: `panic expanding template ${name}: ${(e as Error).message}` };
  }
}

/** The header rules/alerting.go prepends to every label and annotation template. */
export const ALERT_TEMPLATE_HEADER =
  '{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}{{$externalURL := .ExternalURL}}{{$value := .Value}}';

const ALERT_DATA_TYPE = 'struct { Labels map[string]string; ExternalLabels map[string]string; ExternalURL string; Value interface {} }';

/** template.AlertTemplateData as a template value. */
export function alertTemplateData(data: AlertTemplateData): GoStruct {
  return new GoStruct(ALERT_DATA_TYPE, new Map<string, GoValue>([
    ['Labels', stringMap(data.labels)],
    ['ExternalLabels', stringMap(data.externalLabels)],
    ['ExternalURL', data.externalURL],
    ['Value', data.value],
  ]));
}

/** The template name Prometheus gives an alerting rule's templates. */
export function alertTemplateName(ruleName: string): string {
  return `__alert_${ruleName}`;
}

/**
 * Expands one label or annotation template of alerting rule `name` (the
 * template is named `__alert_<name>`, as in Prometheus) with the standard header.
 */
export function expandAlertTemplate(name: string, text: string, data: AlertTemplateData, opts: { timestampMs: number; query?: TemplateQueryFn }): { ok: true; text: string } | { ok: false; error: string } {
  const full: ExpanderOptions = { timestampMs: opts.timestampMs, externalURL: data.externalURL, ...(opts.query ? { query: opts.query } : {}) };
  return expandPrometheusTemplate(alertTemplateName(name), ALERT_TEMPLATE_HEADER + text, alertTemplateData(data), full);
}

/** The text rules/alerting.go puts in place of a template that failed. */
export function expansionErrorText(error: string): string {
  return `<error expanding template: ${error}>`;
}

/** expandAlertTemplate, with a failure rendered as Prometheus renders it into the label/annotation. */
export function expandAlertText(name: string, text: string, data: AlertTemplateData, opts: { timestampMs: number; query?: TemplateQueryFn }): string {
  const r = expandAlertTemplate(name, text, data, opts);
  return r.ok ? r.text : expansionErrorText(r.error);
}

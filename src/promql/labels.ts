/**
 * Label sets, the identity of a series. A `Labels` is an array of {name, value}
 * sorted by name, with no empty values, treated as immutable once built.
 */
import { goQuote } from '../util/go_quote.js';

/** One label pair. */
export interface Label {
  readonly name: string;
  readonly value: string;
}

/** A sorted, immutable label set. */
export type Labels = readonly Label[];

/** The reserved label holding the metric name. */
export const METRIC_NAME = '__name__';

/** The empty label set. */
export const EMPTY_LABELS: Labels = Object.freeze([]) as Labels;

function byName(a: Label, b: Label): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** Builds a label set from a record, dropping empty values (Prometheus treats "" as absent). */
export function labelsFromRecord(rec: Record<string, string>): Labels {
  const out: Label[] = [];
  for (const name of Object.keys(rec)) {
    const value = rec[name];
    if (value !== undefined && value !== '') out.push({ name, value });
  }
  return out.sort(byName);
}

/** Builds a label set from pairs (later pairs win), dropping empty values. */
export function labelsFromPairs(pairs: Iterable<readonly [string, string]>): Labels {
  const m = new Map<string, string>();
  for (const [n, v] of pairs) m.set(n, v);
  const out: Label[] = [];
  for (const [name, value] of m) if (value !== '') out.push({ name, value });
  return out.sort(byName);
}

/** The label set as a plain record. */
export function labelsToRecord(ls: Labels): Record<string, string> {
  const r: Record<string, string> = {};
  for (const l of ls) r[l.name] = l.value;
  return r;
}

/** The value of label `name`, or "" if absent. */
export function getLabel(ls: Labels, name: string): string {
  for (const l of ls) if (l.name === name) return l.value;
  return '';
}

/** True if the set has a non-empty label `name`. */
export function hasLabel(ls: Labels, name: string): boolean {
  for (const l of ls) if (l.name === name) return true;
  return false;
}

/**
 * A string uniquely identifying the label set, usable as a Map key.
 * Uses separators that cannot occur in valid UTF-8 label text.
 */
export function labelsKey(ls: Labels): string {
  let s = '';
  for (const l of ls) s += l.name + '\xff' + l.value + '\xfe';
  return s;
}

/** Key over only the named labels (for `by`/`on` grouping). */
export function labelsKeyOn(ls: Labels, names: readonly string[]): string {
  let s = '';
  for (const l of ls) if (names.includes(l.name)) s += l.name + '\xff' + l.value + '\xfe';
  return s;
}

/** Key over all labels except the named ones (for `without`/`ignoring`). */
export function labelsKeyWithout(ls: Labels, names: readonly string[]): string {
  let s = '';
  for (const l of ls) if (!names.includes(l.name)) s += l.name + '\xff' + l.value + '\xfe';
  return s;
}

/** Only the named labels. */
export function keepLabels(ls: Labels, names: readonly string[]): Labels {
  return ls.filter((l) => names.includes(l.name));
}

/** All labels but the named ones. */
export function dropLabels(ls: Labels, names: readonly string[]): Labels {
  return ls.filter((l) => !names.includes(l.name));
}

/** The set without its metric name. */
export function dropMetricName(ls: Labels): Labels {
  return hasLabel(ls, METRIC_NAME) ? ls.filter((l) => l.name !== METRIC_NAME) : ls;
}

/** A copy with `name` set to `value` ("" removes it). */
export function withLabel(ls: Labels, name: string, value: string): Labels {
  const out: Label[] = ls.filter((l) => l.name !== name);
  if (value !== '') {
    out.push({ name, value });
    out.sort(byName);
  }
  return out;
}

/** Structural equality of two label sets. */
export function labelsEqual(a: Labels, b: Labels): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    if (a[i]!.name !== b[i]!.name || a[i]!.value !== b[i]!.value) return false;
  }
  return true;
}

/** Orders label sets as Prometheus's labels.Compare does. */
export function compareLabels(a: Labels, b: Labels): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.name !== y.name) return x.name < y.name ? -1 : 1;
    if (x.value !== y.value) return x.value < y.value ? -1 : 1;
  }
  return a.length - b.length;
}

/** Prometheus's textual form: `name{a="b", c="d"}`, or `{a="b"}` without a name. */
export function labelsToString(ls: Labels): string {
  let name = '';
  const parts: string[] = [];
  for (const l of ls) {
    if (l.name === METRIC_NAME) name = l.value;
    else parts.push(`${l.name}=${goQuote(l.value)}`);
  }
  if (name !== '' && parts.length === 0) return name;
  return `${name}{${parts.join(', ')}}`;
}

/** Prometheus's `labels.String()`: every label, the name too, in braces. */
export function labelsToBraces(ls: Labels): string {
  return `{${ls.map((l) => `${l.name}=${goQuote(l.value)}`).join(', ')}}`;
}

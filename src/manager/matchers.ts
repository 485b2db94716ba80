/**
 * Alertmanager's matcher syntax (pkg/labels/parse.go, the classic parser of 0.25):
 * `{a="b", c=~"x|y"}`, braces optional, values quoted or bare. Regexes are RE2, anchored,
 * and `.` does not match a newline (Go's default).
 */
import { newMatcher, type Matcher, type MatchType } from '../promql/matcher.js';
import type { Labels } from '../promql/labels.js';

const MATCHER = /^\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(=~|=|!=|!~)\s*([\s\S]*?)\s*$/;

/** The match type of API v2's `{isRegex, isEqual}` matcher form. */
export function matchTypeOf(isRegex: boolean, isEqual: boolean): MatchType {
  return isRegex ? (isEqual ? '=~' : '!~') : (isEqual ? '=' : '!=');
}

/** Builds an Alertmanager matcher (regexes without dotAll); throws on a bad regex. */
export function amMatcher(type: MatchType, name: string, value: string): Matcher {
  return newMatcher(type, name, value, { dotAll: false });
}

/** Parses one matcher such as `severity=~"warn|crit"`; throws naming the fault. */
export function parseMatcher(text: string): Matcher {
  const m = MATCHER.exec(text);
  if (!m) throw new Error(`bad matcher format: ${text}`);
  let raw = m[3]!;
  let expectQuote = false;
  if (raw.startsWith('"')) {
    raw = raw.slice(1);
    expectQuote = true;
  }
  let value = '';
  let escaped = false;
  const chars = [...raw];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    if (escaped) {
      escaped = false;
      if (c === 'n') value += '\n';
      else if (c === '"' || c === '\\') value += c;
      else value += '\\' + c;
      continue;
    }
    if (c === '\\') {
      if (i < chars.length - 1) escaped = true;
      else value += '\\';
    } else if (c === '"') {
      if (!expectQuote || i < chars.length - 1) throw new Error(`matcher value contains unescaped double quote: ${m[3]}`);
      expectQuote = false;
    } else {
      value += c;
    }
  }
  if (expectQuote) throw new Error(`matcher value contains unescaped double quote: ${m[3]}`);
  try {
    return amMatcher(m[2] as MatchType, m[1]!, value);
  } catch (e) {
    throw new Error(`invalid regular expression in matcher ${text.trim()}: ${(e as Error).message}`);
  }
}

/** Parses a comma-separated list of matchers, braces optional: `{a="b",c!=d}`. */
export function parseMatchers(text: string): Matcher[] {
  let s = text;
  if (s.startsWith('{')) s = s.slice(1);
  if (s.endsWith('}')) s = s.slice(0, -1);
  const tokens: string[] = [];
  let inQuotes = false;
  let escaped = false;
  let token = '';
  for (const c of s) {
    if (c === ',' && !inQuotes) {
      tokens.push(token);
      token = '';
      continue;
    }
    if (c === '"') {
      if (!escaped) inQuotes = !inQuotes;
      else escaped = false;
    } else if (c === '\\') {
      escaped = !escaped;
    } else {
      escaped = false;
    }
    token += c;
  }
  if (token.trim() !== '') tokens.push(token.trim());
  return tokens.map(parseMatcher);
}

const TYPE_ORDER: Record<MatchType, number> = { '=': 0, '!=': 1, '=~': 2, '!~': 3 };

/** Alertmanager's sort order of matchers: name, value, then type. */
export function compareMatchers(a: Matcher, b: Matcher): number {
  if (a.name !== b.name) return a.name < b.name ? -1 : 1;
  if (a.value !== b.value) return a.value < b.value ? -1 : 1;
  return TYPE_ORDER[a.type] - TYPE_ORDER[b.type];
}

/** Matcher.String() in Alertmanager: the value in double quotes, escaping `\`, newline and `"`. */
export function amMatcherString(m: Matcher): string {
  const v = m.value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
  return `${m.name}${m.type}"${v}"`;
}

/** Matchers.String(): `{a="b",c=~"d"}` (no spaces). */
export function amMatchersString(ms: readonly Matcher[]): string {
  return `{${ms.map(amMatcherString).join(',')}}`;
}

/** True when every matcher accepts the label set (an absent label reads as ""). */
export function matchesAll(ms: readonly Matcher[], labels: Labels | Readonly<Record<string, string>>): boolean {
  const get = Array.isArray(labels)
    ? (n: string) => (labels as Labels).find((l) => l.name === n)?.value ?? ''
    : (n: string) => (labels as Record<string, string>)[n] ?? '';
  return ms.every((m) => m.matches(get(m.name)));
}

/**
 * Go regexp behaviour templates depend on: unanchored RE2 matching and
 * ReplaceAllString with Go's `$1` / `${name}` expansion and empty-match rules.
 */

import { translateRE2 } from '../promql/matcher.js';
import { goQuote } from '../util/go_quote.js';

const cache = new Map<string, RegExp>();

/** regexp.Compile: an unanchored, global JS RegExp; throws with Go's message shape. */
export function compileGoRegexp(pattern: string): RegExp {
  const hit = cache.get(pattern);
  if (hit) return hit;
  let re: RegExp;
  try {
    const { source, flags } = translateRE2(pattern, { dotAll: false });
    const inner = source.startsWith('^(?:') && source.endsWith(')$') ? source.slice(4, -2) : source;
    re = new RegExp(inner, flags + 'g');
  } catch (e) {
    throw new Error(`error parsing regexp: ${goRegexpError((e as Error).message, pattern)}`);
  }
  if (cache.size > 1000) cache.clear();
  cache.set(pattern, re);
  return re;
}

/** Words a JS regex syntax error the way Go's regexp/syntax does for the common cases. */
function goRegexpError(jsMessage: string, pattern: string): string {
  const m = jsMessage.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '').replace(/^error parsing regexp: /, '');
  const bq = '`' + pattern + '`';
  if (/Unterminated group/.test(m)) return `missing closing ): ${bq}`;
  if (/Unmatched '\)'/.test(m)) return `unexpected ): ${bq}`;
  if (/Unterminated character class/.test(m)) return `missing closing ]: \`${pattern.slice(pattern.lastIndexOf('['))}\``;
  if (/Nothing to repeat/.test(m)) return `missing argument to repetition operator: ${bq}`;
  if (/\\ at end of pattern/.test(m)) return `trailing backslash at end of expression: \`\``;
  return `invalid regexp: ${m}`;
}

/** regexp.MustCompile's panic text: "regexp: Compile(`x`): error parsing regexp: ...". */
export function mustCompileGoRegexp(pattern: string): RegExp {
  try {
    return compileGoRegexp(pattern);
  } catch (e) {
    const q = /^[^`\x00-\x08\x0a-\x1f\x7f]*$/.test(pattern) ? '`' + pattern + '`' : goQuote(pattern);
    throw new Error(`regexp: Compile(${q}): ${(e as Error).message}`);
  }
}

/** regexp.MatchString: whether any part of s matches. */
export function goMatchString(pattern: string, s: string): boolean {
  const re = compileGoRegexp(pattern);
  re.lastIndex = 0;
  return re.test(s);
}

/** Go's Regexp.Expand of one replacement template for a match. */
function expand(template: string, m: RegExpExecArray): string {
  let out = '';
  let rest = template;
  for (;;) {
    const i = rest.indexOf('$');
    if (i < 0) break;
    out += rest.slice(0, i);
    rest = rest.slice(i + 1);
    if (rest[0] === '$') {
      out += '$';
      rest = rest.slice(1);
      continue;
    }
    const ex = /^(\{)?([\p{L}\p{Nd}_]+)/u.exec(rest);
    if (!ex || (ex[1] && rest[ex[0].length] !== '}')) {
      out += '$';
      continue;
    }
    const name = ex[2]!;
    rest = rest.slice(ex[0].length + (ex[1] ? 1 : 0));
    const num = /^\d+$/.test(name) && !(name[0] === '0' && name.length > 1) && name.length <= 8 ? Number(name) : -1;
    if (num >= 0) {
      if (num < m.length && m[num] !== undefined) out += m[num];
    } else if (m.groups && m.groups[name] !== undefined) {
      out += m.groups[name];
    }
  }
  return out + rest;
}

/** Regexp.ReplaceAllString: empty matches right after a previous match are skipped, as in Go. */
export function goReplaceAllString(re: RegExp, src: string, repl: string): string {
  re.lastIndex = 0;
  let out = '';
  let lastEnd = 0;
  let prevMatchEnd = -1;
  let searchPos = 0;
  while (searchPos <= src.length) {
    re.lastIndex = searchPos;
    const m = re.exec(src);
    if (!m) break;
    const start = m.index;
    const end = start + m[0].length;
    if (m[0].length === 0 && start === prevMatchEnd) {
      // Advance one code point and retry.
      const cp = src.codePointAt(start);
      searchPos = start + (cp !== undefined && cp > 0xffff ? 2 : 1);
      if (start >= src.length) break;
      continue;
    }
    out += src.slice(lastEnd, start) + expand(repl, m);
    lastEnd = end;
    prevMatchEnd = end;
    if (end === start) {
      const cp = src.codePointAt(start);
      searchPos = start + (cp !== undefined && cp > 0xffff ? 2 : 1);
    } else {
      searchPos = end;
    }
  }
  return out + src.slice(lastEnd);
}

/**
 * Label matchers (`=`, `!=`, `=~`, `!~`). Regexes are RE2 syntax, fully anchored,
 * translated once to a JS RegExp when the matcher is built.
 */
import { re2SyntaxError } from './re2_syntax.js';

export type MatchType = '=' | '!=' | '=~' | '!~';

/** A compiled label matcher. */
export interface Matcher {
  readonly type: MatchType;
  readonly name: string;
  readonly value: string;
  /** Tests a label value ("" when the label is absent). */
  matches(v: string): boolean;
}

/** Options for regex translation. */
export interface RegexOptions {
  /** Prometheus 3 lets `.` match newlines; 2.x does not. Default true. */
  readonly dotAll?: boolean;
}

/** Thrown when a regex is not valid RE2 (or uses RE2 syntax we cannot translate). */
export class RegexError extends Error {}

const POSIX_CLASSES: Record<string, string> = {
  alnum: '0-9A-Za-z', alpha: 'A-Za-z', ascii: '\\x00-\\x7F', blank: '\\t ',
  cntrl: '\\x00-\\x1F\\x7F', digit: '0-9', graph: '!-~', lower: 'a-z',
  print: ' -~', punct: '!-\\/:-@\\[-`{-~', space: '\\t\\n\\v\\f\\r ',
  upper: 'A-Z', word: '0-9A-Za-z_', xdigit: '0-9A-Fa-f',
};

function escapeLiteral(s: string): string {
  return s.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
}

/** Translates RE2 syntax to an equivalent JS regex source and flags. */
export function translateRE2(re: string, opts: RegexOptions = {}): { source: string; flags: string } {
  let flags = opts.dotAll === false ? '' : 's';
  let src = re;
  // Leading flag groups such as (?i) or (?is); JS has no inline modifiers on Node 20.
  const lead = /^\(\?([imsU]+)\)/.exec(src);
  if (lead) {
    for (const f of lead[1]!) {
      if (f === 'i' && !flags.includes('i')) flags += 'i';
      if (f === 's' && !flags.includes('s')) flags += 's';
      if (f === 'm' && !flags.includes('m')) flags += 'm';
      // U (ungreedy) cannot change whether an anchored pattern matches; JS has no such flag.
    }
    src = src.slice(lead[0].length);
  }
  let out = '';
  let inClass = false;
  const names = new Set<string>();
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (c === '\\') {
      const n = src[i + 1];
      if (n === undefined) throw new RegexError(`error parsing regexp: trailing backslash at end of expression: \`${re}\``);
      if (n === 'Q') {
        const end = src.indexOf('\\E', i + 2);
        const lit = end < 0 ? src.slice(i + 2) : src.slice(i + 2, end);
        out += escapeLiteral(lit);
        i = end < 0 ? src.length : end + 1;
        continue;
      }
      if (n === 'z' && !inClass) { out += '$(?![\\s\\S])'; i++; continue; }
      if (n === 'A' && !inClass) { out += '^'; i++; continue; }
      out += c + n;
      i++;
      continue;
    }
    if (inClass) {
      if (c === '[' && src[i + 1] === ':') {
        const m = /^\[:(\^?)([a-z]+):\]/.exec(src.slice(i));
        if (m && POSIX_CLASSES[m[2]!] !== undefined) {
          if (m[1]) throw new RegexError(`negated POSIX class unsupported in regex ${JSON.stringify(re)}`);
          out += POSIX_CLASSES[m[2]!];
          i += m[0].length - 1;
          continue;
        }
      }
      if (c === ']') inClass = false;
      out += c === '/' ? '\\/' : c;
      continue;
    }
    if (c === '[') {
      inClass = true;
      out += c;
      if (src[i + 1] === '^') { out += '^'; i++; }
      if (src[i + 1] === ']') { out += '\\]'; i++; }
      continue;
    }
    if (c === '(' && src[i + 1] === '?' && src[i + 2] === 'P' && src[i + 3] === '<') {
      // RE2 allows a name twice, JS does not: a repeated name becomes a plain group (same number).
      const end = src.indexOf('>', i + 4);
      const name = src.slice(i + 4, end);
      if (names.has(name)) {
        out += '(';
        i = end;
        continue;
      }
      names.add(name);
      out += '(?<';
      i += 3;
      continue;
    }
    out += c;
  }
  return { source: `^(?:${out})$`, flags };
}

/** Compiles an RE2 regex as an anchored JS RegExp; throws RegexError when invalid. */
export function compileRE2(re: string, opts: RegexOptions = {}): RegExp {
  // Prometheus compiles the anchored form, so Go's error fragments are taken from it.
  const syntaxError = re2SyntaxError(`^(?:${re})$`);
  if (syntaxError !== null) throw new RegexError(syntaxError);
  const { source, flags } = translateRE2(re, opts);
  try {
    return new RegExp(source, flags);
  } catch (e) {
    throw new RegexError(`error parsing regexp: ${(e as Error).message.replace(/^Invalid regular expression: /, '')}`);
  }
}

/** A fast test for regexes that are plain alternations of literals, e.g. `a|b|c`. */
function literalSet(re: string): Set<string> | null {
  if (!/^[A-Za-z0-9_:\-| ]*$/.test(re) || re.includes('-')) return null;
  return new Set(re.split('|'));
}

/** Builds a matcher; throws RegexError for an invalid regex. */
export function newMatcher(type: MatchType, name: string, value: string, opts: RegexOptions = {}): Matcher {
  let test: (v: string) => boolean;
  if (type === '=' || type === '!=') {
    test = (v) => v === value;
  } else if (value === '.*') {
    test = () => true;
  } else if (value === '.+' && opts.dotAll !== false) {
    test = (v) => v !== '';
  } else {
    const set = literalSet(value);
    if (set) {
      test = (v) => set.has(v);
    } else {
      const rx = compileRE2(value, opts);
      test = (v) => rx.test(v);
    }
  }
  const negate = type === '!=' || type === '!~';
  return {
    type,
    name,
    value,
    matches: negate ? (v) => !test(v) : test,
  };
}

/** Prometheus's String() of a matcher: `name="value"`. */
export function matcherToString(m: Matcher): string {
  return `${m.name}${m.type}${JSON.stringify(m.value)}`;
}

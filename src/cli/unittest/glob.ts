/** Go's filepath.Glob: `*`, `?`, `[...]` and `\` escapes within one path segment, matches sorted. */
import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** A malformed pattern, with Go's message. */
export class GlobPatternError extends Error {
  override name = 'GlobPatternError';
  constructor() {
    super('syntax error in pattern');
  }
}

function hasMeta(s: string): boolean {
  return /[*?[\\]/.test(s);
}

/** Translates one segment's pattern to an anchored RegExp (Go's filepath.Match syntax). */
function segmentRegExp(pat: string): RegExp {
  let re = '';
  for (let i = 0; i < pat.length; i++) {
    const c = pat[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '\\') {
      if (i + 1 >= pat.length) throw new GlobPatternError();
      re += escapeRe(pat[++i]!);
    } else if (c === '[') {
      let j = i + 1;
      let cls = '';
      if (pat[j] === '^') {
        cls += '^';
        j++;
      }
      let first = true;
      for (; j < pat.length && (pat[j] !== ']' || first); j++) {
        first = false;
        let ch = pat[j]!;
        if (ch === '\\') {
          if (j + 1 >= pat.length) throw new GlobPatternError();
          ch = pat[++j]!;
        }
        cls += ch === '-' && pat[j - 1] !== '\\' ? '-' : escapeRe(ch);
      }
      if (j >= pat.length || cls === '' || cls === '^') throw new GlobPatternError();
      re += `[${cls}]`;
      i = j;
    } else re += escapeRe(c);
  }
  return new RegExp(`^${re}$`, 'u');
}

function escapeRe(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

function exists(p: string): boolean {
  try {
    lstatSync(p);
    return true;
  } catch {
    return false;
  }
}

/** Expands `pattern` to the existing paths it matches, as Go's filepath.Glob. */
export function glob(pattern: string): string[] {
  if (!hasMeta(pattern)) return exists(pattern) ? [pattern] : [];
  const slash = pattern.lastIndexOf('/');
  const dir = slash < 0 ? '' : slash === 0 ? '/' : pattern.slice(0, slash);
  const file = pattern.slice(slash + 1);
  const re = segmentRegExp(file);
  const dirs = hasMeta(dir) ? glob(dir) : [dir];
  const out: string[] = [];
  for (const d of dirs) {
    let names: string[];
    try {
      names = readdirSync(d === '' ? '.' : d);
    } catch {
      continue;
    }
    names.sort();
    for (const n of names) if (re.test(n)) out.push(d === '' ? n : join(d, n));
  }
  return out;
}

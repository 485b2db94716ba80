/**
 * Notification templates (Alertmanager template.Template): the default templates, then the
 * user's `templates:` files (globs), and ExecuteTextString: a config field's text parsed
 * beside them (missingkey=zero) and run with the notification's data.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { systemClock, type Clock } from '../clock.js';
import { newTemplateEngine, type TemplateEngine, type TemplateSet } from '../template/engine.js';
import type { GoValue } from '../template/values.js';
import { DEFAULT_TEMPLATES } from './templates_default.js';
import { alertmanagerFuncs } from './templates_funcs.js';

export { templateData, type NotificationInput } from './templates_data.js';

/** A templates file that could not be read or parsed. */
export class TemplateLoadError extends Error {
  constructor(readonly file: string, message: string) {
    super(`${file}: ${message}`);
    this.name = 'TemplateLoadError';
  }
}

/** One parsed source: a file name and its text. */
export interface TemplateSource {
  readonly name: string;
  readonly text: string;
}

const META = /[*?[\\]/;

/** Go's path.Match for one path element: `*`, `?`, `[...]` classes (with `^` negation), `\` escapes. */
export function globToRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '\\' && i + 1 < pattern.length) re += `\\${pattern[++i]}`;
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) throw new Error(`syntax error in pattern ${JSON.stringify(pattern)}`);
      let cls = pattern.slice(i + 1, end);
      if (cls.startsWith('^')) cls = `^${cls.slice(1).replace(/[\]\\^]/g, '\\$&')}`;
      else cls = cls.replace(/[\]\\^]/g, '\\$&');
      re += `[${cls}]`;
      i = end;
    } else re += c.replace(/[.+(){}|$^/]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** filepath.Glob: the files matching `pattern`, sorted; no match is not an error. */
export function glob(pattern: string): string[] {
  const abs = isAbsolute(pattern);
  const parts = pattern.split('/').filter((p, i) => p !== '' || i === 0);
  let paths = [abs ? '/' : '.'];
  for (const part of abs ? parts.slice(1) : parts) {
    const next: string[] = [];
    for (const dir of paths) {
      if (!META.test(part)) {
        const p = join(dir, part);
        try {
          statSync(p);
          next.push(p);
        } catch {
          // A missing element just matches nothing.
        }
        continue;
      }
      const re = globToRegExp(part);
      let names: string[];
      try {
        names = readdirSync(dir);
      } catch {
        continue;
      }
      for (const n of names.sort()) if (re.test(n)) next.push(join(dir, n));
    }
    paths = next;
  }
  return paths;
}

/** Reads the files of `templates:` globs (relative ones from `baseDir`), in glob order. */
export function readTemplateFiles(globs: readonly string[], baseDir = '.'): TemplateSource[] {
  const out: TemplateSource[] = [];
  for (const g of globs) {
    const pattern = isAbsolute(g) ? g : resolve(baseDir, g);
    let files: string[];
    try {
      files = glob(pattern);
    } catch (e) {
      throw new TemplateLoadError(g, (e as Error).message);
    }
    for (const f of files) {
      try {
        out.push({ name: f, text: readFileSync(f, 'utf8') });
      } catch (e) {
        throw new TemplateLoadError(f, (e as Error).message);
      }
    }
  }
  return out;
}

/** The notification templates of one config: defaults, then user files. */
export class NotifyTemplates {
  private readonly engine: TemplateEngine;
  private readonly base: TemplateSet;
  /** Each config text, parsed once beside the defined templates (they are finite: the config's). */
  private readonly cache = new Map<string, TemplateSet>();

  /** Parses the sources after the defaults; throws TemplateLoadError naming the file. */
  constructor(readonly sources: readonly TemplateSource[] = [], clock: Clock = systemClock) {
    this.engine = newTemplateEngine(alertmanagerFuncs(clock), { missingKey: 'zero' });
    this.base = this.fresh();
  }

  /** Loads `templates:` globs of a config whose file sits in `baseDir`. */
  static fromGlobs(globs: readonly string[], baseDir = '.', clock: Clock = systemClock): NotifyTemplates {
    return new NotifyTemplates(readTemplateFiles(globs, baseDir), clock);
  }

  private fresh(): TemplateSet {
    const set = this.engine.newSet();
    set.parse('default.tmpl', DEFAULT_TEMPLATES);
    for (const s of this.sources) {
      try {
        set.parse(s.name.split('/').pop()!, s.text);
      } catch (e) {
        throw new TemplateLoadError(s.name, (e as Error).message);
      }
    }
    return set;
  }

  /** Whether a template of that name is defined. */
  has(name: string): boolean {
    return this.base.has(name);
  }

  /** Runs a defined template by name. */
  executeTemplate(name: string, data: GoValue): string {
    return this.base.execute(name, data);
  }

  /** ExecuteTextString: `text` may call any defined template; "" gives "". Throws on bad templates. */
  text(text: string, data: GoValue): string {
    if (text === '') return '';
    let set = this.cache.get(text);
    if (set === undefined) {
      // Go clones the set so {{define}}s in a field never leak into other fields.
      set = this.fresh().parse('', text);
      this.cache.set(text, set);
    }
    return set.execute('', data);
  }
}

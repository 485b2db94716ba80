/**
 * The public face of the template engine: a function map plus options, from
 * which template sets are parsed and executed. Prometheus's alert templates
 * and the alert manager's notification templates both build on this.
 */

import { BUILTINS } from './builtins.js';
import { execute, type MissingKey } from './exec.js';
import { GoTime } from './gotime.js';
import { parseTemplate, type Tree } from './parse.js';
import { anyMap, type GoValue, type TemplateFunc } from './values.js';

/** Functions by name, as Go's template.FuncMap. */
export type FuncMap = Readonly<Record<string, TemplateFunc>>;

/** Options as Go's Template.Option. */
export interface TemplateOptions {
  /** Go's missingkey option; Prometheus uses "zero". Default "default" (prints "<no value>"). */
  readonly missingKey?: MissingKey;
}

/** A set of associated templates (Go's *template.Template with its defined templates). */
export class TemplateSet {
  private readonly trees = new Map<string, Tree>();
  /** Names still bound to Go's builtins; a user function of the same name is an ordinary function. */
  private readonly builtins: ReadonlySet<string>;

  constructor(
    private readonly funcs: ReadonlyMap<string, TemplateFunc>,
    private readonly missingKey: MissingKey,
  ) {
    this.builtins = new Set([...BUILTINS].filter(([n, f]) => funcs.get(n) === f).map(([n]) => n));
  }

  /**
   * Parses `text` as template `name` into this set; its {{define}}s join the set,
   * replacing same-named templates from earlier parses. Throws TemplateParseError.
   */
  parse(name: string, text: string): this {
    const trees = parseTemplate(name, text, (fn) => this.funcs.has(fn));
    for (const [n, t] of trees) this.trees.set(n, t);
    return this;
  }

  /** Whether a template of that name is defined. */
  has(name: string): boolean {
    return this.trees.has(name);
  }

  /** The names of all templates in the set, sorted. */
  names(): string[] {
    return [...this.trees.keys()].sort();
  }

  /** Executes template `name` with `data` as dot. Throws TemplateExecError. */
  execute(name: string, data: GoValue): string {
    return execute({ trees: this.trees, funcs: this.funcs, builtins: this.builtins, missingKey: this.missingKey }, name, data);
  }
}

/** A function map and options from which template sets are made. */
export class TemplateEngine {
  private readonly funcs: ReadonlyMap<string, TemplateFunc>;

  constructor(
    private readonly userFuncs: FuncMap = {},
    private readonly options: TemplateOptions = {},
  ) {
    const all = new Map(BUILTINS);
    for (const [k, v] of Object.entries(userFuncs)) all.set(k, v);
    this.funcs = all;
  }

  /** A new, empty template set using this engine's functions. */
  newSet(): TemplateSet {
    return new TemplateSet(this.funcs, this.options.missingKey ?? 'default');
  }

  /** Parses one template text into a new set (Go's template.New(name).Funcs(f).Parse(text)). */
  parse(name: string, text: string): TemplateSet {
    return this.newSet().parse(name, text);
  }

  /** Parses and executes in one step. */
  expand(name: string, text: string, data: GoValue): string {
    return this.parse(name, text).execute(name, data);
  }

  /** A new engine with more functions (later ones override earlier, as Go's Funcs). */
  withFuncs(funcs: FuncMap): TemplateEngine {
    return new TemplateEngine({ ...this.userFuncs, ...funcs }, this.options);
  }
}

/** Builds an engine from a function map (Go's builtins are always present, user functions override them). */
export function newTemplateEngine(funcs: FuncMap = {}, options: TemplateOptions = {}): TemplateEngine {
  return new TemplateEngine(funcs, options);
}

/**
 * Converts plain JS data to template values: numbers become float64, arrays
 * []interface{}, plain objects map[string]interface{}, Dates *time.Time (UTC), null no value.
 */
export function toGoValue(v: unknown): GoValue {
  // A nil interface is Go's invalid value in templates: it prints "<no value>".
  if (v === undefined || v === null) return undefined;
  switch (typeof v) {
    case 'string':
    case 'number':
    case 'bigint':
    case 'boolean':
      return v;
  }
  if (Array.isArray(v)) return v.map(toGoValue);
  if (v instanceof Date) return new GoTime(v.getTime());
  if (typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype) {
    const m = new Map<string, GoValue>();
    for (const [k, x] of Object.entries(v)) m.set(k, toGoValue(x));
    return anyMap(m);
  }
  return v as GoValue;
}

/**
 * The values a template handles, modelled on the Go types Prometheus and
 * Alertmanager pass to text/template. Go's int and float64 stay distinct
 * (bigint vs number) because they print and compare differently.
 *
 *   undefined  an invalid reflect.Value: a missing field, a nil interface ("<no value>")
 *   null       a nil pointer or the literal nil
 *   boolean, string, number (float64), bigint (int)
 *   GoValue[]  a []interface{}
 *   GoObject   maps, structs, named slices, times, functions
 */

/** Any value a template can hold. */
export type GoValue = undefined | null | boolean | string | number | bigint | readonly GoValue[] | GoObject;

/** What a function parameter accepts; names a Go type for error messages. */
export type ParamType =
  | 'string'
  | 'float64'
  | 'int'
  | 'bool'
  | 'any'
  /** A reflect.Value parameter: gets the raw value, as and/or/eq/index do in Go. */
  | 'value'
  | { readonly name: string; readonly accepts: (v: GoValue) => boolean; readonly nilable: boolean };

/** A function callable from templates. Throwing an Error is Go's returned error. */
export interface TemplateFunc {
  readonly params: readonly ParamType[];
  /** The element type of a trailing `...` parameter, when the function is variadic. */
  readonly variadic?: ParamType;
  readonly fn: (...args: GoValue[]) => GoValue;
}

/** Shorthand for declaring a TemplateFunc. */
export function goFunc(params: readonly ParamType[], fn: (...args: any[]) => GoValue, variadic?: ParamType): TemplateFunc {
  return variadic === undefined ? { params, fn } : { params, fn, variadic };
}

/** A value of a Go type that is not a JS primitive. */
export abstract class GoObject {
  /** The Go type as reflect prints it, e.g. "map[string]string". */
  abstract readonly goType: string;
  /** The reflect kind, which decides truth, len, range, index and printing. */
  abstract readonly kind: 'map' | 'struct' | 'slice' | 'ptr' | 'func' | 'opaque';
  /** A method callable as `.Name`; methods win over fields as in Go. */
  method(_name: string): TemplateFunc | undefined {
    return undefined;
  }
  /** String() when the type is a fmt.Stringer or error. */
  stringer(): string | undefined {
    return undefined;
  }
}

/** A Go map with string keys; `zero` is the element type's zero value (missingkey=zero). */
export class GoMap extends GoObject {
  readonly kind = 'map' as const;
  constructor(
    readonly goType: string,
    readonly entries: ReadonlyMap<string, GoValue>,
    readonly zero: GoValue,
  ) {
    super();
  }
  /** Keys in Go's sorted order (fmt and range sort map keys). */
  sortedKeys(): string[] {
    return [...this.entries.keys()].sort(compareGoStrings);
  }
}

/** A map[string]string, e.g. $labels. */
export function stringMap(rec: Readonly<Record<string, string>>): GoMap {
  return new GoMap('map[string]string', new Map(Object.entries(rec)), '');
}

/** A map[string]interface{}. */
export function anyMap(rec: Readonly<Record<string, GoValue>> | ReadonlyMap<string, GoValue>): GoMap {
  const m = rec instanceof Map ? rec : new Map(Object.entries(rec));
  return new GoMap('map[string]interface {}', m, undefined);
}

/** A struct (or pointer to struct when `pointer`), with fields in declaration order. */
export class GoStruct extends GoObject {
  readonly kind: 'struct' | 'ptr';
  constructor(
    readonly goType: string,
    readonly fields: ReadonlyMap<string, GoValue>,
    pointer = false,
    private readonly methods: Readonly<Record<string, TemplateFunc>> = {},
  ) {
    super();
    this.kind = pointer ? 'ptr' : 'struct';
  }
  override method(name: string): TemplateFunc | undefined {
    return Object.prototype.hasOwnProperty.call(this.methods, name) ? this.methods[name] : undefined;
  }
}

/** A named slice type such as Prometheus's queryResult. */
export class GoSlice extends GoObject {
  readonly kind = 'slice' as const;
  constructor(
    readonly goType: string,
    readonly items: readonly GoValue[],
  ) {
    super();
  }
}

/** A function value, for `call`. */
export class GoFuncValue extends GoObject {
  readonly kind = 'func' as const;
  constructor(
    readonly goType: string,
    readonly func: TemplateFunc,
  ) {
    super();
  }
}

/** The Go type name of a value, as %T and error messages print it. */
export function typeName(v: GoValue): string {
  if (v === undefined || v === null) return '<nil>';
  switch (typeof v) {
    case 'boolean': return 'bool';
    case 'string': return 'string';
    case 'number': return 'float64';
    case 'bigint': return 'int';
  }
  if (Array.isArray(v)) return '[]interface {}';
  return (v as GoObject).goType;
}

/** The elements of a slice value, or undefined for a non-slice. */
export function sliceItems(v: GoValue): readonly GoValue[] | undefined {
  if (Array.isArray(v)) return v;
  if (v instanceof GoSlice) return v.items;
  return undefined;
}

/** Go's truth for if/with/and/or/not; `ok` false when the type has none. */
export function isTrue(v: GoValue): { truth: boolean; ok: boolean } {
  if (v === undefined || v === null) return { truth: false, ok: true };
  switch (typeof v) {
    case 'boolean': return { truth: v, ok: true };
    case 'string': return { truth: v.length > 0, ok: true };
    case 'number': return { truth: v !== 0, ok: true };
    case 'bigint': return { truth: v !== 0n, ok: true };
  }
  const items = sliceItems(v);
  if (items) return { truth: items.length > 0, ok: true };
  if (v instanceof GoMap) return { truth: v.entries.size > 0, ok: true };
  return { truth: true, ok: true };
}

/** Orders strings by UTF-8 bytes, as Go compares strings. */
export function compareGoStrings(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // UTF-16 order differs from code point order only between surrogates and U+E000..U+FFFF.
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs !== ys && Math.max(x, y) >= 0xe000) return xs ? 1 : -1;
    return x < y ? -1 : 1;
  }
  return a.length - b.length;
}

/** UTF-8 byte length of a string, Go's len(s). */
export function byteLength(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

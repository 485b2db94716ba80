/**
 * text/template's predefined functions (and, or, not, len, index, slice, call,
 * print, printf, println, html, js, urlquery, eq, ne, lt, le, gt, ge) with
 * Go's semantics and error texts.
 */

import { sprint, sprintf, sprintln } from './printf.js';
import { isPrint } from '../util/go_quote.js';
import {
  GoFuncValue, GoMap, GoSlice, goFunc, isTrue, sliceItems, typeName,
  type GoValue, type TemplateFunc,
} from './values.js';

type Kind = 'invalid' | 'bool' | 'int' | 'float' | 'string' | 'other';

function basicKind(v: GoValue): Kind {
  if (v === undefined || v === null) return 'invalid';
  switch (typeof v) {
    case 'boolean': return 'bool';
    case 'bigint': return 'int';
    case 'number': return 'float';
    case 'string': return 'string';
  }
  return 'other';
}

const errBadComparisonType = 'invalid type for comparison';
const errBadComparison = 'incompatible types for comparison';
const errNoComparison = 'missing argument for comparison';

function eq(arg1: GoValue, ...rest: GoValue[]): boolean {
  if (rest.length === 0) throw new Error(errNoComparison);
  const k1 = basicKind(arg1);
  for (const arg of rest) {
    const k2 = basicKind(arg);
    let truth = false;
    if (k1 !== k2) {
      if (k1 !== 'invalid' && k2 !== 'invalid') throw new Error(errBadComparison);
    } else if (k1 === 'invalid') {
      truth = true;
    } else if (k1 === 'other') {
      if (sliceItems(arg1) || arg1 instanceof GoMap) throw new Error(`non-comparable type ${sprint([arg1])}: ${typeName(arg1)}`);
      truth = arg1 === arg;
    } else {
      truth = arg1 === arg;
    }
    if (truth) return true;
  }
  return false;
}

function lt(arg1: GoValue, arg2: GoValue): boolean {
  const k1 = basicKind(arg1);
  const k2 = basicKind(arg2);
  if (k1 === 'invalid' || k1 === 'other' || k2 === 'invalid' || k2 === 'other') throw new Error(errBadComparisonType);
  if (k1 !== k2) throw new Error(errBadComparison);
  if (k1 === 'bool') throw new Error(errBadComparisonType);
  return (arg1 as string | number | bigint) < (arg2 as string | number | bigint);
}

function le(a: GoValue, b: GoValue): boolean {
  return lt(a, b) || eq(a, b);
}

function indexArg(index: GoValue, cap: number): number {
  if (index === undefined || index === null) throw new Error('cannot index slice/array with nil');
  if (typeof index !== 'bigint') throw new Error(`cannot index slice/array with type ${typeName(index)}`);
  if (index < 0n || index > BigInt(cap)) throw new Error(`index out of range: ${index}`);
  return Number(index);
}

function index(item: GoValue, ...indexes: GoValue[]): GoValue {
  if (item === undefined) throw new Error('index of untyped nil');
  for (const ix of indexes) {
    if (item === null || item === undefined) throw new Error('index of nil pointer');
    const items = sliceItems(item);
    if (items || typeof item === 'string') {
      const bytes: Buffer | undefined = typeof item === 'string' ? Buffer.from(item, 'utf8') : undefined;
      const len = bytes ? bytes.length : items!.length;
      const x = indexArg(ix, len);
      if (x >= len) throw new Error(`index out of range: ${x}`);
      item = bytes ? BigInt(bytes[x]!) : items![x];
    } else if (item instanceof GoMap) {
      if (ix === undefined || ix === null) throw new Error('value is nil; should be of type string');
      if (typeof ix !== 'string') throw new Error(`value has type ${typeName(ix)}; should be string`);
      item = item.entries.has(ix) ? item.entries.get(ix) : item.zero;
    } else {
      throw new Error(`can't index item of type ${typeName(item)}`);
    }
  }
  return item === null ? undefined : item;
}

function slice(item: GoValue, ...indexes: GoValue[]): GoValue {
  if (item === undefined || item === null) throw new Error('slice of untyped nil');
  if (indexes.length > 3) throw new Error(`too many slice indexes: ${indexes.length}`);
  const items = sliceItems(item);
  let len: number;
  if (typeof item === 'string') {
    if (indexes.length === 3) throw new Error('cannot 3-index slice a string');
    len = Buffer.byteLength(item, 'utf8');
  } else if (items) {
    len = items.length;
  } else {
    throw new Error(`can't slice item of type ${typeName(item)}`);
  }
  const idx = [0, len, len];
  indexes.forEach((ix, i) => {
    idx[i] = indexArg(ix, len);
  });
  if (idx[0]! > idx[1]!) throw new Error(`invalid slice index: ${idx[0]} > ${idx[1]}`);
  if (indexes.length === 3 && idx[1]! > idx[2]!) throw new Error(`invalid slice index: ${idx[1]} > ${idx[2]}`);
  if (typeof item === 'string') return Buffer.from(item, 'utf8').subarray(idx[0], idx[1]).toString('utf8');
  const part = items!.slice(idx[0], idx[1]);
  return item instanceof GoSlice ? new GoSlice(item.goType, part) : part;
}

function length(item: GoValue): bigint {
  if (item === undefined) throw new Error('reflect: call of reflect.Value.Type on zero Value');
  if (item === null) throw new Error('len of nil pointer');
  if (typeof item === 'string') return BigInt(Buffer.byteLength(item, 'utf8'));
  const items = sliceItems(item);
  if (items) return BigInt(items.length);
  if (item instanceof GoMap) return BigInt(item.entries.size);
  throw new Error(`len of type ${typeName(item)}`);
}

/** Go's evalArgs for html/js/urlquery: one string as-is, else fmt.Sprint with "<no value>" for nil. */
function evalArgs(args: GoValue[]): string {
  if (args.length === 1 && typeof args[0] === 'string') return args[0];
  return sprint(args.map((a) => (a === null || a === undefined ? '<no value>' : a)));
}

/** template.HTMLEscapeString. */
export function htmlEscape(s: string): string {
  return s.replace(/[\0"'&<>]/g, (c) => {
    switch (c) {
      case '\0': return '\uFFFD';
      case '"': return '&#34;';
      case "'": return '&#39;';
      case '&': return '&amp;';
      case '<': return '&lt;';
      default: return '&gt;';
    }
  });
}

/** template.JSEscapeString. */
export function jsEscape(s: string): string {
  let out = '';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    switch (ch) {
      case '\\': out += '\\\\'; continue;
      case "'": out += "\\'"; continue;
      case '"': out += '\\"'; continue;
      case '<': out += '\\u003C'; continue;
      case '>': out += '\\u003E'; continue;
      case '&': out += '\\u0026'; continue;
      case '=': out += '\\u003D'; continue;
    }
    if (cp < 0x20) out += '\\u00' + cp.toString(16).toUpperCase().padStart(2, '0');
    else if (cp < 0x80 || isPrint(cp)) out += ch;
    else out += '\\u' + cp.toString(16).toUpperCase().padStart(4, '0');
  }
  return out;
}

/** url.QueryEscape: unreserved bytes kept, space as '+', the rest %XX. */
export function queryEscape(s: string): string {
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9\-_.~]/.test(c)) out += c;
    else if (c === ' ') out += '+';
    else out += '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

function call(fn: GoValue, ...args: GoValue[]): GoValue {
  if (fn === undefined || fn === null) throw new Error('call of nil');
  if (!(fn instanceof GoFuncValue)) throw new Error(`non-function of type ${typeName(fn)}`);
  const f = fn.func;
  const fixed = f.params.length;
  if (f.variadic === undefined ? args.length !== fixed : args.length < fixed) {
    throw new Error(`wrong number of args: got ${args.length} want ${fixed}`);
  }
  return f.fn(...args);
}

/** The builtin function table, keyed by name. */
export const BUILTINS: ReadonlyMap<string, TemplateFunc> = new Map<string, TemplateFunc>([
  ['and', goFunc(['value'], () => undefined, 'value')],
  ['or', goFunc(['value'], () => undefined, 'value')],
  ['not', goFunc(['value'], (v: GoValue) => !isTrue(v).truth)],
  ['len', goFunc(['value'], length)],
  ['index', goFunc(['value'], index, 'value')],
  ['slice', goFunc(['value'], slice, 'value')],
  ['call', goFunc(['value'], call, 'value')],
  ['print', goFunc([], (...a: GoValue[]) => sprint(a), 'any')],
  ['printf', goFunc(['string'], (f: string, ...a: GoValue[]) => sprintf(f, a), 'any')],
  ['println', goFunc([], (...a: GoValue[]) => sprintln(a), 'any')],
  ['html', goFunc([], (...a: GoValue[]) => htmlEscape(evalArgs(a)), 'any')],
  ['js', goFunc([], (...a: GoValue[]) => jsEscape(evalArgs(a)), 'any')],
  ['urlquery', goFunc([], (...a: GoValue[]) => queryEscape(evalArgs(a)), 'any')],
  ['eq', goFunc(['value'], eq, 'value')],
  ['ne', goFunc(['value', 'value'], (a: GoValue, b: GoValue) => !eq(a, b))],
  ['lt', goFunc(['value', 'value'], lt)],
  ['le', goFunc(['value', 'value'], le)],
  ['gt', goFunc(['value', 'value'], (a: GoValue, b: GoValue) => !le(a, b))],
  ['ge', goFunc(['value', 'value'], (a: GoValue, b: GoValue) => !lt(a, b))],
]);

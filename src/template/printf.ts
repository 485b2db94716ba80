/**
 * Go's fmt as templates reach it (print, printf, println and the printing of
 * action results): verbs %v %s %d %f %e %g %q %x %X %t %c %o %b %U %T %%,
 * flags, width and precision (also `*` and `[n]`), and fmt's in-band error
 * strings such as %!d(string=x), %!s(MISSING) and %!(EXTRA int=1).
 */

import { formatFloat, type FloatFormat } from './strconv.js';
import { goQuote, quoteRune } from '../util/go_quote.js';
import { GoMap, GoObject, GoStruct, sliceItems, typeName, type GoValue } from './values.js';

interface Flags {
  plus: boolean;
  minus: boolean;
  sharp: boolean;
  space: boolean;
  zero: boolean;
  plusV: boolean;
  sharpV: boolean;
  wid: number;
  widPresent: boolean;
  prec: number;
  precPresent: boolean;
}

function noFlags(): Flags {
  return {
    plus: false, minus: false, sharp: false, space: false, zero: false, plusV: false, sharpV: false,
    wid: 0, widPresent: false, prec: 0, precPresent: false,
  };
}

function runeCount(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

function pad(s: string, f: Flags): string {
  if (!f.widPresent || f.wid === 0) return s;
  const width = f.wid - runeCount(s);
  if (width <= 0) return s;
  if (f.minus) return s + ' '.repeat(width);
  return (f.zero ? '0' : ' ').repeat(width) + s;
}

function badVerb(verb: string, arg: GoValue, f: Flags): string {
  if (arg === undefined || arg === null) return `%!${verb}(<nil>)`;
  return `%!${verb}(${typeName(arg)}=${printArg(arg, 'v', f, 0)})`;
}

function fmtBool(v: boolean, verb: string, f: Flags): string {
  if (verb === 't' || verb === 'v') return pad(v ? 'true' : 'false', f);
  return badVerb(verb, v, f);
}

function fmtIntegerBase(v: bigint, base: number, verb: string, f: Flags, upper: boolean): string {
  const negative = v < 0n;
  const u = negative ? -v : v;
  let prec = 0;
  if (f.precPresent) {
    prec = f.prec;
    if (prec === 0 && u === 0n) return pad('', { ...f, zero: false });
  } else if (f.zero && !f.minus && f.widPresent) {
    prec = f.wid;
    if (negative || f.plus || f.space) prec--;
  }
  let digits = u.toString(base);
  if (upper) digits = digits.toUpperCase();
  if (digits.length < prec) digits = '0'.repeat(prec - digits.length) + digits;
  if (f.sharp) {
    if (base === 2) digits = '0b' + digits;
    else if (base === 8 && digits[0] !== '0') digits = '0' + digits;
    else if (base === 16) digits = (upper ? '0X' : '0x') + digits;
  }
  if (verb === 'O') digits = '0o' + digits;
  if (negative) digits = '-' + digits;
  else if (f.plus) digits = '+' + digits;
  else if (f.space) digits = ' ' + digits;
  return pad(digits, { ...f, zero: false });
}

function fmtInteger(v: bigint, verb: string, f: Flags): string {
  switch (verb) {
    case 'v':
    case 'd': return fmtIntegerBase(v, 10, verb, f, false);
    case 'b': return fmtIntegerBase(v, 2, verb, f, false);
    case 'o':
    case 'O': return fmtIntegerBase(v, 8, verb, f, false);
    case 'x': return fmtIntegerBase(v, 16, verb, f, false);
    case 'X': return fmtIntegerBase(v, 16, verb, f, true);
    case 'c': return pad(validRune(v) ? String.fromCodePoint(Number(v)) : '\ufffd', f);
    case 'q': {
      const cp = validRune(v) ? Number(v) : 0xfffd;
      return pad(`'${quoteRune(cp, "'", f.plus)}'`, f);
    }
    case 'U': {
      let s = 'U+' + (v < 0n ? -v : v).toString(16).toUpperCase().padStart(f.precPresent ? f.prec : 4, '0');
      if (v < 0n) s = '-' + s;
      if (f.sharp && validRune(v)) s += ` '${String.fromCodePoint(Number(v))}'`;
      return pad(s, { ...f, zero: false });
    }
  }
  return badVerb(verb, v, f);
}

function validRune(v: bigint): boolean {
  return v >= 0n && v <= 0x10ffffn && !(v >= 0xd800n && v <= 0xdfffn);
}

function fmtFloatWith(v: number, fmt: FloatFormat, prec: number, f: Flags): string {
  if (f.precPresent) prec = f.prec;
  let num = formatFloat(v, fmt === 'F' ? 'f' : fmt, prec);
  if (num[0] !== '-' && num[0] !== '+') num = '+' + num;
  if (f.space && num[0] === '+' && !f.plus) num = ' ' + num.slice(1);
  if (num[1] === 'I' || num[1] === 'N') {
    if (num[1] === 'N' && !f.space && !f.plus) num = num.slice(1);
    return pad(num, { ...f, zero: false });
  }
  if (f.sharp && !num.includes('.') && !/[eE]/.test(num)) num += '.';
  if (f.plus || num[0] !== '+') {
    if (f.zero && !f.minus && f.widPresent && f.wid > num.length) {
      return num[0] + '0'.repeat(f.wid - num.length) + num.slice(1);
    }
    return pad(num, f);
  }
  return pad(num.slice(1), f);
}

function fmtFloat(v: number, verb: string, f: Flags): string {
  switch (verb) {
    case 'v': return fmtFloatWith(v, 'g', -1, f);
    case 'g':
    case 'G': return fmtFloatWith(v, verb, -1, f);
    case 'f':
    case 'F':
    case 'e':
    case 'E': return fmtFloatWith(v, verb, 6, f);
  }
  return badVerb(verb, v, f);
}

function truncate(s: string, f: Flags): string {
  if (!f.precPresent) return s;
  const runes = [...s];
  return runes.length > f.prec ? runes.slice(0, f.prec).join('') : s;
}

function fmtSx(s: string, f: Flags, upper: boolean): string {
  let bytes = [...Buffer.from(s, 'utf8')];
  if (f.precPresent && f.prec < bytes.length) bytes = bytes.slice(0, f.prec);
  const parts: string[] = [];
  for (const b of bytes) {
    let h = b.toString(16).padStart(2, '0');
    if (upper) h = h.toUpperCase();
    parts.push(h);
  }
  const prefix = f.sharp ? (upper ? '0X' : '0x') : '';
  let out: string;
  if (f.space) out = parts.map((p) => prefix + p).join(' ');
  else out = (parts.length ? prefix : '') + parts.join('');
  return pad(out, f);
}

function canBackquote(s: string): boolean {
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === '`' || ch === '\ufeff' || (cp < 0x20 && ch !== '\t') || cp === 0x7f) return false;
  }
  return true;
}

function fmtString(s: string, verb: string, f: Flags): string {
  switch (verb) {
    case 'v':
      if (f.sharpV) return pad(goQuote(s), f);
      return pad(truncate(s, f), f);
    case 's': return pad(truncate(s, f), f);
    case 'x': return fmtSx(s, f, false);
    case 'X': return fmtSx(s, f, true);
    case 'q': {
      const t = truncate(s, f);
      if (f.sharp && canBackquote(t)) return pad('`' + t + '`', f);
      return pad(goQuote(t, f.plus), f);
    }
  }
  return badVerb(verb, s, f);
}

/** Formats one operand for a verb; depth > 0 inside composites. */
function printArg(arg: GoValue, verb: string, f: Flags, depth: number): string {
  if (arg === undefined || arg === null) {
    if (depth === 0 && verb !== 'T' && verb !== 'v') return badVerb(verb, arg, f);
    if (depth > 0 && verb !== 'v') return badVerb(verb, arg, f);
    return pad('<nil>', f);
  }
  if (verb === 'T') return pad(typeName(arg), f);
  if (verb === 'p') return badVerb(verb, arg, f);
  switch (typeof arg) {
    case 'boolean': return fmtBool(arg, verb, f);
    case 'number': return fmtFloat(arg, verb, f);
    case 'bigint': return fmtInteger(arg, verb, f);
    case 'string': return fmtString(arg, verb, f);
  }
  if (arg instanceof GoObject && !f.sharpV && 'vsxXq'.includes(verb)) {
    const s = arg.stringer();
    if (s !== undefined) return fmtString(s, verb, f);
  }
  const items = sliceItems(arg);
  if (items) return '[' + items.map((e) => printArg(e, verb, f, depth + 1)).join(' ') + ']';
  if (arg instanceof GoMap) {
    const parts = arg.sortedKeys().map((k) => `${printArg(k, verb, f, depth + 1)}:${printArg(arg.entries.get(k), verb, f, depth + 1)}`);
    return 'map[' + parts.join(' ') + ']';
  }
  if (arg instanceof GoStruct) {
    const parts: string[] = [];
    for (const [name, v] of arg.fields) parts.push((f.plusV ? name + ':' : '') + printArg(v, verb, f, depth + 1));
    const body = '{' + parts.join(' ') + '}';
    if (arg.kind === 'ptr') return depth === 0 ? '&' + body : '0xc000010000';
    return body;
  }
  return badVerb(verb, arg, f);
}

/** fmt.Sprint: operands in %v, with a space between two operands when neither is a string. */
export function sprint(args: readonly GoValue[]): string {
  let out = '';
  let prevString = false;
  args.forEach((arg, i) => {
    const isString = typeof arg === 'string';
    if (i > 0 && !isString && !prevString) out += ' ';
    out += printArg(arg, 'v', noFlags(), 0);
    prevString = isString;
  });
  return out;
}

/** fmt.Sprintln: operands in %v separated by spaces, then a newline. */
export function sprintln(args: readonly GoValue[]): string {
  return args.map((a) => printArg(a, 'v', noFlags(), 0)).join(' ') + '\n';
}

/** How a template action prints its value: a pointer is shown as what it points to. */
export function printValue(v: GoValue): string {
  if (v === undefined) return '<no value>';
  if (v instanceof GoStruct && v.kind === 'ptr' && v.stringer() === undefined) {
    return printArg(new GoStruct(v.goType.replace(/^\*/, ''), v.fields), 'v', noFlags(), 0);
  }
  return printArg(v, 'v', noFlags(), 0);
}

function parseNum(s: string, i: number, end: number): { num: number; isNum: boolean; i: number } {
  let num = 0;
  let isNum = false;
  while (i < end && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) {
    if (num > 1e6) return { num: 0, isNum: false, i: end };
    num = num * 10 + (s.charCodeAt(i) - 48);
    isNum = true;
    i++;
  }
  return { num, isNum, i };
}

function intFromArg(args: readonly GoValue[], argNum: number): { num: number; isInt: boolean; argNum: number } {
  if (argNum >= args.length) return { num: 0, isInt: false, argNum };
  const a = args[argNum];
  if (typeof a === 'bigint' && a <= 1000000n && a >= -1000000n) return { num: Number(a), isInt: true, argNum: argNum + 1 };
  return { num: 0, isInt: false, argNum: argNum + 1 };
}

/** fmt.Sprintf with Go's verbs, flags and error strings. */
export function sprintf(format: string, args: readonly GoValue[]): string {
  let out = '';
  const end = format.length;
  let argNum = 0;
  let reordered = false;
  let i = 0;
  while (i < end) {
    const lasti = i;
    while (i < end && format[i] !== '%') i++;
    if (i > lasti) out += format.slice(lasti, i);
    if (i >= end) break;
    i++;
    const f = noFlags();
    let goodArgNum = true;
    let afterIndex = false;
    flags: for (; i < end; i++) {
      switch (format[i]) {
        case '#': f.sharp = true; break;
        case '0': f.zero = !f.minus; break;
        case '+': f.plus = true; break;
        case '-': f.minus = true; f.zero = false; break;
        case ' ': f.space = true; break;
        default: break flags;
      }
    }
    const argNumber = (): void => {
      if (i >= end || format[i] !== '[') return;
      reordered = true;
      const close = format.indexOf(']', i + 1);
      if (close < 0 || end - i < 3) {
        goodArgNum = false;
        i += 1;
        return;
      }
      const p = parseNum(format, i + 1, close);
      if (!p.isNum || p.i !== close) {
        goodArgNum = false;
        i = close + 1;
        return;
      }
      const index = p.num - 1;
      i = close + 1;
      if (index >= 0 && index < args.length) {
        argNum = index;
        afterIndex = true;
      } else {
        goodArgNum = false;
        afterIndex = true;
      }
    };
    argNumber();
    if (i < end && format[i] === '*') {
      i++;
      const r = intFromArg(args, argNum);
      argNum = r.argNum;
      f.wid = r.num;
      f.widPresent = r.isInt;
      if (!r.isInt) out += '%!(BADWIDTH)';
      if (f.wid < 0) {
        f.wid = -f.wid;
        f.minus = true;
        f.zero = false;
      }
      afterIndex = false;
    } else {
      const p = parseNum(format, i, end);
      f.wid = p.num;
      f.widPresent = p.isNum;
      i = p.i;
      if (afterIndex && f.widPresent) goodArgNum = false;
    }
    if (i + 1 < end && format[i] === '.') {
      i++;
      if (afterIndex) goodArgNum = false;
      afterIndex = false;
      argNumber();
      if (i < end && format[i] === '*') {
        i++;
        const r = intFromArg(args, argNum);
        argNum = r.argNum;
        f.prec = r.num;
        f.precPresent = r.isInt;
        if (f.prec < 0) {
          f.prec = 0;
          f.precPresent = false;
        }
        if (!r.isInt) out += '%!(BADPREC)';
        afterIndex = false;
      } else {
        const p = parseNum(format, i, end);
        f.prec = p.isNum ? p.num : 0;
        f.precPresent = true;
        i = p.i;
      }
    }
    if (!afterIndex) argNumber();
    if (i >= end) {
      out += '%!(NOVERB)';
      break;
    }
    const verb = String.fromCodePoint(format.codePointAt(i)!);
    i += verb.length;
    if (verb === '%') {
      out += '%';
    } else if (!goodArgNum) {
      out += `%!${verb}(BADINDEX)`;
    } else if (argNum >= args.length) {
      out += `%!${verb}(MISSING)`;
    } else {
      if (verb === 'v') {
        f.sharpV = f.sharp;
        f.sharp = false;
        f.plusV = f.plus;
        f.plus = false;
      }
      out += printArg(args[argNum], verb, f, 0);
      argNum++;
    }
  }
  if (!reordered && argNum < args.length) {
    const extra = args.slice(argNum).map((a) => (a === undefined || a === null ? '<nil>' : `${typeName(a)}=${printArg(a, 'v', noFlags(), 0)}`));
    out += `%!(EXTRA ${extra.join(', ')})`;
  }
  return out;
}

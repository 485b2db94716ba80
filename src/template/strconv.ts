/**
 * Go's strconv for float64, as fmt and templates use it: FormatFloat with the
 * 'e', 'f' and 'g' formats (shortest or fixed precision, ties to even on the
 * exact binary value) and ParseFloat's accepted syntax.
 */
import { goQuote } from '../util/go_quote.js';

/** Decimal digits of |x| with the decimal point `dp` places from the left (x = 0.d1d2… × 10^dp). */
interface Digits {
  d: string;
  dp: number;
}

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

/** The exact decimal expansion of a finite |x|, trailing zeros removed. */
function exactDigits(x: number): Digits {
  f64[0] = Math.abs(x);
  const lo = u32[0]!;
  const hi = u32[1]!;
  const biased = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let exp: number;
  if (biased === 0) {
    exp = -1074;
  } else {
    mant |= 1n << 52n;
    exp = biased - 1075;
  }
  if (mant === 0n) return { d: '', dp: 0 };
  let s: string;
  let dp: number;
  if (exp >= 0) {
    s = (mant << BigInt(exp)).toString();
    dp = s.length;
  } else {
    s = (mant * 5n ** BigInt(-exp)).toString();
    dp = s.length + exp;
  }
  return { d: s.replace(/0+$/, ''), dp };
}

/** The shortest digits that round-trip, as Go's strconv picks them (JS uses the same rule). */
function shortestDigits(x: number): Digits {
  if (x === 0) return { d: '', dp: 0 };
  const s = Math.abs(x).toExponential();
  const e = s.indexOf('e');
  const d = s.slice(0, e).replace('.', '').replace(/0+$/, '');
  return { d, dp: Number(s.slice(e + 1)) + 1 };
}

/** Rounds to `nd` significant digits, half to even on exact ties (Go's decimal.Round). */
function round(a: Digits, nd: number): Digits {
  if (nd < 0 || nd >= a.d.length) return a;
  const c = a.d.charCodeAt(nd);
  let up: boolean;
  if (c === 53 /* '5' */ && nd + 1 === a.d.length) {
    up = nd > 0 && (a.d.charCodeAt(nd - 1) - 48) % 2 === 1;
  } else {
    up = c >= 53;
  }
  if (!up) return { d: a.d.slice(0, nd).replace(/0+$/, ''), dp: a.dp };
  for (let i = nd - 1; i >= 0; i--) {
    const ci = a.d.charCodeAt(i);
    if (ci < 57) return { d: a.d.slice(0, i) + String.fromCharCode(ci + 1), dp: a.dp };
  }
  return { d: '1', dp: a.dp + 1 };
}

function fmtE(neg: boolean, d: Digits, prec: number, e: string): string {
  let out = neg ? '-' : '';
  out += d.d.length ? d.d[0] : '0';
  if (prec > 0) {
    out += '.';
    const frac = d.d.slice(1, prec + 1);
    out += frac + '0'.repeat(prec - frac.length);
  }
  let exp = d.d.length === 0 ? 0 : d.dp - 1;
  const sign = exp < 0 ? '-' : '+';
  exp = Math.abs(exp);
  return out + e + sign + (exp < 10 ? '0' + exp : String(exp));
}

function fmtF(neg: boolean, d: Digits, prec: number): string {
  let out = neg ? '-' : '';
  if (d.dp > 0) {
    const m = Math.min(d.d.length, d.dp);
    out += d.d.slice(0, m) + '0'.repeat(d.dp - m);
  } else {
    out += '0';
  }
  if (prec > 0) {
    out += '.';
    for (let i = 1; i <= prec; i++) {
      const j = d.dp + i - 1;
      out += j >= 0 && j < d.d.length ? d.d[j] : '0';
    }
  }
  return out;
}

/** The float formats strconv.FormatFloat knows that templates reach. */
export type FloatFormat = 'e' | 'E' | 'f' | 'F' | 'g' | 'G';

/** strconv.FormatFloat(x, fmt, prec, 64); prec < 0 means the shortest repr. */
export function formatFloat(x: number, fmt: FloatFormat, prec: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return '+Inf';
  if (x === -Infinity) return '-Inf';
  const neg = x < 0 || Object.is(x, -0);
  const shortest = prec < 0;
  let digs: Digits;
  const lower = fmt.toLowerCase();
  if (shortest) {
    digs = shortestDigits(x);
    if (lower === 'e') prec = digs.d.length - 1;
    else if (lower === 'f') prec = Math.max(digs.d.length - digs.dp, 0);
    else prec = digs.d.length;
  } else {
    const exact = exactDigits(x);
    if (lower === 'e') digs = round(exact, prec + 1);
    else if (lower === 'f') digs = round(exact, exact.dp + prec);
    else {
      if (prec === 0) prec = 1;
      digs = round(exact, prec);
    }
  }
  if (lower === 'e') return fmtE(neg, digs, prec, fmt === 'E' ? 'E' : 'e');
  if (lower === 'f') return fmtF(neg, digs, prec);
  let eprec = prec;
  if (eprec > digs.d.length && digs.d.length >= digs.dp) eprec = digs.d.length;
  if (shortest) eprec = 6;
  const exp = digs.dp - 1;
  if (exp < -4 || exp >= eprec) {
    if (prec > digs.d.length) prec = digs.d.length;
    return fmtE(neg, digs, prec - 1, fmt === 'G' ? 'E' : 'e');
  }
  if (prec > digs.dp) prec = digs.d.length;
  return fmtF(neg, digs, Math.max(prec - digs.dp, 0));
}

/** Go's %v of a float64: strconv 'g' with the shortest repr, so 1e+06 but 100000. */
export function formatFloatV(x: number): string {
  return formatFloat(x, 'g', -1);
}

/** Thrown by parseFloat with Go's message, e.g. `strconv.ParseFloat: parsing "one": invalid syntax`. */
export class NumError extends Error {}

const DEC_FLOAT = /^[+-]?(?:(?:\d(?:_?\d)*)?\.?(?:\d(?:_?\d)*)?)(?:[eE][+-]?\d(?:_?\d)*)?$/;
const HEX_FLOAT = /^[+-]?0[xX](?:[0-9a-fA-F_]*\.?[0-9a-fA-F_]*)[pP][+-]?\d+$/;

/** strconv.ParseFloat(s, 64) with Go's error text (Inf/NaN spellings and hex floats included). */
export function parseFloat(s: string): number {
  const fail = (why: string): never => {
    throw new NumError(`strconv.ParseFloat: parsing ${goQuote(s)}: ${why}`);
  };
  const special = /^([+-]?)(inf|infinity|nan)$/i.exec(s);
  if (special) {
    if (special[2]!.toLowerCase() === 'nan') return special[1] ? fail('invalid syntax') : NaN;
    return special[1] === '-' ? -Infinity : Infinity;
  }
  if (HEX_FLOAT.test(s)) {
    const m = /^([+-]?)0[xX]([0-9a-fA-F_]*)\.?([0-9a-fA-F_]*)[pP]([+-]?\d+)$/.exec(s)!;
    const intPart = m[2]!.replace(/_/g, '');
    const frac = m[3]!.replace(/_/g, '');
    if (!intPart && !frac) fail('invalid syntax');
    let v = 0;
    for (const ch of intPart + frac) v = v * 16 + parseInt(ch, 16);
    v = v * 2 ** (Number(m[4]) - 4 * frac.length);
    return m[1] === '-' ? -v : v;
  }
  if (!DEC_FLOAT.test(s) || !/\d/.test(s.replace(/[eE].*$/, ''))) fail('invalid syntax');
  // Go allows underscores only with a base prefix; a plain decimal with "_" is a syntax error.
  if (s.includes('_')) fail('invalid syntax');
  const v = Number(s);
  if (!Number.isFinite(v)) fail('value out of range');
  return v;
}


/**
 * Go's math package algorithms (as built into promtool 2.42 with Go 1.19 on amd64) where
 * V8's results differ in the last bits: Pow by repeated squaring, Cephes' Atan, Asin, Acos,
 * Sin, Cos and Tan. A last-bit difference shows in `{{ $value }}` and in exact comparisons.
 * Exp and Log follow Go's amd64 assembly (Exp with FMA, as on the CPUs promtool runs on).
 */
import { frexp } from './float_math.js';

/** Go's math.Ldexp: frac × 2^exp with one rounding, also into the subnormal range. */
export function goLdexp(frac: number, exp: number): number {
  if (frac === 0 || !Number.isFinite(frac)) return frac;
  const [f, e] = frexp(frac);
  let x = exp + e;
  if (x < -1074) return frac < 0 ? -0 : 0;
  if (x > 1024) return frac < 0 ? -Infinity : Infinity;
  // f is in [0.5, 1): scaling in two exact steps leaves only the final rounding.
  if (x < -1021) return f * 2 ** (x + 53) * 2 ** -53;
  if (x === 1024) return f * 2 * 2 ** 1023;
  return f * 2 ** x;
}

function isOddInt(x: number): boolean {
  const xi = Math.trunc(x);
  return xi === x && Math.abs(xi) < 2 ** 53 && Math.abs(xi % 2) === 1;
}

/** Go 1.19's math.Pow: special cases, then x^frac by Exp(Log) and x^int by repeated squaring. */
export function goPow(x: number, y: number): number {
  if (y === 0 || x === 1) return 1;
  if (Number.isNaN(x) || Number.isNaN(y)) return NaN;
  if (x === 0) {
    if (y < 0) return isOddInt(y) ? (Object.is(x, -0) ? -Infinity : Infinity) : Infinity;
    return isOddInt(y) ? x : 0;
  }
  if (!Number.isFinite(y)) {
    if (x === -1) return 1;
    return (Math.abs(x) < 1) === (y > 0) ? 0 : Infinity;
  }
  if (!Number.isFinite(x)) {
    if (x < 0) return goPow(1 / x, -y);
    return y < 0 ? 0 : Infinity;
  }
  if (y === 0.5) return Math.sqrt(x);
  if (y === -0.5) return 1 / Math.sqrt(x);
  let yi = Math.trunc(Math.abs(y));
  let yf = Math.abs(y) - yi;
  if (yf !== 0 && x < 0) return NaN;
  if (yi >= 2 ** 63) {
    if (x === -1) return 1;
    return (Math.abs(x) < 1) === (y > 0) ? 0 : Infinity;
  }
  let a1 = 1;
  let ae = 0;
  if (yf !== 0) {
    if (yf > 0.5) {
      yf--;
      yi++;
    }
    a1 = goExp(yf * goLog(x));
  }
  let [x1, xe] = frexp(x);
  for (let i = BigInt(yi); i !== 0n; i >>= 1n) {
    if (xe < -(1 << 12) || 1 << 12 < xe) {
      ae += xe;
      break;
    }
    if ((i & 1n) === 1n) {
      a1 *= x1;
      ae += xe;
    }
    x1 *= x1;
    xe *= 2;
    if (x1 < 0.5) {
      x1 += x1;
      xe--;
    }
  }
  if (y < 0) {
    a1 = 1 / a1;
    ae = -ae;
  }
  return goLdexp(a1, ae);
}

/** Cephes' rational approximation of atan on [0, 0.66]. */
function xatan(x: number): number {
  const z = x * x;
  const p = ((((-8.750608600031904122785e-1 * z + -1.615753718733365076637e1) * z + -7.500855792314704667340e1) * z
    + -1.228866684490136173410e2) * z + -6.485021904942025371773e1);
  const q = (((((z + 2.485846490142306297962e1) * z + 1.650270098316988542046e2) * z + 4.328810604912902668951e2) * z
    + 4.853903996359136964868e2) * z + 1.945506571482613964425e2);
  return x * (z * p / q) + x;
}

const MOREBITS = 6.123233995736765886130e-17;
const TAN3PIO8 = 2.41421356237309504880;

/** atan of a positive x, reduced to [0, 0.66]. */
function satan(x: number): number {
  if (x <= 0.66) return xatan(x);
  if (x > TAN3PIO8) return Math.PI / 2 - xatan(1 / x) + MOREBITS;
  return Math.PI / 4 + xatan((x - 1) / (x + 1)) + 0.5 * MOREBITS;
}

/** Go's math.Atan. */
export function goAtan(x: number): number {
  if (x === 0 || Number.isNaN(x)) return x;
  return x > 0 ? satan(x) : -satan(-x);
}

/** Go's math.Atan2. */
export function goAtan2(y: number, x: number): number {
  if (Number.isNaN(y) || Number.isNaN(x)) return NaN;
  const sign = (v: number): number => (y < 0 || Object.is(y, -0) ? -v : v);
  if (y === 0) return x >= 0 && !Object.is(x, -0) ? sign(0) : sign(Math.PI);
  if (x === 0) return sign(Math.PI / 2);
  if (!Number.isFinite(x)) {
    if (x > 0) return !Number.isFinite(y) ? sign(Math.PI / 4) : sign(0);
    return !Number.isFinite(y) ? sign(3 * Math.PI / 4) : sign(Math.PI);
  }
  if (!Number.isFinite(y)) return sign(Math.PI / 2);
  const q = goAtan(y / x);
  if (x < 0) return q <= 0 ? q + Math.PI : q - Math.PI;
  return q;
}

/** Go's math.Asin. */
export function goAsin(x: number): number {
  if (x === 0) return x;
  let sign = false;
  if (x < 0) {
    x = -x;
    sign = true;
  }
  if (x > 1 || Number.isNaN(x)) return NaN;
  let temp = Math.sqrt(1 - x * x);
  temp = x > 0.7 ? Math.PI / 2 - satan(temp / x) : satan(x / temp);
  return sign ? -temp : temp;
}

/** Go's math.Acos. */
export function goAcos(x: number): number {
  return Math.PI / 2 - goAsin(x);
}

const SIN = [1.58962301576546568060e-10, -2.50507477628578072866e-8, 2.75573136213857245213e-6,
  -1.98412698295895385996e-4, 8.33333333332211858878e-3, -1.66666666666666307295e-1] as const;
const COS = [-1.13585365213876817300e-11, 2.08757008419747316778e-9, -2.75573141792967388112e-7,
  2.48015872888517045348e-5, -1.38888888888730564116e-3, 4.16666666666665929218e-2] as const;
const TAN_P = [-1.30936939181383777646e4, 1.15351664838587416140e6, -1.79565251976484877988e7] as const;
const TAN_Q = [1.36812963470692954678e4, -1.32089234440210967447e6, 2.50083801823357915839e7, -5.38695755929454629881e7] as const;
const PI4A = 7.85398125648498535156e-1;
const PI4B = 3.77489470793079817668e-8;
const PI4C = 2.69515142907905952645e-15;
const FOUR_OVER_PI = 1.2732395447351628;
/** Beyond this Go reduces by Payne-Hanek; V8's reduction agrees closely enough there. */
const REDUCE_THRESHOLD = 2 ** 29;

/** Octant j (even) and reduced argument z of a non-negative x below REDUCE_THRESHOLD. */
function reduce(x: number): [number, number] {
  let j = Math.trunc(x * FOUR_OVER_PI);
  let y = j;
  if (j % 2 === 1) {
    j++;
    y++;
  }
  return [j, ((x - y * PI4A) - y * PI4B) - y * PI4C];
}

function sinPoly(z: number, zz: number): number {
  return z + z * zz * ((((((SIN[0] * zz) + SIN[1]) * zz + SIN[2]) * zz + SIN[3]) * zz + SIN[4]) * zz + SIN[5]);
}

function cosPoly(zz: number): number {
  return 1.0 - 0.5 * zz + zz * zz * ((((((COS[0] * zz) + COS[1]) * zz + COS[2]) * zz + COS[3]) * zz + COS[4]) * zz + COS[5]);
}

/** Go's math.Sin. */
export function goSin(x: number): number {
  if (x === 0 || Number.isNaN(x)) return x;
  if (!Number.isFinite(x)) return NaN;
  let sign = x < 0;
  const ax = Math.abs(x);
  if (ax >= REDUCE_THRESHOLD) return Math.sin(x);
  let [j, z] = reduce(ax);
  j &= 7;
  if (j > 3) {
    sign = !sign;
    j -= 4;
  }
  const zz = z * z;
  const y = j === 1 || j === 2 ? cosPoly(zz) : sinPoly(z, zz);
  return sign ? -y : y;
}

/** Go's math.Cos. */
export function goCos(x: number): number {
  if (!Number.isFinite(x)) return NaN;
  const ax = Math.abs(x);
  if (ax >= REDUCE_THRESHOLD) return Math.cos(x);
  let [j, z] = reduce(ax);
  j &= 7;
  let sign = false;
  if (j > 3) {
    j -= 4;
    sign = !sign;
  }
  if (j > 1) sign = !sign;
  const zz = z * z;
  const y = j === 1 || j === 2 ? sinPoly(z, zz) : cosPoly(zz);
  return sign ? -y : y;
}

/** Go's math.Tan. */
export function goTan(x: number): number {
  if (x === 0 || Number.isNaN(x)) return x;
  if (!Number.isFinite(x)) return NaN;
  const sign = x < 0;
  const ax = Math.abs(x);
  if (ax >= REDUCE_THRESHOLD) return Math.tan(x);
  const [j, z] = reduce(ax);
  const zz = z * z;
  let y = zz > 1e-14
    ? z + z * (zz * (((TAN_P[0] * zz) + TAN_P[1]) * zz + TAN_P[2]) / ((((zz + TAN_Q[0]) * zz + TAN_Q[1]) * zz + TAN_Q[2]) * zz + TAN_Q[3]))
    : z;
  if ((j & 2) === 2) y = -1 / y;
  return sign ? -y : y;
}

const SINH_P = [-0.6307673640497716991184787251e+6, -0.8991272022039509355398013511e+5, -0.2894211355989563807284660366e+4, -0.2630563213397497062819489e+2] as const;
const SINH_Q = [-0.6307673640497716991212077277e+6, 0.1521517378790019070696485176e+5, -0.173678953558233699533450911e+3] as const;

/** Go's math.Sinh (Hart & Cheney's series below 0.5). */
export function goSinh(x: number): number {
  const sign = x < 0;
  const ax = Math.abs(x);
  let temp: number;
  if (ax > 21) temp = goExp(ax) / 2;
  else if (ax > 0.5) {
    const ex = goExp(ax);
    temp = (ex - 1 / ex) * 0.5;
  }
  else {
    if (ax === 0) return x;
    const sq = ax * ax;
    temp = (((SINH_P[3] * sq + SINH_P[2]) * sq + SINH_P[1]) * sq + SINH_P[0]) * ax;
    temp = temp / (((sq + SINH_Q[2]) * sq + SINH_Q[1]) * sq + SINH_Q[0]);
  }
  return sign ? -temp : temp;
}

/** Go's math.Cosh. */
export function goCosh(x: number): number {
  const ax = Math.abs(x);
  if (ax > 21) return goExp(ax) * 0.5;
  const ex = goExp(ax);
  return (ex + 1 / ex) * 0.5;
}

const TANH_P = [-9.64399179425052238628e-1, -9.92877231001918586564e1, -1.61468768441708447952e3] as const;
const TANH_Q = [1.12811678491632931402e2, 2.23548839060100448583e3, 4.84406305325125486048e3] as const;

/** Go's math.Tanh (Cephes). */
export function goTanh(x: number): number {
  const MAXLOG = 8.8029691931113054295988e+01;
  let z = Math.abs(x);
  if (z > 0.5 * MAXLOG) return x < 0 ? -1 : 1;
  if (z >= 0.625) {
    const s = goExp(2 * z);
    z = 1 - 2 / (s + 1);
    return x < 0 ? -z : z;
  }
  if (x === 0 || Number.isNaN(x)) return x;
  const s = x * x;
  return x + x * s * ((TANH_P[0] * s + TANH_P[1]) * s + TANH_P[2]) / (((s + TANH_Q[0]) * s + TANH_Q[1]) * s + TANH_Q[2]);
}

/** A finite non-zero double as mantissa × 2^exponent, exactly. */
function decompose(d: number): [bigint, number] {
  const [f, e] = frexp(d);
  // f has at most 53 significant bits: f × 2^53 is an integer.
  return [BigInt(f * 2 ** 53), e - 53];
}

/** n × 2^e rounded once to the nearest double (ties to even), n > 0. */
function roundToDouble(n: bigint, e: number): number {
  const len = n.toString(2).length;
  const shift = Math.max(len - 53, -1074 - e);
  if (shift <= 0) return goLdexp(Number(n), e);
  let q = n >> BigInt(shift);
  const rem = n & ((1n << BigInt(shift)) - 1n);
  const half = 1n << BigInt(shift - 1);
  if (rem > half || (rem === half && (q & 1n) === 1n)) q += 1n;
  return goLdexp(Number(q), e + shift);
}

/** a × b + c with a single rounding, as the FMA instructions compute it. */
export function fma(a: number, b: number, c: number): number {
  if (!Number.isFinite(a) || !Number.isFinite(b) || !Number.isFinite(c) || a === 0 || b === 0) return a * b + c;
  const [ma, ea] = decompose(a);
  const [mb, eb] = decompose(b);
  let prod = ma * mb;
  let ep = ea + eb;
  if (c === 0) return prod < 0n ? -roundToDouble(-prod, ep) : roundToDouble(prod, ep);
  const [mc, ec] = decompose(c);
  const e = Math.min(ep, ec);
  prod <<= BigInt(ep - e);
  const sum = prod + (mc << BigInt(ec - e));
  ep = e;
  if (sum === 0n) return 0;
  return sum < 0n ? -roundToDouble(-sum, ep) : roundToDouble(sum, ep);
}

const LOG2E = 1.4426950408889634073599246810018920;
const LN2U = 0.69314718055966295651160180568695068359375;
const LN2L = 0.28235290563031577122588448175013436025525412068e-12;
const EXP_OVERFLOW = 7.09782712893384e+02;
const EXP_TAYLOR = [
  2.4801587301587301587e-5, 1.9841269841269841270e-4, 1.3888888888888888889e-3, 8.3333333333333333333e-3,
  4.1666666666666666667e-2, 1.6666666666666666667e-1, 0.5, 1.0,
] as const;

/** Rounds to the nearest integer, ties to even (CVTSD2SL in the default rounding mode). */
function roundEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * Go's math.Exp on amd64 (exp_amd64.s, Shibata's method) on a CPU with FMA, as promtool runs:
 * reduce by ln2 and 1/16, Taylor series, square back four times, scale by 2^k.
 */
export function goExp(x: number): number {
  if (Number.isNaN(x) || x === Infinity) return x;
  if (x === -Infinity) return 0;
  if (x > EXP_OVERFLOW) return Infinity;
  const kf = x * LOG2E;
  // CVTSD2SL gives the "integer indefinite" -2^31 outside the int32 range.
  const k = kf >= 2 ** 31 || kf < -(2 ** 31) ? -(2 ** 31) : roundEven(kf);
  let r = fma(-k, LN2U, x);
  r = fma(-k, LN2L, r);
  r *= 0.0625;
  let p: number = EXP_TAYLOR[0];
  for (let i = 1; i < EXP_TAYLOR.length; i++) p = fma(p, r, EXP_TAYLOR[i]!);
  r *= p;
  for (let i = 0; i < 3; i++) r *= r + 2.0;
  r = fma(r, r + 2.0, 1.0);
  const biased = k + 0x3ff;
  if (biased >= 0x7ff) return Infinity;
  if (biased > 0) return r * 2 ** k;
  if (biased < -52) return 0;
  // Subnormal results are scaled in two roundings, as the assembly does.
  return r * 2 ** (k + 1022) * 2 ** -1022;
}

const HSQRT2 = 7.07106781186547524401e-01;
const LN2HI = 6.93147180369123816490e-01;
const LN2LO = 1.90821492927058770002e-10;
const LOG_L = [6.666666666666735130e-01, 3.999999999940941908e-01, 2.857142874366239149e-01, 2.222219843214978396e-01,
  1.818357216161805012e-01, 1.531383769920937332e-01, 1.479819860511658591e-01] as const;

/** Go's math.Log on amd64 (log_amd64.s, FreeBSD's method). */
export function goLog(x: number): number {
  if (x === 0) return -Infinity;
  if (x < 0 || Number.isNaN(x)) return NaN;
  if (x === Infinity) return x;
  let f1: number;
  let k: number;
  if (x < 2 ** -1022) {
    // The assembly reads the exponent field as is, so a subnormal counts as 2^-1022 × (1 + mantissa).
    f1 = 0.5 + x * 2 ** 1021;
    k = -1022;
  } else {
    [f1, k] = frexp(x);
  }
  if (f1 <= HSQRT2) {
    k -= 1;
    f1 *= 2;
  }
  const f = f1 - 1;
  const s = f / (2 + f);
  const s2 = s * s;
  const s4 = s2 * s2;
  const t1 = s2 * (((LOG_L[6] * s4 + LOG_L[4]) * s4 + LOG_L[2]) * s4 + LOG_L[0]);
  const t2 = s4 * ((LOG_L[5] * s4 + LOG_L[3]) * s4 + LOG_L[1]);
  const R = t1 + t2;
  const hfsq = 0.5 * f * f;
  return k * LN2HI - ((hfsq - (s * (hfsq + R) + k * LN2LO)) - f);
}

const LN2 = 6.93147180559945286227e-01;

/** Go's math.Asinh. */
export function goAsinh(x: number): number {
  if (Number.isNaN(x) || !Number.isFinite(x)) return x;
  const sign = x < 0;
  const ax = Math.abs(x);
  let t: number;
  if (ax > 2 ** 28) t = goLog(ax) + LN2;
  else if (ax > 2) t = goLog(2 * ax + 1 / (Math.sqrt(ax * ax + 1) + ax));
  else if (ax < 2 ** -28) t = ax;
  else t = Math.log1p(ax + ax * ax / (1 + Math.sqrt(1 + ax * ax)));
  return sign ? -t : t;
}

/** Go's math.Acosh. */
export function goAcosh(x: number): number {
  if (x < 1 || Number.isNaN(x)) return NaN;
  if (x === 1) return 0;
  if (x >= 2 ** 28) return goLog(x) + LN2;
  if (x > 2) return goLog(2 * x - 1 / (x + Math.sqrt(x * x - 1)));
  const t = x - 1;
  return Math.log1p(t + Math.sqrt(2 * t + t * t));
}

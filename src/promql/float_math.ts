/**
 * Float arithmetic as Go's math and strconv packages do it, where JS differs, plus
 * Prometheus's compensated (Kahan-Neumaier) summation step.
 */
import { goLog } from './go_math.js';

/** One step of Kahan-Neumaier summation: returns [newSum, newCompensation]. */
export function kahanSumInc(inc: number, sum: number, c: number): [number, number] {
  const t = sum + inc;
  if (t === Infinity || t === -Infinity) {
    c = 0;
  } else if (Math.abs(sum) >= Math.abs(inc)) {
    c += (sum - t) + inc;
  } else {
    c += (inc - t) + sum;
  }
  return [t, c];
}

/** A running Kahan-Neumaier sum that allocates nothing per added value. */
export class KahanSum {
  sum = 0;
  c = 0;
  /** Adds one value. */
  add(inc: number): void {
    const t = this.sum + inc;
    if (t === Infinity || t === -Infinity) this.c = 0;
    else if (Math.abs(this.sum) >= Math.abs(inc)) this.c += (this.sum - t) + inc;
    else this.c += (inc - t) + this.sum;
    this.sum = t;
  }
  /** The compensated total (an infinite sum is returned as is). */
  value(): number {
    return this.sum === Infinity || this.sum === -Infinity ? this.sum : this.sum + this.c;
  }
}

/** Go's math.Frexp: [frac, exp] with x = frac * 2^exp and frac in [0.5, 1). */
export function frexp(x: number): [number, number] {
  if (x === 0 || !Number.isFinite(x)) return [x, 0];
  const buf = new DataView(new ArrayBuffer(8));
  buf.setFloat64(0, x);
  let exp = (buf.getUint16(0) >>> 4) & 0x7ff;
  let extra = 0;
  if (exp === 0) {
    // Subnormal: scale into the normal range first.
    buf.setFloat64(0, x * 2 ** 52);
    exp = (buf.getUint16(0) >>> 4) & 0x7ff;
    extra = -52;
  }
  const e = exp - 1022 + extra;
  const hi = buf.getUint16(0);
  buf.setUint16(0, (hi & 0x800f) | (1022 << 4));
  return [buf.getFloat64(0), e];
}

/** Go's math.Log2 (exact for powers of two, else Log(frac)/Ln2 + exp). */
export function goLog2(x: number): number {
  const [frac, exp] = frexp(x);
  if (frac === 0.5) return exp - 1;
  return goLog(frac) * Math.LOG2E + exp;
}

/** Go's math.Log10: Log(x) * (1/Ln10). */
export function goLog10(x: number): number {
  return goLog(x) * Math.LOG10E;
}

/** Go's math.Mod: remainder with the sign of x (JS `%` on floats is the same fmod). */
export function goMod(x: number, y: number): number {
  return x % y;
}

/** Go's strconv.FormatFloat(f, 'f', -1, 64): shortest round-trip digits, never an exponent. */
export function formatFloatPlain(f: number): string {
  if (Number.isNaN(f)) return 'NaN';
  if (f === Infinity) return '+Inf';
  if (f === -Infinity) return '-Inf';
  if (Object.is(f, -0)) return '-0';
  const s = String(f);
  const m = /^(-?)(\d+)(?:\.(\d+))?e([+-]\d+)$/.exec(s);
  if (!m) return s;
  const sign = m[1]!;
  const digits = m[2]! + (m[3] ?? '');
  const pointPos = m[2]!.length + Number(m[4]);
  if (pointPos <= 0) return `${sign}0.${'0'.repeat(-pointPos)}${digits}`;
  if (pointPos >= digits.length) return sign + digits + '0'.repeat(pointPos - digits.length);
  return `${sign}${digits.slice(0, pointPos)}.${digits.slice(pointPos)}`;
}

/** Go's strconv.FormatFloat(f, 'g', -1, 64) as Prometheus prints sample values. */
export function formatFloatGo(f: number): string {
  if (Number.isNaN(f)) return 'NaN';
  if (f === Infinity) return '+Inf';
  if (f === -Infinity) return '-Inf';
  if (f === 0) return Object.is(f, -0) ? '-0' : '0';
  const s = f.toExponential();
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(s)!;
  const e = Number(m[4]);
  const digits = m[2]! + (m[3] ?? '');
  // With shortest formatting Go's %g switches to exponent form outside [1e-4, 1e6).
  if (e < -4 || e >= 6) {
    const mant = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const es = Math.abs(e) < 10 ? `0${Math.abs(e)}` : String(Math.abs(e));
    return `${m[1]}${mant}e${e < 0 ? '-' : '+'}${es}`;
  }
  return formatFloatPlain(f);
}

/** Go's strconv.ParseFloat(s, 64); returns null where Go returns an error. */
export function parseGoFloat(s: string): number | null {
  const t = s;
  if (t === '') return null;
  const lower = t.toLowerCase();
  const body = lower.replace(/^[+-]/, '');
  const neg = lower.startsWith('-');
  if (body === 'inf' || body === 'infinity') return neg ? -Infinity : Infinity;
  if (body === 'nan') return lower === 'nan' ? NaN : null;
  if (/^0x/.test(body)) {
    const hm = /^0x([0-9a-f_]*)(?:\.([0-9a-f_]*))?p([+-]?\d+)$/.exec(body);
    if (!hm) return null;
    const ip = (hm[1] ?? '').replace(/_/g, '');
    const fp = (hm[2] ?? '').replace(/_/g, '');
    if (ip === '' && fp === '') return null;
    let mant = 0;
    for (const ch of ip + fp) mant = mant * 16 + parseInt(ch, 16);
    const v = mant * Math.pow(2, Number(hm[3]) - 4 * fp.length);
    return neg ? -v : v;
  }
  if (!/^\d*\.?\d*(e[+-]?\d+)?$/.test(body) || !/\d/.test(body.replace(/e.*$/, ''))) return null;
  const v = Number(t);
  return Number.isNaN(v) ? null : v;
}

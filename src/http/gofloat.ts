/**
 * Go's strconv.FormatFloat with precision -1 (shortest round-trip digits), in the
 * three verbs Prometheus's APIs print floats with: 'f' (sample values), 'e' (alert
 * values) and 'g' (the text exposition format).
 */

/** Shortest decimal digits of |f| and the decimal point position: |f| = 0.d1d2... × 10^dp. */
function shortestDigits(f: number): { digits: string; dp: number } {
  const [mant, exp] = Math.abs(f).toExponential().split('e') as [string, string];
  return { digits: mant.replace('.', ''), dp: Number(exp) + 1 };
}

function special(f: number): string | null {
  if (Number.isNaN(f)) return 'NaN';
  if (f === Infinity) return '+Inf';
  if (f === -Infinity) return '-Inf';
  return null;
}

function sign(f: number): string {
  return f < 0 || Object.is(f, -0) ? '-' : '';
}

function fixed(digits: string, dp: number): string {
  if (dp <= 0) return '0.' + '0'.repeat(-dp) + digits;
  if (dp >= digits.length) return digits + '0'.repeat(dp - digits.length);
  return digits.slice(0, dp) + '.' + digits.slice(dp);
}

function exponent(digits: string, dp: number): string {
  const e = dp - 1;
  const frac = digits.length > 1 ? '.' + digits.slice(1) : '';
  return `${digits[0]}${frac}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
}

/** strconv.FormatFloat(f, 'f', -1, 64): no exponent, as Prometheus writes sample values. */
export function formatGoFloatF(f: number): string {
  const s = special(f);
  if (s !== null) return s;
  if (f === 0) return sign(f) + '0';
  const { digits, dp } = shortestDigits(f);
  return sign(f) + fixed(digits, dp);
}

/** strconv.FormatFloat(f, 'e', -1, 64), as Prometheus writes an alert's value. */
export function formatGoFloatE(f: number): string {
  const s = special(f);
  if (s !== null) return s;
  if (f === 0) return sign(f) + '0e+00';
  const { digits, dp } = shortestDigits(f);
  return sign(f) + exponent(digits, dp);
}

/** strconv.FormatFloat(f, 'g', -1, 64), as the text exposition format writes values. */
export function formatGoFloatG(f: number): string {
  const s = special(f);
  if (s !== null) return s;
  if (f === 0) return sign(f) + '0';
  const { digits, dp } = shortestDigits(f);
  const e = dp - 1;
  // Shortest %g uses an exponent below 1e-4 and from 1e6 on (Go's eprec = 6).
  return sign(f) + (e < -4 || e >= 6 ? exponent(digits, dp) : fixed(digits, dp));
}

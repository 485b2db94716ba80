/** Go's text forms that promtool's reports print: floats in %E form and time.Duration. */

/** Go's strconv.FormatFloat(v, 'E', -1, 64): shortest digits, `3E+00`, `6.5E-01`, `+Inf`, `NaN`. */
export function formatFloatE(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  // toExponential() without digits gives the shortest round-tripping mantissa, as Go's -1 precision.
  const s = Object.is(v, -0) ? '-0e+0' : v.toExponential();
  const [mant, exp] = s.split('e') as [string, string];
  const sign = exp[0] === '-' ? '-' : '+';
  const digits = exp.replace(/^[-+]/, '');
  return `${mant}E${sign}${digits.padStart(2, '0')}`;
}

/** Go's time.Duration String() for a whole number of milliseconds: `0s`, `1m30s`, `1h0m0s`, `500ms`. */
export function formatGoDuration(ms: number): string {
  if (ms === 0) return '0s';
  const neg = ms < 0;
  let rest = Math.abs(ms);
  let out: string;
  if (rest < 1000) {
    out = `${rest}ms`;
  } else {
    const h = Math.floor(rest / 3_600_000);
    rest -= h * 3_600_000;
    const m = Math.floor(rest / 60_000);
    rest -= m * 60_000;
    const s = Math.floor(rest / 1000);
    const frac = rest - s * 1000;
    const secs = frac === 0 ? `${s}s` : `${s}.${String(frac).padStart(3, '0').replace(/0+$/, '')}s`;
    out = h > 0 ? `${h}h${m}m${secs}` : m > 0 ? `${m}m${secs}` : secs;
  }
  return neg ? `-${out}` : out;
}

/**
 * Prometheus durations (common/model.ParseDuration and Duration.String()):
 * `1y2w3d4h5m6s7ms`, units in decreasing order, each at most once, integers only.
 */

const UNITS: readonly [unit: string, ms: number][] = [
  ['y', 365 * 24 * 3600 * 1000],
  ['w', 7 * 24 * 3600 * 1000],
  ['d', 24 * 3600 * 1000],
  ['h', 3600 * 1000],
  ['m', 60 * 1000],
  ['s', 1000],
  ['ms', 1],
];

const DURATION_RE = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;

/** Parses a Prometheus duration into milliseconds; throws `not a valid duration string: "x"`. */
export function parseDuration(s: string): number {
  if (s === '0') return 0; // Prometheus allows a bare zero.
  if (s === '') throw new Error('empty duration string');
  const m = DURATION_RE.exec(s);
  if (!m) throw new Error(`not a valid duration string: ${JSON.stringify(s)}`);
  let total = 0;
  for (let i = 0; i < UNITS.length; i++) {
    const g = m[i + 1];
    if (g === undefined) continue;
    const n = Number(g);
    total += n * UNITS[i]![1];
  }
  // Go's time.Duration is an int64 of nanoseconds.
  if (!Number.isSafeInteger(total) || total > 9223372036854) {
    throw new Error('duration out of range');
  }
  return total;
}

/** Prometheus's model.Duration String(): largest units first, e.g. "1h30m", "0s", "8d", "2w". */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  let out = '';
  let rest = ms;
  if (rest < 0) { out = '-'; rest = -rest; }
  for (const [unit, size] of UNITS) {
    // Years and weeks only when they divide what is left exactly: "90d" reads better than "12w6d".
    if ((unit === 'y' || unit === 'w') && rest % size !== 0) continue;
    const n = Math.floor(rest / size);
    if (n > 0) {
      out += `${n}${unit}`;
      rest -= n * size;
    }
  }
  return out;
}

/**
 * How a partition's window is cut into chunks. Its length, the furthest any rule reads
 * back, is SeriesRetention.longest (retention.ts).
 */

/**
 * Chunk time span for a window: the window length, between 2 and 10 minutes.
 * Truncation re-encodes the chunk it cuts through, so longer chunks cost no stale samples;
 * but every sealed chunk costs 16 bytes of chunk table and a codec restart. Measured in
 * steady state (`npm run bench -- window steady`, 100k series, 15-minute window, truncated
 * every max(1 minute, range / 2)): 2.5-min chunks 296 B/series, 5-min 225, 10-min 191-194,
 * 15-min 190. Above 10 minutes memory stops improving while an instant selector, which
 * decodes its chunk from the start, gets slower. With no range (heads of up to 120
 * samples, trimmed every minute) it is 151 B, but each truncation then re-encodes every
 * series' head: ~110 ms a minute of data per 100k series against ~15 at 10 minutes.
 */
export function chunkRangeFor(windowLength: number): number {
  return Math.min(10 * 60_000, Math.max(2 * 60_000, windowLength));
}

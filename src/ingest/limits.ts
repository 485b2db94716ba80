/**
 * Per-tenant ingest limits: a samples/s token bucket and an approximate count of active
 * series. Both are per ingest process (N ingests admit up to N times the rate); series
 * are counted by a 53-bit hash of their labels, forgotten after an idle period.
 */
import type { Labels } from '../promql/labels.js';

/** A token bucket of samples. */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(private rate: number, private burst: number, now: number) {
    this.tokens = burst;
    this.last = now;
  }

  /** Changes rate and burst (limits come from config and the database, and change). */
  configure(rate: number, burst: number): void {
    this.rate = rate;
    this.burst = burst;
    if (this.tokens > burst) this.tokens = burst;
  }

  /** The burst: no request may take more. */
  get capacity(): number {
    return this.burst;
  }

  private refill(now: number): void {
    if (now > this.last) {
      this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.rate) / 1000);
      this.last = now;
    }
  }

  /** Takes `n` tokens: 0 if granted, else the seconds to wait before they would be. */
  take(n: number, now: number): number {
    this.refill(now);
    if (this.tokens >= n) {
      this.tokens -= n;
      return 0;
    }
    return Math.max(1, Math.ceil((n - this.tokens) / this.rate));
  }

  /** Gives back tokens of a request that was not written after all. */
  refund(n: number): void {
    this.tokens = Math.min(this.burst, this.tokens + n);
  }
}

/** A 53-bit hash of a label set (cyrb53 over names and values). */
export function labelsHash(ls: Labels): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (const l of ls) {
    for (const s of [l.name, l.value]) {
      for (let i = 0; i < s.length; i++) {
        const c = s.charCodeAt(i);
        h1 = Math.imul(h1 ^ c, 2654435761);
        h2 = Math.imul(h2 ^ c, 1597334677);
      }
      // A separator no label text contains, so ("ab","c") and ("a","bc") differ.
      h1 = Math.imul(h1 ^ 0xffff, 2654435761);
      h2 = Math.imul(h2 ^ 0xffff, 1597334677);
    }
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/** Active series of one tenant, by label hash, with the time each was last written. */
export class SeriesTracker {
  private readonly lastSeen = new Map<number, number>();
  private lastPrune: number;

  constructor(private readonly idleMs: number, now: number) {
    this.lastPrune = now;
  }

  /** Series counted now. */
  get size(): number {
    return this.lastSeen.size;
  }

  /** Whether the series is already counted. */
  has(hash: number): boolean {
    return this.lastSeen.has(hash);
  }

  /** Marks the series as written at `now`. */
  touch(hashes: Iterable<number>, now: number): void {
    for (const h of hashes) this.lastSeen.set(h, now);
    if (now - this.lastPrune >= 60_000) this.prune(now);
  }

  /** Forgets series not written for the idle period. */
  prune(now: number): void {
    this.lastPrune = now;
    const cutoff = now - this.idleMs;
    for (const [h, t] of this.lastSeen) if (t < cutoff) this.lastSeen.delete(h);
  }
}

/** The limits in force for one tenant, defaults merged with its overrides. */
export interface EffectiveLimits {
  readonly maxSeries: number;
  readonly samplesPerSecond: number;
  readonly burstSamples: number;
  readonly maxBodyBytes: number;
}

/** One tenant's live limit state. */
export interface TenantState {
  readonly bucket: TokenBucket;
  readonly series: SeriesTracker;
}

/** The live limit state of every tenant this process has seen. */
export class TenantLimiter {
  private readonly tenants = new Map<string, TenantState>();

  constructor(private readonly seriesIdleMs: number) {}

  /** The state of `tenant`, configured with `limits`. */
  state(tenant: string, limits: EffectiveLimits, now: number): TenantState {
    let s = this.tenants.get(tenant);
    if (!s) {
      s = { bucket: new TokenBucket(limits.samplesPerSecond, limits.burstSamples, now), series: new SeriesTracker(this.seriesIdleMs, now) };
      this.tenants.set(tenant, s);
    } else {
      s.bucket.configure(limits.samplesPerSecond, limits.burstSamples);
    }
    return s;
  }

  /** Active series per tenant, for /metrics. */
  activeSeries(): Array<[string, number]> {
    return [...this.tenants].map(([t, s]) => [t, s.series.size]);
  }
}

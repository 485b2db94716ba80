/**
 * A short-lived cache of token hash -> principal in front of MySQL, so authenticating a
 * request costs a hash and a map lookup. Unknown tokens are cached too (for less time),
 * so a client with a wrong token cannot make every request hit the database. Keys are
 * hashes; the token itself is never kept.
 */
import { createHash } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { TokenPrincipal } from './tokens.js';

/** How long answers are kept. */
export interface TokenCacheOptions {
  /** Default 10 s: a revoked token stops working within this. */
  readonly ttlMs?: number;
  /** Default 2 s. */
  readonly negativeTtlMs?: number;
  /** Entries kept at most (oldest dropped first), default 100,000. */
  readonly maxEntries?: number;
}

interface Entry {
  readonly principal: TokenPrincipal | null;
  readonly expires: number;
}

/** Caches `lookup` answers by token hash. */
export class TokenCache {
  private readonly entries = new Map<string, Entry>();
  private readonly inflight = new Map<string, Promise<TokenPrincipal | null>>();
  private readonly ttl: number;
  private readonly negativeTtl: number;
  private readonly max: number;

  constructor(
    private readonly lookup: (token: string) => Promise<TokenPrincipal | null>,
    private readonly clock: Clock,
    options: TokenCacheOptions = {},
  ) {
    this.ttl = options.ttlMs ?? 10_000;
    this.negativeTtl = options.negativeTtlMs ?? 2_000;
    this.max = options.maxEntries ?? 100_000;
  }

  /** The principal of `token` (null if it is not valid); rejects when the lookup fails. */
  async resolve(token: string): Promise<TokenPrincipal | null> {
    const key = createHash('sha256').update(token, 'utf8').digest('base64');
    const now = this.clock.now();
    const hit = this.entries.get(key);
    if (hit && hit.expires > now) return hit.principal;
    // Concurrent requests with the same token share one database lookup.
    let pending = this.inflight.get(key);
    if (!pending) {
      pending = this.lookup(token).finally(() => this.inflight.delete(key));
      this.inflight.set(key, pending);
    }
    const principal = await pending;
    this.entries.delete(key);
    this.entries.set(key, { principal, expires: this.clock.now() + (principal ? this.ttl : this.negativeTtl) });
    if (this.entries.size > this.max) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    return principal;
  }

  /** Forgets everything (e.g. after revoking tokens in-process). */
  clear(): void {
    this.entries.clear();
  }
}

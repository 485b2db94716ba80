/**
 * Publishes a tenant's compiled policy rules on the compacted rules topic (key
 * `tenant:<id>`, value the rule file's YAML, or a tombstone when it has none) and waits for
 * Kafka's acknowledgement. Publishes of one tenant run one after another, each compiling
 * from the database at its turn, so the last acknowledged record is the latest state. A
 * tenant whose publish failed stays "dirty" and is published again in the background.
 */
import type { Message } from 'kafkajs';
import type { StorePool } from '../store/pool.js';
import { listPolicies, machinesByTag } from '../store/policies.js';
import { getTenant } from '../store/tenant_views.js';
import { compileTenantRules, rulesKey } from './compile.js';
import { ApiError } from './errors.js';
import type { PolicySpec } from './policy.js';

/** Where rule sets go (a SafeProducer in production). */
export interface RulesSink {
  send(topic: string, messages: Message[]): Promise<unknown>;
}

/** What the publisher is built from. */
export interface PublisherDeps {
  readonly pool: StorePool;
  readonly sink: RulesSink;
  readonly topic: string;
  /** Evaluation interval of the compiled groups (default: the compiler's). */
  readonly interval?: string;
  readonly log?: (line: string) => void;
}

/** Counters for /metrics. */
export interface PublisherStats {
  published: number;
  tombstones: number;
  failures: number;
}

/** The rules publisher of one API process. */
export class RulesPublisher {
  /** Tenants whose latest rules Kafka has not acknowledged. */
  readonly dirty = new Set<string>();
  readonly stats: PublisherStats = { published: 0, tombstones: 0, failures: 0 };
  private readonly chains = new Map<string, Promise<void>>();
  private timer: NodeJS.Timeout | null = null;
  private retrying: Promise<void> = Promise.resolve();

  constructor(private readonly deps: PublisherDeps) {}

  /** The record a tenant's current state compiles to (null value: a tombstone). */
  async compile(tenant: string): Promise<{ key: string; value: string | null; skipped: unknown }> {
    const t = await getTenant(this.deps.pool, tenant);
    // A disabled (or deleted) tenant keeps its policies in the database but evaluates none.
    const rows = t === null || !t.enabled ? [] : await listPolicies(this.deps.pool, tenant);
    const policies = rows.map((r) => ({ id: r.id, spec: r.spec as PolicySpec, enabled: r.enabled }));
    const byTag = policies.some((p) => p.enabled && p.spec.tags.length > 0) ? await machinesByTag(this.deps.pool, tenant) : new Map<string, string[]>();
    const out = compileTenantRules(tenant, policies, { machinesByTag: byTag, ...(this.deps.interval !== undefined ? { interval: this.deps.interval } : {}) });
    return { key: rulesKey(tenant), value: out.yaml, skipped: out.skipped };
  }

  /**
   * Compiles and publishes the tenant's rules, resolving once Kafka acknowledged them; on a
   * Kafka failure the tenant is marked dirty and this throws ApiError 503.
   */
  publish(tenant: string): Promise<void> {
    const prev = this.chains.get(tenant) ?? Promise.resolve();
    const next = prev.catch(() => undefined).then(() => this.publishNow(tenant));
    this.chains.set(tenant, next);
    void next.catch(() => undefined).finally(() => {
      if (this.chains.get(tenant) === next) this.chains.delete(tenant);
    });
    return next;
  }

  private async publishNow(tenant: string): Promise<void> {
    let rec: Awaited<ReturnType<RulesPublisher['compile']>>;
    try {
      rec = await this.compile(tenant);
    } catch (e) {
      // The database write this publish follows may stand: retry it like a refused send.
      this.dirty.add(tenant);
      this.stats.failures++;
      this.deps.log?.(`api: compiling the rules of tenant ${tenant} failed (will retry): ${(e as Error).message}`);
      throw e;
    }
    const skipped = Array.isArray(rec.skipped) ? rec.skipped : [];
    if (skipped.length > 0) this.deps.log?.(`api: tenant ${tenant}: ${skipped.length} policies compiled to no rule: ${JSON.stringify(skipped)}`);
    try {
      await this.deps.sink.send(this.deps.topic, [{ key: rec.key, value: rec.value }]);
    } catch (e) {
      this.dirty.add(tenant);
      this.stats.failures++;
      this.deps.log?.(`api: publishing rules of tenant ${tenant} failed (will retry): ${(e as Error).message}`);
      throw new ApiError('unavailable', 'saved, but the rules could not be published yet (Kafka unavailable); they are published again automatically');
    }
    this.dirty.delete(tenant);
    if (rec.value === null) this.stats.tombstones++;
    else this.stats.published++;
  }

  /** Publishes every tenant (idempotent on a compacted topic), `concurrency` at a time; returns how many failed. */
  async republishAll(tenants: readonly string[], concurrency = 16): Promise<number> {
    let failed = 0;
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < tenants.length) {
        const t = tenants[next++]!;
        try {
          await this.publish(t);
        } catch {
          failed++;
          this.dirty.add(t);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, tenants.length) }, worker));
    return failed;
  }

  /** Publishes the dirty tenants again every `intervalMs` until stop(). */
  startRetrying(intervalMs: number): void {
    if (this.timer !== null) return;
    this.timer = setInterval(() => {
      if (this.dirty.size === 0) return;
      this.retrying = this.retrying.then(() => this.republishAll([...this.dirty]).then(() => undefined));
    }, intervalMs);
    this.timer.unref();
  }

  /** Stops retrying and waits for publishes in flight. */
  async stop(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    await this.retrying;
    await Promise.allSettled([...this.chains.values()]);
  }
}

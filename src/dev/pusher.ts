/**
 * Pushes the simulated fleet (fleet.ts) to a real ingest by Prometheus remote_write, one
 * request per tenant per push, each with that tenant's bearer token, as a vmagent would.
 * Backfill sends several scrapes per request (explicit timestamps) so history loads fast.
 */
import type { Labels } from '../promql/labels.js';
import type { IngestSample } from '../evaluate/partition.js';
import { encodeRemoteWriteBody, type WriteSeries } from '../ingest/remote_write.js';
import { Fleet, SCRAPE_INTERVAL_MS } from './fleet.js';

/** A tenant the fleet pushes for. */
export interface PushTenant {
  readonly id: string;
  readonly token: string;
}

/** How the pusher runs. */
export interface PusherOptions {
  /** The ingest's base URL, e.g. `http://127.0.0.1:9201`. */
  readonly ingestUrl: string;
  readonly fleet: Fleet;
  /** Machine i belongs to tenants[i % tenants.length]. */
  readonly tenants: readonly PushTenant[];
  /** Retries of a request answered 429 or 503 (default 20). */
  readonly retries?: number;
}

/** Counters of what was pushed. */
export interface PusherStats {
  requests: number;
  samples: number;
  retries: number;
}

/** Thrown when the ingest refuses a push for good. */
export class PushError extends Error {
  override name = 'PushError';
  constructor(message: string, readonly status: number) {
    super(message);
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Pushes scrapes of the fleet, in time order, to the ingest. */
export class FleetPusher {
  readonly stats: PusherStats = { requests: 0, samples: 0, retries: 0 };
  /** The next scrape time not yet pushed. */
  private next: number | null = null;

  constructor(private readonly o: PusherOptions) {
    if (o.tenants.length === 0) throw new RangeError('pusher: at least one tenant is needed');
  }

  /** The tenant of machine `index`. */
  tenantOf(index: number): PushTenant {
    return this.o.tenants[index % this.o.tenants.length]!;
  }

  /** The next scrape time to push, or null before the first push. */
  get nextScrape(): number | null {
    return this.next;
  }

  /**
   * Pushes every scrape from `from` (or where the last push stopped) through `until`,
   * `perRequest` scrapes per request; resolves to the samples pushed.
   */
  async pushUntil(until: number, opts: { from?: number; perRequest?: number } = {}): Promise<number> {
    let t = this.next ?? opts.from ?? until - (until % SCRAPE_INTERVAL_MS);
    const per = Math.max(1, opts.perRequest ?? 1);
    let pushed = 0;
    while (t <= until) {
      const times: number[] = [];
      for (let i = 0; i < per && t <= until; i++, t += SCRAPE_INTERVAL_MS) times.push(t);
      pushed += await this.pushScrapes(times);
      this.next = t;
    }
    return pushed;
  }

  /** Scrapes every machine at each of `times` and sends one request per tenant. */
  private async pushScrapes(times: readonly number[]): Promise<number> {
    const byTenant = new Map<PushTenant, Map<Labels, WriteSeries>>();
    for (const tenant of this.o.tenants) byTenant.set(tenant, new Map());
    for (const t of times) {
      for (const m of this.o.fleet.machines) {
        const series = byTenant.get(this.tenantOf(m.index))!;
        for (const s of m.scrape(t)) addSample(series, s);
      }
    }
    let n = 0;
    await Promise.all([...byTenant].map(async ([tenant, series]) => {
      if (series.size === 0) return;
      const list = [...series.values()];
      for (const s of list) n += s.samples.length;
      await this.send(tenant, encodeRemoteWriteBody(list));
    }));
    this.stats.samples += n;
    return n;
  }

  private async send(tenant: PushTenant, body: Buffer): Promise<void> {
    const retries = this.o.retries ?? 20;
    for (let attempt = 0; ; attempt++) {
      let res: Response;
      try {
        res = await fetch(`${this.o.ingestUrl}/api/v1/write`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${tenant.token}`,
            'content-type': 'application/x-protobuf',
            'content-encoding': 'snappy',
            'x-prometheus-remote-write-version': '0.1.0',
          },
          body: new Uint8Array(body),
        });
      } catch (e) {
        if (attempt >= retries) throw new PushError(`pusher: ${this.o.ingestUrl} unreachable: ${(e as Error).message}`, 0);
        this.stats.retries++;
        await sleep(250);
        continue;
      }
      this.stats.requests++;
      const text = await res.text();
      if (res.ok) return;
      if ((res.status === 429 || res.status >= 500) && attempt < retries) {
        this.stats.retries++;
        const after = Number(res.headers.get('retry-after'));
        await sleep(Number.isFinite(after) && after > 0 ? Math.min(after, 5) * 1000 : 250);
        continue;
      }
      throw new PushError(`pusher: tenant ${tenant.id}: ingest answered ${res.status}: ${text.slice(0, 300)}`, res.status);
    }
  }
}

function addSample(series: Map<Labels, WriteSeries>, s: IngestSample): void {
  let w = series.get(s.labels);
  if (w === undefined) {
    w = { labels: s.labels, samples: [] };
    series.set(s.labels, w);
  }
  (w.samples as { value: number; timestamp: number; stale?: boolean }[]).push(s.stale ? { value: 0, timestamp: s.t, stale: true } : { value: s.v, timestamp: s.t });
}

/** A fleet of `machines` whose scenarios are timed from `liveStart` (aligned to the scrape interval). */
export function demoFleet(machines: number, liveStart: number): Fleet {
  return new Fleet(machines, liveStart - (liveStart % SCRAPE_INTERVAL_MS));
}

/** The API's own counters and their rendering for /metrics. */
import { MetricsWriter, writeProcessMetrics } from '../http/exposition.js';
import type { RulesPublisher } from './publish.js';

/** Counters of one API process. */
export class ApiMetrics {
  private readonly requests = new Map<string, number>();

  /** Counts a finished request by route name and status. */
  request(route: string, code: number): void {
    const k = `${route}\u0000${code}`;
    this.requests.set(k, (this.requests.get(k) ?? 0) + 1);
  }

  /** The exposition text. */
  render(publisher: RulesPublisher): string {
    const w = new MetricsWriter();
    w.family('vigil_api_requests_total', 'counter', 'HTTP requests by route and status code.',
      [...this.requests].map(([k, n]) => {
        const [route, code] = k.split('\u0000') as [string, string];
        return { labels: { route, code }, value: n };
      }));
    w.counter('vigil_api_rules_published_total', 'Tenant rule sets Kafka acknowledged.', publisher.stats.published);
    w.counter('vigil_api_rules_tombstones_total', 'Tenant rule-set tombstones Kafka acknowledged.', publisher.stats.tombstones);
    w.counter('vigil_api_rules_publish_failures_total', 'Tenant rule-set publishes Kafka did not acknowledge.', publisher.stats.failures);
    w.gauge('vigil_api_rules_dirty_tenants', 'Tenants whose latest rules are not yet acknowledged (retried in the background).', publisher.dirty.size);
    writeProcessMetrics(w);
    return w.text();
  }
}

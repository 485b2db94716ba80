/**
 * The manager's /metrics: alerts received (Alertmanager's metric names where the concept is
 * the same, so existing dashboards work), notifications sent and failed per integration,
 * aggregation groups, lease takeovers, and the Kafka consumer's counters.
 */
import { MetricsWriter, writeProcessMetrics } from '../../http/exposition.js';
import type { RowDataPacket } from 'mysql2/promise';
import type { StorePool } from '../../store/pool.js';
import type { AlertConsumerStats } from '../consumer.js';
import { POLICY_DROP_REASONS, type PolicyDropStats } from '../policy_receivers.js';
import type { Integration } from '../receivers/integration.js';

/** Counters the API, the consumer and the dispatcher loop add to. */
export class ManagerMetrics {
  private readonly received = { firing: 0, resolved: 0 };
  private invalid = 0;
  private readonly notifications = new Map<string, { sent: number; failed: number }>();
  /** Due groups claimed from another instance whose lease had expired. */
  leaseTakeovers = 0;
  /** Flushes whose pipeline failed. */
  flushFailures = 0;
  /** Dispatcher ticks that threw (the database away, say). */
  tickFailures = 0;
  /** The consumer's counters, when there is one. */
  consumer: AlertConsumerStats | null = null;
  /** The dispatcher's dropped policy notifications, when policy routing is on. */
  policyDrops: Readonly<PolicyDropStats> | null = null;

  /** An alert accepted by POST /api/v2/alerts. */
  alertReceived(status: 'firing' | 'resolved'): void {
    this.received[status]++;
  }

  /** An alert rejected by POST /api/v2/alerts. */
  alertInvalid(): void {
    this.invalid++;
  }

  /** One send attempt of an integration kind. */
  notification(integration: string, ok: boolean): void {
    let n = this.notifications.get(integration);
    if (n === undefined) this.notifications.set(integration, (n = { sent: 0, failed: 0 }));
    n.sent++;
    if (!ok) n.failed++;
  }

  /** The exposition text; reads the group count from the database. */
  async render(pool: StorePool): Promise<string> {
    const w = new MetricsWriter();
    w.family('alertmanager_alerts_received_total', 'counter', 'The total number of received alerts.',
      (['firing', 'resolved'] as const).map((status) => ({ labels: { status }, value: this.received[status] })));
    w.counter('alertmanager_alerts_invalid_total', 'The total number of received alerts that were invalid.', this.invalid);
    const kinds = [...new Set(['email', 'pagerduty', 'slack', 'webhook', ...this.notifications.keys()])].sort();
    w.family('alertmanager_notifications_total', 'counter', 'The total number of attempted notifications.',
      kinds.map((integration) => ({ labels: { integration }, value: this.notifications.get(integration)?.sent ?? 0 })));
    w.family('alertmanager_notifications_failed_total', 'counter', 'The total number of failed notifications.',
      kinds.map((integration) => ({ labels: { integration }, value: this.notifications.get(integration)?.failed ?? 0 })));
    let groups = NaN;
    try {
      const [rows] = await pool.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM manager_groups');
      groups = Number(rows[0]!.n);
    } catch {
      // The database is away: the gauge says so with NaN rather than failing the scrape.
    }
    w.gauge('vigil_manager_aggregation_groups', 'Aggregation groups in the shared store.', groups);
    w.counter('vigil_manager_lease_takeovers_total', 'Due groups this instance took over from an instance whose lease expired.', this.leaseTakeovers);
    w.counter('vigil_manager_flush_failures_total', 'Group flushes whose notification failed.', this.flushFailures);
    w.counter('vigil_manager_tick_failures_total', 'Dispatcher ticks that failed.', this.tickFailures);
    if (this.policyDrops !== null) {
      const d = this.policyDrops;
      w.family('vigil_manager_policy_notifications_dropped_total', 'counter',
        'Policy group flushes that sent nothing: the policy is gone, disabled, another tenant\'s, or its targets unreadable.',
        POLICY_DROP_REASONS.map((reason) => ({ labels: { reason }, value: d[reason] })));
    }
    if (this.consumer !== null) {
      const c = this.consumer;
      w.counter('vigil_manager_kafka_records_total', 'Alert event records read from Kafka.', c.records);
      w.family('vigil_manager_kafka_alerts_total', 'counter', 'Alerts from Kafka events handed to the dispatcher, by status.', [
        { labels: { status: 'firing' }, value: c.firing }, { labels: { status: 'resolved' }, value: c.resolved }, { labels: { status: 'pending' }, value: c.pending },
      ]);
      w.counter('vigil_manager_kafka_invalid_total', 'Alert event records skipped as undecodable or invalid.', c.invalid);
      w.counter('vigil_manager_kafka_commit_failures_total', 'Offset commits that failed.', c.commitFailures);
    }
    writeProcessMetrics(w);
    return w.text();
  }
}

/** Wraps an integration so that its send attempts and failures are counted. */
export function countingIntegration(inner: Integration, metrics: ManagerMetrics): Integration {
  return {
    name: inner.name,
    index: inner.index,
    sendResolved: inner.sendResolved,
    async send(ctx, alerts) {
      try {
        const r = await inner.send(ctx, alerts);
        metrics.notification(inner.name, r.error === undefined);
        return r;
      } catch (e) {
        metrics.notification(inner.name, false);
        throw e;
      }
    },
  };
}

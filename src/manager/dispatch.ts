/**
 * The dispatcher (Alertmanager dispatch/): puts incoming alerts in the store and in the
 * aggregation groups of the routes they match, and on each tick flushes the due groups
 * whose lease this instance holds. Timing: a new group flushes after group_wait (at once
 * for an alert older than that), then every group_interval; the dedup stage turns an
 * unchanged group into a repeat only after repeat_interval.
 */
import { createHash } from 'node:crypto';
import type { Clock } from '../clock.js';
import { labelsKey, labelsToRecord } from '../promql/labels.js';
import { gcAlerts, listAlerts, putAlerts } from '../store/manager_alerts.js';
import {
  addToGroups, claimDueGroups, deleteGroup, finishFlush, groupAlerts, ownedDueGroups, releaseLeases, renewLeases, type GroupInsert, type StoredGroup,
} from '../store/manager_groups.js';
import { MySQLNotificationLog } from '../store/manager_nflog.js';
import { deleteSilencesEndedBefore } from '../store/manager_silences.js';
import type { StorePool } from '../store/pool.js';
import { isResolved, normalizeAlert, validatePostable, type NotifyAlert, type PostableAlert } from './alert.js';
import type { ManagerConfig, ReceiverConfig } from './config.js';
import { InhibitionSnapshot } from './inhibit.js';
import { buildPipeline, type Stage } from './pipeline/index.js';
import type { RetryOptions } from './pipeline/retry.js';
import type { Integration } from './receivers/integration.js';
import { buildRoutes, groupKey, groupLabels, matchRoutes, walkRoutes, type Route } from './route.js';
import { Silences } from './silences.js';

/** Makes a receiver's integrations. */
export type IntegrationFactory = (receiver: ReceiverConfig) => Integration[];

/** How to run a dispatcher. */
export interface DispatcherOptions {
  readonly pool: StorePool;
  readonly config: ManagerConfig;
  readonly clock: Clock;
  /** This instance's name in leases; unique among live managers. */
  readonly instance: string;
  readonly integrations: IntegrationFactory;
  /** How long a lease lasts without renewal (default 60 s). */
  readonly leaseMs?: number;
  readonly retry?: Omit<RetryOptions, 'clock'>;
}

/** What one group's flush did. */
export interface FlushReport {
  readonly groupKey: string;
  readonly receiver: string;
  readonly alerts: number;
  readonly error?: Error;
}

/** Runs a transaction again when MySQL picked it as a deadlock victim (rolled back, so safe to repeat). */
async function retryDeadlock<T>(f: () => Promise<T>, attempts = 3): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await f();
    } catch (e) {
      if (i >= attempts || (e as { errno?: number }).errno !== 1213) throw e;
    }
  }
}

function groupId(route: Route, labelsKeyText: string): string {
  return createHash('sha256').update(route.id).update('\n').update(labelsKeyText).digest('hex');
}

/** One manager instance's dispatcher. */
export class Dispatcher {
  readonly silences: Silences;
  private readonly root: Route;
  private readonly routesById: Map<string, Route>;
  private readonly pipelines: ReadonlyMap<string, Stage>;
  private readonly leaseMs: number;

  constructor(private readonly o: DispatcherOptions) {
    this.root = buildRoutes(o.config);
    this.routesById = new Map(walkRoutes(this.root).map((r) => [r.id, r]));
    const receivers = new Map(o.config.receivers.map((r) => [r.name, o.integrations(r)]));
    this.pipelines = buildPipeline(receivers, new MySQLNotificationLog(o.pool), { ...o.retry, clock: o.clock });
    this.silences = new Silences(o.pool, o.clock);
    this.leaseMs = o.leaseMs ?? 60_000;
  }

  /** The route tree. */
  get routes(): Route {
    return this.root;
  }

  /**
   * Takes posted alerts: validates, stores (merging), and groups them, a batch at a time (one
   * transaction for the alerts, one for their groups). Returns the faults of rejected ones.
   */
  async put(alerts: readonly PostableAlert[]): Promise<string[]> {
    const faults: string[] = [];
    const valid: PostableAlert[] = [];
    for (const p of alerts) {
      const fault = validatePostable(p);
      if (fault === null) valid.push(p);
      else faults.push(fault);
    }
    if (valid.length === 0) return faults;
    const now = this.o.clock.now();
    const normalized = valid.map((p) => normalizeAlert(p, now, this.o.config.global.resolve_timeout));
    const stored = await retryDeadlock(() => putAlerts(this.o.pool, normalized, now));
    const members: { group: GroupInsert; fingerprint: string }[] = [];
    for (const a of stored) {
      for (const route of matchRoutes(this.root, a.labels)) {
        const gl = groupLabels(route, a.labels);
        members.push({
          fingerprint: a.fingerprint,
          group: {
            id: groupId(route, labelsKey(gl)),
            groupKey: groupKey(route, gl),
            routeId: route.id,
            receiver: route.receiver,
            groupLabels: labelsToRecord(gl),
            now,
            firstFlushAt: now + route.groupWait,
            flushNow: a.startsAt + route.groupWait < now,
          },
        });
      }
    }
    await retryDeadlock(() => addToGroups(this.o.pool, members));
    return faults;
  }

  /** Renews this instance's leases, claims due groups nobody live holds, and flushes the due ones it holds. */
  async tick(): Promise<FlushReport[]> {
    const now = this.o.clock.now();
    await renewLeases(this.o.pool, this.o.instance, now + this.leaseMs);
    await claimDueGroups(this.o.pool, this.o.instance, now, now + this.leaseMs);
    const due = await ownedDueGroups(this.o.pool, this.o.instance, now);
    if (due.length === 0) return [];
    // Every active alert is read only when some inhibit rule can use it: it costs a scan per tick.
    const [silences, active] = await Promise.all([
      this.silences.activeSnapshot(now),
      this.o.config.inhibitRules.length > 0 ? listAlerts(this.o.pool, now) : Promise.resolve([]),
    ]);
    const inhibition = new InhibitionSnapshot(this.o.config.inhibitRules, active, now);
    const reports: FlushReport[] = [];
    for (const g of due) reports.push(await this.flush(g, now, silences, inhibition));
    return reports;
  }

  private async flush(g: StoredGroup, now: number, silences: Awaited<ReturnType<Silences['activeSnapshot']>>, inhibition: InhibitionSnapshot): Promise<FlushReport> {
    const route = this.routesById.get(g.routeId);
    const pipeline = this.pipelines.get(g.receiver);
    if (route === undefined || pipeline === undefined) {
      // The config that made this group no longer has its route; its alerts regroup when re-sent.
      await deleteGroup(this.o.pool, g.id);
      return { groupKey: g.groupKey, receiver: g.receiver, alerts: 0, error: new Error(`route ${g.routeId} or receiver ${g.receiver} is not in the config`) };
    }
    const alerts = await groupAlerts(this.o.pool, g.id);
    // Frozen now, so that no alert resolves while the pipeline runs.
    const frozen: NotifyAlert[] = alerts.map((a) => ({ ...a, resolved: isResolved(a, now) }));
    let error: Error | undefined;
    try {
      await pipeline({
        now, groupId: g.id, groupKey: g.groupKey, groupLabels: g.groupLabels, receiver: g.receiver, route,
        silences, inhibition, timeIntervals: this.o.config.timeIntervals,
      }, frozen);
    } catch (e) {
      error = e as Error;
    }
    const resolved = error === undefined ? alerts.filter((a) => isResolved(a, now)) : null;
    await finishFlush(this.o.pool, g.id, this.o.instance, now + route.groupInterval, resolved);
    return { groupKey: g.groupKey, receiver: g.receiver, alerts: alerts.length, ...(error ? { error } : {}) };
  }

  /** Forgets resolved alerts no group holds, expired log entries and silences, after `retentionMs`. */
  async gc(retentionMs = 5 * 24 * 3600_000): Promise<void> {
    const now = this.o.clock.now();
    await gcAlerts(this.o.pool, now - retentionMs);
    await new MySQLNotificationLog(this.o.pool).gc(now);
    await deleteSilencesEndedBefore(this.o.pool, now - retentionMs);
  }

  /** Gives up this instance's leases (clean shutdown). */
  async stop(): Promise<void> {
    await releaseLeases(this.o.pool, this.o.instance);
  }
}

/**
 * The dispatcher (Alertmanager dispatch/): puts incoming alerts in the store and in the
 * aggregation groups of the routes they match, and on each tick flushes the due groups
 * whose lease this instance holds. Timing: a new group flushes after group_wait (at once
 * for an alert older than that), then every group_interval; the dedup stage turns an
 * unchanged group into a repeat only after repeat_interval. Alerts of tenant policies take the
 * synthetic policy route instead of the operator's tree (policy_route.ts), and their groups'
 * receivers are built from the policy at flush time (policy_receivers.ts).
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
import { gcAlertHistory } from '../store/alert_history.js';
import type { StorePool } from '../store/pool.js';
import { isResolved, normalizeAlert, validatePostable, type NotifyAlert, type PostableAlert } from './alert.js';
import type { ManagerConfig, ReceiverConfig } from './config.js';
import { InhibitionSnapshot } from './inhibit.js';
import { buildPipeline, type Stage } from './pipeline/index.js';
import type { RetryOptions } from './pipeline/retry.js';
import type { Integration } from './receivers/integration.js';
import { buildRoutes, groupKey, groupLabels, matchRoutes, walkRoutes, type Route } from './route.js';
import { isPolicyAlert, POLICY_ROUTE_ID, policyReceiverName, policyRoute, type PolicyRouteOptions } from './policy_route.js';
import {
  policyIntegrations, PolicyReceivers, type PolicyDropReason, type PolicyDropStats, type PolicyIntegrationFactory,
} from './policy_receivers.js';
import { Silences } from './silences.js';

/** Makes a receiver's integrations. */
export type IntegrationFactory = (receiver: ReceiverConfig) => Integration[];

/** How tenant policy alerts are routed: the route's grouping and timing, and how targets become integrations. */
export interface DispatcherPolicyOptions extends PolicyRouteOptions {
  /** Builds a policy's integrations (default: policyIntegrations with the default templates). */
  readonly integrations?: PolicyIntegrationFactory;
  /** How long a policy's built receiver is kept for its revision (default 60 s). */
  readonly cacheMs?: number;
}

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
  /** How many due groups one tick flushes at once (default 8); each holds a pool connection while it queries. */
  readonly flushConcurrency?: number;
  readonly retry?: Omit<RetryOptions, 'clock'>;
  /** Tenant policy routing (default: on with the defaults); false sends policy alerts through the route tree like any other. */
  readonly policies?: DispatcherPolicyOptions | false;
}

/** What one group's flush did. */
export interface FlushReport {
  readonly groupKey: string;
  readonly receiver: string;
  readonly alerts: number;
  readonly error?: Error;
  /** A policy group's flush sent nothing: why. */
  readonly dropped?: PolicyDropReason;
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
  private readonly policyRoute: Route | null;
  private readonly policyReceivers: PolicyReceivers | null;
  private readonly leaseMs: number;
  private readonly flushConcurrency: number;
  /** Groups being flushed now: a group never has two flushes at once, even if ticks overlap. */
  private readonly flushing = new Set<string>();
  /** Per group being flushed: its turn to start sending, and the signal that gives the next group its turn. */
  private readonly turns = new Map<string, { turn: Promise<void>; started: () => void }>();

  constructor(private readonly o: DispatcherOptions) {
    this.root = buildRoutes(o.config);
    this.routesById = new Map(walkRoutes(this.root).map((r) => [r.id, r]));
    const receivers = new Map(o.config.receivers.map((r) => [r.name, o.integrations(r).map((i) => this.inTurn(i))]));
    const nflog = new MySQLNotificationLog(o.pool);
    const retry = { ...o.retry, clock: o.clock };
    this.pipelines = buildPipeline(receivers, nflog, retry);
    const p = o.policies ?? {};
    this.policyRoute = p === false ? null : policyRoute(p);
    this.policyReceivers = p === false ? null : new PolicyReceivers({
      pool: o.pool, clock: o.clock, global: o.config.global,
      integrations: p.integrations ?? ((targets, global) => policyIntegrations(targets, global)),
      // The same stages, log and retry settings as the config's receivers.
      pipeline: (name, integrations) => buildPipeline(new Map([[name, integrations.map((i) => this.inTurn(i))]]), nflog, retry).get(name)!,
      ...(p.cacheMs !== undefined ? { cacheMs: p.cacheMs } : {}),
    });
    this.silences = new Silences(o.pool, o.clock);
    this.leaseMs = o.leaseMs ?? 60_000;
    this.flushConcurrency = o.flushConcurrency ?? 8;
    if (!Number.isInteger(this.flushConcurrency) || this.flushConcurrency < 1) {
      throw new Error(`dispatcher: flushConcurrency must be a positive integer, got ${o.flushConcurrency}`);
    }
  }

  /** The route tree. */
  get routes(): Route {
    return this.root;
  }

  /** Dropped policy notifications by reason (null when policy routing is off). */
  get policyDrops(): Readonly<PolicyDropStats> | null {
    return this.policyReceivers?.stats ?? null;
  }

  /**
   * The routes an alert goes to: for a tenant policy's alert (policy routing on), the policy
   * route with the receiver `policy:<id>`; for any other, the route tree's matches.
   */
  routesFor(labels: Readonly<Record<string, string>>): Route[] {
    if (this.policyRoute !== null && isPolicyAlert(labels)) return [{ ...this.policyRoute, receiver: policyReceiverName(labels.vigil_policy!) }];
    return matchRoutes(this.root, labels);
  }

  /**
   * Takes posted alerts: validates, stores (merging), and groups them, a batch at a time (one
   * transaction for the alerts, one for their groups). Returns the faults of rejected ones.
   */
  async put(alerts: readonly PostableAlert[]): Promise<string[]> {
    const { faults, group } = await this.putStaged(alerts);
    await group();
    return faults;
  }

  /**
   * put() in two stages, so a caller can store the next batch while this one is grouped:
   * resolves once the alerts are stored, with `group`, which adds them to their aggregation
   * groups. A batch counts as taken only once its `group()` resolved. Grouping commutes
   * (group rows only move their flush earlier, memberships are a set), so one batch's
   * grouping may overlap the next batch's storing; storing must stay in order.
   */
  async putStaged(alerts: readonly PostableAlert[]): Promise<{ faults: string[]; group: () => Promise<void> }> {
    const faults: string[] = [];
    const valid: PostableAlert[] = [];
    for (const p of alerts) {
      const fault = validatePostable(p);
      if (fault === null) valid.push(p);
      else faults.push(fault);
    }
    if (valid.length === 0) return { faults, group: async () => undefined };
    const now = this.o.clock.now();
    const normalized = valid.map((p) => normalizeAlert(p, now, this.o.config.global.resolve_timeout));
    const stored = await retryDeadlock(() => putAlerts(this.o.pool, normalized, now));
    const members: { group: GroupInsert; fingerprint: string }[] = [];
    for (const a of stored) {
      for (const route of this.routesFor(a.labels)) {
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
    return { faults, group: () => retryDeadlock(() => addToGroups(this.o.pool, members)) };
  }

  /**
   * Renews this instance's leases, claims due groups nobody live holds, and flushes the due ones
   * it holds, up to flushConcurrency at once. Reports come in due order. If a flush throws (a
   * store error), the others still run and the first such error is thrown at the end.
   */
  async tick(): Promise<FlushReport[]> {
    const now = this.o.clock.now();
    await renewLeases(this.o.pool, this.o.instance, now + this.leaseMs);
    await claimDueGroups(this.o.pool, this.o.instance, now, now + this.leaseMs);
    const due = (await ownedDueGroups(this.o.pool, this.o.instance, now)).filter((g) => !this.flushing.has(g.id));
    if (due.length === 0) return [];
    // Every active alert is read only when some inhibit rule can use it: it costs a scan per tick.
    const [silences, active] = await Promise.all([
      this.silences.activeSnapshot(now),
      this.o.config.inhibitRules.length > 0 ? listAlerts(this.o.pool, now) : Promise.resolve([]),
    ]);
    const inhibition = new InhibitionSnapshot(this.o.config.inhibitRules, active, now);
    // Concurrent flushes still start their sends in due order (a send waits for the previous group's to start).
    let previous: Promise<void> = Promise.resolve();
    for (const g of due) {
      this.flushing.add(g.id);
      let started!: () => void;
      const mine = new Promise<void>((r) => (started = r));
      this.turns.set(g.id, { turn: previous, started });
      previous = mine;
    }
    const reports: (FlushReport | undefined)[] = new Array(due.length);
    const errors: unknown[] = [];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < due.length) {
        const i = next++;
        const g = due[i]!;
        try {
          reports[i] = await this.flush(g, now, silences, inhibition);
        } catch (e) {
          errors.push(e);
        } finally {
          this.turns.get(g.id)?.started();
          this.turns.delete(g.id);
          this.flushing.delete(g.id);
        }
      }
    };
    const renewal = this.renewWhileFlushing();
    try {
      await Promise.all(Array.from({ length: Math.min(this.flushConcurrency, due.length) }, worker));
    } finally {
      await renewal.stop();
    }
    if (errors.length > 0) throw errors[0];
    return reports.filter((r): r is FlushReport => r !== undefined);
  }

  /** Wraps an integration so that its send waits for its group's turn and then passes the turn on. */
  private inTurn(i: Integration): Integration {
    return {
      name: i.name, index: i.index, sendResolved: i.sendResolved,
      send: async (ctx, alerts) => {
        const t = this.turns.get(ctx.groupId);
        if (t !== undefined) {
          await t.turn;
          t.started();
        }
        return i.send(ctx, alerts);
      },
    };
  }

  /**
   * Keeps this instance's leases alive while flushes run: a send may take up to group_interval
   * with retries, longer than the lease, and another instance must not take a group mid-flush
   * and send it again. Renews every lease/3; a failed renewal is tried again at the next beat.
   */
  private renewWhileFlushing(): { stop(): Promise<void> } {
    let last: Promise<void> = Promise.resolve();
    const timer = setInterval(() => {
      last = last.then(() => renewLeases(this.o.pool, this.o.instance, this.o.clock.now() + this.leaseMs)).catch(() => undefined);
    }, Math.max(1, Math.floor(this.leaseMs / 3)));
    return {
      stop: async () => {
        clearInterval(timer);
        await last;
      },
    };
  }

  private async flush(g: StoredGroup, now: number, silences: Awaited<ReturnType<Silences['activeSnapshot']>>, inhibition: InhibitionSnapshot): Promise<FlushReport> {
    if (g.routeId === POLICY_ROUTE_ID && this.policyRoute !== null && this.policyReceivers !== null) {
      const r = await this.policyReceivers.resolve(g);
      if ('dropped' in r) return this.park(g, now, this.policyRoute, r.dropped);
      return this.send(g, now, this.policyRoute, r.pipeline, silences, inhibition);
    }
    const route = this.routesById.get(g.routeId);
    const pipeline = this.pipelines.get(g.receiver);
    if (route === undefined || pipeline === undefined) {
      // The config that made this group no longer has its route; its alerts regroup when re-sent.
      await deleteGroup(this.o.pool, g.id);
      return { groupKey: g.groupKey, receiver: g.receiver, alerts: 0, error: new Error(`route ${g.routeId} or receiver ${g.receiver} is not in the config`) };
    }
    return this.send(g, now, route, pipeline, silences, inhibition);
  }

  /**
   * A policy group that may not be sent: nothing goes out; its resolved alerts leave it and it
   * waits a group_interval, so it dies once its alerts resolve, and notifies again if the policy
   * is enabled meanwhile (a deleted policy's alerts stop coming and time out).
   */
  private async park(g: StoredGroup, now: number, route: Route, reason: PolicyDropReason): Promise<FlushReport> {
    const alerts = await groupAlerts(this.o.pool, g.id);
    const resolved = alerts.filter((a) => isResolved(a, now));
    await retryDeadlock(() => finishFlush(this.o.pool, g.id, this.o.instance, now + route.groupInterval, resolved));
    return { groupKey: g.groupKey, receiver: g.receiver, alerts: alerts.length, dropped: reason };
  }

  private async send(
    g: StoredGroup, now: number, route: Route, pipeline: Stage, silences: Awaited<ReturnType<Silences['activeSnapshot']>>, inhibition: InhibitionSnapshot,
  ): Promise<FlushReport> {
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
    // Concurrent flushes' transactions can pick each other as deadlock victims; one rolled back is safe to repeat.
    await retryDeadlock(() => finishFlush(this.o.pool, g.id, this.o.instance, now + route.groupInterval, resolved));
    return { groupKey: g.groupKey, receiver: g.receiver, alerts: alerts.length, ...(error ? { error } : {}) };
  }

  /** Forgets resolved alerts no group holds, expired log entries, silences and alert history, after `retentionMs`. */
  async gc(retentionMs = 5 * 24 * 3600_000): Promise<void> {
    const now = this.o.clock.now();
    await gcAlerts(this.o.pool, now - retentionMs);
    await new MySQLNotificationLog(this.o.pool).gc(now);
    await deleteSilencesEndedBefore(this.o.pool, now - retentionMs);
    await gcAlertHistory(this.o.pool, now - retentionMs);
  }

  /** Gives up this instance's leases (clean shutdown). */
  async stop(): Promise<void> {
    await releaseLeases(this.o.pool, this.o.instance);
  }
}

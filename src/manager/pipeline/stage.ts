/**
 * Notification stages (Alertmanager notify.Stage): each takes a group's alerts and passes on
 * those still to notify; an empty list ends the chain. Errors are thrown.
 */
import type { NotifyAlert } from '../alert.js';
import type { InhibitionSnapshot } from '../inhibit.js';
import type { Route } from '../route.js';
import type { SilenceSnapshot } from '../silences.js';
import type { TimeInterval } from '../time_intervals.js';

/** What every stage may know about the flush it is part of. */
export interface NotifyContext {
  /** The flush time; alerts' firing/resolved status is frozen at it. */
  readonly now: number;
  readonly groupId: string;
  readonly groupKey: string;
  readonly groupLabels: Readonly<Record<string, string>>;
  readonly receiver: string;
  readonly route: Route;
  /** Silences active at `now`. */
  readonly silences: SilenceSnapshot;
  /** Inhibition sources at `now`. */
  readonly inhibition: InhibitionSnapshot;
  /** The config's named time intervals. */
  readonly timeIntervals: ReadonlyMap<string, readonly TimeInterval[]>;
}

/** One stage. */
export type Stage = (ctx: NotifyContext, alerts: readonly NotifyAlert[]) => Promise<readonly NotifyAlert[]>;

/** Runs stages in order, stopping when one passes on no alerts. */
export function multiStage(...stages: Stage[]): Stage {
  return async (ctx, alerts) => {
    let cur = alerts;
    for (const s of stages) {
      if (cur.length === 0) return cur;
      cur = await s(ctx, cur);
    }
    return cur;
  };
}

/** Runs stages side by side on the same alerts; fails if any failed, after all finished. */
export function fanoutStage(...stages: Stage[]): Stage {
  return async (ctx, alerts) => {
    const results = await Promise.allSettled(stages.map((s) => s(ctx, alerts)));
    const errors = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as Error);
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) throw new AggregateError(errors, errors.map((e) => e.message).join('; '));
    return alerts;
  };
}

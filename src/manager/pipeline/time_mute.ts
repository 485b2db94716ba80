/**
 * Time-interval muting of a whole group (Alertmanager's TimeMuteStage and TimeActiveStage):
 * nothing is sent inside a route's mute_time_intervals, nor outside its active_time_intervals.
 */
import { anyIntervalContains } from '../time_intervals.js';
import type { NotifyContext, Stage } from './stage.js';

function inAny(ctx: NotifyContext, names: readonly string[]): boolean {
  return names.some((n) => anyIntervalContains(ctx.timeIntervals.get(n) ?? [], ctx.now));
}

/** Mutes while a mute interval of the route contains the flush time. */
export function timeMuteStage(): Stage {
  return async (ctx, alerts) => (inAny(ctx, ctx.route.muteTimeIntervals) ? [] : alerts);
}

/** Mutes while the route has active intervals and none contains the flush time. */
export function timeActiveStage(): Stage {
  return async (ctx, alerts) => {
    const names = ctx.route.activeTimeIntervals;
    return names.length === 0 || inAny(ctx, names) ? alerts : [];
  };
}

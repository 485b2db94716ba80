/** Drops alerts an inhibit rule mutes (Alertmanager's MuteStage with the inhibitor). */
import type { Stage } from './stage.js';

/** The inhibition stage. */
export function inhibitMuteStage(): Stage {
  return async (ctx, alerts) => alerts.filter((a) => ctx.inhibition.inhibitedBy(a.labels) === null);
}

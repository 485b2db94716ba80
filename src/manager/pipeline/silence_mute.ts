/** Drops alerts an active silence matches (Alertmanager's MuteStage with the silencer). */
import type { Stage } from './stage.js';

/** The silencing stage. */
export function silenceMuteStage(): Stage {
  return async (ctx, alerts) => alerts.filter((a) => ctx.silences.mutedBy(a.labels).length === 0);
}

/**
 * Records a successful notification in the log (Alertmanager's SetNotifiesStage). It runs
 * only after the send succeeded, so a crash before it means a repeat, never a loss.
 */
import type { NotificationLog } from '../nflog.js';
import type { Integration } from '../receivers/integration.js';
import { nflogKey, splitAlerts } from './dedup.js';
import type { Stage } from './stage.js';

/** The set-notifies stage of one integration; entries live twice the repeat interval. */
export function setNotifiesStage(integration: Integration, nflog: NotificationLog): Stage {
  return async (ctx, alerts) => {
    const { firing, resolved } = splitAlerts(alerts);
    const expiresAt = ctx.now + 2 * ctx.route.repeatInterval;
    await nflog.log(nflogKey(ctx, integration), ctx.groupKey, [...firing], [...resolved], ctx.now, expiresAt);
    return alerts;
  };
}

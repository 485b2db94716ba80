/**
 * Deduplication against the notification log (Alertmanager's DedupStage): a group is sent
 * to an integration only when it says something new, or when repeat_interval has passed.
 */
import type { Integration } from '../receivers/integration.js';
import type { NflogEntry, NflogKey, NotificationLog } from '../nflog.js';
import type { NotifyAlert } from '../alert.js';
import type { NotifyContext, Stage } from './stage.js';

function isSubset(set: readonly string[], subset: ReadonlySet<string>): boolean {
  const s = new Set(set);
  for (const k of subset) if (!s.has(k)) return false;
  return true;
}

/**
 * Whether to notify, given the last entry, the firing and resolved fingerprints now, the
 * repeat interval and the time. `sendResolved` is the integration's send_resolved.
 */
export function needsUpdate(
  entry: NflogEntry | null, firing: ReadonlySet<string>, resolved: ReadonlySet<string>, repeatIntervalMs: number, now: number, sendResolved: boolean,
): boolean {
  // Never notified: only if something fires.
  if (entry === null) return firing.size > 0;
  // Something fires that was not notified.
  if (!isSubset(entry.firing, firing)) return true;
  // All resolved: tell the receiver only if it was told something fired (whatever send_resolved
  // says, so the log forgets the firing alerts); alerts that came and went unseen need no word.
  if (firing.size === 0) return entry.firing.length > 0;
  if (sendResolved && !isSubset(entry.resolved, resolved)) return true;
  return entry.timestamp < now - repeatIntervalMs;
}

/** The firing and resolved fingerprints of a flush. */
export function splitAlerts(alerts: readonly NotifyAlert[]): { firing: Set<string>; resolved: Set<string> } {
  const firing = new Set<string>();
  const resolved = new Set<string>();
  for (const a of alerts) (a.resolved ? resolved : firing).add(a.fingerprint);
  return { firing, resolved };
}

/** The nflog key of an integration within a flush. */
export function nflogKey(ctx: NotifyContext, integration: Integration): NflogKey {
  return { groupId: ctx.groupId, receiver: ctx.receiver, integration: integration.name, index: integration.index };
}

/** The dedup stage of one integration. */
export function dedupStage(integration: Integration, nflog: NotificationLog): Stage {
  return async (ctx, alerts) => {
    const entry = await nflog.query(nflogKey(ctx, integration), ctx.now);
    const { firing, resolved } = splitAlerts(alerts);
    return needsUpdate(entry, firing, resolved, ctx.route.repeatInterval, ctx.now, integration.sendResolved) ? alerts : [];
  };
}

/**
 * The notification pipeline, composed in one place: mute by inhibition, by time intervals
 * and by silences, then for each integration of the group's receiver, side by side:
 * dedup, send with retries, record in the notification log.
 */
import type { NotificationLog } from '../nflog.js';
import type { Integration } from '../receivers/integration.js';
import { dedupStage } from './dedup.js';
import { inhibitMuteStage } from './inhibit_mute.js';
import { retryStage, type RetryOptions } from './retry.js';
import { setNotifiesStage } from './set_notifies.js';
import { silenceMuteStage } from './silence_mute.js';
import { fanoutStage, multiStage, type Stage } from './stage.js';
import { timeActiveStage, timeMuteStage } from './time_mute.js';

export type { NotifyContext, Stage } from './stage.js';

/** The pipeline of every receiver, by receiver name. */
export function buildPipeline(receivers: ReadonlyMap<string, readonly Integration[]>, nflog: NotificationLog, retry: RetryOptions): ReadonlyMap<string, Stage> {
  const out = new Map<string, Stage>();
  for (const [name, integrations] of receivers) {
    const perIntegration = integrations.map((i) => multiStage(dedupStage(i, nflog), retryStage(i, retry), setNotifiesStage(i, nflog)));
    out.set(name, multiStage(inhibitMuteStage(), timeActiveStage(), timeMuteStage(), silenceMuteStage(), fanoutStage(...perIntegration)));
  }
  return out;
}

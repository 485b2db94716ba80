/**
 * Alerts as the manager keeps them (Alertmanager types.Alert): label set, annotations and
 * the activity range [startsAt, endsAt). An alert posted without endsAt gets
 * now + resolve_timeout and is marked `timeout`; it resolves by itself unless re-sent.
 */
import type { AlertEvent } from '../evaluate/event.js';
import { fingerprint } from '../evaluate/fingerprint.js';
import { labelsFromRecord } from '../promql/labels.js';

/** An alert in the store. Times are ms since the epoch. */
export interface Alert {
  readonly fingerprint: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly startsAt: number;
  readonly endsAt: number;
  readonly updatedAt: number;
  readonly generatorURL: string;
  /** endsAt was set by resolve_timeout, not by the sender. */
  readonly timeout: boolean;
}

/** An alert as a sender posts it (Alertmanager API v2 PostableAlert, times optional; 0 = unset). */
export interface PostableAlert {
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly startsAt?: number;
  readonly endsAt?: number;
  readonly generatorURL?: string;
}

/** An alert at flush time: its status frozen so it cannot resolve while it is being sent. */
export interface NotifyAlert extends Alert {
  readonly resolved: boolean;
}

/** Whether the alert has ended at `now` (endsAt not after now). */
export function isResolved(a: Alert, now: number): boolean {
  return a.endsAt <= now;
}

/** The alert as the API stores it: missing times filled as Alertmanager's API does. */
export function normalizeAlert(p: PostableAlert, now: number, resolveTimeoutMs: number): Alert {
  const startsAt = p.startsAt ? p.startsAt : p.endsAt ? p.endsAt : now;
  const timeout = !p.endsAt;
  return {
    fingerprint: fingerprint(labelsFromRecord({ ...p.labels })),
    labels: p.labels,
    annotations: p.annotations ?? {},
    startsAt,
    endsAt: timeout ? now + resolveTimeoutMs : p.endsAt!,
    updatedAt: now,
    generatorURL: p.generatorURL ?? '',
    timeout,
  };
}

/** Checks a posted alert as Alertmanager's Validate does; returns the fault or null. */
export function validatePostable(p: PostableAlert): string | null {
  const entries = Object.entries(p.labels);
  if (entries.length === 0) return 'at least one label pair required';
  for (const [k, v] of entries) {
    if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(k)) return `invalid label set: invalid name "${k}"`;
    if (v === '') return `invalid label set: empty value for "${k}"`;
  }
  if (p.startsAt && p.endsAt && p.endsAt < p.startsAt) return 'start time must be before end time';
  return null;
}

/**
 * Merges a newer copy into an older one (types.Alert.Merge): the earliest start wins; a
 * sender's explicit end beats a timeout; for two resolved copies the latest end wins.
 */
export function mergeAlert(a: Alert, o: Alert, now: number): Alert {
  if (o.updatedAt < a.updatedAt) return mergeAlert(o, a, now);
  let startsAt = o.startsAt;
  let endsAt = o.endsAt;
  let timeout = o.timeout;
  if (a.startsAt < o.startsAt) startsAt = a.startsAt;
  if (isResolved(o, now)) {
    if (isResolved(a, now) && a.endsAt > o.endsAt) endsAt = a.endsAt;
  } else if (a.endsAt > o.endsAt && !a.timeout) {
    endsAt = a.endsAt;
    timeout = false;
  }
  return { ...o, startsAt, endsAt, timeout };
}

/**
 * What the store keeps when `incoming` arrives for an alert it has (the mem provider's Put):
 * the two are merged only when their activity ranges overlap; otherwise the new one replaces.
 */
export function storeMerge(old: Alert | null, incoming: Alert, now: number): Alert {
  if (old === null) return incoming;
  const overlaps = (incoming.endsAt > old.startsAt && incoming.endsAt < old.endsAt) ||
    (incoming.startsAt > old.startsAt && incoming.startsAt < old.endsAt);
  return overlaps ? mergeAlert(old, incoming, now) : incoming;
}

/**
 * The postable alert of a vigil.alerts event (as Prometheus's notifier would send it), or
 * null for a pending alert, which Alertmanager never sees.
 */
export function alertFromEvent(e: AlertEvent): PostableAlert | null {
  if (e.state === 'pending') return null;
  const startsAt = e.firedAt ?? e.activeAt;
  const endsAt = e.state === 'resolved' ? e.resolvedAt ?? e.evalTime : e.validUntil ?? 0;
  return { labels: e.labels, annotations: e.annotations, startsAt, endsAt, generatorURL: e.generatorURL };
}

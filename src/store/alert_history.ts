/**
 * The tenant API's alert history (table alert_history): one row per episode of a tenant's
 * alert (fingerprint + startsAt), written by the manager's alert store as alerts arrive, and
 * the reader the tenant API lists a tenant's episodes with. The tenant is always a bound
 * parameter and part of every key, so no query reaches another tenant's rows.
 */
import type { PoolConnection, RowDataPacket } from 'mysql2/promise';
import type { Alert } from '../manager/alert.js';
import type { StorePool } from './pool.js';
import { isUuid } from '../util/uuid.js';

/** The longest tenant id the schema holds (tenants.id VARCHAR(64)). */
export const MAX_TENANT_LENGTH = 64;

/**
 * The tenant an alert belongs to: its `tenant` label, '' for none. A label too long to be a
 * tenant id (only a hand-posted alert can have one) counts as none rather than failing the batch.
 */
export function alertTenant(labels: Readonly<Record<string, string>>): string {
  const t = labels.tenant ?? '';
  return t.length <= MAX_TENANT_LENGTH ? t : '';
}

/** One episode of a tenant's alert. */
export interface AlertEpisode {
  readonly tenant: string;
  readonly fingerprint: string;
  readonly startsAt: number;
  readonly endsAt: number;
  /** An event said the alert ended (not merely a resolve_timeout estimate). */
  readonly resolved: boolean;
  readonly alertname: string;
  /** The `vigil_policy` label when it is a policy id, else null. */
  readonly policyId: string | null;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}

/**
 * Upserts the episodes of stored alerts on `conn` (inside the alert store's transaction), one
 * statement for the lot; alerts without a tenant are skipped. An episode seen twice in the
 * batch keeps its last state. Rows go in key order so two overlapping batches lock alike.
 */
export async function upsertEpisodes(conn: PoolConnection, stored: readonly Alert[], now: number): Promise<void> {
  const last = new Map<string, unknown[]>();
  for (const a of stored) {
    const tenant = alertTenant(a.labels);
    if (tenant === '') continue;
    const policy = a.labels.vigil_policy;
    const resolved = a.endsAt <= now && !a.timeout ? 1 : 0;
    // '\u0000' cannot occur in a tenant id or a fingerprint: a safe separator for the sort key.
    const key = `${tenant}\u0000${a.fingerprint}\u0000${String(a.startsAt).padStart(16, '0')}`;
    last.set(key, [
      tenant, a.fingerprint, a.startsAt, a.endsAt, resolved, (a.labels.alertname ?? '').slice(0, 255),
      isUuid(policy) ? policy : null, JSON.stringify(a.labels), JSON.stringify(a.annotations),
    ]);
  }
  if (last.size === 0) return;
  const rows = [...last.keys()].sort().map((k) => last.get(k)!);
  await conn.query(
    `INSERT INTO alert_history (tenant, fingerprint, starts_at, ends_at, resolved, alertname, policy_id, labels, annotations)
     VALUES ?
     ON DUPLICATE KEY UPDATE ends_at = VALUES(ends_at), resolved = VALUES(resolved), alertname = VALUES(alertname),
       policy_id = VALUES(policy_id), labels = VALUES(labels), annotations = VALUES(annotations)`,
    [rows],
  );
}

interface EpisodeRow extends RowDataPacket {
  tenant: string;
  fingerprint: string;
  starts_at: number | string;
  ends_at: number | string;
  resolved: number;
  alertname: string;
  policy_id: string | null;
  labels: string;
  annotations: string;
}

/** What a history query asks for. */
export interface HistoryQuery {
  /** Only episodes that started at or after this time (ms); default: all. */
  readonly since?: number;
  /** At most this many (default 100, at most 1000). */
  readonly limit?: number;
}

/** The largest page tenantAlertHistory returns. */
export const MAX_HISTORY_LIMIT = 1000;

/**
 * A tenant's alert episodes, newest first (by startsAt, then fingerprint): those that started
 * at or after `since`, at most `limit`. Served by the (tenant, starts_at) index.
 */
export async function tenantAlertHistory(pool: StorePool, tenant: string, query: HistoryQuery = {}): Promise<AlertEpisode[]> {
  const limit = Math.min(Math.max(Math.trunc(query.limit ?? 100), 1), MAX_HISTORY_LIMIT);
  const since = query.since ?? Number.MIN_SAFE_INTEGER;
  const [rows] = await pool.query<EpisodeRow[]>(
    `SELECT tenant, fingerprint, starts_at, ends_at, resolved, alertname, policy_id, labels, annotations FROM alert_history
     WHERE tenant = ? AND starts_at >= ? ORDER BY starts_at DESC, fingerprint LIMIT ?`,
    [tenant, since, limit],
  );
  return rows.map((r) => ({
    tenant: r.tenant,
    fingerprint: r.fingerprint,
    startsAt: Number(r.starts_at),
    endsAt: Number(r.ends_at),
    resolved: r.resolved === 1,
    alertname: r.alertname,
    policyId: r.policy_id,
    labels: JSON.parse(r.labels) as Record<string, string>,
    annotations: JSON.parse(r.annotations) as Record<string, string>,
  }));
}

/** Deletes episodes that ended before `before`; returns how many. */
export async function gcAlertHistory(pool: StorePool, before: number): Promise<number> {
  const [res] = await pool.query('DELETE FROM alert_history WHERE ends_at < ?', [before]);
  return (res as { affectedRows: number }).affectedRows;
}

/**
 * The manager's alert store in MySQL: an idempotent upsert by fingerprint that merges with
 * the stored copy under a row lock (as Alertmanager's provider does in memory). Each row
 * carries its tenant (the `tenant` label) for the tenant API, and a tenant's alerts also get
 * their episodes in alert_history in the same transaction.
 */
import type { RowDataPacket } from 'mysql2/promise';
import { storeMerge, type Alert } from '../manager/alert.js';
import { alertTenant, upsertEpisodes } from './alert_history.js';
import { inTransaction, type StorePool } from './pool.js';

interface AlertRow extends RowDataPacket {
  fingerprint: string;
  labels: string;
  annotations: string;
  starts_at: number | string;
  ends_at: number | string;
  updated_at: number | string;
  timeout: number;
  generator_url: string;
}

const COLUMNS = 'fingerprint, labels, annotations, starts_at, ends_at, updated_at, timeout, generator_url';

/** A row back to an Alert. */
export function alertFromRow(r: AlertRow): Alert {
  return {
    fingerprint: r.fingerprint,
    labels: JSON.parse(r.labels) as Record<string, string>,
    annotations: JSON.parse(r.annotations) as Record<string, string>,
    startsAt: Number(r.starts_at),
    endsAt: Number(r.ends_at),
    updatedAt: Number(r.updated_at),
    timeout: r.timeout === 1,
    generatorURL: r.generator_url,
  };
}

/**
 * Stores a batch of alerts in one transaction and two round trips for the lot (lock the stored
 * copies, upsert the merged ones), merging in order, as if the alerts came one by one; returns what
 * is stored after each incoming alert, in order. Rows are locked in fingerprint order so that
 * two managers' overlapping batches cannot deadlock.
 */
export async function putAlerts(pool: StorePool, incoming: readonly Alert[], now: number): Promise<Alert[]> {
  if (incoming.length === 0) return [];
  const fps = [...new Set(incoming.map((a) => a.fingerprint))].sort();
  return inTransaction(pool, async (conn) => {
    const [rows] = await conn.query<AlertRow[]>(`SELECT ${COLUMNS} FROM manager_alerts WHERE fingerprint IN (?) ORDER BY fingerprint FOR UPDATE`, [fps]);
    const current = new Map<string, Alert>(rows.map((r) => [r.fingerprint, alertFromRow(r)]));
    const out: Alert[] = [];
    for (const a of incoming) {
      const merged = storeMerge(current.get(a.fingerprint) ?? null, a, now);
      current.set(a.fingerprint, merged);
      out.push(merged);
    }
    const values = fps.map((fp) => {
      const m = current.get(fp)!;
      return [m.fingerprint, JSON.stringify(m.labels), JSON.stringify(m.annotations), m.startsAt, m.endsAt, m.updatedAt, m.timeout ? 1 : 0, m.generatorURL, alertTenant(m.labels)];
    });
    await conn.query(
      `INSERT INTO manager_alerts (${COLUMNS}, tenant) VALUES ?
       ON DUPLICATE KEY UPDATE labels = VALUES(labels), annotations = VALUES(annotations), starts_at = VALUES(starts_at),
         ends_at = VALUES(ends_at), updated_at = VALUES(updated_at), timeout = VALUES(timeout), generator_url = VALUES(generator_url),
         tenant = VALUES(tenant)`,
      [values],
    );
    // Every state in order, so an episode a later alert of the batch replaced still gets its row.
    await upsertEpisodes(conn, out, now);
    return out;
  });
}

/** One alert by fingerprint, or null. */
export async function getAlert(pool: StorePool, fp: string): Promise<Alert | null> {
  const [rows] = await pool.query<AlertRow[]>(`SELECT ${COLUMNS} FROM manager_alerts WHERE fingerprint = ?`, [fp]);
  return rows[0] ? alertFromRow(rows[0]) : null;
}

/** Every stored alert; with `activeAt`, only those not resolved at that time. */
export async function listAlerts(pool: StorePool, activeAt?: number): Promise<Alert[]> {
  const [rows] = activeAt === undefined
    ? await pool.query<AlertRow[]>(`SELECT ${COLUMNS} FROM manager_alerts ORDER BY fingerprint`)
    : await pool.query<AlertRow[]>(`SELECT ${COLUMNS} FROM manager_alerts WHERE ends_at > ? ORDER BY fingerprint`, [activeAt]);
  return rows.map(alertFromRow);
}

/**
 * A tenant's alerts not resolved at `now`, by fingerprint; served by the (tenant, ends_at)
 * index. The tenant is a bound parameter: no other tenant's row can come back.
 */
export async function listTenantAlerts(pool: StorePool, tenant: string, now: number): Promise<Alert[]> {
  if (tenant === '') return [];
  const [rows] = await pool.query<AlertRow[]>(
    `SELECT ${COLUMNS} FROM manager_alerts WHERE tenant = ? AND ends_at > ? ORDER BY fingerprint`,
    [tenant, now],
  );
  return rows.map(alertFromRow);
}

/** Deletes alerts resolved before `before` that no aggregation group holds any more; returns how many. */
export async function gcAlerts(pool: StorePool, before: number): Promise<number> {
  const [res] = await pool.query(
    `DELETE FROM manager_alerts WHERE ends_at < ?
       AND NOT EXISTS (SELECT 1 FROM manager_group_alerts ga WHERE ga.fingerprint = manager_alerts.fingerprint)`,
    [before],
  );
  return (res as { affectedRows: number }).affectedRows;
}

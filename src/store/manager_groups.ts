/**
 * Aggregation groups in MySQL: membership, the next flush time, and the lease that makes
 * exactly one live manager flush a group. A live owner renews its leases on every tick and while
 * its flushes run; an owner that stops lets them expire and another manager claims the group
 * when it is due.
 */
import type { RowDataPacket } from 'mysql2/promise';
import type { Alert } from '../manager/alert.js';
import { alertFromRow } from './manager_alerts.js';
import { inTransaction, type StorePool } from './pool.js';

/** A group as stored. */
export interface StoredGroup {
  readonly id: string;
  readonly groupKey: string;
  readonly routeId: string;
  readonly receiver: string;
  readonly groupLabels: Readonly<Record<string, string>>;
  readonly createdAt: number;
  readonly nextFlushAt: number;
  readonly hasFlushed: boolean;
  readonly leaseOwner: string | null;
  readonly leaseUntil: number;
}

/** What to create or touch when an alert joins a group. */
export interface GroupInsert {
  readonly id: string;
  readonly groupKey: string;
  readonly routeId: string;
  readonly receiver: string;
  readonly groupLabels: Readonly<Record<string, string>>;
  readonly now: number;
  /** now + group_wait: the first flush of a new group. */
  readonly firstFlushAt: number;
  /** The alert is older than group_wait: a group that has not flushed yet flushes now. */
  readonly flushNow: boolean;
}

interface GroupRow extends RowDataPacket {
  id: string;
  group_key: string;
  route_id: string;
  receiver: string;
  group_labels: string;
  created_at: number | string;
  next_flush_at: number | string;
  has_flushed: number;
  lease_owner: string | null;
  lease_until: number | string;
}

function groupFromRow(r: GroupRow): StoredGroup {
  return {
    id: r.id,
    groupKey: r.group_key,
    routeId: r.route_id,
    receiver: r.receiver,
    groupLabels: JSON.parse(r.group_labels) as Record<string, string>,
    createdAt: Number(r.created_at),
    nextFlushAt: Number(r.next_flush_at),
    hasFlushed: r.has_flushed === 1,
    leaseOwner: r.lease_owner,
    leaseUntil: Number(r.lease_until),
  };
}

/**
 * Puts many alerts in their groups in one transaction of two statements. A new group is due
 * at its creation time plus group_wait (at once when flushNow); an existing group that has not
 * flushed yet may only move earlier. Group rows are written in id order so that overlapping
 * batches of two managers cannot deadlock.
 */
export async function addToGroups(pool: StorePool, items: readonly { readonly group: GroupInsert; readonly fingerprint: string }[]): Promise<void> {
  if (items.length === 0) return;
  const groups = new Map<string, { g: GroupInsert; first: number; now: number }>();
  for (const { group: g } of items) {
    const first = g.flushNow ? g.now : g.firstFlushAt;
    const seen = groups.get(g.id);
    if (seen === undefined) groups.set(g.id, { g, first, now: g.now });
    else seen.first = Math.min(seen.first, first);
  }
  const ids = [...groups.keys()].sort();
  // created_at = now and next_flush_at = first: "first <= created_at" marks a flush-now row in
  // the update clause (with group_wait 0 it also holds, and pulling to now changes nothing then).
  const rows = ids.map((id) => {
    const { g, first, now } = groups.get(id)!;
    return [g.id, g.groupKey, g.routeId, g.receiver, JSON.stringify(g.groupLabels), now, first];
  });
  const members = [...new Set(items.map((i) => `${i.group.id}\n${i.fingerprint}`))].sort().map((k) => k.split('\n'));
  return inTransaction(pool, async (conn) => {
    await conn.query(
      `INSERT INTO manager_groups (id, group_key, route_id, receiver, group_labels, created_at, next_flush_at)
       VALUES ?
       ON DUPLICATE KEY UPDATE next_flush_at = IF(has_flushed = 0 AND VALUES(next_flush_at) <= VALUES(created_at),
         LEAST(next_flush_at, VALUES(next_flush_at)), next_flush_at)`,
      [rows],
    );
    await conn.query('INSERT IGNORE INTO manager_group_alerts (group_id, fingerprint) VALUES ?', [members]);
  });
}

/** Extends every lease `owner` holds to `until`. */
export async function renewLeases(pool: StorePool, owner: string, until: number): Promise<void> {
  await pool.query('UPDATE manager_groups SET lease_until = ? WHERE lease_owner = ?', [until, owner]);
}

/** Takes the leases of due groups that nobody holds, or whose holder let the lease expire. */
export async function claimDueGroups(pool: StorePool, owner: string, now: number, until: number): Promise<number> {
  const [res] = await pool.query(
    `UPDATE manager_groups SET lease_owner = ?, lease_until = ?
     WHERE next_flush_at <= ? AND (lease_owner IS NULL OR lease_until <= ?)`,
    [owner, until, now, now],
  );
  return (res as { affectedRows: number }).affectedRows;
}

/** The due groups whose lease `owner` holds, soonest first. */
export async function ownedDueGroups(pool: StorePool, owner: string, now: number): Promise<StoredGroup[]> {
  const [rows] = await pool.query<GroupRow[]>(
    'SELECT * FROM manager_groups WHERE lease_owner = ? AND lease_until > ? AND next_flush_at <= ? ORDER BY next_flush_at, id',
    [owner, now, now],
  );
  return rows.map(groupFromRow);
}

/** Every group (for the API and tests). */
export async function listGroups(pool: StorePool): Promise<StoredGroup[]> {
  const [rows] = await pool.query<GroupRow[]>('SELECT * FROM manager_groups ORDER BY group_key, id');
  return rows.map(groupFromRow);
}

/** The alerts a group holds. */
export async function groupAlerts(pool: StorePool, groupId: string): Promise<Alert[]> {
  const [rows] = await pool.query<RowDataPacket[]>(
    `SELECT a.* FROM manager_group_alerts ga JOIN manager_alerts a ON a.fingerprint = ga.fingerprint
     WHERE ga.group_id = ? ORDER BY a.fingerprint`,
    [groupId],
  );
  return rows.map((r) => alertFromRow(r as Parameters<typeof alertFromRow>[0]));
}

/**
 * Ends a flush: drops the notified resolved alerts that did not change meanwhile (Alertmanager's
 * DeleteIfNotModified), schedules the next flush, and deletes the group once empty. Does
 * nothing if the lease was lost meanwhile. Returns false then.
 */
export async function finishFlush(
  pool: StorePool, groupId: string, owner: string, nextFlushAt: number, resolved: readonly Alert[] | null,
): Promise<boolean> {
  return inTransaction(pool, async (conn) => {
    const [rows] = await conn.query<RowDataPacket[]>('SELECT lease_owner FROM manager_groups WHERE id = ? FOR UPDATE', [groupId]);
    if (rows[0]?.lease_owner !== owner) return false;
    for (const a of resolved ?? []) {
      await conn.query(
        `DELETE ga FROM manager_group_alerts ga JOIN manager_alerts a ON a.fingerprint = ga.fingerprint
         WHERE ga.group_id = ? AND ga.fingerprint = ? AND a.updated_at = ?`,
        [groupId, a.fingerprint, a.updatedAt],
      );
    }
    const [left] = await conn.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM manager_group_alerts WHERE group_id = ?', [groupId]);
    if (Number(left[0]!.n) === 0) await conn.query('DELETE FROM manager_groups WHERE id = ?', [groupId]);
    else await conn.query('UPDATE manager_groups SET next_flush_at = ?, has_flushed = 1 WHERE id = ?', [nextFlushAt, groupId]);
    return true;
  });
}

/** Deletes a group and its membership (its route is gone from the config). */
export async function deleteGroup(pool: StorePool, groupId: string): Promise<void> {
  await pool.query('DELETE FROM manager_group_alerts WHERE group_id = ?', [groupId]);
  await pool.query('DELETE FROM manager_groups WHERE id = ?', [groupId]);
}

/** Gives up every lease `owner` holds (a clean shutdown), so others need not wait for expiry. */
export async function releaseLeases(pool: StorePool, owner: string): Promise<void> {
  await pool.query('UPDATE manager_groups SET lease_owner = NULL, lease_until = 0 WHERE lease_owner = ?', [owner]);
}

/**
 * The notification log in MySQL (Alertmanager's nflog): per aggregation group and receiver
 * integration, the firing and resolved fingerprints last notified and when.
 */
import type { RowDataPacket } from 'mysql2/promise';
import type { NflogEntry, NflogKey, NotificationLog } from '../manager/nflog.js';
import type { StorePool } from './pool.js';

interface NflogRow extends RowDataPacket {
  firing_alerts: string;
  resolved_alerts: string;
  notified_at: number | string;
  expires_at: number | string;
}

/** The MySQL-backed notification log. */
export class MySQLNotificationLog implements NotificationLog {
  constructor(private readonly pool: StorePool) {}

  async query(key: NflogKey, now: number): Promise<NflogEntry | null> {
    const [rows] = await this.pool.query<NflogRow[]>(
      `SELECT firing_alerts, resolved_alerts, notified_at, expires_at FROM manager_nflog
       WHERE group_id = ? AND receiver = ? AND integration = ? AND idx = ? AND expires_at > ?`,
      [key.groupId, key.receiver, key.integration, key.index, now],
    );
    const r = rows[0];
    if (!r) return null;
    return {
      firing: JSON.parse(r.firing_alerts) as string[],
      resolved: JSON.parse(r.resolved_alerts) as string[],
      timestamp: Number(r.notified_at),
      expiresAt: Number(r.expires_at),
    };
  }

  async log(key: NflogKey, groupKey: string, firing: readonly string[], resolved: readonly string[], now: number, expiresAt: number): Promise<void> {
    await this.pool.query(
      `INSERT INTO manager_nflog (group_id, receiver, integration, idx, group_key, firing_alerts, resolved_alerts, notified_at, expires_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON DUPLICATE KEY UPDATE firing_alerts = VALUES(firing_alerts), resolved_alerts = VALUES(resolved_alerts),
         notified_at = VALUES(notified_at), expires_at = VALUES(expires_at), group_key = VALUES(group_key)`,
      [key.groupId, key.receiver, key.integration, key.index, groupKey, JSON.stringify([...firing].sort()), JSON.stringify([...resolved].sort()), now, expiresAt],
    );
  }

  /** Deletes expired entries; returns how many. */
  async gc(now: number): Promise<number> {
    const [res] = await this.pool.query('DELETE FROM manager_nflog WHERE expires_at <= ?', [now]);
    return (res as { affectedRows: number }).affectedRows;
  }
}

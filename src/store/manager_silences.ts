/** Silences in MySQL: rows of manager_silences, matchers as JSON. */
import type { RowDataPacket } from 'mysql2/promise';
import type { MatchType } from '../promql/matcher.js';
import type { StorePool } from './pool.js';

/** A silence as stored (matchers as data, not compiled). */
export interface SilenceRecord {
  readonly id: string;
  readonly matchers: readonly { readonly name: string; readonly type: MatchType; readonly value: string }[];
  readonly startsAt: number;
  readonly endsAt: number;
  readonly updatedAt: number;
  readonly createdBy: string;
  readonly comment: string;
}

/** A manager_silences row as mysql2 returns it. */
export interface SilenceRow extends RowDataPacket {
  id: string;
  matchers: string;
  starts_at: number | string;
  ends_at: number | string;
  updated_at: number | string;
  created_by: string;
  comment: string;
}

/** A row back to a SilenceRecord. */
export function silenceFromRow(r: SilenceRow): SilenceRecord {
  return {
    id: r.id,
    matchers: JSON.parse(r.matchers) as SilenceRecord['matchers'],
    startsAt: Number(r.starts_at),
    endsAt: Number(r.ends_at),
    updatedAt: Number(r.updated_at),
    createdBy: r.created_by,
    comment: r.comment,
  };
}

/** Inserts or replaces a silence by id. */
export async function saveSilence(pool: StorePool, s: SilenceRecord): Promise<void> {
  await pool.query(
    `INSERT INTO manager_silences (id, matchers, starts_at, ends_at, updated_at, created_by, comment) VALUES (?, ?, ?, ?, ?, ?, ?)
     ON DUPLICATE KEY UPDATE matchers = VALUES(matchers), starts_at = VALUES(starts_at), ends_at = VALUES(ends_at),
       updated_at = VALUES(updated_at), created_by = VALUES(created_by), comment = VALUES(comment)`,
    [s.id, JSON.stringify(s.matchers), s.startsAt, s.endsAt, s.updatedAt, s.createdBy, s.comment],
  );
}

/** One silence, or null. */
export async function loadSilence(pool: StorePool, id: string): Promise<SilenceRecord | null> {
  const [rows] = await pool.query<SilenceRow[]>('SELECT * FROM manager_silences WHERE id = ?', [id]);
  return rows[0] ? silenceFromRow(rows[0]) : null;
}

/** Silences; with `activeAt`, only those active at that time ([startsAt, endsAt)). */
export async function loadSilences(pool: StorePool, activeAt?: number): Promise<SilenceRecord[]> {
  const [rows] = activeAt === undefined
    ? await pool.query<SilenceRow[]>('SELECT * FROM manager_silences ORDER BY starts_at, id')
    : await pool.query<SilenceRow[]>('SELECT * FROM manager_silences WHERE starts_at <= ? AND ends_at > ? ORDER BY starts_at, id', [activeAt, activeAt]);
  return rows.map(silenceFromRow);
}

/** Deletes silences that ended before `before`; returns how many. */
export async function deleteSilencesEndedBefore(pool: StorePool, before: number): Promise<number> {
  const [res] = await pool.query('DELETE FROM manager_silences WHERE ends_at < ?', [before]);
  return (res as { affectedRows: number }).affectedRows;
}

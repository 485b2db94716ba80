/**
 * What the tenant API reads and writes of tokens, tenants and silences, each scoped to one
 * tenant: the tenant is a bound parameter of every statement, and lookups by id are
 * `id = ? AND tenant_id = ?` (or `tenant = ?` for silences), so another tenant's id finds nothing.
 */
import type { RowDataPacket } from 'mysql2/promise';
import { silenceFromRow, type SilenceRecord, type SilenceRow } from './manager_silences.js';
import type { StorePool } from './pool.js';

/** A token as its tenant may see it: never the secret nor its hash. */
export interface TokenView {
  readonly id: number;
  readonly prefix: string;
  readonly scopes: string[];
  readonly description: string;
  readonly createdAt: number;
  readonly revokedAt: number | null;
}

/** The tenant's tokens, oldest first. */
export async function listTenantTokens(pool: StorePool, tenant: string): Promise<TokenView[]> {
  const [rows] = await pool.query<RowDataPacket[]>(
    'SELECT id, prefix, scopes, description, created_at, revoked_at FROM api_tokens WHERE tenant_id = ? ORDER BY id', [tenant]);
  return rows.map((r) => ({
    id: Number(r.id),
    prefix: r.prefix as string,
    scopes: String(r.scopes).split(',').filter((s) => s !== ''),
    description: r.description as string,
    createdAt: new Date(r.created_at as Date).getTime(),
    revokedAt: r.revoked_at === null ? null : new Date(r.revoked_at as Date).getTime(),
  }));
}

/** Revokes one of the tenant's tokens: 'revoked', 'already' (revoked before), or 'none' (not the tenant's). */
export async function revokeTenantToken(pool: StorePool, tenant: string, id: number): Promise<'revoked' | 'already' | 'none'> {
  const [res] = await pool.query(
    'UPDATE api_tokens SET revoked_at = CURRENT_TIMESTAMP(3) WHERE id = ? AND tenant_id = ? AND revoked_at IS NULL', [id, tenant]);
  if ((res as { affectedRows: number }).affectedRows === 1) return 'revoked';
  const [rows] = await pool.query<RowDataPacket[]>('SELECT 1 FROM api_tokens WHERE id = ? AND tenant_id = ?', [id, tenant]);
  return rows.length > 0 ? 'already' : 'none';
}

/** A tenant as the operator sees it. */
export interface TenantView {
  readonly id: string;
  readonly name: string;
  readonly enabled: boolean;
  readonly createdAt: number;
}

/** Every tenant, by id. */
export async function listTenants(pool: StorePool): Promise<TenantView[]> {
  const [rows] = await pool.query<RowDataPacket[]>('SELECT id, name, enabled, created_at FROM tenants ORDER BY id');
  return rows.map(tenantFromRow);
}

/** One tenant, or null. */
export async function getTenant(pool: StorePool, id: string): Promise<TenantView | null> {
  const [rows] = await pool.query<RowDataPacket[]>('SELECT id, name, enabled, created_at FROM tenants WHERE id = ?', [id]);
  return rows[0] ? tenantFromRow(rows[0]) : null;
}

function tenantFromRow(r: RowDataPacket): TenantView {
  return { id: r.id as string, name: r.name as string, enabled: r.enabled === 1, createdAt: new Date(r.created_at as Date).getTime() };
}

/** A tenant with its limit overrides (null: the server default). */
export interface TenantWithLimits extends TenantView {
  readonly limits: {
    readonly max_series: number | null;
    readonly samples_per_second: number | null;
    readonly max_policies: number | null;
    readonly max_targets: number | null;
    readonly max_machines: number | null;
  };
}

/** Tenants (all, or the one with `id`) with their ingest and policy limit overrides, in one query. */
export async function tenantsWithLimits(pool: StorePool, id?: string): Promise<TenantWithLimits[]> {
  const [rows] = await pool.query<RowDataPacket[]>(
    `SELECT t.id, t.name, t.enabled, t.created_at, l.max_series, l.samples_per_second, p.max_policies, p.max_targets, p.max_machines
       FROM tenants t LEFT JOIN tenant_limits l ON l.tenant_id = t.id LEFT JOIN tenant_policy_limits p ON p.tenant_id = t.id
      ${id === undefined ? '' : 'WHERE t.id = ?'} ORDER BY t.id`, id === undefined ? [] : [id]);
  const n = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  return rows.map((r) => ({
    ...tenantFromRow(r),
    limits: {
      max_series: n(r.max_series), samples_per_second: n(r.samples_per_second),
      max_policies: n(r.max_policies), max_targets: n(r.max_targets), max_machines: n(r.max_machines),
    },
  }));
}

/** Creates a tenant; false when the id is taken. */
export async function insertTenant(pool: StorePool, id: string, name: string): Promise<boolean> {
  const [res] = await pool.query('INSERT IGNORE INTO tenants (id, name) VALUES (?, ?)', [id, name]);
  return (res as { affectedRows: number }).affectedRows === 1;
}

/** Renames a tenant. */
export async function renameTenant(pool: StorePool, id: string, name: string): Promise<void> {
  await pool.query('UPDATE tenants SET name = ? WHERE id = ?', [name, id]);
}

const SILENCE_COLUMNS = 'id, matchers, starts_at, ends_at, updated_at, created_by, comment';

/** The silences the tenant created, newest first. */
export async function listTenantSilences(pool: StorePool, tenant: string): Promise<SilenceRecord[]> {
  const [rows] = await pool.query<SilenceRow[]>(
    `SELECT ${SILENCE_COLUMNS} FROM manager_silences WHERE tenant = ? ORDER BY starts_at DESC, id`, [tenant]);
  return rows.map(silenceFromRow);
}

/** One of the tenant's silences, or null. */
export async function getTenantSilence(pool: StorePool, tenant: string, id: string): Promise<SilenceRecord | null> {
  const [rows] = await pool.query<SilenceRow[]>(`SELECT ${SILENCE_COLUMNS} FROM manager_silences WHERE id = ? AND tenant = ?`, [id, tenant]);
  return rows[0] ? silenceFromRow(rows[0]) : null;
}

/** Stores a new silence of the tenant (the caller has added its tenant matcher). */
export async function insertTenantSilence(pool: StorePool, tenant: string, s: SilenceRecord): Promise<void> {
  await pool.query(
    'INSERT INTO manager_silences (id, matchers, starts_at, ends_at, updated_at, created_by, comment, tenant) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    [s.id, JSON.stringify(s.matchers), s.startsAt, s.endsAt, s.updatedAt, s.createdBy, s.comment, tenant],
  );
}

/** Ends one of the tenant's silences at `now` (a pending one never starts); false when it is not the tenant's or already over. */
export async function expireTenantSilence(pool: StorePool, tenant: string, id: string, now: number): Promise<boolean> {
  const [res] = await pool.query(
    `UPDATE manager_silences SET starts_at = LEAST(starts_at, ?), ends_at = ?, updated_at = ?
      WHERE id = ? AND tenant = ? AND ends_at > ?`,
    [now, now, now, id, tenant, now],
  );
  return (res as { affectedRows: number }).affectedRows === 1;
}



/** Tenants, the machines they own, and their ingest limits, in MySQL. */
import type { StorePool } from './pool.js';

/** A tenant id as it appears in the `tenant` label and as the samples key. */
export const TENANT_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** Throws unless `id` is a valid tenant id. */
export function checkTenantId(id: string): void {
  if (!TENANT_ID.test(id)) throw new RangeError(`tenant id ${JSON.stringify(id)} must be 1-64 letters, digits, '_', '.' or '-', starting with a letter or digit`);
}

/** Per-tenant overrides of the ingest limits; null keeps the server default. */
export interface TenantLimits {
  readonly maxSeries: number | null;
  readonly samplesPerSecond: number | null;
  readonly burstSamples: number | null;
  readonly maxBodyBytes: number | null;
}

/** No overrides. */
export const NO_LIMITS: TenantLimits = Object.freeze({ maxSeries: null, samplesPerSecond: null, burstSamples: null, maxBodyBytes: null });

/** Creates the tenant, or renames it if it exists. */
export async function upsertTenant(pool: StorePool, id: string, name = ''): Promise<void> {
  checkTenantId(id);
  await pool.query('INSERT INTO tenants (id, name) VALUES (?, ?) ON DUPLICATE KEY UPDATE name = VALUES(name)', [id, name]);
}

/** Enables or disables a tenant (a disabled tenant's tokens stop authenticating). */
export async function setTenantEnabled(pool: StorePool, id: string, enabled: boolean): Promise<void> {
  await pool.query('UPDATE tenants SET enabled = ? WHERE id = ?', [enabled ? 1 : 0, id]);
}

/** Records that `tenant` owns `machines` (already owned ones are kept). */
export async function addTenantMachines(pool: StorePool, tenant: string, machines: readonly string[]): Promise<void> {
  if (machines.length === 0) return;
  for (const m of machines) if (m === '' || m.length > 255) throw new RangeError(`machine id ${JSON.stringify(m)} must be 1-255 characters`);
  await pool.query('INSERT IGNORE INTO tenant_machines (tenant_id, machine_id) VALUES ?', [machines.map((m) => [tenant, m])]);
}

/** The machine ids `tenant` owns. */
export async function tenantMachines(pool: StorePool, tenant: string): Promise<string[]> {
  const [rows] = await pool.query('SELECT machine_id FROM tenant_machines WHERE tenant_id = ? ORDER BY machine_id', [tenant]);
  return (rows as Array<{ machine_id: string }>).map((r) => r.machine_id);
}

/** Sets the tenant's limit overrides (all four; null clears one). */
export async function setTenantLimits(pool: StorePool, tenant: string, limits: TenantLimits): Promise<void> {
  await pool.query(
    `INSERT INTO tenant_limits (tenant_id, max_series, samples_per_second, burst_samples, max_body_bytes) VALUES (?, ?, ?, ?, ?)
     ON DUPLICATE KEY UPDATE max_series = VALUES(max_series), samples_per_second = VALUES(samples_per_second),
       burst_samples = VALUES(burst_samples), max_body_bytes = VALUES(max_body_bytes)`,
    [tenant, limits.maxSeries, limits.samplesPerSecond, limits.burstSamples, limits.maxBodyBytes],
  );
}

/** The tenant's limit overrides (NO_LIMITS when it has none). */
export async function tenantLimits(pool: StorePool, tenant: string): Promise<TenantLimits> {
  const [rows] = await pool.query(
    'SELECT max_series, samples_per_second, burst_samples, max_body_bytes FROM tenant_limits WHERE tenant_id = ?', [tenant]);
  const r = (rows as Array<{ max_series: number | null; samples_per_second: number | null; burst_samples: number | null; max_body_bytes: number | null }>)[0];
  if (!r) return NO_LIMITS;
  return { maxSeries: r.max_series, samplesPerSecond: r.samples_per_second, burstSamples: r.burst_samples, maxBodyBytes: r.max_body_bytes };
}

/**
 * The tenant API's side of alert policies, machine tags and policy limits in MySQL. Every
 * statement binds the tenant as a parameter and every lookup by id is `id = ? AND tenant_id = ?`,
 * so no call reaches another tenant's rows whatever id it is given.
 */
import type { RowDataPacket } from 'mysql2/promise';
import { inTransaction, type StorePool } from './pool.js';

/** A stored policy: its validated body as JSON text, and the columns beside it. */
export interface PolicyRow {
  readonly id: string;
  readonly tenant: string;
  /** The validated body (JSON). */
  readonly spec: unknown;
  readonly enabled: boolean;
  readonly revision: number;
  readonly createdAt: number;
  readonly updatedAt: number;
}

interface Row extends RowDataPacket {
  id: string;
  tenant_id: string;
  spec: string;
  enabled: number;
  revision: number | string;
  created_at: number | string;
  updated_at: number | string;
}

function fromRow(r: Row): PolicyRow {
  return {
    id: r.id, tenant: r.tenant_id, spec: JSON.parse(r.spec) as unknown, enabled: r.enabled === 1,
    revision: Number(r.revision), createdAt: Number(r.created_at), updatedAt: Number(r.updated_at),
  };
}

const COLUMNS = 'id, tenant_id, spec, enabled, revision, created_at, updated_at';

/** The tenant's policies, oldest first. */
export async function listPolicies(pool: StorePool, tenant: string): Promise<PolicyRow[]> {
  const [rows] = await pool.query<Row[]>(`SELECT ${COLUMNS} FROM alert_policies WHERE tenant_id = ? ORDER BY created_at, id`, [tenant]);
  return rows.map(fromRow);
}

/** One of the tenant's policies, or null (also when `id` is another tenant's). */
export async function getPolicy(pool: StorePool, tenant: string, id: string): Promise<PolicyRow | null> {
  const [rows] = await pool.query<Row[]>(`SELECT ${COLUMNS} FROM alert_policies WHERE id = ? AND tenant_id = ?`, [id, tenant]);
  return rows[0] ? fromRow(rows[0]) : null;
}

/**
 * Inserts a policy unless the tenant already has `maxPolicies`; the count and the insert
 * share a transaction holding the tenant's row lock, so concurrent creates cannot overshoot.
 * Returns false when the limit is reached.
 */
export async function insertPolicy(
  pool: StorePool, tenant: string, p: { id: string; spec: unknown; enabled: boolean; now: number }, maxPolicies: number,
): Promise<boolean> {
  return inTransaction(pool, async (conn) => {
    await conn.query('SELECT id FROM tenants WHERE id = ? FOR UPDATE', [tenant]);
    const [c] = await conn.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM alert_policies WHERE tenant_id = ?', [tenant]);
    if (Number(c[0]!.n) >= maxPolicies) return false;
    await conn.query(
      'INSERT INTO alert_policies (id, tenant_id, spec, enabled, revision, created_at, updated_at) VALUES (?, ?, ?, ?, 1, ?, ?)',
      [p.id, tenant, JSON.stringify(p.spec), p.enabled ? 1 : 0, p.now, p.now],
    );
    return true;
  });
}

/** Replaces one of the tenant's policies' body, bumping its revision; false when it is not the tenant's. */
export async function updatePolicy(pool: StorePool, tenant: string, id: string, spec: unknown, enabled: boolean, now: number): Promise<boolean> {
  const [res] = await pool.query(
    'UPDATE alert_policies SET spec = ?, enabled = ?, revision = revision + 1, updated_at = ? WHERE id = ? AND tenant_id = ?',
    [JSON.stringify(spec), enabled ? 1 : 0, now, id, tenant],
  );
  return (res as { affectedRows: number }).affectedRows === 1;
}

/** Deletes one of the tenant's policies; false when it is not the tenant's. */
export async function deletePolicy(pool: StorePool, tenant: string, id: string): Promise<boolean> {
  const [res] = await pool.query('DELETE FROM alert_policies WHERE id = ? AND tenant_id = ?', [id, tenant]);
  return (res as { affectedRows: number }).affectedRows === 1;
}

/** Per-tenant overrides of the policy API's limits (null: the server default). */
export interface PolicyLimits {
  readonly maxPolicies: number | null;
  readonly maxTargets: number | null;
  readonly maxMachines: number | null;
}

/** The tenant's overrides (all null when it has none). */
export async function policyLimits(pool: StorePool, tenant: string): Promise<PolicyLimits> {
  const [rows] = await pool.query<RowDataPacket[]>(
    'SELECT max_policies, max_targets, max_machines FROM tenant_policy_limits WHERE tenant_id = ?', [tenant]);
  const r = rows[0];
  if (!r) return { maxPolicies: null, maxTargets: null, maxMachines: null };
  const n = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  return { maxPolicies: n(r.max_policies), maxTargets: n(r.max_targets), maxMachines: n(r.max_machines) };
}

/** Sets the tenant's overrides (all three; null clears one). */
export async function setPolicyLimits(pool: StorePool, tenant: string, l: PolicyLimits): Promise<void> {
  await pool.query(
    `INSERT INTO tenant_policy_limits (tenant_id, max_policies, max_targets, max_machines) VALUES (?, ?, ?, ?)
     ON DUPLICATE KEY UPDATE max_policies = VALUES(max_policies), max_targets = VALUES(max_targets), max_machines = VALUES(max_machines)`,
    [tenant, l.maxPolicies, l.maxTargets, l.maxMachines],
  );
}

/** A machine of a tenant with its tags. */
export interface MachineRow {
  readonly id: string;
  readonly tags: string[];
  readonly createdAt: number;
}

/** The tenant's machines with their tags, by id. */
export async function listMachines(pool: StorePool, tenant: string): Promise<MachineRow[]> {
  const [rows] = await pool.query<RowDataPacket[]>(
    `SELECT m.machine_id, m.created_at, t.tag FROM tenant_machines m
       LEFT JOIN tenant_machine_tags t ON t.tenant_id = m.tenant_id AND t.machine_id = m.machine_id
      WHERE m.tenant_id = ? ORDER BY m.machine_id, t.tag`, [tenant]);
  const out: { id: string; tags: string[]; createdAt: number }[] = [];
  for (const r of rows) {
    let cur = out.at(-1);
    if (cur === undefined || cur.id !== r.machine_id) {
      cur = { id: r.machine_id as string, tags: [], createdAt: new Date(r.created_at as Date).getTime() };
      out.push(cur);
    }
    if (r.tag !== null) cur.tags.push(r.tag as string);
  }
  return out;
}

/** One of the tenant's machines, or null. */
export async function getMachine(pool: StorePool, tenant: string, id: string): Promise<MachineRow | null> {
  return (await listMachinesWhere(pool, tenant, id))[0] ?? null;
}

async function listMachinesWhere(pool: StorePool, tenant: string, id: string): Promise<MachineRow[]> {
  const [rows] = await pool.query<RowDataPacket[]>(
    `SELECT m.machine_id, m.created_at, t.tag FROM tenant_machines m
       LEFT JOIN tenant_machine_tags t ON t.tenant_id = m.tenant_id AND t.machine_id = m.machine_id
      WHERE m.tenant_id = ? AND m.machine_id = ? ORDER BY t.tag`, [tenant, id]);
  if (rows.length === 0) return [];
  return [{ id, tags: rows.filter((r) => r.tag !== null).map((r) => r.tag as string), createdAt: new Date(rows[0]!.created_at as Date).getTime() }];
}

/**
 * Creates the machine (unless the tenant already has `maxMachines`) and sets its tags
 * (when given), in one transaction under the tenant's row lock. Returns 'limit' when the
 * limit is reached, else whether it was created.
 */
export async function putMachine(
  pool: StorePool, tenant: string, id: string, tags: readonly string[] | undefined, maxMachines: number,
): Promise<'created' | 'updated' | 'limit'> {
  return inTransaction(pool, async (conn) => {
    await conn.query('SELECT id FROM tenants WHERE id = ? FOR UPDATE', [tenant]);
    const [have] = await conn.query<RowDataPacket[]>('SELECT 1 FROM tenant_machines WHERE tenant_id = ? AND machine_id = ?', [tenant, id]);
    const created = have.length === 0;
    if (created) {
      const [c] = await conn.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM tenant_machines WHERE tenant_id = ?', [tenant]);
      if (Number(c[0]!.n) >= maxMachines) return 'limit';
      await conn.query('INSERT INTO tenant_machines (tenant_id, machine_id) VALUES (?, ?)', [tenant, id]);
    }
    if (tags !== undefined) {
      await conn.query('DELETE FROM tenant_machine_tags WHERE tenant_id = ? AND machine_id = ?', [tenant, id]);
      if (tags.length > 0) {
        await conn.query('INSERT INTO tenant_machine_tags (tenant_id, machine_id, tag) VALUES ?', [[...new Set(tags)].map((t) => [tenant, id, t])]);
      }
    }
    return created ? 'created' : 'updated';
  });
}

/** Deletes one of the tenant's machines (its tags go with it); false when it is not the tenant's. */
export async function deleteMachine(pool: StorePool, tenant: string, id: string): Promise<boolean> {
  const [res] = await pool.query('DELETE FROM tenant_machines WHERE tenant_id = ? AND machine_id = ?', [tenant, id]);
  return (res as { affectedRows: number }).affectedRows === 1;
}

/** The tenant's machine ids by tag, for compiling its policies. */
export async function machinesByTag(pool: StorePool, tenant: string): Promise<Map<string, string[]>> {
  const [rows] = await pool.query<RowDataPacket[]>(
    'SELECT tag, machine_id FROM tenant_machine_tags WHERE tenant_id = ? ORDER BY tag, machine_id', [tenant]);
  const out = new Map<string, string[]>();
  for (const r of rows) {
    const list = out.get(r.tag as string) ?? [];
    list.push(r.machine_id as string);
    out.set(r.tag as string, list);
  }
  return out;
}

/**
 * What the manager reads of a tenant's alert policy (table alert_policies, written by the
 * tenant API): who owns it, whether it is enabled, its revision, and its notification targets.
 * Read by primary key at flush time; the tenant check is the caller's (it knows the group's tenant).
 */
import type { RowDataPacket } from 'mysql2/promise';
import type { StorePool } from './pool.js';

/** The columns a flush decides on, without the spec. */
export interface PolicyHead {
  readonly id: string;
  readonly tenantId: string;
  readonly enabled: boolean;
  readonly revision: number;
}

/** A policy's e-mail and Slack targets (its spec's `alerts`). */
export interface PolicyTargets {
  readonly email: readonly string[];
  readonly slack: readonly { readonly url: string; readonly channel?: string }[];
}

interface HeadRow extends RowDataPacket {
  id: string;
  tenant_id: string;
  enabled: number;
  revision: number | string;
}

function headOf(r: HeadRow): PolicyHead {
  return { id: r.id, tenantId: r.tenant_id, enabled: r.enabled === 1, revision: Number(r.revision) };
}

/** The policy's head, or null when there is none. */
export async function policyHead(pool: StorePool, id: string): Promise<PolicyHead | null> {
  const [rows] = await pool.query<HeadRow[]>('SELECT id, tenant_id, enabled, revision FROM alert_policies WHERE id = ?', [id]);
  return rows[0] === undefined ? null : headOf(rows[0]);
}

/** A spec's targets, or the reason it has none usable (never quoting the spec: it holds webhook URLs). */
export function targetsOfSpec(spec: string): PolicyTargets | string {
  let body: unknown;
  try {
    body = JSON.parse(spec);
  } catch {
    return 'spec is not JSON';
  }
  const alerts = (body as { alerts?: unknown } | null)?.alerts as { email?: unknown; slack?: unknown } | undefined;
  if (alerts === undefined || alerts === null || typeof alerts !== 'object') return 'spec has no alerts object';
  const email = alerts.email ?? [];
  const slack = alerts.slack ?? [];
  if (!Array.isArray(email) || !email.every((e) => typeof e === 'string' && e !== '')) return 'spec alerts.email is not a list of addresses';
  if (!Array.isArray(slack)) return 'spec alerts.slack is not a list';
  const out: { url: string; channel?: string }[] = [];
  for (const [i, s] of slack.entries()) {
    const t = s as { url?: unknown; channel?: unknown } | null;
    if (t === null || typeof t !== 'object' || typeof t.url !== 'string' || t.url === '') return `spec alerts.slack[${i}].url is missing`;
    if (t.channel !== undefined && t.channel !== null && typeof t.channel !== 'string') return `spec alerts.slack[${i}].channel is not a string`;
    out.push({ url: t.url, ...(typeof t.channel === 'string' && t.channel !== '' ? { channel: t.channel } : {}) });
  }
  return { email: email as string[], slack: out };
}

/** The head and targets of a policy at its current revision, or null when there is none. */
export async function policyWithTargets(pool: StorePool, id: string): Promise<{ head: PolicyHead; targets: PolicyTargets | string } | null> {
  const [rows] = await pool.query<(HeadRow & { spec: string })[]>(
    'SELECT id, tenant_id, enabled, revision, spec FROM alert_policies WHERE id = ?', [id],
  );
  const r = rows[0];
  if (r === undefined) return null;
  return { head: headOf(r), targets: targetsOfSpec(r.spec) };
}

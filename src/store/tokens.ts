/**
 * API tokens: `vgl_` + 43 base62 characters (256 random bits), shown once at creation and
 * stored only as their SHA-256, so a database leak reveals no usable token. Lookups go
 * by hash; tokens are never logged, and errors name a token by its id or prefix only.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { StorePool } from './pool.js';
import { NO_LIMITS, tenantLimits, tenantMachines, type TenantLimits } from './tenants.js';

/** What every token starts with, so secret scanners and people recognise one. */
export const TOKEN_PREFIX = 'vgl_';
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** 62^43 > 2^256. */
const SECRET_CHARS = 43;
const TOKEN_SHAPE = /^vgl_[0-9A-Za-z]{43}$/;
/** Characters kept as the token's visible prefix in the database. */
const VISIBLE = TOKEN_PREFIX.length + 6;

/** What a token may do. */
export type TokenScope = 'read' | 'write';

/** A fresh random token. */
export function generateToken(): string {
  let s = TOKEN_PREFIX;
  while (s.length < TOKEN_PREFIX.length + SECRET_CHARS) {
    for (const b of randomBytes(64)) {
      // Rejection sampling keeps every character equally likely (248 = 4 * 62).
      if (b < 248 && s.length < TOKEN_PREFIX.length + SECRET_CHARS) s += BASE62[b % 62];
    }
  }
  return s;
}

/** Whether `s` has the shape of a token (checked before any hashing or lookup). */
export function looksLikeToken(s: string): boolean {
  return TOKEN_SHAPE.test(s);
}

/** The stored form of a token. */
export function hashToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/** How to create a token. */
export interface NewToken {
  readonly tenant: string;
  readonly scopes: readonly TokenScope[];
  readonly description?: string;
  /** Write only series of machines the tenant owns. */
  readonly machineRestricted?: boolean;
  /** With machineRestricted: only these of the tenant's machines. */
  readonly machineAllowList?: readonly string[];
}

/** A created token: the secret, returned this once. */
export interface CreatedToken {
  readonly id: number;
  readonly token: string;
  readonly prefix: string;
}

/** Creates a token for an existing tenant. */
export async function createToken(pool: StorePool, t: NewToken): Promise<CreatedToken> {
  if (t.scopes.length === 0) throw new RangeError('token: at least one scope (read, write) is needed');
  for (const s of t.scopes) if (s !== 'read' && s !== 'write') throw new RangeError(`token: unknown scope ${JSON.stringify(s)}`);
  if (t.machineAllowList && !t.machineRestricted) throw new RangeError('token: a machine allow-list needs machineRestricted');
  const token = generateToken();
  const prefix = token.slice(0, VISIBLE);
  const [res] = await pool.query(
    'INSERT INTO api_tokens (token_hash, prefix, tenant_id, scopes, description, machine_restricted, machine_allow_list) VALUES (?, ?, ?, ?, ?, ?, ?)',
    [hashToken(token), prefix, t.tenant, [...new Set(t.scopes)].join(','), t.description ?? '', t.machineRestricted ? 1 : 0,
      t.machineAllowList ? JSON.stringify(t.machineAllowList) : null],
  );
  return { id: (res as { insertId: number }).insertId, token, prefix };
}

/** Revokes a token by id; it stops working once auth caches expire it. */
export async function revokeToken(pool: StorePool, id: number): Promise<boolean> {
  const [res] = await pool.query('UPDATE api_tokens SET revoked_at = CURRENT_TIMESTAMP(3) WHERE id = ? AND revoked_at IS NULL', [id]);
  return (res as { affectedRows: number }).affectedRows === 1;
}

/** Who a valid token speaks for, and what it may do. */
export interface TokenPrincipal {
  readonly tokenId: number;
  readonly prefix: string;
  readonly tenant: string;
  readonly scopes: ReadonlySet<TokenScope>;
  /** The machines it may write for, or null when it is not machine-restricted. */
  readonly machines: ReadonlySet<string> | null;
  readonly limits: TenantLimits;
}

interface TokenRow {
  id: number;
  prefix: string;
  tenant_id: string;
  scopes: string;
  machine_restricted: number;
  machine_allow_list: string | null;
}

/** The principal of `token`, or null when it is unknown, revoked or its tenant disabled. */
export async function lookupToken(pool: StorePool, token: string): Promise<TokenPrincipal | null> {
  if (!looksLikeToken(token)) return null;
  const [rows] = await pool.query(
    `SELECT t.id, t.prefix, t.tenant_id, t.scopes, t.machine_restricted, t.machine_allow_list
       FROM api_tokens t JOIN tenants n ON n.id = t.tenant_id
      WHERE t.token_hash = ? AND t.revoked_at IS NULL AND n.enabled = 1`,
    [hashToken(token)],
  );
  const r = (rows as TokenRow[])[0];
  if (!r) return null;
  const scopes = new Set(String(r.scopes).split(',').filter((s): s is TokenScope => s === 'read' || s === 'write'));
  let machines: Set<string> | null = null;
  if (r.machine_restricted) {
    machines = new Set(await tenantMachines(pool, r.tenant_id));
    if (r.machine_allow_list !== null) {
      let allow: unknown;
      try {
        allow = JSON.parse(r.machine_allow_list);
      } catch {
        allow = [];
      }
      // A broken allow-list allows nothing rather than everything.
      const listed = new Set(Array.isArray(allow) ? allow.filter((x): x is string => typeof x === 'string') : []);
      for (const m of machines) if (!listed.has(m)) machines.delete(m);
    }
  }
  const limits = await tenantLimits(pool, r.tenant_id).catch(() => NO_LIMITS);
  return { tokenId: Number(r.id), prefix: r.prefix, tenant: r.tenant_id, scopes, machines, limits };
}

/**
 * The MySQL connection pool every role shares (MySQL 8 or MariaDB >= 10.6), from a
 * `mysql://user:pass@host:port/db` URL or a MySQLConfig.
 */
import mysql from 'mysql2/promise';
import type { MySQLConfig } from '../services/mariadb.js';

/** A pool of connections. */
export type StorePool = mysql.Pool;

/** Runs `f` in a transaction on one connection: committed when it returns, rolled back when it throws. */
export async function inTransaction<T>(pool: StorePool, f: (conn: mysql.PoolConnection) => Promise<T>): Promise<T> {
  const conn = await pool.getConnection();
  try {
    await conn.beginTransaction();
    const out = await f(conn);
    await conn.commit();
    return out;
  } catch (e) {
    await conn.rollback().catch(() => undefined);
    throw e;
  } finally {
    conn.release();
  }
}

/** How big the pool is and how long it waits. */
export interface PoolOptions {
  /** Default 10. */
  readonly connectionLimit?: number;
  /** Default 5 s. */
  readonly connectTimeoutMs?: number;
}

/** Parses a `mysql://` (or `mariadb://`) URL into a MySQLConfig; throws naming the fault. */
export function parseMySQLUrl(url: string): MySQLConfig {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`mysql: ${JSON.stringify(redactUrl(url))} is not a URL (want mysql://user:password@host:port/database)`);
  }
  if (u.protocol !== 'mysql:' && u.protocol !== 'mariadb:') throw new Error(`mysql: URL scheme must be mysql: or mariadb:, got ${u.protocol}`);
  const database = decodeURIComponent(u.pathname.replace(/^\//, ''));
  if (database === '') throw new Error('mysql: URL names no database (mysql://host:port/DATABASE)');
  const port = u.port === '' ? 3306 : Number(u.port);
  return {
    host: u.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1',
    port,
    user: decodeURIComponent(u.username) || 'root',
    password: decodeURIComponent(u.password),
    database,
  };
}

/** The URL with its password replaced, for messages and logs. */
export function redactUrl(url: string): string {
  return url.replace(/(\/\/[^:/@]*:)[^@]*@/, '$1***@');
}

/** A pool for `target`. Dates come back as JS Dates in UTC; big integers as numbers. */
export function createPool(target: MySQLConfig | string, options: PoolOptions = {}): StorePool {
  const cfg = typeof target === 'string' ? parseMySQLUrl(target) : target;
  return mysql.createPool({
    ...cfg,
    connectionLimit: options.connectionLimit ?? 10,
    connectTimeout: options.connectTimeoutMs ?? 5_000,
    waitForConnections: true,
    timezone: 'Z',
    supportBigNumbers: true,
    charset: 'utf8mb4',
  });
}

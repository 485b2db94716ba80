// Makes sure a MySQL-compatible server answers (the machine's MariaDB by default, started if it
// is down and we may), and that a database exists in it.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, chownSync, statSync } from 'node:fs';
import { promisify } from 'node:util';
import mysql from 'mysql2/promise';
import { systemClock } from '../clock.js';
import { sleep } from './process.js';

const run = promisify(execFile);

/** Where and as whom to connect. */
export interface MySQLConfig {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

/** What ensureMariaDB needs; unset fields come from VIGIL_MYSQL_HOST/PORT/USER/PASSWORD, then 127.0.0.1:3306 root. */
export interface MariaDBOptions {
  database: string;
  host?: string;
  port?: number;
  user?: string;
  password?: string;
  /** How long to wait for a server we started, default 30 s. */
  startTimeoutMs?: number;
}

/** A database name we are willing to put in DDL unquoted-safe: letters, digits, underscore. */
const DATABASE_NAME = /^[A-Za-z0-9_]{1,64}$/;

function serverConfig(o: Partial<MariaDBOptions>): Omit<MySQLConfig, 'database'> {
  const env = process.env;
  const port = o.port ?? Number(env.VIGIL_MYSQL_PORT ?? 3306);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new Error(`mariadb: bad port ${env.VIGIL_MYSQL_PORT ?? o.port}`);
  return {
    host: o.host ?? env.VIGIL_MYSQL_HOST ?? '127.0.0.1',
    port,
    user: o.user ?? env.VIGIL_MYSQL_USER ?? 'root',
    password: o.password ?? env.VIGIL_MYSQL_PASSWORD ?? '',
  };
}

function refused(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'ECONNREFUSED' || code === 'ENOENT' || code === 'ECONNRESET' || code === 'PROTOCOL_CONNECTION_LOST';
}

async function ping(cfg: Omit<MySQLConfig, 'database'>): Promise<void> {
  const conn = await mysql.createConnection({ ...cfg, connectTimeout: 3_000 });
  try {
    await conn.query('SELECT 1');
  } finally {
    await conn.end().catch(() => undefined);
  }
}

const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '::1']);

/** Starts the machine's mariadbd in the background, as Debian's init script would. */
async function startLocalServer(): Promise<void> {
  const daemon = ['/usr/sbin/mariadbd', '/usr/sbin/mysqld'].find((p) => existsSync(p));
  if (!daemon) throw new Error('mariadb: no server answers on 127.0.0.1 and neither /usr/sbin/mariadbd nor /usr/sbin/mysqld exists; install mariadb-server');
  // mariadbd puts its socket and pid file here; /run is a tmpfs, so after a reboot it is gone.
  if (!existsSync('/run/mysqld')) {
    mkdirSync('/run/mysqld', { recursive: true });
    try {
      const owner = statSync('/var/lib/mysql');
      chownSync('/run/mysqld', owner.uid, owner.gid);
    } catch {
      // no data dir to copy ownership from; mariadbd will say what is wrong
    }
  }
  try {
    await run('start-stop-daemon', ['--start', '--oknodo', '--background', '--exec', daemon], { timeout: 30_000 });
  } catch (e) {
    throw new Error(`mariadb: starting ${daemon} with start-stop-daemon failed: ${(e as Error).message}`);
  }
}

/**
 * Waits until the server answers, starting the local MariaDB first when the connection is
 * refused on a loopback address and we are root. Does not touch any database.
 */
export async function ensureMariaDBServer(options: Partial<MariaDBOptions> = {}): Promise<Omit<MySQLConfig, 'database'>> {
  const cfg = serverConfig(options);
  try {
    await ping(cfg);
    return cfg;
  } catch (e) {
    const where = `${cfg.user}@${cfg.host}:${cfg.port}`;
    if (!refused(e)) throw new Error(`mariadb: cannot use ${where}: ${(e as Error).message}`);
    if (!LOCAL_HOSTS.has(cfg.host) || process.getuid?.() !== 0) {
      throw new Error(`mariadb: connection to ${where} refused, and it is not a local server we may start (root on loopback); start it, or set VIGIL_MYSQL_HOST/PORT`);
    }
  }
  await startLocalServer();
  const deadline = systemClock.now() + (options.startTimeoutMs ?? 30_000);
  for (;;) {
    try {
      await ping(cfg);
      return cfg;
    } catch (e) {
      if (!refused(e) || systemClock.now() >= deadline) {
        throw new Error(`mariadb: started the server but ${cfg.host}:${cfg.port} does not answer: ${(e as Error).message} (see /var/log/mysql/ or journal)`);
      }
    }
    await sleep(250);
  }
}

/** Ensures the server is up and `database` exists; returns how to connect to it. */
export async function ensureMariaDB(options: MariaDBOptions): Promise<MySQLConfig> {
  if (!DATABASE_NAME.test(options.database)) {
    throw new Error(`mariadb: database name ${JSON.stringify(options.database)} must be 1-64 letters, digits or underscores`);
  }
  const cfg = await ensureMariaDBServer(options);
  const conn = await mysql.createConnection({ ...cfg, connectTimeout: 5_000 });
  try {
    await conn.query(`CREATE DATABASE IF NOT EXISTS \`${options.database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
  } finally {
    await conn.end().catch(() => undefined);
  }
  return { ...cfg, database: options.database };
}

/** Drops a database made by ensureMariaDB (tests call this when done). */
export async function dropDatabase(cfg: MySQLConfig): Promise<void> {
  if (!DATABASE_NAME.test(cfg.database)) throw new Error(`mariadb: refusing to drop ${JSON.stringify(cfg.database)}`);
  const { database, ...server } = cfg;
  const conn = await mysql.createConnection({ ...server, connectTimeout: 5_000 });
  try {
    await conn.query(`DROP DATABASE IF EXISTS \`${database}\``);
  } finally {
    await conn.end().catch(() => undefined);
  }
}

let testDatabaseCount = 0;

/** A fresh database for one test file, `vigil_test_<pid>_<n>`, and a function that drops it. */
export async function testDatabase(prefix = 'vigil_test'): Promise<{ config: MySQLConfig; drop(): Promise<void> }> {
  const name = `${prefix}_${process.pid}_${(testDatabaseCount++).toString(36)}`;
  const config = await ensureMariaDB({ database: name });
  return { config, drop: () => dropDatabase(config) };
}

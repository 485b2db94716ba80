/**
 * Versioned schema migrations: files `NNN_name.sql` in a folder, applied in version order
 * and recorded in `schema_migrations` with a checksum. Every role runs them at start; a
 * MySQL named lock (GET_LOCK) makes concurrent starts take turns, and each file is written
 * to be re-runnable (CREATE TABLE IF NOT EXISTS ...) since MySQL DDL cannot be rolled back.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import mysql from 'mysql2/promise';
import type { MySQLConfig } from '../services/mariadb.js';
import { parseMySQLUrl } from './pool.js';

/** One migration file. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly file: string;
  readonly sql: string;
  /** SHA-256 of the file's text, hex. */
  readonly checksum: string;
}

/** What migrate() did. */
export interface MigrateResult {
  /** File names applied now, in order. */
  readonly applied: readonly string[];
  /** The highest version recorded after the run. */
  readonly version: number;
}

const FILE = /^(\d{3,})_([A-Za-z0-9_]+)\.sql$/;

/** The folder of Vigil's own migrations (the .sql files stay in src/, next to this module's source). */
export function defaultMigrationsDir(): string {
  const candidates = [new URL('./migrations/', import.meta.url), new URL('../../../src/store/migrations/', import.meta.url)];
  for (const c of candidates) {
    const p = fileURLToPath(c);
    if (existsSync(p)) return p;
  }
  throw new Error(`store: migrations folder not found (looked in ${candidates.map((c) => fileURLToPath(c)).join(', ')})`);
}

/** Reads the migration files of `dir`, sorted by version; throws on a misnamed or duplicate file. */
export function loadMigrations(dir: string): Migration[] {
  const out: Migration[] = [];
  for (const file of readdirSync(dir).sort()) {
    if (!file.endsWith('.sql')) continue;
    const m = FILE.exec(file);
    if (!m) throw new Error(`store: migration file ${join(dir, file)} is not named NNN_name.sql`);
    const version = Number(m[1]);
    const dup = out.find((x) => x.version === version);
    if (dup) throw new Error(`store: migrations ${dup.file} and ${file} share version ${version}`);
    const sql = readFileSync(join(dir, file), 'utf8');
    out.push({ version, name: m[2]!, file, sql, checksum: createHash('sha256').update(sql).digest('hex') });
  }
  return out.sort((a, b) => a.version - b.version);
}

/** How to migrate. */
export interface MigrateOptions {
  /** Folder of NNN_name.sql files (default: Vigil's own). */
  readonly dir?: string;
  /** Longest wait for another process's migration run, seconds (default 60). */
  readonly lockTimeoutSeconds?: number;
}

/** The named lock's name: per database, and within MySQL's 64-character limit. */
function lockName(database: string): string {
  return `vigil_migrate_${createHash('sha1').update(database).digest('hex')}`;
}

/**
 * Applies the migrations of `options.dir` that `target` has not recorded yet. Fails,
 * before applying anything, if an applied file was edited since.
 */
export async function migrate(target: MySQLConfig | string, options: MigrateOptions = {}): Promise<MigrateResult> {
  const cfg = typeof target === 'string' ? parseMySQLUrl(target) : target;
  const migrations = loadMigrations(options.dir ?? defaultMigrationsDir());
  const conn = await mysql.createConnection({ ...cfg, multipleStatements: true, connectTimeout: 5_000, charset: 'utf8mb4' });
  const lock = lockName(cfg.database);
  try {
    const [lockRows] = await conn.query('SELECT GET_LOCK(?, ?) AS got', [lock, options.lockTimeoutSeconds ?? 60]);
    const got = (lockRows as Array<{ got: number | null }>)[0]?.got;
    if (got !== 1) throw new Error(`store: could not take the migration lock on ${cfg.database} (another process holds it)`);
    try {
      await conn.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version     INT UNSIGNED NOT NULL,
        name        VARCHAR(255) NOT NULL,
        checksum    CHAR(64)     NOT NULL,
        applied_at  TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
        PRIMARY KEY (version)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`);
      const [rows] = await conn.query('SELECT version, name, checksum FROM schema_migrations ORDER BY version');
      const recorded = new Map((rows as Array<{ version: number; name: string; checksum: string }>).map((r) => [r.version, r]));
      for (const m of migrations) {
        const r = recorded.get(m.version);
        if (r && r.checksum !== m.checksum) {
          throw new Error(`store: migration ${m.file} was changed after it was applied to ${cfg.database}; add a new migration instead`);
        }
      }
      const applied: string[] = [];
      for (const m of migrations) {
        if (recorded.has(m.version)) continue;
        try {
          await conn.query(m.sql);
        } catch (e) {
          throw new Error(`store: migration ${m.file} failed: ${(e as Error).message}`);
        }
        await conn.query('INSERT INTO schema_migrations (version, name, checksum) VALUES (?, ?, ?)', [m.version, m.name, m.checksum]);
        applied.push(m.file);
      }
      const versions = [...recorded.keys(), ...migrations.map((m) => m.version)];
      return { applied, version: versions.length === 0 ? 0 : Math.max(...versions) };
    } finally {
      await conn.query('SELECT RELEASE_LOCK(?)', [lock]).catch(() => undefined);
    }
  } finally {
    await conn.end().catch(() => undefined);
  }
}

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../src/clock.js';
import { testDatabase, type MySQLConfig } from '../../src/services/mariadb.js';
import { defaultMigrationsDir, loadMigrations, migrate } from '../../src/store/migrate.js';
import { createPool, parseMySQLUrl, redactUrl, type StorePool } from '../../src/store/pool.js';
import {
  addTenantMachines, setTenantEnabled, setTenantLimits, tenantLimits, tenantMachines, upsertTenant, NO_LIMITS,
} from '../../src/store/tenants.js';
import { createToken, generateToken, hashToken, lookupToken, looksLikeToken, revokeToken, type TokenPrincipal } from '../../src/store/tokens.js';
import { TokenCache } from '../../src/store/token_cache.js';

let db: { config: MySQLConfig; drop(): Promise<void> };
let pool: StorePool;

before(async () => {
  db = await testDatabase('vigil_store');
  pool = createPool(db.config);
});

after(async () => {
  await pool?.end();
  await db?.drop();
});

test('migrations: two processes starting at once apply each file exactly once; a rerun applies nothing', async () => {
  const files = loadMigrations(defaultMigrationsDir());
  assert.deepEqual(files.map((f) => f.file).slice(0, 2), ['001_tenants.sql', '002_api_tokens.sql']);
  const [a, b] = await Promise.all([migrate(db.config), migrate(db.config)]);
  const applied = [...a.applied, ...b.applied].sort();
  assert.deepEqual(applied, files.map((f) => f.file), 'each file applied by one of the two runs');
  assert.equal(a.version, files.at(-1)!.version);
  const again = await migrate(db.config);
  assert.deepEqual(again.applied, []);
  const [rows] = await pool.query('SELECT version, name FROM schema_migrations ORDER BY version');
  assert.deepEqual(rows, files.map((f) => ({ version: f.version, name: f.name })));
  const [tables] = await pool.query('SHOW TABLES');
  const names = (tables as Record<string, string>[]).map((r) => Object.values(r)[0]).sort();
  for (const t of ['api_tokens', 'schema_migrations', 'tenant_limits', 'tenant_machines', 'tenants']) assert.ok(names.includes(t), t);
});

test('migrations: an edited applied file and a misnamed file are refused; a new file is applied', async () => {
  await migrate(db.config);
  const dir = mkdtempSync(join(tmpdir(), 'vigil-migrations-'));
  try {
    cpSync(defaultMigrationsDir(), dir, { recursive: true });
    writeFileSync(join(dir, '900_extra.sql'), 'CREATE TABLE IF NOT EXISTS extra_things (id INT PRIMARY KEY);');
    assert.deepEqual((await migrate(db.config, { dir })).applied, ['900_extra.sql']);
    writeFileSync(join(dir, '001_tenants.sql'), '-- edited\nSELECT 1;');
    await assert.rejects(migrate(db.config, { dir }), /001_tenants\.sql was changed after it was applied/);
    rmSync(join(dir, '001_tenants.sql'));
    writeFileSync(join(dir, 'bad-name.sql'), 'SELECT 1;');
    await assert.rejects(migrate(db.config, { dir }), /bad-name\.sql is not named NNN_name\.sql/);
    rmSync(join(dir, 'bad-name.sql'));
    writeFileSync(join(dir, '901_broken.sql'), 'CREATE TABLE nope (;');
    await assert.rejects(migrate(db.config, { dir }), /migration 901_broken\.sql failed: .*SQL syntax/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('mysql URLs parse, and the password is redacted in messages', () => {
  assert.deepEqual(parseMySQLUrl('mysql://vigil:s%40cret@db.local:3307/vigil_prod'), {
    host: 'db.local', port: 3307, user: 'vigil', password: 's@cret', database: 'vigil_prod',
  });
  assert.equal(redactUrl('mysql://vigil:s3cret@db/x'), 'mysql://vigil:***@db/x');
  assert.throws(() => parseMySQLUrl('postgres://x/y'), /scheme must be mysql/);
  assert.throws(() => parseMySQLUrl('mysql://host'), /names no database/);
});

test('tokens: vgl_ + 43 base62, stored only as a hash, looked up with tenant, scopes, machines and limits', async () => {
  await migrate(db.config);
  const t = generateToken();
  assert.match(t, /^vgl_[0-9A-Za-z]{43}$/);
  assert.notEqual(generateToken(), t);
  assert.ok(looksLikeToken(t));
  assert.ok(!looksLikeToken('Bearer ' + t));

  await upsertTenant(pool, 'acme', 'Acme Corp');
  await addTenantMachines(pool, 'acme', ['m-1', 'm-2', 'm-3']);
  await addTenantMachines(pool, 'acme', ['m-1']);
  assert.deepEqual(await tenantMachines(pool, 'acme'), ['m-1', 'm-2', 'm-3']);
  assert.deepEqual(await tenantLimits(pool, 'acme'), NO_LIMITS);
  await setTenantLimits(pool, 'acme', { maxSeries: 1000, samplesPerSecond: 50.5, burstSamples: null, maxBodyBytes: 4096 });

  const open = await createToken(pool, { tenant: 'acme', scopes: ['write'], description: 'agents' });
  const narrow = await createToken(pool, { tenant: 'acme', scopes: ['write', 'read'], machineRestricted: true, machineAllowList: ['m-2', 'm-9'] });
  const owned = await createToken(pool, { tenant: 'acme', scopes: ['read'], machineRestricted: true });

  const [rows] = await pool.query('SELECT token_hash, prefix FROM api_tokens WHERE id = ?', [open.id]);
  const row = (rows as Array<{ token_hash: Buffer; prefix: string }>)[0]!;
  assert.deepEqual(row.token_hash, hashToken(open.token));
  assert.equal(row.prefix, open.token.slice(0, 10));
  const [all] = await pool.query('SELECT * FROM api_tokens');
  assert.ok(!JSON.stringify(all).includes(open.token.slice(4)), 'the secret is stored nowhere');

  const p = await lookupToken(pool, open.token);
  assert.equal(p?.tenant, 'acme');
  assert.deepEqual([...p!.scopes], ['write']);
  assert.equal(p?.machines, null);
  assert.deepEqual(p?.limits, { maxSeries: 1000, samplesPerSecond: 50.5, burstSamples: null, maxBodyBytes: 4096 });
  assert.deepEqual([...(await lookupToken(pool, narrow.token))!.machines!], ['m-2'], 'allow-list narrowed to owned machines');
  assert.deepEqual([...(await lookupToken(pool, owned.token))!.machines!].sort(), ['m-1', 'm-2', 'm-3']);
  assert.equal(await lookupToken(pool, generateToken()), null);
  assert.equal(await lookupToken(pool, 'not a token'), null);

  assert.equal(await revokeToken(pool, open.id), true);
  assert.equal(await revokeToken(pool, open.id), false);
  assert.equal(await lookupToken(pool, open.token), null);
  await setTenantEnabled(pool, 'acme', false);
  assert.equal(await lookupToken(pool, owned.token), null, 'a disabled tenant authenticates nothing');
  await setTenantEnabled(pool, 'acme', true);
  await assert.rejects(createToken(pool, { tenant: 'acme', scopes: [] }), /at least one scope/);
  await assert.rejects(createToken(pool, { tenant: 'nobody', scopes: ['write'] }), /foreign key/i);
});

test('token cache: one lookup per TTL, unknown tokens cached shorter, concurrent misses share a lookup', async () => {
  const clock = new ManualClock(1_000);
  let lookups = 0;
  const principal: TokenPrincipal = { tokenId: 1, prefix: 'vgl_abcdef', tenant: 't', scopes: new Set(['write']), machines: null, limits: NO_LIMITS };
  const cache = new TokenCache(async (tok) => {
    lookups++;
    return tok === 'good' ? principal : null;
  }, clock, { ttlMs: 10_000, negativeTtlMs: 1_000 });
  const [x, y] = await Promise.all([cache.resolve('good'), cache.resolve('good')]);
  assert.equal(x, principal);
  assert.equal(y, principal);
  assert.equal(lookups, 1);
  clock.advance(9_999);
  await cache.resolve('good');
  assert.equal(lookups, 1);
  clock.advance(2);
  await cache.resolve('good');
  assert.equal(lookups, 2);
  assert.equal(await cache.resolve('bad'), null);
  assert.equal(await cache.resolve('bad'), null);
  assert.equal(lookups, 3);
  clock.advance(1_001);
  await cache.resolve('bad');
  assert.equal(lookups, 4);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import mysql from 'mysql2/promise';
import { dropDatabase, ensureMariaDB, testDatabase } from '../../src/services/mariadb.js';

async function databases(cfg: { host: string; port: number; user: string; password: string }): Promise<string[]> {
  const conn = await mysql.createConnection({ host: cfg.host, port: cfg.port, user: cfg.user, password: cfg.password });
  try {
    const [rows] = await conn.query('SHOW DATABASES');
    return (rows as Array<{ Database: string }>).map((r) => r.Database);
  } finally {
    await conn.end();
  }
}

test('ensureMariaDB creates a database that takes writes, and dropDatabase removes it', async () => {
  const { config: db, drop } = await testDatabase();
  assert.match(db.database, new RegExp(`^vigil_test_${process.pid}_`));
  try {
    assert.ok((await databases(db)).includes(db.database));
    const conn = await mysql.createConnection(db);
    try {
      await conn.query('CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(20))');
      await conn.query('INSERT INTO t VALUES (1, ?)', ['firing']);
      const [rows] = await conn.query('SELECT v FROM t WHERE id = 1');
      assert.deepEqual(rows, [{ v: 'firing' }]);
    } finally {
      await conn.end();
    }
    // Idempotent: ensuring again keeps the table.
    const again = await ensureMariaDB({ database: db.database });
    const conn2 = await mysql.createConnection(again);
    try {
      const [rows] = await conn2.query('SELECT COUNT(*) AS n FROM t');
      assert.deepEqual(rows, [{ n: 1 }]);
    } finally {
      await conn2.end();
    }
  } finally {
    await drop();
  }
  assert.ok(!(await databases(db)).includes(db.database));
});

test('ensureMariaDB rejects a database name that is not a plain identifier', async () => {
  await assert.rejects(ensureMariaDB({ database: 'x`; DROP DATABASE mysql; --' }), /must be 1-64 letters/);
  await assert.rejects(dropDatabase({ host: '127.0.0.1', port: 3306, user: 'root', password: '', database: '' }), /refusing to drop/);
});

test('a refused connection to a remote host is reported, not started', async () => {
  // 127.0.0.2 is loopback too but not in the list of hosts we start a server for.
  await assert.rejects(ensureMariaDB({ database: 'vigil_x', host: '127.0.0.2', port: 1 }), /refused.*not a local server/);
});

/** `vigil ingest` as a process would run it: config validation, then the whole thing over HTTP. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import { CapturedIO } from '../../src/cli/io.js';
import { decodeToArray } from '../../src/kafka/samples_codec.js';
import { kafkaClient } from '../../src/kafka/producer.js';
import { sharedKafka } from '../../src/services/kafka.js';
import { testDatabase } from '../../src/services/mariadb.js';
import { createToken } from '../../src/store/tokens.js';
import { upsertTenant } from '../../src/store/tenants.js';
import { parseIngestConfig } from '../../src/ingest/config.js';
import { encodeRemoteWriteBody } from '../../src/ingest/remote_write.js';
import { startIngest } from '../../src/ingest/run.js';

test('vigil ingest: bad configuration exits 2 naming every bad field', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-ingest-cfg-'));
  try {
    const file = join(dir, 'ingest.yaml');
    writeFileSync(file, 'kafka:\n  brokers: "localhost"\n  partitions: 0\nlimits:\n  maxSeries: -1\nbogus: 1\n');
    const io = new CapturedIO();
    assert.equal(await main(['ingest', '--config', file, '--port', 'http'], io), 2);
    assert.match(io.stderr, /ingest\.yaml: invalid ingest configuration/);
    for (const field of ['listen.port', 'kafka.brokers', 'kafka.partitions', 'mysql', 'limits.maxSeries', "Unrecognized key\\(s\\) in object: 'bogus'"]) {
      assert.match(io.stderr, new RegExp(field), field);
    }
    const io2 = new CapturedIO();
    assert.equal(await main(['ingest', '--config', join(dir, 'missing.yaml')], io2), 2);
    assert.match(io2.stderr, /missing\.yaml: cannot read/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const cfg = parseIngestConfig({ kafka: { brokers: 'a:1, b:2' }, mysql: { url: 'mysql://root@127.0.0.1/x' } });
  assert.deepEqual(cfg.kafka.brokers, ['a:1', 'b:2']);
  assert.equal(cfg.listen.port, 9201);
  assert.ok(Object.isFrozen(cfg.limits));
});

test('startIngest: migrates, creates topics, accepts remote_write over HTTP and ticks every partition', async () => {
  const db = await testDatabase('vigil_ingest_run');
  const run = `${process.pid}.${Math.random().toString(36).slice(2, 8)}`;
  const topics = { samples: `vigil.test.run.${run}.samples`, alerts: `vigil.test.run.${run}.alerts`, rules: `vigil.test.run.${run}.rules`, state: `vigil.test.run.${run}.state` };
  const brokers = await sharedKafka();
  const config = parseIngestConfig({
    listen: { host: '127.0.0.1', port: 0 },
    kafka: { brokers, topics, partitions: 2, logLevel: 'nothing' },
    mysql: { url: `mysql://${db.config.user}@${db.config.host}:${db.config.port}/${db.config.database}` },
    tickIntervalMs: 200,
  });
  const logs: string[] = [];
  const ingest = await startIngest(config, { log: (l) => logs.push(l) });
  const kafka = kafkaClient({ brokers: brokers.split(','), logLevel: 'nothing' });
  const admin = kafka.admin();
  const consumer = kafka.consumer({ groupId: `${topics.samples}.g`, sessionTimeout: 6_000, heartbeatInterval: 500 });
  try {
    assert.ok(logs.some((l) => /applied 001_tenants\.sql, 002_api_tokens\.sql/.test(l)), logs.join('\n'));
    assert.ok(logs.some((l) => l.includes(`topic ${topics.rules} created`)));
    await upsertTenant(ingest.pool, 'run-t');
    const { token } = await createToken(ingest.pool, { tenant: 'run-t', scopes: ['write'] });
    const res = await fetch(`${ingest.url}/api/v1/write`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', 'x-prometheus-remote-write-version': '0.1.0' },
      body: new Uint8Array(encodeRemoteWriteBody([{ labels: [{ name: '__name__', value: 'run_up' }], samples: [{ value: 1, timestamp: 1_700_000_000_000 }] }])),
    });
    assert.equal(res.status, 204, await res.text());
    assert.equal((await fetch(`${ingest.url}/-/ready`)).status, 200);

    const seen = { sample: false, tickPartitions: new Set<number>() };
    await consumer.connect();
    await consumer.subscribe({ topic: topics.samples, fromBeginning: true });
    const done = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`saw ${JSON.stringify({ sample: seen.sample, ticks: [...seen.tickPartitions] })}`)), 30_000);
      void consumer.run({
        eachMessage: async ({ partition, message }) => {
          const { result, samples } = decodeToArray(message.value!);
          if (result.kind === 'tick') seen.tickPartitions.add(partition);
          if (result.kind === 'samples' && samples[0]?.labels.some((l) => l.name === 'tenant' && l.value === 'run-t')) seen.sample = true;
          if (seen.sample && seen.tickPartitions.size === 2) {
            clearTimeout(timer);
            resolve();
          }
        },
      }).catch(reject);
    });
    await done;
    const metrics = await (await fetch(`${ingest.url}/metrics`)).text();
    assert.match(metrics, /vigil_ingest_ticks_total [1-9]/);
  } finally {
    await consumer.disconnect().catch(() => undefined);
    await ingest.close();
    await admin.connect();
    await admin.deleteTopics({ topics: Object.values(topics) }).catch(() => undefined);
    await admin.disconnect();
    await db.drop();
  }
});

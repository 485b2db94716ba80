/** RdkafkaProducer against the real local broker: acks, key -> partition as kafkajs, deadlines, exit. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Partitioners, type PartitionMetadata } from 'kafkajs';
import { parseIngestConfig } from '../../src/ingest/config.js';
import { kafkaClient, KafkaUnavailableError } from '../../src/kafka/producer.js';
import { RdkafkaProducer } from '../../src/kafka/producer_rdkafka.js';
import { sharedKafka } from '../../src/services/kafka.js';

const PARTITIONS = 12;

test('RdkafkaProducer: send resolves after the ack with keys, values, timestamps and kafkajs partitions', async () => {
  const brokers = await sharedKafka();
  const topic = `vigil.test.rdkafka.${process.pid}.${Math.random().toString(36).slice(2, 8)}`;
  const kafka = kafkaClient({ brokers: brokers.split(','), logLevel: 'nothing' });
  const admin = kafka.admin();
  await admin.connect();
  const producer = new RdkafkaProducer({ brokers: brokers.split(','), sendTimeoutMs: 10_000 });
  const consumer = kafka.consumer({ groupId: `${topic}.g`, sessionTimeout: 6_000, heartbeatInterval: 500 });
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS, replicationFactor: 1 }], waitForLeaders: true });
    assert.equal(producer.isConnected, false);
    await producer.connect();
    assert.equal(producer.isConnected, true);

    // Key -> partition must match kafkajs's default (Java's murmur2) for every key.
    const partitioner = Partitioners.DefaultPartitioner();
    const metadata = Array.from({ length: PARTITIONS }, (_, i) => ({ partitionId: i, leader: 1 }) as PartitionMetadata);
    const keys = Array.from({ length: 300 }, (_, i) => (i % 3 === 0 ? `tenant-${i}` : i % 3 === 1 ? `acme-${i * 7919}` : `t${i}\u00e9`));
    const t0 = 1_700_000_000_000;
    const messages = keys.map((key, i) => ({ key, value: Buffer.from(`v${i}`), timestamp: String(t0 + i) }));
    const sent = await producer.send(topic, messages);
    assert.equal(sent.length, keys.length);
    const spread = new Set<number>();
    for (let i = 0; i < keys.length; i++) {
      const expected = partitioner({ topic, partitionMetadata: metadata, message: messages[i]! });
      assert.equal(sent[i]!.partition, expected, `key ${keys[i]}`);
      spread.add(expected);
    }
    assert.ok(spread.size > PARTITIONS / 2, 'keys spread over partitions');

    // An explicit partition (the ticker's) is kept.
    const ticks = await producer.send(topic, [{ partition: 5, value: Buffer.from('tick'), timestamp: String(t0 + 10_000) }]);
    assert.equal(ticks[0]!.partition, 5);

    // The acknowledged records are on the broker as sent.
    const high = await admin.fetchTopicOffsets(topic);
    assert.equal(high.reduce((n, p) => n + Number(p.high), 0), keys.length + 1);
    const got = new Map<string, { partition: number; key: string | null; timestamp: string }>();
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      consumer.run({
        eachMessage: async ({ partition, message }) => {
          got.set(message.value!.toString(), { partition, key: message.key?.toString() ?? null, timestamp: message.timestamp });
          if (got.size === keys.length + 1) resolve();
        },
      }).catch(reject);
    });
    for (let i = 0; i < keys.length; i++) {
      assert.deepEqual(got.get(`v${i}`), { partition: sent[i]!.partition, key: keys[i], timestamp: String(t0 + i) });
    }
    assert.deepEqual(got.get('tick'), { partition: 5, key: null, timestamp: String(t0 + 10_000) });
    assert.deepEqual(await producer.send(topic, []), []);

    // One failed delivery (async) or a refused message (sync) rejects the whole send; the next works.
    await assert.rejects(producer.send(topic, [{ key: 'a', value: Buffer.from('ok') }, { partition: 99, value: Buffer.from('x') }]),
      (e: unknown) => e instanceof KafkaUnavailableError && new RegExp(`produce to ${topic} failed: .*Unknown partition`).test(e.message));
    await assert.rejects(producer.send(topic, [{ key: 'a', value: Buffer.alloc(2_000_000) }]),
      (e: unknown) => e instanceof KafkaUnavailableError && /too large/.test(e.message));
    assert.equal((await producer.send(topic, [{ key: 'a', value: Buffer.from('after') }])).length, 1);
  } finally {
    await consumer.disconnect().catch(() => undefined);
    await producer.close();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  }
  await assert.rejects(producer.send(topic, [{ value: Buffer.from('x') }]), (e: unknown) => e instanceof KafkaUnavailableError && /closed/.test(e.message));
  assert.equal(producer.isConnected, false);
});

test('RdkafkaProducer: a dead broker fails connect and send within their deadlines', async () => {
  const producer = new RdkafkaProducer({ brokers: ['127.0.0.1:1'], connectTimeoutMs: 1_000, sendTimeoutMs: 3_000 });
  try {
    let t = performance.now();
    await assert.rejects(producer.connect(), (e: unknown) => e instanceof KafkaUnavailableError && /cannot connect to 127\.0\.0\.1:1/.test(e.message));
    assert.ok(performance.now() - t < 3_000, `connect failed after ${performance.now() - t} ms`);
    t = performance.now();
    await assert.rejects(producer.send('vigil.test.none', [{ key: 'a', value: Buffer.from('x') }]), KafkaUnavailableError);
    assert.ok(performance.now() - t < 3_500, `send failed after ${performance.now() - t} ms`);
    assert.equal(producer.isConnected, false);
  } finally {
    await producer.close();
  }
});

/** Runs `body` (an ES module using RdkafkaProducer as P) in a child; resolves its exit code and time. */
function child(body: string): Promise<{ code: number | null; ms: number; stderr: string }> {
  const url = new URL('../../src/kafka/producer_rdkafka.js', import.meta.url).href;
  const script = `import { RdkafkaProducer as P } from ${JSON.stringify(url)};\n${body}`;
  const t = performance.now();
  const proc = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'ignore', 'pipe'], cwd: fileURLToPath(new URL('.', import.meta.url)) });
  let stderr = '';
  proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => {
    const kill = setTimeout(() => proc.kill('SIGKILL'), 20_000);
    proc.on('exit', (code) => {
      clearTimeout(kill);
      resolve({ code, ms: performance.now() - t, stderr });
    });
  });
}

test('RdkafkaProducer: close() lets the process exit, connected or not', async () => {
  const brokers = await sharedKafka();
  const topic = `vigil.test.rdkafka.exit.${process.pid}.${Math.random().toString(36).slice(2, 8)}`;
  const kafka = kafkaClient({ brokers: brokers.split(','), logLevel: 'nothing' });
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: 2, replicationFactor: 1 }], waitForLeaders: true });
    const live = await child(`const p = new P({ brokers: ${JSON.stringify(brokers.split(','))} });
      await p.send(${JSON.stringify(topic)}, [{ key: 'k', value: Buffer.from('v') }]);
      await p.close();`);
    assert.equal(live.code, 0, live.stderr);
    assert.ok(live.ms < 15_000, `exited after ${live.ms} ms`);
    const dead = await child(`const p = new P({ brokers: ['127.0.0.1:1'], connectTimeoutMs: 500, sendTimeoutMs: 1000 });
      await p.send('x', [{ value: Buffer.from('v') }]).catch(() => undefined);
      await p.close();`);
    assert.equal(dead.code, 0, dead.stderr);
    assert.ok(dead.ms < 15_000, `exited after ${dead.ms} ms`);
  } finally {
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  }
});

test('ingest config: kafka.client is rdkafka unless kafkajs is asked for', () => {
  const base = { mysql: { url: 'mysql://root@127.0.0.1/x' } };
  assert.equal(parseIngestConfig({ ...base, kafka: { brokers: 'a:1' } }).kafka.client, 'rdkafka');
  assert.equal(parseIngestConfig({ ...base, kafka: { brokers: 'a:1', client: 'kafkajs' } }).kafka.client, 'kafkajs');
  assert.throws(() => parseIngestConfig({ ...base, kafka: { brokers: 'a:1', client: 'librdkafka' } }), /kafka\.client/);
});

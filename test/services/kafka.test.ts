import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { kafkaAnswers, kafkaStatus, newClusterId, sharedKafka, startKafka, stopKafka } from '../../src/services/kafka.js';
import { kafkaLayout, serverProperties } from '../../src/services/kafka_config.js';
import { pidAlive } from '../../src/services/process.js';

function client(brokers: string): Kafka {
  return new Kafka({ clientId: 'vigil-services-test', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
}

test('server.properties: loopback listeners, no implicit topics, single-replica internal topics', () => {
  const text = serverProperties(kafkaLayout('/x/k'), { broker: 19092, controller: 19093 });
  const props = new Map(text.split('\n').filter((l) => l.includes('=')).map((l) => l.split('=', 2) as [string, string]));
  assert.equal(props.get('listeners'), 'PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093');
  assert.equal(props.get('controller.quorum.voters'), '1@127.0.0.1:19093');
  assert.equal(props.get('auto.create.topics.enable'), 'false');
  assert.equal(props.get('offsets.topic.replication.factor'), '1');
  assert.equal(props.get('transaction.state.log.replication.factor'), '1');
  assert.equal(props.get('transaction.state.log.min.isr'), '1');
  assert.equal(props.get('group.initial.rebalance.delay.ms'), '0');
  assert.equal(props.get('log.dirs'), join('/x/k', 'data'));
});

test('shared broker: a created topic takes an acks=all idempotent message and gives it back', async () => {
  const brokers = await sharedKafka();
  assert.ok(await kafkaAnswers(brokers), `broker ${brokers} answers metadata`);
  const kafka = client(brokers);
  const topic = `vigil.test.services.${process.pid}.${Math.random().toString(36).slice(2, 8)}`;
  const admin = kafka.admin();
  await admin.connect();
  try {
    assert.equal(await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true }), true);
    const meta = await admin.fetchTopicMetadata({ topics: [topic] });
    assert.equal(meta.topics[0]?.partitions.length, 3);

    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    const value = Buffer.from(`hello from ${process.pid}`);
    const [meta0] = await producer.send({ topic, acks: -1, messages: [{ key: 'tenant-a', value, partition: 2 }] });
    await producer.disconnect();
    assert.equal(meta0?.partition, 2);
    assert.equal(meta0?.errorCode, 0);

    const consumer = kafka.consumer({ groupId: `${topic}.g`, sessionTimeout: 6_000, heartbeatInterval: 500 });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const got = await new Promise<{ key: string; value: Buffer; partition: number }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no message within 30 s')), 30_000);
      void consumer.run({
        eachMessage: async ({ message, partition }) => {
          clearTimeout(timer);
          resolve({ key: String(message.key), value: message.value ?? Buffer.alloc(0), partition });
        },
      }).catch(reject);
    });
    await consumer.disconnect();
    assert.deepEqual(got, { key: 'tenant-a', value, partition: 2 });
  } finally {
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  }
});

test('auto topic creation is off: producing to an unknown topic fails', async () => {
  const kafka = client(await sharedKafka());
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, retry: { retries: 1, initialRetryTime: 50 } });
  await producer.connect();
  try {
    await assert.rejects(producer.send({ topic: `vigil.test.missing.${process.pid}`, acks: -1, messages: [{ value: 'x' }] }));
  } finally {
    await producer.disconnect();
  }
});

test('startKafka in its own folder: reuse returns the same broker, stop ends it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-kafka-'));
  try {
    const first = await startKafka({ dir, heap: '256m' });
    assert.equal(first.reused, false);
    assert.match(first.brokers, /^127\.0\.0\.1:\d+$/);
    assert.equal((await kafkaStatus(dir))?.pid, first.pid);
    const again = await startKafka({ dir, reuse: true });
    assert.equal(again.reused, true);
    assert.equal(again.pid, first.pid);
    await first.stop();
    assert.equal(pidAlive(first.pid), false);
    assert.equal(await kafkaStatus(dir), undefined);
    assert.equal(await stopKafka(dir), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a broker that cannot start fails with the tail of its output', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-kafka-bad-'));
  try {
    // A heap this small makes the JVM refuse to start: the error must say so, not just time out.
    await assert.rejects(startKafka({ dir, heap: '1k', startTimeoutMs: 20_000 }), (e: Error) => {
      assert.match(e.message, /exited .* before answering/);
      assert.match(e.message, /heap/i);
      return true;
    });
    assert.throws(() => readFileSync(kafkaLayout(dir).stateFile), /ENOENT/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('cluster ids: 22 URL-safe base64 characters, never a leading "-" the storage tool would read as an option', () => {
  // The first draw encodes to "-" first (0xf8 >> 2 = 62), the second does not.
  const draws = [Buffer.alloc(16, 0xf8), Buffer.alloc(16, 0x41)];
  let calls = 0;
  const id = newClusterId(() => draws[calls++]!);
  assert.equal(calls, 2);
  assert.match(id, /^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
  for (let i = 0; i < 1000; i++) assert.match(newClusterId(), /^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_FETCH } from '../../src/evaluate/consumer.js';
import { parseEvaluateConfig } from '../../src/evaluate/run.js';

test('evaluate config: session, heartbeat and fetch defaults; fetch options validated with their path', () => {
  const c = parseEvaluateConfig({ kafka: { brokers: '127.0.0.1:9092' } });
  assert.equal(c.kafka.sessionTimeoutMs, 6_000);
  assert.equal(c.kafka.heartbeatIntervalMs, undefined);
  assert.deepEqual(c.kafka.fetch, DEFAULT_FETCH);
  const tuned = parseEvaluateConfig({ kafka: { brokers: '127.0.0.1:9092', sessionTimeoutMs: 3000, heartbeatIntervalMs: 500, fetch: { maxBytesPerPartition: 1 << 20, partitionsConsumedConcurrently: 4 } } });
  assert.equal(tuned.kafka.heartbeatIntervalMs, 500);
  assert.equal(tuned.kafka.fetch.maxBytesPerPartition, 1 << 20);
  assert.equal(tuned.kafka.fetch.maxBytes, DEFAULT_FETCH.maxBytes);
  assert.equal(tuned.kafka.fetch.partitionsConsumedConcurrently, 4);
  assert.throws(() => parseEvaluateConfig({ kafka: { brokers: '127.0.0.1:9092', fetch: { maxBytesPerPartition: 10 } } }), /kafka\.fetch\.maxBytesPerPartition/);
  assert.throws(() => parseEvaluateConfig({ kafka: { brokers: '127.0.0.1:9092', fetch: { maxWaitMs: 10 } } }), /kafka\.fetch/);
});

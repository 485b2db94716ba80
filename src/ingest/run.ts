/**
 * Starts an ingest process from a validated configuration: migrates MySQL, creates the
 * Kafka topics, connects the producer, listens, and ticks every samples partition.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { systemClock, type Clock } from '../clock.js';
import { kafkaClient, SafeProducer } from '../kafka/producer.js';
import { RdkafkaProducer } from '../kafka/producer_rdkafka.js';
import { ensureTopics, topicNames, topicPartitions } from '../kafka/topics.js';
import { migrate } from '../store/migrate.js';
import { createPool, type StorePool } from '../store/pool.js';
import { TokenCache } from '../store/token_cache.js';
import { lookupToken } from '../store/tokens.js';
import type { IngestConfig } from './config.js';
import { IngestGateway, serveIngest } from './gateway.js';
import { Ticker } from './ticker.js';

/** A running ingest. */
export interface RunningIngest {
  readonly gateway: IngestGateway;
  readonly server: Server;
  readonly ticker: Ticker;
  readonly pool: StorePool;
  /** The address it listens on, e.g. `http://127.0.0.1:9201`. */
  readonly url: string;
  /** Stops ticking and listening, flushes and disconnects. */
  close(): Promise<void>;
}

/** How startIngest reports. */
export interface RunOptions {
  readonly clock?: Clock;
  readonly log?: (line: string) => void;
}

/** Starts an ingest; rejects (having released what it took) if MySQL or Kafka setup fails. */
export async function startIngest(config: IngestConfig, options: RunOptions = {}): Promise<RunningIngest> {
  const clock = options.clock ?? systemClock;
  const log = options.log ?? (() => undefined);
  const migrated = await migrate(config.mysql.url);
  log(`ingest: schema at version ${migrated.version}${migrated.applied.length > 0 ? ` (applied ${migrated.applied.join(', ')})` : ''}`);
  const pool = createPool(config.mysql.url, { connectionLimit: config.mysql.connectionLimit });
  const kafka = kafkaClient({ brokers: config.kafka.brokers, clientId: config.kafka.clientId, logLevel: config.kafka.logLevel });
  const admin = kafka.admin();
  // Samples and ticks both go through this one producer; the admin stays on kafkajs.
  const producer = config.kafka.client === 'rdkafka'
    ? new RdkafkaProducer({ brokers: config.kafka.brokers, clientId: config.kafka.clientId, sendTimeoutMs: config.kafka.sendTimeoutMs })
    : new SafeProducer(kafka, { sendTimeoutMs: config.kafka.sendTimeoutMs });
  const names = topicNames(config.kafka.topics);
  try {
    await admin.connect();
    if (config.kafka.createTopics) {
      for (const t of await ensureTopics(admin, { names, samplesPartitions: config.kafka.partitions, replicationFactor: config.kafka.replicationFactor })) {
        log(`ingest: topic ${t.topic} ${t.created ? 'created' : 'exists'} with ${t.partitions} partitions`);
        if (t.topic === names.samples && !t.created && t.partitions !== config.kafka.partitions) {
          log(`ingest: warning: ${t.topic} has ${t.partitions} partitions, not the configured ${config.kafka.partitions}; left as it is`);
        }
      }
    }
    await producer.connect();
  } catch (e) {
    await admin.disconnect().catch(() => undefined);
    await producer.close();
    await pool.end().catch(() => undefined);
    throw e;
  }
  const cache = new TokenCache((token) => lookupToken(pool, token), clock, {
    ttlMs: config.auth.cacheTtlMs,
    negativeTtlMs: config.auth.negativeCacheTtlMs,
  });
  const gateway = new IngestGateway({
    config,
    authenticate: (token) => cache.resolve(token),
    producer,
    clock,
    onError: (e) => log(`ingest: ${e instanceof Error ? e.message : String(e)}`),
  });
  const ticker = new Ticker({
    producer,
    topic: names.samples,
    clock,
    partitions: () => topicPartitions(admin, names.samples),
    intervalMs: config.tickIntervalMs,
    onTick: () => void gateway.metrics.ticks++,
    onError: (e) => {
      gateway.metrics.tickFailures++;
      log(`ingest: tick failed: ${(e as Error).message}`);
    },
  });
  const server = serveIngest(gateway, { maxRequestBytes: config.limits.maxRequestBytes });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.listen.port, config.listen.host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  ticker.start();
  log(`ingest: listening on http://${host}:${addr.port}`);
  return {
    gateway,
    server,
    ticker,
    pool,
    url: `http://${host}:${addr.port}`,
    close: async () => {
      await ticker.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await producer.close();
      await admin.disconnect().catch(() => undefined);
      await pool.end().catch(() => undefined);
    },
  };
}

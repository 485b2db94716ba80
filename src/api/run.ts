/**
 * Starts `vigil api` from a validated configuration: migrates MySQL, makes sure the
 * compacted rules topic exists, connects the producer, listens, then republishes every
 * tenant's rules (idempotent on a compacted topic: it repairs whatever a crash between a
 * database write and its publish left behind) and keeps retrying the ones Kafka refused.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { systemClock, type Clock } from '../clock.js';
import { createHttpServer, type Handler } from '../http/server.js';
import { kafkaClient, SafeProducer } from '../kafka/producer.js';
import { topicConfigs } from '../kafka/topics.js';
import { migrate } from '../store/migrate.js';
import { createPool, redactUrl, type StorePool } from '../store/pool.js';
import { listTenants } from '../store/tenant_views.js';
import { adminTokenHash, type ApiConfig } from './config.js';
import { ApiMetrics } from './metrics.js';
import { RulesPublisher } from './publish.js';
import { buildApiHandler } from './server.js';

/** A running API. */
export interface RunningApi {
  readonly handler: Handler;
  readonly publisher: RulesPublisher;
  readonly server: Server;
  readonly pool: StorePool;
  /** e.g. `http://127.0.0.1:9095`. */
  readonly url: string;
  /** Resolves once the start-up republish of every tenant has been tried. */
  readonly republished: Promise<void>;
  /** Stops listening and retrying, and disconnects. */
  close(): Promise<void>;
}

/** How startApi reports, and test hooks. */
export interface StartApiOptions {
  readonly clock?: Clock;
  readonly log?: (line: string) => void;
  readonly env?: NodeJS.ProcessEnv;
}

/** Starts the API; rejects (having released what it took) if MySQL or Kafka setup fails. */
export async function startApi(config: ApiConfig, options: StartApiOptions = {}): Promise<RunningApi> {
  const clock = options.clock ?? systemClock;
  const log = options.log ?? (() => undefined);
  let migrated;
  try {
    migrated = await migrate(config.mysql.url);
  } catch (e) {
    throw new Error(`api: migrating ${redactUrl(config.mysql.url)}: ${(e as Error).message}`);
  }
  log(`api: schema at version ${migrated.version}${migrated.applied.length > 0 ? ` (applied ${migrated.applied.join(', ')})` : ''}`);
  const pool = createPool(config.mysql.url, { connectionLimit: config.mysql.connectionLimit });
  const kafka = kafkaClient({ brokers: config.kafka.brokers, clientId: config.kafka.clientId, logLevel: config.kafka.logLevel });
  const admin = kafka.admin();
  const producer = new SafeProducer(kafka, { sendTimeoutMs: config.kafka.sendTimeoutMs });
  const topic = config.kafka.rulesTopic;
  try {
    await admin.connect();
    if (config.kafka.createTopic && !(await admin.listTopics()).includes(topic)) {
      const spec = topicConfigs({ names: { rules: topic }, samplesPartitions: 1 }).find((t) => t.topic === topic)!;
      try {
        await admin.createTopics({ topics: [spec], waitForLeaders: true });
        log(`api: created topic ${topic}`);
      } catch (e) {
        // Another process may have created it between our list and create.
        if (!(await admin.listTopics()).includes(topic)) throw e;
      }
    }
    await producer.connect();
  } catch (e) {
    await admin.disconnect().catch(() => undefined);
    await producer.close();
    await pool.end().catch(() => undefined);
    throw new Error(`api: kafka: ${(e as Error).message}`);
  }
  const publisher = new RulesPublisher({ pool, sink: producer, topic, log, ...(config.policies.interval !== undefined ? { interval: config.policies.interval } : {}) });
  const env = options.env ?? process.env;
  const adminHash = adminTokenHash(config, env);
  if (adminHash === null) log('api: no admin token configured (admin.tokenSha256 or VIGIL_API_ADMIN_TOKEN): operator endpoints answer 401');
  let ready = false;
  const metrics = new ApiMetrics();
  const handler = buildApiHandler({ pool, config, publisher, clock, adminHash, metrics, log, ready: () => ready });
  const server = createHttpServer(handler, { maxBodyBytes: config.maxBodyBytes, onError: (e) => log(`api: ${(e as Error).stack ?? String(e)}`) });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.listen.port, config.listen.host, () => resolve());
    });
  } catch (e) {
    await producer.close();
    await admin.disconnect().catch(() => undefined);
    await pool.end().catch(() => undefined);
    throw new Error(`api: cannot listen on ${config.listen.host}:${config.listen.port}: ${(e as Error).message}`);
  }
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  const url = `http://${host}:${addr.port}`;
  log(`api: listening on ${url}, publishing rules to ${topic}, ${config.evaluators.length} evaluators`);
  publisher.startRetrying(config.republishIntervalMs);
  const republished = (async () => {
    try {
      const tenants = (await listTenants(pool)).map((t) => t.id);
      const failed = await publisher.republishAll(tenants);
      log(`api: republished the rules of ${tenants.length - failed} of ${tenants.length} tenants${failed > 0 ? ` (${failed} retried in the background)` : ''}`);
    } catch (e) {
      log(`api: start-up republish failed: ${(e as Error).message}`);
    } finally {
      ready = true;
    }
  })();
  return {
    handler, publisher, server, pool, url, republished,
    close: async () => {
      await republished;
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await publisher.stop();
      await producer.close();
      await admin.disconnect().catch(() => undefined);
      await pool.end().catch(() => undefined);
    },
  };
}

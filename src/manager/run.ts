/**
 * `vigil manager`: its configuration (one zod schema, validated once and frozen) and
 * startManager, which applies the schema migrations, then wires the dispatcher (with its
 * tick loop), the vigil.alerts consumer and the Alertmanager API v2 together.
 */
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { hostname } from 'node:os';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { RowDataPacket } from 'mysql2/promise';
import { z } from 'zod';
import { kafkaBrokers } from '../config/fields.js';
import { systemClock, type Clock } from '../clock.js';
import { createHttpServer, type Handler } from '../http/server.js';
import { kafkaClient } from '../kafka/producer.js';
import { DEFAULT_TOPICS } from '../kafka/topics.js';
import { migrate } from '../store/migrate.js';
import { createPool, redactUrl, type StorePool } from '../store/pool.js';
import { countingIntegration, createManagerApi, ManagerMetrics } from './api/index.js';
import { parseManagerConfig, type ManagerConfig } from './config.js';
import { AlertConsumer } from './consumer.js';
import { Dispatcher } from './dispatch.js';
import { policyIntegrations } from './policy_receivers.js';
import type { RetryOptions } from './pipeline/retry.js';
import { integrationsFor } from './receivers/index.js';
import { NotifyTemplates } from './templates.js';
import { maskConfigSecrets } from './config_mask.js';
import { validateConfig } from '../config/validate.js';

const positiveMs = z.number().int().positive();

/** The schema of the manager's run configuration (flags; the Alertmanager YAML is `configFile`). */
export const ManagerRunConfigSchema = z.object({
  /** The Alertmanager-format configuration file. */
  configFile: z.string().min(1, 'the Alertmanager configuration file is required (--config)'),
  listen: z.object({
    host: z.string().default('0.0.0.0'),
    port: z.number().int().min(0).max(65535).default(9093),
  }).strict().default({}),
  mysql: z.object({ url: z.string().regex(/^(mysql|mariadb):\/\//, 'must be a mysql://user:password@host:port/database URL') }).strict(),
  /** Without it, alerts arrive only through POST /api/v2/alerts. */
  kafka: z.object({
    brokers: kafkaBrokers,
    clientId: z.string().min(1).default('vigil-manager'),
    groupId: z.string().min(1).default('vigil-manager'),
    topic: z.string().min(1).default(DEFAULT_TOPICS.alerts),
    startFrom: z.enum(['earliest', 'latest']).default('earliest'),
    sessionTimeoutMs: positiveMs.min(1000).default(10_000),
    logLevel: z.enum(['nothing', 'error', 'warn', 'info']).default('error'),
  }).strict().optional(),
  /** This instance's name in leases; unique among live managers. */
  instance: z.string().min(1).max(255).default(`${hostname()}-${process.pid}`),
  /** The URL users reach the managers at (webhook payloads' externalURL). */
  externalURL: z.string().default(''),
  tickMs: positiveMs.default(1_000),
  /** How many due groups one tick flushes at once; each holds a pool connection while it queries. */
  flushConcurrency: z.number().int().min(1).max(64).default(8),
  leaseMs: positiveMs.default(60_000),
  gcIntervalMs: positiveMs.default(3600_000),
  retentionMs: positiveMs.default(5 * 24 * 3600_000),
  /**
   * Tenant policy routing: alerts with `vigil_policy` and `tenant` labels go to the policy's own
   * targets through a synthetic route (outside the Alertmanager YAML, which stays compatible).
   */
  policies: z.object({
    enabled: z.boolean().default(true),
    groupBy: z.array(z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'invalid label name')).optional(),
    groupWaitMs: z.number().int().nonnegative().default(30_000),
    groupIntervalMs: positiveMs.default(300_000),
    repeatIntervalMs: positiveMs.default(4 * 3600_000),
    /** How long a policy's built receiver is reused for its revision. */
    cacheMs: positiveMs.default(60_000),
    /** Whether tenants hear when their alerts resolve. */
    sendResolved: z.boolean().default(true),
  }).strict().default({}),
}).strict();

/** The validated, frozen run configuration. */
export type ManagerRunConfig = Readonly<z.output<typeof ManagerRunConfigSchema>>;

/** A run configuration error listing every fault with its path. */
export class ManagerRunConfigError extends Error {
  override name = 'ManagerRunConfigError';
}


/** Validates `input`; throws a ManagerRunConfigError naming each bad field. */
export function parseManagerRunConfig(input: unknown, source = 'flags'): ManagerRunConfig {
  return validateConfig(ManagerRunConfigSchema, input, source, 'manager', ManagerRunConfigError);
}

/** Extras for tests. */
export interface StartManagerOptions {
  readonly clock?: Clock;
  readonly log?: (line: string) => void;
  readonly retry?: Omit<RetryOptions, 'clock'>;
}

/** A running manager. */
export interface RunningManager {
  readonly config: ManagerConfig;
  readonly dispatcher: Dispatcher;
  readonly consumer: AlertConsumer | null;
  readonly metrics: ManagerMetrics;
  /** The API handler (what the server serves), for in-process calls. */
  readonly api: Handler;
  readonly server: Server;
  readonly url: string;
  readonly pool: StorePool;
  /** Stops the loop and the consumer, releases this instance's leases, stops listening. */
  close(): Promise<void>;
}

/** Counts due groups whose lease another instance let expire: the ones this tick will take over. */
async function expiredForeignLeases(pool: StorePool, instance: string, now: number): Promise<number> {
  const [rows] = await pool.query<RowDataPacket[]>(
    'SELECT COUNT(*) AS n FROM manager_groups WHERE next_flush_at <= ? AND lease_owner IS NOT NULL AND lease_owner <> ? AND lease_until <= ?',
    [now, instance, now],
  );
  return Number(rows[0]!.n);
}

/** Starts a manager; rejects (having released what it took) if the config, MySQL or Kafka fails. */
export async function startManager(config: ManagerRunConfig, options: StartManagerOptions = {}): Promise<RunningManager> {
  const log = options.log ?? (() => undefined);
  const clock = options.clock ?? systemClock;
  let configText: string;
  try {
    configText = readFileSync(config.configFile, 'utf8');
  } catch (e) {
    throw new Error(`manager: cannot read ${config.configFile}: ${(e as Error).message}`);
  }
  const amConfig = parseManagerConfig(configText, config.configFile);
  const templates = NotifyTemplates.fromGlobs(amConfig.templates, dirname(config.configFile), clock);
  const metrics = new ManagerMetrics();
  try {
    await migrate(config.mysql.url);
  } catch (e) {
    throw new Error(`manager: migrating ${redactUrl(config.mysql.url)}: ${(e as Error).message}`);
  }
  // Room for every concurrent flush, the consumer's two stages (storing and grouping) and the API.
  const pool = createPool(config.mysql.url, { connectionLimit: Math.max(11, config.flushConcurrency + 3) });
  let dispatcher: Dispatcher;
  try {
    dispatcher = new Dispatcher({
      pool, config: amConfig, clock, instance: config.instance, leaseMs: config.leaseMs, flushConcurrency: config.flushConcurrency,
      ...(options.retry ? { retry: options.retry } : {}),
      integrations: (r) => integrationsFor(r, config.externalURL, { templates }).map((i) => countingIntegration(i, metrics)),
      policies: !config.policies.enabled ? false : {
        ...(config.policies.groupBy !== undefined ? { groupBy: config.policies.groupBy } : {}),
        groupWaitMs: config.policies.groupWaitMs,
        groupIntervalMs: config.policies.groupIntervalMs,
        repeatIntervalMs: config.policies.repeatIntervalMs,
        cacheMs: config.policies.cacheMs,
        integrations: (targets, global) => policyIntegrations(targets, global, { templates, externalURL: config.externalURL, sendResolved: config.policies.sendResolved })
          .map((i) => countingIntegration(i, metrics)),
      },
    });
    metrics.policyDrops = dispatcher.policyDrops;
  } catch (e) {
    await pool.end().catch(() => undefined);
    throw e;
  }
  const d = dispatcher;
  let consumer: AlertConsumer | null = null;
  if (config.kafka !== undefined) {
    const k = config.kafka;
    const kafka = kafkaClient({ brokers: k.brokers, clientId: k.clientId, logLevel: k.logLevel });
    consumer = new AlertConsumer({ kafka, groupId: k.groupId, topic: k.topic, sink: d, startFrom: k.startFrom, sessionTimeoutMs: k.sessionTimeoutMs, log });
    metrics.consumer = consumer.stats;
    try {
      await consumer.start();
    } catch (e) {
      await consumer.stop();
      await pool.end().catch(() => undefined);
      throw new Error(`manager: kafka: ${(e as Error).message}`);
    }
  }
  const c = consumer;

  // The dispatcher loop: one tick at a time, the next scheduled when the last is done.
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let inFlight: Promise<void> = Promise.resolve();
  let lastGc = clock.now();
  const tickOnce = async (): Promise<void> => {
    try {
      const now = clock.now();
      metrics.leaseTakeovers += await expiredForeignLeases(pool, config.instance, now);
      for (const r of await d.tick()) {
        // Names the group (tenant and policy ids), never the policy's targets.
        if (r.dropped !== undefined) log(`manager: ${r.groupKey}: nothing sent to ${r.receiver}: ${r.dropped}`);
        if (r.error === undefined) continue;
        metrics.flushFailures++;
        log(`manager: flush of ${r.groupKey} to ${r.receiver} failed: ${r.error.message}`);
      }
      if (now - lastGc >= config.gcIntervalMs) {
        lastGc = now;
        await d.gc(config.retentionMs);
      }
    } catch (e) {
      metrics.tickFailures++;
      log(`manager: tick failed: ${(e as Error).message}`);
    }
  };
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      inFlight = tickOnce().finally(schedule);
    }, config.tickMs);
  };
  schedule();

  const startedAt = clock.now();
  let address = '';
  const api = createManagerApi({
    dispatcher: d, pool, config: amConfig, configText: maskConfigSecrets(configText), clock, instance: config.instance, startedAt, metrics,
    get address() {
      return address;
    },
    ready: () => !stopped && (c === null || c.hasJoined),
  });
  const server = createHttpServer(api, { maxBodyBytes: 16 << 20, onError: (e) => log(`manager: api: ${(e as Error).stack ?? String(e)}`) });
  const close = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    if (timer !== null) clearTimeout(timer);
    await inFlight;
    await c?.stop();
    await d.stop().catch((e: unknown) => log(`manager: releasing leases failed: ${(e as Error).message}`));
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await pool.end().catch(() => undefined);
  };
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.listen.port, config.listen.host, () => resolve());
    });
  } catch (e) {
    stopped = true;
    if (timer !== null) clearTimeout(timer);
    await inFlight;
    await c?.stop();
    await pool.end().catch(() => undefined);
    throw new Error(`manager: cannot listen on ${config.listen.host}:${config.listen.port}: ${(e as Error).message}`);
  }
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  address = `${host}:${addr.port}`;
  const url = `http://${address}`;
  log(`manager: ${config.instance} listening on ${url}, ${amConfig.receivers.length} receivers${c ? `, consuming ${config.kafka!.topic}` : ''}`);
  return { config: amConfig, dispatcher: d, consumer: c, metrics, api, server, url, pool, close };
}

/**
 * `vigil ingest` configuration: one zod schema is the source of its type and its
 * validation; it is checked once at start and frozen.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { kafkaBrokers } from '../config/fields.js';
import { validateConfig } from '../config/validate.js';


const positiveInt = z.number().int().positive();

/** The schema of the ingest's configuration (a YAML or JSON file, flags override). */
export const IngestConfigSchema = z.object({
  listen: z.object({
    host: z.string().default('0.0.0.0'),
    port: z.number().int().min(0).max(65535).default(9201),
  }).strict().default({}),
  kafka: z.object({
    brokers: kafkaBrokers,
    clientId: z.string().min(1).default('vigil-ingest'),
    /** The producer's client library: librdkafka has ~3x kafkajs's acks=all produce throughput (bench/kafka.ts). */
    client: z.enum(['rdkafka', 'kafkajs']).default('rdkafka'),
    topics: z.object({ samples: z.string().min(1), alerts: z.string().min(1), rules: z.string().min(1), state: z.string().min(1) }).strict().partial().default({}),
    /** Partitions of vigil.samples when this ingest creates it. */
    partitions: positiveInt.default(16),
    replicationFactor: positiveInt.default(1),
    /** Create missing topics at start. */
    createTopics: z.boolean().default(true),
    sendTimeoutMs: positiveInt.default(10_000),
    /** A request's samples are split into records of about this size. */
    maxMessageBytes: positiveInt.max(900 * 1024).default(512 * 1024),
    logLevel: z.enum(['nothing', 'error', 'warn', 'info']).default('error'),
  }).strict(),
  mysql: z.object({
    url: z.string().regex(/^(mysql|mariadb):\/\//, 'must be a mysql://user:password@host:port/database URL'),
    connectionLimit: positiveInt.default(10),
  }).strict(),
  /** The label that carries the tenant id on every series. */
  tenantLabel: z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/).default('tenant'),
  tickIntervalMs: positiveInt.default(1_000),
  auth: z.object({
    cacheTtlMs: positiveInt.default(10_000),
    negativeCacheTtlMs: positiveInt.default(2_000),
  }).strict().default({}),
  /** Defaults for tenants without overrides in tenant_limits. */
  limits: z.object({
    maxSeries: positiveInt.default(100_000),
    samplesPerSecond: z.number().positive().default(50_000),
    /** Default: twice samplesPerSecond. */
    burstSamples: positiveInt.optional(),
    maxBodyBytes: positiveInt.default(4 << 20),
    /** Largest decompressed body. */
    maxDecodedBytes: positiveInt.default(32 << 20),
    /** Hard cap on any request body, before authentication. */
    maxRequestBytes: positiveInt.default(16 << 20),
    /** A series not written for this long stops counting against the limit. */
    seriesIdleMs: positiveInt.default(3_600_000),
  }).strict().default({}),
}).strict();

/** The validated, frozen configuration. */
export type IngestConfig = Readonly<z.output<typeof IngestConfigSchema>>;

/** What one may write (defaults omitted). */
export type IngestConfigInput = z.input<typeof IngestConfigSchema>;

/** A configuration error listing every fault with its path. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}


/** Validates `input`; throws a ConfigError naming each bad field. */
export function parseIngestConfig(input: unknown, source = 'config'): IngestConfig {
  return validateConfig(IngestConfigSchema, input, source, 'ingest', ConfigError);
}

/** Reads a YAML (or JSON) file as raw config input. */
export function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(`${path}: cannot read: ${(e as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new ConfigError(`${path}: ${(e as Error).message}`);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new ConfigError(`${path}: the configuration must be a mapping`);
  return doc as Record<string, unknown>;
}

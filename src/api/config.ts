/**
 * `vigil api` configuration: one zod schema is the source of its type and its validation;
 * checked once at start and frozen. The admin token is configured by its SHA-256 (hex) so
 * the file holds no usable secret; VIGIL_API_ADMIN_TOKEN (the token itself) is the alternative.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { kafkaBrokers } from '../config/fields.js';
import { validateConfig } from '../config/validate.js';
import { DEFAULT_TOPICS } from '../kafka/topics.js';


const urls = z.union([z.string(), z.array(z.string())]).transform((v, ctx) => {
  const list = (Array.isArray(v) ? v : v.split(',')).map((s) => s.trim().replace(/\/+$/, '')).filter((s) => s !== '');
  for (const u of list) if (!/^https?:\/\/[^\s/]+/.test(u)) ctx.addIssue({ code: z.ZodIssueCode.custom, message: `evaluator ${JSON.stringify(u)} is not an http(s) URL` });
  return list;
});

const positiveInt = z.number().int().positive();

/** The schema of the API's configuration (a YAML or JSON file; flags and env override). */
export const ApiConfigSchema = z.object({
  listen: z.object({
    host: z.string().default('0.0.0.0'),
    port: z.number().int().min(0).max(65535).default(9095),
  }).strict().default({}),
  mysql: z.object({
    url: z.string().regex(/^(mysql|mariadb):\/\//, 'must be a mysql://user:password@host:port/database URL'),
    connectionLimit: positiveInt.default(10),
  }).strict(),
  kafka: z.object({
    brokers: kafkaBrokers,
    clientId: z.string().min(1).default('vigil-api'),
    /** The compacted topic of rule sets. */
    rulesTopic: z.string().min(1).default(DEFAULT_TOPICS.rules),
    /** Create the rules topic at start when it is missing. */
    createTopic: z.boolean().default(true),
    sendTimeoutMs: positiveInt.default(10_000),
    logLevel: z.enum(['nothing', 'error', 'warn', 'info']).default('error'),
  }).strict(),
  /** Base URLs of the evaluators (`http://host:9090`), asked for rules and queries. */
  evaluators: urls.default([]),
  evaluatorTimeoutMs: positiveInt.default(10_000),
  admin: z.object({
    /** SHA-256 of the admin token, hex; VIGIL_API_ADMIN_TOKEN gives the token instead. */
    tokenSha256: z.string().regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hex digits (sha256sum of the token)').optional(),
  }).strict().default({}),
  auth: z.object({
    cacheTtlMs: positiveInt.default(10_000),
    negativeCacheTtlMs: positiveInt.default(2_000),
  }).strict().default({}),
  /** Defaults for tenants without overrides in tenant_policy_limits. */
  limits: z.object({
    maxPolicies: positiveInt.default(100),
    maxTargets: positiveInt.default(10),
    maxMachines: positiveInt.default(10_000),
  }).strict().default({}),
  policies: z.object({
    /** Slack webhook URLs must start with one of these. */
    slackUrlPrefixes: z.array(z.string().url()).min(1).default(['https://hooks.slack.com/']),
    /** Evaluation interval of the compiled rule groups (a Prometheus duration). */
    interval: z.string().regex(/^\d+(ms|s|m|h)$/).optional(),
  }).strict().default({}),
  /** How often rule sets Kafka refused are published again. */
  republishIntervalMs: positiveInt.default(5_000),
  maxBodyBytes: positiveInt.default(1 << 20),
}).strict();

/** The validated, frozen configuration. */
export type ApiConfig = Readonly<z.output<typeof ApiConfigSchema>>;

/** What one may write (defaults omitted). */
export type ApiConfigInput = z.input<typeof ApiConfigSchema>;

/** A configuration error listing every fault with its path. */
export class ApiConfigError extends Error {
  override name = 'ApiConfigError';
}

/** Validates `input`; throws an ApiConfigError naming each bad field. */
export function parseApiConfig(input: unknown, source = 'config'): ApiConfig {
  return validateConfig(ApiConfigSchema, input, source, 'api', ApiConfigError);
}

/** The admin token's SHA-256, from the config or else the environment's token; null: no admin. */
export function adminTokenHash(config: ApiConfig, env: NodeJS.ProcessEnv = process.env): Buffer | null {
  if (config.admin.tokenSha256 !== undefined) return Buffer.from(config.admin.tokenSha256, 'hex');
  const t = env.VIGIL_API_ADMIN_TOKEN;
  if (t === undefined || t === '') return null;
  return createHash('sha256').update(t, 'utf8').digest();
}

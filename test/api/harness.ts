/**
 * A tenant API for tests, called in-process: a fresh MariaDB database (migrated), the shared
 * real Kafka broker with a private compacted rules topic, a manual clock, and an admin token.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Kafka, Message } from 'kafkajs';
import { ManualClock } from '../../src/clock.js';
import { buildApiHandler } from '../../src/api/server.js';
import { parseApiConfig, type ApiConfig, type ApiConfigInput } from '../../src/api/config.js';
import { RulesPublisher, type RulesSink } from '../../src/api/publish.js';
import { buildRequest, type Handler } from '../../src/http/server.js';
import { kafkaClient, SafeProducer } from '../../src/kafka/producer.js';
import { topicConfigs } from '../../src/kafka/topics.js';
import { sharedKafka } from '../../src/services/kafka.js';
import { testDatabase, type MySQLConfig } from '../../src/services/mariadb.js';
import { migrate } from '../../src/store/migrate.js';
import { createPool, type StorePool } from '../../src/store/pool.js';

/** A JSON answer. */
export interface Reply {
  status: number;
  body: any;
  headers: Readonly<Record<string, string>>;
  text: string;
}

/** What a test gets. */
export interface ApiHarness {
  readonly db: { config: MySQLConfig; drop(): Promise<void> };
  readonly pool: StorePool;
  readonly config: ApiConfig;
  readonly clock: ManualClock;
  readonly handler: Handler;
  readonly publisher: RulesPublisher;
  readonly kafka: Kafka;
  readonly brokers: string;
  readonly topic: string;
  readonly adminToken: string;
  /** Every record the publisher sent, in order (and Kafka acknowledged). */
  readonly sent: Message[];
  /** When set, sends fail as Kafka would (a real producer on a closed port). */
  breakKafka(broken: boolean): void;
  call(method: string, path: string, opts?: { token?: string; body?: unknown; headers?: Record<string, string> }): Promise<Reply>;
  close(): Promise<void>;
}

/** The MySQL URL of a test database. */
export function mysqlUrl(c: MySQLConfig): string {
  return `mysql://${encodeURIComponent(c.user)}${c.password ? `:${encodeURIComponent(c.password)}` : ''}@${c.host}:${c.port}/${c.database}`;
}

/** Creates a rules topic as the role does (compacted, one partition). */
export async function createRulesTopic(kafka: Kafka, topic: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const spec = topicConfigs({ names: { rules: topic }, samplesPartitions: 1 }).find((t) => t.topic === topic)!;
    await admin.createTopics({ topics: [spec], waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
}

/** Starts a harness; `config` is merged over the test defaults. */
export async function apiHarness(config: Partial<ApiConfigInput> = {}): Promise<ApiHarness> {
  const db = await testDatabase('vigil_api');
  await migrate(db.config);
  const pool = createPool(db.config);
  const brokers = await sharedKafka();
  const kafka = kafkaClient({ brokers: [brokers], clientId: 'vigil-api-test' });
  const topic = `vigil.rules.test.${process.pid}.${randomBytes(4).toString('hex')}`;
  await createRulesTopic(kafka, topic);
  const producer = new SafeProducer(kafka, { sendTimeoutMs: 10_000 });
  const dead = new SafeProducer(kafkaClient({ brokers: ['127.0.0.1:1'], connectionTimeoutMs: 200, retries: 1, logLevel: 'nothing' }), { sendTimeoutMs: 1_000 });
  let broken = false;
  const sent: Message[] = [];
  const sink: RulesSink = {
    async send(t, messages) {
      const out = await (broken ? dead : producer).send(t, messages);
      sent.push(...messages);
      return out;
    },
  };
  const cfg = parseApiConfig({
    mysql: { url: mysqlUrl(db.config) },
    kafka: { brokers: [brokers], rulesTopic: topic },
    ...config,
  }, 'test');
  const clock = new ManualClock(Date.parse('2026-06-01T12:00:00Z'));
  const publisher = new RulesPublisher({ pool, sink, topic });
  const adminToken = `admin-${randomBytes(16).toString('hex')}`;
  const handler = buildApiHandler({
    pool, config: cfg, publisher, clock, adminHash: createHash('sha256').update(adminToken).digest(),
  });
  return {
    db, pool, config: cfg, clock, handler, publisher, kafka, brokers, topic, adminToken, sent,
    breakKafka(b) {
      broken = b;
    },
    async call(method, path, opts = {}) {
      const headers: Record<string, string> = { ...(opts.headers ?? {}) };
      if (opts.token !== undefined) headers.authorization = `Bearer ${opts.token}`;
      const body = opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
      const res = await handler(buildRequest(method, path, { headers, ...(body !== undefined ? { body } : {}) }));
      let parsed: unknown = null;
      try {
        parsed = JSON.parse(res.body);
      } catch {
        parsed = null;
      }
      return { status: res.status, body: parsed, headers: res.headers, text: res.body };
    },
    async close() {
      await publisher.stop();
      await producer.close();
      await dead.close();
      await pool.end();
      await db.drop();
    },
  };
}

/** Creates a tenant through the admin API; returns its first (read+write) token. */
export async function newTenant(h: ApiHarness, id: string, name = ''): Promise<string> {
  const r = await h.call('POST', '/api/v1/admin/tenants', { token: h.adminToken, body: { id, name } });
  if (r.status !== 201) throw new Error(`creating tenant ${id}: ${r.status} ${r.text}`);
  return r.body.data.token as string;
}

/** A valid policy body over `entities`. */
export function policyBody(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: 'load_1', description: 'Load too high', compare: 'GreaterThan', value: 4, window: '5m',
    entities: [], tags: [], enabled: true, alerts: { email: ['ops@example.com'] }, ...over,
  };
}

/**
 * The world the page's browser test runs against: the real API handler on a loopback port
 * over a fresh MariaDB database, two tenants with tokens and machines, alerts in the
 * manager's store, and a real evaluator (PartitionEvaluator behind its own HTTP API) that
 * loads the rule sets the API publishes, handed over in-process instead of through Kafka.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Message } from 'kafkajs';
import { normalizeAlert } from '../../src/manager/alert.js';
import { buildApiHandler } from '../../src/api/server.js';
import { parseApiConfig } from '../../src/api/config.js';
import { RulesPublisher } from '../../src/api/publish.js';
import { createEvaluatorApi } from '../../src/evaluate/http.js';
import { PartitionEvaluator } from '../../src/evaluate/partition.js';
import { RuleSources } from '../../src/evaluate/rules_source.js';
import { createHttpServer } from '../../src/http/server.js';
import { labelsFromRecord } from '../../src/promql/labels.js';
import { testDatabase, type MySQLConfig } from '../../src/services/mariadb.js';
import { putAlerts } from '../../src/store/manager_alerts.js';
import { migrate } from '../../src/store/migrate.js';
import { createPool, type StorePool } from '../../src/store/pool.js';
import { addTenantMachines, upsertTenant } from '../../src/store/tenants.js';
import { createToken } from '../../src/store/tokens.js';

/** A seeded tenant. */
export interface UiTenant {
  readonly id: string;
  /** A read+write token. */
  readonly token: string;
}

/** The running world. */
export interface UiEnv {
  readonly baseUrl: string;
  readonly pool: StorePool;
  readonly acme: UiTenant;
  readonly globex: UiTenant;
  /** The operators' token (acts for a tenant named by X-Vigil-Tenant). */
  readonly adminToken: string;
  /** Calls the API as `t`. */
  api(t: UiTenant, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  /** Stores a firing alert of `tenant` (its `tenant` label is set here) that started `agoMs` ago. */
  fire(tenant: string, labels: Record<string, string>, annotations: Record<string, string>, agoMs: number): Promise<void>;
  /** Feeds the evaluator a sample and moves its watermark to now, so the loaded rules are evaluated up to now. */
  evaluate(): void;
  /** Log lines of the API handler (internal errors land here). */
  readonly log: string[];
  close(): Promise<void>;
}

function listen(s: Server): Promise<string> {
  return new Promise((resolve, reject) => {
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(s.address() as AddressInfo).port}`));
  });
}

function closeServer(s: Server): Promise<void> {
  s.closeAllConnections();
  return new Promise((resolve) => s.close(() => resolve()));
}

/** Starts everything; `close()` undoes it (also after a failed start, as far as it got). */
export async function startUiEnv(): Promise<UiEnv> {
  const servers: Server[] = [];
  let db: { config: MySQLConfig; drop(): Promise<void> } | null = null;
  let pool: StorePool | null = null;
  let publisher: RulesPublisher | null = null;
  const close = async () => {
    await publisher?.stop();
    for (const s of servers) await closeServer(s);
    await pool?.end();
    await db?.drop();
  };
  try {
    db = await testDatabase('vigil_ui');
    await migrate(db.config);
    pool = createPool(db.config);
    const p = pool;
    const config = parseApiConfig({
      mysql: { url: `mysql://root@${db.config.host}:${db.config.port}/${db.config.database}` },
      // Never dialled: rule sets go to the in-process sink below.
      kafka: { brokers: '127.0.0.1:9' },
    });

    // A real evaluator: rule sets as its RuleSources applies them from the rules topic.
    const evaluator = new PartitionEvaluator([], { partition: 0 });
    const sources = new RuleSources([], { onChange: (files) => evaluator.reloadRules(files) });
    const evaluatorServer = createHttpServer(createEvaluatorApi({ evaluators: () => [evaluator] }));
    servers.push(evaluatorServer);
    const evaluatorUrl = await listen(evaluatorServer);
    const sink = {
      async send(topic: string, messages: Message[]): Promise<void> {
        for (const m of messages) sources.applyTopicRecord(topic, String(m.key), m.value === null ? null : m.value as string | Buffer);
      },
    };
    publisher = new RulesPublisher({ pool: p, sink, topic: config.kafka.rulesTopic });
    const log: string[] = [];
    const adminToken = randomBytes(24).toString('hex');
    const handler = buildApiHandler({
      pool: p, config: { ...config, evaluators: [evaluatorUrl] }, publisher, log: (l) => void log.push(l),
      adminHash: createHash('sha256').update(adminToken).digest(),
    });
    const apiServer = createHttpServer(handler, { onError: (e) => void log.push(String(e)) });
    servers.push(apiServer);
    const baseUrl = await listen(apiServer);

    const tenants: UiTenant[] = [];
    for (const [id, machines] of [['acme', ['web-1', 'db-1']], ['globex', ['gx-1']]] as const) {
      await upsertTenant(p, id, id.toUpperCase());
      await addTenantMachines(p, id, machines);
      tenants.push({ id, token: (await createToken(p, { tenant: id, scopes: ['read', 'write'], description: 'ui test' })).token });
    }

    const api = async (t: UiTenant, method: string, path: string, body?: unknown) => {
      const res = await fetch(baseUrl + path, {
        method,
        headers: { authorization: `Bearer ${t.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      return { status: res.status, body: text === '' ? null : JSON.parse(text) };
    };

    // The evaluator's log starts ten minutes back: groups loaded later start at their first
    // slot after that, so evaluate() has past slots to run and evaluation times are not ahead of the clock.
    const sampleLabels = labelsFromRecord({ __name__: 'node_load1', tenant: 'acme', instance: 'web-1', job: 'node' });
    let wm = Date.now() - 600_000;
    evaluator.ingest([{ labels: sampleLabels, t: wm - 1, v: 0.5 }]);
    evaluator.advance(wm);
    return {
      baseUrl, pool: p, acme: tenants[0]!, globex: tenants[1]!, adminToken, api, log, close,
      async fire(tenant, labels, annotations, agoMs) {
        const now = Date.now();
        // The manager's own path: normalise as API v2 does, then the batched upsert.
        const a = normalizeAlert({ labels: { ...labels, tenant }, annotations, startsAt: now - agoMs, endsAt: now + 3_600_000 }, now, 300_000);
        await putAlerts(p, [a], now);
      },
      evaluate() {
        wm = Math.max(wm + 1, Date.now());
        evaluator.ingest([{ labels: sampleLabels, t: wm - 1, v: 0.5 }]);
        evaluator.advance(wm);
      },
    };
  } catch (e) {
    await close().catch(() => undefined);
    throw e;
  }
}

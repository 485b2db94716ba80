/**
 * `vigil evaluate`: its configuration (one zod schema, validated once and frozen) and
 * startEvaluate, which wires rule sources, the vigil.state reader, the consumer-group
 * worker and the HTTP API (Prometheus API + /metrics) together.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { z } from 'zod';
import { kafkaBrokers } from '../config/fields.js';
import { MetricsWriter, EXPOSITION_CONTENT_TYPE } from '../http/exposition.js';
import { createHttpServer, textResponse, type Handler } from '../http/server.js';
import { kafkaClient, SafeProducer } from '../kafka/producer.js';
import { topicNames } from '../kafka/topics.js';
import { DEFAULT_FETCH, EvaluateConsumer } from './consumer.js';
import { createEvaluatorApi } from './http.js';
import { evaluatorMetrics } from './metrics.js';
import { RuleSources } from './rules_source.js';
import { StateStore } from './state_store.js';
import { validateConfig } from '../config/validate.js';

const ms = z.number().int().nonnegative();
const positiveMs = z.number().int().positive();
const fetchBytes = z.number().int().min(1024);

/** The schema of the evaluator's configuration (a YAML or JSON file; flags override). */
export const EvaluateConfigSchema = z.object({
  listen: z.object({
    host: z.string().default('0.0.0.0'),
    port: z.number().int().min(0).max(65535).default(9202),
  }).strict().default({}),
  kafka: z.object({
    brokers: kafkaBrokers,
    clientId: z.string().min(1).default('vigil-evaluate'),
    groupId: z.string().min(1).default('vigil-evaluate'),
    topics: z.object({ samples: z.string().min(1), alerts: z.string().min(1), rules: z.string().min(1), state: z.string().min(1) }).strict().partial().default({}),
    /** Where partitions without a committed offset (and without a snapshot) start. */
    startFrom: z.enum(['earliest', 'latest']).default('earliest'),
    /**
     * Failure detection: a member silent this long is dropped and its partitions move, so
     * a takeover after a crash starts this late. The default is the lowest a stock broker
     * accepts (group.min.session.timeout.ms = 6 s); with that lowered, 3 s is safe (batches
     * heartbeat every slice of work): see docs/services.md, "An existing Kafka".
     */
    sessionTimeoutMs: positiveMs.min(1000).default(6_000),
    /** Heartbeat period; default a sixth of the session timeout (also how soon a member hears of a rebalance). */
    heartbeatIntervalMs: positiveMs.min(100).optional(),
    sendTimeoutMs: positiveMs.default(10_000),
    /** kafkajs fetch options of the samples consumer (see EvaluateConsumerOptions). */
    fetch: z.object({
      maxBytesPerPartition: fetchBytes.default(DEFAULT_FETCH.maxBytesPerPartition),
      maxBytes: fetchBytes.default(DEFAULT_FETCH.maxBytes),
      minBytes: z.number().int().positive().default(DEFAULT_FETCH.minBytes),
      maxWaitTimeMs: positiveMs.default(DEFAULT_FETCH.maxWaitTimeMs),
      partitionsConsumedConcurrently: z.number().int().min(1).max(64).default(DEFAULT_FETCH.partitionsConsumedConcurrently),
    }).strict().default({}),
    logLevel: z.enum(['nothing', 'error', 'warn', 'info']).default('error'),
  }).strict(),
  /** Rule file directories or globs. */
  rules: z.array(z.string().min(1)).default([]),
  /** Also take rule sets from the vigil.rules topic. */
  rulesTopic: z.boolean().default(true),
  evaluation: z.object({
    compat: z.union([z.literal(2), z.literal(3)]).default(3),
    lookbackDeltaMs: positiveMs.default(5 * 60_000),
    defaultIntervalMs: positiveMs.default(60_000),
    resendDelayMs: ms.default(60_000),
    /** Slot T is evaluated once the partition's watermark reaches T + this. */
    evaluationDelayMs: ms.default(0),
    /** How far past the latest tick a sample may move the watermark. */
    futureSlackMs: ms.default(60_000),
    /** Log time between vigil.state snapshots. */
    snapshotIntervalMs: positiveMs.default(60_000),
    /** Extra history replayed on takeover (sample time vs accept time skew). */
    replaySlackMs: ms.default(60_000),
    /**
     * Keep another member's partitions warm (a shadow window and alert state), so a
     * takeover after a crash does not replay the window: about twice the memory and
     * CPU per member for a takeover of failure detection + catch-up.
     */
    standby: z.boolean().default(false),
    externalURL: z.string().default(''),
    externalLabels: z.record(z.string(), z.string()).default({}),
    tenantLabel: z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/).default('tenant'),
  }).strict().default({}),
}).strict();

/** The validated, frozen configuration. */
export type EvaluateConfig = Readonly<z.output<typeof EvaluateConfigSchema>>;

/** A configuration error listing every fault with its path. */
export class EvaluateConfigError extends Error {
  override name = 'EvaluateConfigError';
}


/** Validates `input`; throws an EvaluateConfigError naming each bad field. */
export function parseEvaluateConfig(input: unknown, source = 'config'): EvaluateConfig {
  return validateConfig(EvaluateConfigSchema, input, source, 'evaluate', EvaluateConfigError);
}

/** A running evaluator. */
export interface RunningEvaluate {
  readonly consumer: EvaluateConsumer;
  readonly rules: RuleSources;
  readonly server: Server;
  readonly url: string;
  /** Re-reads the rule files (SIGHUP). */
  reloadRules(): Promise<void>;
  /** Final snapshots, leaves the group, stops listening. */
  close(): Promise<void>;
}

/** The evaluator's own metrics, before the per-partition window ones. */
function workerMetrics(consumer: EvaluateConsumer, rules: RuleSources, state: StateStore): string {
  const w = new MetricsWriter();
  const prog = consumer.partitionProgress();
  w.family('vigil_evaluator_consumer_lag', 'gauge', 'Records of the partition not yet applied, as of the last batch.',
    prog.map((p) => ({ labels: { partition: String(p.partition) }, value: p.lag })));
  w.family('vigil_evaluator_replaying', 'gauge', '1 while the partition replays history after a takeover.',
    prog.map((p) => ({ labels: { partition: String(p.partition) }, value: p.replaying ? 1 : 0 })));
  const ws = consumer.partitionWorkers();
  w.family('vigil_evaluator_records_total', 'counter', 'Records applied.', ws.map((x) => ({ labels: { partition: String(x.partition) }, value: x.stats.records })));
  w.family('vigil_evaluator_decode_errors_total', 'counter', 'Corrupt samples records skipped.', ws.map((x) => ({ labels: { partition: String(x.partition) }, value: x.stats.decodeErrors })));
  w.counter('vigil_evaluator_events_produced_total', 'Alert events produced to the alerts topic.', consumer.stats.eventsProduced);
  w.counter('vigil_evaluator_snapshots_written_total', 'Snapshots written to the state topic.', consumer.stats.snapshotsWritten);
  w.counter('vigil_evaluator_takeovers_total', 'Partitions taken over.', consumer.stats.takeovers);
  w.counter('vigil_evaluator_commit_failures_total', 'Offset commits that failed.', consumer.stats.commitFailures);
  if (consumer.standby !== null) {
    const sb = consumer.standby.progress();
    w.family('vigil_evaluator_standby_lag', 'gauge', 'Records of a partition kept warm not yet applied, as of its last batch (-1 while restoring).',
      sb.map((x) => ({ labels: { partition: String(x.partition) }, value: x.ready ? x.lag : -1 })));
    w.family('vigil_evaluator_standby_buffered_events', 'gauge', 'Events a warm partition computed that its owner has not yet committed.',
      sb.map((x) => ({ labels: { partition: String(x.partition) }, value: x.buffered })));
    w.counter('vigil_evaluator_standby_handovers_total', 'Partitions taken over from a warm standby (without a replay).', consumer.standby.stats.handovers);
    w.counter('vigil_evaluator_standby_dropped_total', 'Warm partitions dropped because their owner fell too far behind.', consumer.standby.stats.dropped);
  }
  w.counter('vigil_evaluator_batch_seconds_sum', 'Time spent applying, producing and committing batches.', consumer.stats.batchSeconds);
  w.counter('vigil_evaluator_batch_seconds_count', 'Batches processed.', consumer.stats.batches);
  w.counter('vigil_rule_set_errors_total', 'Rule files or rule sets rejected.', rules.problemCount);
  w.gauge('vigil_rule_sets_failing', 'Rule files or rule sets currently rejected.', rules.problems.size);
  w.counter('vigil_evaluator_state_bad_records_total', 'State snapshots that could not be decoded.', state.badRecords);
  return evaluatorMetrics(consumer.evaluators(), w);
}

/** Starts an evaluator; rejects (having released what it took) if Kafka setup fails. */
export async function startEvaluate(config: EvaluateConfig, options: { log?: (line: string) => void } = {}): Promise<RunningEvaluate> {
  const log = options.log ?? (() => undefined);
  const names = topicNames(config.kafka.topics);
  const kafka = kafkaClient({ brokers: config.kafka.brokers, clientId: config.kafka.clientId, logLevel: config.kafka.logLevel });
  const producer = new SafeProducer(kafka, { sendTimeoutMs: config.kafka.sendTimeoutMs });
  let consumer: EvaluateConsumer | null = null;
  const rules = new RuleSources(config.rules, {
    compat: config.evaluation.compat,
    onProblem: (p) => log(`evaluate: rules: ${p.source}: rejected: ${p.message}`),
    onChange: (files) => consumer?.reloadRules(files),
  });
  const state = new StateStore(kafka, names.state, (m) => log(`evaluate: state: ${m}`), `${config.kafka.groupId}.state-reader`);
  const ev = config.evaluation;
  consumer = new EvaluateConsumer({
    kafka,
    groupId: config.kafka.groupId,
    topics: names,
    producer,
    stateStore: state,
    rules: () => rules.current(),
    evaluator: {
      compat: ev.compat, lookbackDelta: ev.lookbackDeltaMs, defaultInterval: ev.defaultIntervalMs, resendDelay: ev.resendDelayMs,
      externalURL: ev.externalURL, externalLabels: ev.externalLabels, tenantLabel: ev.tenantLabel,
    },
    startFrom: config.kafka.startFrom,
    replaySlackMs: ev.replaySlackMs,
    evaluationDelayMs: ev.evaluationDelayMs,
    futureSlackMs: ev.futureSlackMs,
    snapshotIntervalMs: ev.snapshotIntervalMs,
    standby: ev.standby,
    sessionTimeoutMs: config.kafka.sessionTimeoutMs,
    ...(config.kafka.heartbeatIntervalMs === undefined ? {} : { heartbeatIntervalMs: config.kafka.heartbeatIntervalMs }),
    fetch: config.kafka.fetch,
    log,
  });
  const c = consumer;
  try {
    await rules.reloadFiles();
    rules.watchFiles();
    if (config.rulesTopic) await rules.followTopic(kafka, names.rules, `${config.kafka.groupId}.rules-reader`);
    await producer.connect();
    await state.start();
    await c.start();
  } catch (e) {
    await c.stop().catch(() => undefined);
    await state.stop().catch(() => undefined);
    await rules.close().catch(() => undefined);
    await producer.close();
    throw e;
  }
  const api = createEvaluatorApi({
    evaluators: () => c.evaluators(),
    compat: ev.compat,
    lookbackDelta: ev.lookbackDeltaMs,
  });
  const handler: Handler = (req) => (req.path === '/metrics' && req.method === 'GET'
    ? textResponse(200, workerMetrics(c, rules, state), EXPOSITION_CONTENT_TYPE)
    : api(req));
  const server = createHttpServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.listen.port, config.listen.host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  const url = `http://${host}:${addr.port}`;
  log(`evaluate: listening on ${url}, ${rules.current().length} rule files, group ${config.kafka.groupId} on ${names.samples}`);
  return {
    consumer: c,
    rules,
    server,
    url,
    reloadRules: () => rules.reloadFiles(),
    close: async () => {
      await c.stop();
      await state.stop();
      await rules.close();
      await producer.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

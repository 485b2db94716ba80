/**
 * The ingest gateway against a real Kafka broker and a real MariaDB: what clients send
 * arrives on vigil.samples as decodable batches with the server's tenant label, and every
 * refusal is the documented status with a clear JSON error.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { AddressInfo } from 'node:net';
import type { Admin, Consumer, Message } from 'kafkajs';
import { ManualClock } from '../../src/clock.js';
import { labelsToRecord } from '../../src/promql/labels.js';
import { decodeToArray, type DecodedSample } from '../../src/kafka/samples_codec.js';
import { kafkaClient, SafeProducer } from '../../src/kafka/producer.js';
import { ensureTopics, topicPartitions, type TopicNames } from '../../src/kafka/topics.js';
import { sharedKafka } from '../../src/services/kafka.js';
import { testDatabase, type MySQLConfig } from '../../src/services/mariadb.js';
import { migrate } from '../../src/store/migrate.js';
import { createPool, type StorePool } from '../../src/store/pool.js';
import { addTenantMachines, setTenantLimits, upsertTenant } from '../../src/store/tenants.js';
import { TokenCache } from '../../src/store/token_cache.js';
import { createToken, lookupToken, revokeToken } from '../../src/store/tokens.js';
import { parseIngestConfig, type IngestConfig } from '../../src/ingest/config.js';
import { IngestGateway, serveIngest, type IngestResponse, type SamplesProducer } from '../../src/ingest/gateway.js';
import { encodeRemoteWriteBody, type WriteSeries } from '../../src/ingest/remote_write.js';
import { Ticker } from '../../src/ingest/ticker.js';

const ACCEPT_TIME = 1_700_000_000_000;
const run = `${process.pid}.${Math.random().toString(36).slice(2, 8)}`;
const topics: TopicNames = {
  samples: `vigil.test.ingest.${run}.samples`,
  alerts: `vigil.test.ingest.${run}.alerts`,
  rules: `vigil.test.ingest.${run}.rules`,
  state: `vigil.test.ingest.${run}.state`,
};

interface Received {
  partition: number;
  key: string | null;
  timestamp: string;
  value: Buffer;
}

let db: { config: MySQLConfig; drop(): Promise<void> };
let pool: StorePool;
let brokers: string;
let admin: Admin;
let consumer: Consumer;
let producer: SafeProducer;
let config: IngestConfig;
const received: Received[] = [];
const clock = new ManualClock(ACCEPT_TIME);
const tokens: Record<string, string> = {};
let tokenCache: TokenCache;
let sends = 0;
let gateway: IngestGateway;

/** Counts sends, so a test can tell nothing was written. */
function spy(p: SafeProducer): SamplesProducer {
  return {
    send: (topic: string, messages: Message[]) => {
      sends++;
      return p.send(topic, messages);
    },
    get isConnected() {
      return p.isConnected;
    },
  };
}

before(async () => {
  db = await testDatabase('vigil_ingest');
  await migrate(db.config);
  pool = createPool(db.config);
  await upsertTenant(pool, 'acme');
  await upsertTenant(pool, 'slow');
  await upsertTenant(pool, 'tiny');
  await upsertTenant(pool, 'capped');
  await addTenantMachines(pool, 'acme', ['m-1', 'web-1']);
  await setTenantLimits(pool, 'slow', { maxSeries: null, samplesPerSecond: 10, burstSamples: 20, maxBodyBytes: null });
  await setTenantLimits(pool, 'tiny', { maxSeries: null, samplesPerSecond: null, burstSamples: null, maxBodyBytes: 200 });
  await setTenantLimits(pool, 'capped', { maxSeries: 2, samplesPerSecond: null, burstSamples: null, maxBodyBytes: null });
  tokens.acme = (await createToken(pool, { tenant: 'acme', scopes: ['write'] })).token;
  tokens.restricted = (await createToken(pool, { tenant: 'acme', scopes: ['write'], machineRestricted: true })).token;
  tokens.reader = (await createToken(pool, { tenant: 'acme', scopes: ['read'] })).token;
  tokens.slow = (await createToken(pool, { tenant: 'slow', scopes: ['write'] })).token;
  tokens.tiny = (await createToken(pool, { tenant: 'tiny', scopes: ['write'] })).token;
  tokens.capped = (await createToken(pool, { tenant: 'capped', scopes: ['write'] })).token;
  tokenCache = new TokenCache((t) => lookupToken(pool, t), clock);

  brokers = await sharedKafka();
  const kafka = kafkaClient({ brokers: brokers.split(','), logLevel: 'nothing' });
  admin = kafka.admin();
  await admin.connect();
  await ensureTopics(admin, { names: topics, samplesPartitions: 3 });
  producer = new SafeProducer(kafka, { sendTimeoutMs: 15_000 });
  await producer.connect();
  consumer = kafka.consumer({ groupId: `${topics.samples}.reader`, sessionTimeout: 6_000, heartbeatInterval: 500 });
  await consumer.connect();
  await consumer.subscribe({ topic: topics.samples, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      received.push({ partition, key: message.key?.toString() ?? null, timestamp: message.timestamp, value: message.value ?? Buffer.alloc(0) });
    },
  });
  config = parseIngestConfig({
    kafka: { brokers, topics, partitions: 3 },
    mysql: { url: `mysql://${db.config.user}@${db.config.host}:${db.config.port}/${db.config.database}` },
  });
  gateway = new IngestGateway({ config, authenticate: (t) => tokenCache.resolve(t), producer: spy(producer), clock });
});

after(async () => {
  await consumer?.disconnect().catch(() => undefined);
  await producer?.close();
  await admin?.deleteTopics({ topics: Object.values(topics) }).catch(() => undefined);
  await admin?.disconnect();
  await pool?.end();
  await db?.drop();
});

async function waitFor<T>(what: string, find: () => T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = find();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Samples received so far whose metric name is `name`, with their message. */
function samplesNamed(name: string): { s: DecodedSample; m: Received; tenant: string }[] {
  const out: { s: DecodedSample; m: Received; tenant: string }[] = [];
  for (const m of received) {
    const { result, samples } = decodeToArray(m.value);
    if (result.kind !== 'samples') continue;
    for (const s of samples) if (s.labels.some((l) => l.name === '__name__' && l.value === name)) out.push({ s, m, tenant: result.tenant });
  }
  return out;
}

function write(token: string | null, series: WriteSeries[] | Buffer, headers: Record<string, string> = {}): Promise<IngestResponse> {
  const body = Buffer.isBuffer(series) ? series : encodeRemoteWriteBody(series);
  return gateway.handle({
    method: 'POST',
    path: '/api/v1/write',
    headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    body,
  });
}

function push(token: string, path: string, text: string | Buffer, headers: Record<string, string> = {}): Promise<IngestResponse> {
  return gateway.handle({ method: 'POST', path, headers: { authorization: `Bearer ${token}`, ...headers }, body: Buffer.isBuffer(text) ? text : Buffer.from(text) });
}

function errorOf(res: IngestResponse): { status: string; errorType: string; error: string } {
  return JSON.parse(res.body) as { status: string; errorType: string; error: string };
}

const series = (name: string, labels: Record<string, string>, samples: WriteSeries['samples']): WriteSeries => ({
  labels: [{ name: '__name__', value: name }, ...Object.entries(labels).map(([n, v]) => ({ name: n, value: v }))],
  samples,
});

test('remote_write: samples arrive on vigil.samples, keyed and labelled by the token\'s tenant, a spoofed tenant overwritten', async () => {
  const res = await write(tokens.acme!, [
    series('rw_up', { job: 'node', instance: 'web-1:9100', tenant: 'evil-corp' }, [{ value: 1, timestamp: ACCEPT_TIME - 15_000 }, { value: 0, timestamp: ACCEPT_TIME, stale: true }]),
    series('rw_up', { job: 'node', instance: 'web-2:9100', empty: '' }, [{ value: 0.5, timestamp: ACCEPT_TIME }]),
  ]);
  assert.equal(res.status, 204, res.body);
  const got = await waitFor('rw_up samples', () => {
    const s = samplesNamed('rw_up');
    return s.length === 3 ? s : undefined;
  });
  assert.deepEqual(got.map((g) => [labelsToRecord(g.s.labels), g.s.t, g.s.stale]), [
    [{ __name__: 'rw_up', instance: 'web-1:9100', job: 'node', tenant: 'acme' }, ACCEPT_TIME - 15_000, false],
    [{ __name__: 'rw_up', instance: 'web-1:9100', job: 'node', tenant: 'acme' }, ACCEPT_TIME, true],
    [{ __name__: 'rw_up', instance: 'web-2:9100', job: 'node', tenant: 'acme' }, ACCEPT_TIME, false],
  ]);
  assert.equal(got[0]!.s.v, 1);
  assert.equal(got[2]!.s.v, 0.5);
  for (const g of got) {
    assert.equal(g.tenant, 'acme');
    assert.equal(g.m.key, 'acme');
    assert.equal(g.m.timestamp, String(ACCEPT_TIME), 'message timestamp = accept time');
  }
});

test('text push and Pushgateway paths: grouping labels from the URL, timestamps default to accept time', async () => {
  const text = '# TYPE tp_jobs gauge\ntp_jobs{queue="a"} 3\ntp_jobs{queue="b"} 4 1690000000000\n';
  assert.equal((await push(tokens.acme!, '/api/v1/push', text)).status, 204);
  const job = Buffer.from('batch/nightly').toString('base64url');
  const res = await push(tokens.acme!, `/metrics/job@base64/${job}/instance/m-1`, gzipSync('tp_last_success 1.7e9\n'), { 'content-encoding': 'gzip' });
  assert.equal(res.status, 204, res.body);
  const jobs = await waitFor('tp_jobs', () => (samplesNamed('tp_jobs').length === 2 ? samplesNamed('tp_jobs') : undefined));
  assert.deepEqual(jobs.map((g) => [g.s.labels.find((l) => l.name === 'queue')?.value, g.s.t, g.s.v]), [['a', ACCEPT_TIME, 3], ['b', 1690000000000, 4]]);
  const last = await waitFor('tp_last_success', () => samplesNamed('tp_last_success')[0]);
  assert.deepEqual(labelsToRecord(last.s.labels), { __name__: 'tp_last_success', instance: 'm-1', job: 'batch/nightly', tenant: 'acme' });
  const conflict = await push(tokens.acme!, '/metrics/job/a', 'tp_x{job="b"} 1\n');
  assert.equal(conflict.status, 400);
  assert.match(errorOf(conflict).error, /line 1: label job="b" conflicts with the grouping label job="a"/);
});

test('a machine-restricted token: its machines pass; a foreign machine rejects the whole request, naming series and machine', async () => {
  const ok = await write(tokens.restricted!, [
    series('mr_ok', { machine_id: 'm-1' }, [{ value: 1, timestamp: ACCEPT_TIME }]),
    series('mr_ok', { instance: 'web-1:9100' }, [{ value: 2, timestamp: ACCEPT_TIME }]),
  ]);
  assert.equal(ok.status, 204, ok.body);
  const before = sends;
  const res = await write(tokens.restricted!, [
    series('mr_bad', { machine_id: 'm-1' }, [{ value: 1, timestamp: ACCEPT_TIME }]),
    series('mr_bad', { machine_id: 'm-99', job: 'x' }, [{ value: 1, timestamp: ACCEPT_TIME }]),
  ]);
  assert.equal(res.status, 403);
  const e = errorOf(res);
  assert.equal(e.status, 'error');
  assert.equal(e.errorType, 'forbidden_machine');
  assert.match(e.error, /^timeseries\[1\]: series mr_bad\{job="x", machine_id="m-99", tenant="acme"\} is of machine "m-99", which this token may not write for/);
  const none = await write(tokens.restricted!, [series('mr_bad', { job: 'x' }, [{ value: 1, timestamp: ACCEPT_TIME }])]);
  assert.equal(none.status, 403);
  assert.match(errorOf(none).error, /has neither a machine_id nor an instance label/);
  assert.equal(sends, before, 'nothing of a rejected request is written');
  await waitFor('mr_ok', () => (samplesNamed('mr_ok').length === 2 ? true : undefined));
  assert.equal(samplesNamed('mr_bad').length, 0);
});

test('authentication: missing, malformed, unknown and revoked tokens are 401; a read-only token 403', async () => {
  const s = [series('auth_x', {}, [{ value: 1, timestamp: ACCEPT_TIME }])];
  const missing = await write(null, s);
  assert.equal(missing.status, 401);
  assert.equal(missing.headers['www-authenticate'], 'Bearer realm="vigil"');
  assert.match(errorOf(missing).error, /missing Authorization: Bearer <token> header/);
  assert.equal((await write('x', s, { authorization: 'Basic dXNlcjpwYXNz' })).status, 401);
  const unknown = await write('vgl_' + 'A'.repeat(43), s);
  assert.equal(unknown.status, 401);
  assert.match(errorOf(unknown).error, /invalid, unknown or revoked token/);
  assert.ok(!unknown.body.includes('AAAA'), 'the token is not echoed');
  const reader = await write(tokens.reader!, s);
  assert.equal(reader.status, 403);
  assert.equal(errorOf(reader).errorType, 'forbidden');
  const temp = await createToken(pool, { tenant: 'acme', scopes: ['write'] });
  assert.equal((await write(temp.token, s)).status, 204);
  await revokeToken(pool, temp.id);
  tokenCache.clear();
  assert.equal((await write(temp.token, s)).status, 401);
});

test('size limits: the tenant\'s body limit is a 413; the server cap refuses a large body before reading it', async () => {
  const big = [series('big_x', { pad: randomBytes(300).toString('base64') }, [{ value: 1, timestamp: ACCEPT_TIME }])];
  const res = await write(tokens.tiny!, big);
  assert.equal(res.status, 413);
  assert.match(errorOf(res).error, /request body of \d+ bytes exceeds the tenant's limit of 200 bytes/);

  const capped = parseIngestConfig({ ...config, limits: { ...config.limits, maxRequestBytes: 1000 } });
  const server = serveIngest(new IngestGateway({ config: capped, authenticate: (t) => tokenCache.resolve(t), producer: spy(producer), clock }), { maxRequestBytes: 1000 });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const r = await fetch(`${url}/api/v1/push`, { method: 'POST', headers: { authorization: `Bearer ${tokens.acme}` }, body: 'm 1\n'.repeat(1000) });
    assert.equal(r.status, 413);
    assert.match(((await r.json()) as { error: string }).error, /exceeds the server's limit of 1000 bytes/);
    const small = await fetch(`${url}/api/v1/push`, { method: 'POST', headers: { authorization: `Bearer ${tokens.acme}` }, body: 'http_small 1\n' });
    assert.equal(small.status, 204);
    const healthy = await fetch(`${url}/-/healthy`);
    assert.equal(healthy.status, 200);
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
  }
});

test('malformed bodies are 400 with a message naming the fault; wrong media types 415', async () => {
  const snappyBad = await write(tokens.acme!, Buffer.from('definitely not snappy'));
  assert.equal(snappyBad.status, 400);
  assert.match(errorOf(snappyBad).error, /^snappy: /);
  const { compressSync } = await import('snappy');
  const protoBad = await write(tokens.acme!, compressSync(Buffer.from([0x0a, 0x09, 0x0a, 0x01])));
  assert.equal(protoBad.status, 400);
  assert.equal(errorOf(protoBad).errorType, 'bad_data');
  assert.match(errorOf(protoBad).error, /^protobuf: field of 9 bytes runs past its message/);
  const textBad = await push(tokens.acme!, '/api/v1/push', 'ok 1\nbroken{a="b"} x\n');
  assert.equal(textBad.status, 400);
  assert.match(errorOf(textBad).error, /^text format: line 2:15: invalid value "x"/);
  const noName = await write(tokens.acme!, [{ labels: [{ name: 'job', value: 'x' }], samples: [{ value: 1, timestamp: 1 }] }]);
  assert.match(errorOf(noName).error, /timeseries\[0\]: series \{job="x", tenant="acme"\} has no metric name/);
  const dup = await write(tokens.acme!, [series('d', { a: '1' }, [{ value: 1, timestamp: 1 }]), { labels: [{ name: '__name__', value: 'd' }, { name: 'a', value: '1' }, { name: 'a', value: '2' }], samples: [{ value: 1, timestamp: 1 }] }]);
  assert.match(errorOf(dup).error, /timeseries\[1\]: duplicate label name "a"/);
  const v2 = await write(tokens.acme!, [series('v2', {}, [{ value: 1, timestamp: 1 }])], { 'content-type': 'application/x-protobuf;proto=io.prometheus.write.v2.Request' });
  assert.equal(v2.status, 415);
  const gz = await write(tokens.acme!, [series('gz', {}, [{ value: 1, timestamp: 1 }])], { 'content-encoding': 'gzip' });
  assert.equal(gz.status, 415);
  const notFound = await gateway.handle({ method: 'GET', path: '/nope', headers: {}, body: Buffer.alloc(0) });
  assert.equal(notFound.status, 404);
  assert.equal((await gateway.handle({ method: 'GET', path: '/api/v1/write', headers: {}, body: Buffer.alloc(0) })).status, 405);
});

test('rate limit: past the tenant\'s burst a 429 with Retry-After; after waiting it is accepted', async () => {
  const batch = (n: number, name: string) => [series(name, {}, Array.from({ length: n }, (_, i) => ({ value: i, timestamp: ACCEPT_TIME + i })))];
  const t0 = clock.now();
  assert.equal((await write(tokens.slow!, batch(15, 'rl_a'))).status, 204);
  const limited = await write(tokens.slow!, batch(15, 'rl_b'));
  assert.equal(limited.status, 429);
  // 5 tokens left of 20; 10 more at 10/s take 1 s.
  assert.equal(limited.headers['retry-after'], '1');
  assert.equal(errorOf(limited).errorType, 'rate_limited');
  assert.match(errorOf(limited).error, /over its rate of 10 samples\/s/);
  clock.advance(1_000);
  assert.equal((await write(tokens.slow!, batch(15, 'rl_b'))).status, 204);
  const huge = await write(tokens.slow!, batch(21, 'rl_c'));
  assert.equal(huge.status, 413);
  assert.match(errorOf(huge).error, /21 samples exceeds the tenant's burst of 20/);
  clock.set(t0);
});

test('series limit: new series past the tenant\'s limit are dropped and named in a 400; the rest is written', async () => {
  const res = await write(tokens.capped!, [
    series('sl_x', { n: '1' }, [{ value: 1, timestamp: ACCEPT_TIME }]),
    series('sl_x', { n: '2' }, [{ value: 2, timestamp: ACCEPT_TIME }]),
    series('sl_x', { n: '3' }, [{ value: 3, timestamp: ACCEPT_TIME }, { value: 3, timestamp: ACCEPT_TIME + 1 }]),
  ]);
  assert.equal(res.status, 400);
  assert.equal(errorOf(res).errorType, 'series_limit');
  assert.match(errorOf(res).error, /limit of 2 series: 2 samples of new series were dropped \(first: timeseries\[2\]: sl_x\{n="3", tenant="capped"\}\); 2 other samples were written/);
  // Known series still pass.
  assert.equal((await write(tokens.capped!, [series('sl_x', { n: '1' }, [{ value: 9, timestamp: ACCEPT_TIME + 1 }])])).status, 204);
  const got = await waitFor('sl_x', () => (samplesNamed('sl_x').length === 3 ? samplesNamed('sl_x') : undefined));
  assert.deepEqual(got.map((g) => g.s.v).sort(), [1, 2, 9]);
});

test('Kafka down: 503 with Retry-After, nothing acknowledged, not ready', async () => {
  const dead = new SafeProducer(kafkaClient({ brokers: ['127.0.0.1:1'], logLevel: 'nothing', retries: 1, connectionTimeoutMs: 300 }), { sendTimeoutMs: 3_000 });
  const down = new IngestGateway({ config, authenticate: (t) => tokenCache.resolve(t), producer: dead, clock });
  try {
    const t0 = Date.now();
    const res = await down.handle({
      method: 'POST', path: '/api/v1/write',
      headers: { authorization: `Bearer ${tokens.acme}` },
      body: encodeRemoteWriteBody([series('kd_x', {}, [{ value: 1, timestamp: ACCEPT_TIME }])]),
    });
    assert.equal(res.status, 503);
    assert.equal(res.headers['retry-after'], '1');
    assert.equal(errorOf(res).errorType, 'unavailable');
    assert.match(errorOf(res).error, /Kafka did not acknowledge/);
    assert.ok(Date.now() - t0 < 5_000, 'answered within the send deadline');
    assert.equal((await down.handle({ method: 'GET', path: '/-/ready', headers: {}, body: Buffer.alloc(0) })).status, 503);
    const metrics = (await down.handle({ method: 'GET', path: '/metrics', headers: {}, body: Buffer.alloc(0) })).body;
    assert.match(metrics, /vigil_ingest_samples_rejected_total\{reason="kafka_unavailable"\} 1\n/);
    assert.match(metrics, /vigil_ingest_requests_total\{handler="write",code="503"\} 1\n/);
  } finally {
    await dead.close();
  }
});

test('ticks: one round writes a tick with the ingest clock\'s time to every partition', async () => {
  const tickClock = new ManualClock(1_700_000_123_000);
  const ticker = new Ticker({ producer, topic: topics.samples, clock: tickClock, partitions: () => topicPartitions(admin, topics.samples), intervalMs: 1000 });
  await ticker.tickOnce();
  tickClock.advance(1000);
  await ticker.tickOnce();
  for (const time of [1_700_000_123_000, 1_700_000_124_000]) {
    const parts = await waitFor(`ticks at ${time}`, () => {
      const p = received.filter((m) => {
        const r = decodeToArray(m.value).result;
        return r.kind === 'tick' && r.time === time;
      }).map((m) => m.partition).sort();
      return p.length === 3 ? p : undefined;
    });
    assert.deepEqual(parts, [0, 1, 2]);
  }
});

test('/metrics counts requests by code, samples accepted and rejected by reason, and produce latency', async () => {
  const res = await gateway.handle({ method: 'GET', path: '/metrics', headers: {}, body: Buffer.alloc(0) });
  assert.equal(res.status, 200);
  assert.match(res.body, /vigil_ingest_requests_total\{handler="write",code="204"\} \d+/);
  assert.match(res.body, /vigil_ingest_requests_total\{handler="write",code="401"\} \d+/);
  assert.match(res.body, /vigil_ingest_samples_rejected_total\{reason="series_limit"\} 2\n/);
  assert.match(res.body, /vigil_ingest_samples_rejected_total\{reason="rate_limited"\} 15\n/);
  assert.match(res.body, /vigil_ingest_active_series\{tenant="capped"\} 2\n/);
  const count = /vigil_ingest_kafka_produce_duration_seconds_count (\d+)/.exec(res.body);
  assert.ok(count && Number(count[1]) > 0);
  const accepted = Number(/vigil_ingest_samples_accepted_total (\d+)/.exec(res.body)![1]);
  assert.ok(accepted >= 10, `accepted ${accepted}`);
  assert.equal((await gateway.handle({ method: 'GET', path: '/-/ready', headers: {}, body: Buffer.alloc(0) })).status, 200);
});

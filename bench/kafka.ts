/**
 * Kafka client bench: kafkajs against node-rdkafka on the local broker (src/services/kafka.ts).
 * Each client produces N MB of sample batches (~64 KiB messages, keyed by tenant) to a topic of
 * its own with 4 partitions (acks=all, idempotent, no compression), then consumes the topic back
 * from the start with a fresh group (consume time includes joining the group; the time to the
 * first message is reported apart). Prints messages/s and MB/s of each phase and one JSON line.
 * Args: [megabytes=512]. Uses $VIGIL_KAFKA_BROKERS, else the shared broker (started if needed).
 */
import { createRequire } from 'node:module';
import { Kafka, logLevel, Partitioners, type Producer } from 'kafkajs';
import { labelsToString } from '../src/promql/labels.js';
import { sharedKafka } from '../src/services/kafka.js';
import { fleet } from './fleet.js';

type RdKafka = typeof import('node-rdkafka');

const MESSAGE_BYTES = 64 * 1024;
const PARTITIONS = 4;
const TENANTS = 64;
const MB = 1024 * 1024;

/**
 * Sample batches shaped like ingest's: series of the bench fleet as label text, then
 * (timestamp, value) as float64 pairs, until a message is ~64 KiB. Distinct payloads so no
 * layer can cache one.
 */
function sampleBatches(count: number): Buffer[] {
  const out: Buffer[] = [];
  const series = fleet({ seed: 7, series: 400_000 });
  let t = 1_700_000_000_000;
  while (out.length < count) {
    const parts: Buffer[] = [];
    let size = 1;
    while (size < MESSAGE_BYTES) {
      const next = series.next();
      if (next.done) throw new Error('fleet exhausted');
      const name = Buffer.from(labelsToString(next.value.labels));
      const nums = Buffer.alloc(20);
      nums.writeUInt32LE(name.length, 0);
      nums.writeDoubleLE(t, 4);
      nums.writeDoubleLE(next.value.next(), 12);
      parts.push(nums, name);
      size += nums.length + name.length;
    }
    t += 1_000;
    out.push(Buffer.concat([Buffer.from([1]), ...parts]));
  }
  return out;
}

interface Rate { messages: number; bytes: number; seconds: number }

function report(what: string, r: Rate): void {
  console.log(`${what.padEnd(18)} ${r.messages} msgs ${(r.bytes / MB).toFixed(1)} MB in ${r.seconds.toFixed(2)} s: ` +
    `${Math.round(r.messages / r.seconds)} msgs/s, ${(r.bytes / MB / r.seconds).toFixed(1)} MB/s`);
}

const mbps = (r: Rate) => Number((r.bytes / MB / r.seconds).toFixed(1));
const mps = (r: Rate) => Math.round(r.messages / r.seconds);

async function kafkajsProduce(kafka: Kafka, topic: string, batches: Buffer[], total: number): Promise<Rate> {
  // kafkajs keeps idempotent sequence numbers right only with one request in flight.
  const producer: Producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const chunk = 32; // ~2 MiB a request, ~512 KiB a partition batch; 8 is slower, 128 no faster
  const t0 = performance.now();
  let bytes = 0;
  for (let i = 0; i < total; i += chunk) {
    const messages = [];
    for (let j = i; j < Math.min(total, i + chunk); j++) {
      const value = batches[j % batches.length]!;
      bytes += value.length;
      messages.push({ key: `tenant-${j % TENANTS}`, value });
    }
    await producer.send({ topic, acks: -1, messages });
  }
  const seconds = (performance.now() - t0) / 1000;
  await producer.disconnect();
  return { messages: total, bytes, seconds };
}

async function kafkajsConsume(kafka: Kafka, topic: string, total: number): Promise<Rate & { firstMs: number }> {
  const consumer = kafka.consumer({ groupId: `${topic}.bench`, maxBytesPerPartition: 4 * MB, maxBytes: 16 * MB, heartbeatInterval: 1_000 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const start = performance.now();
  let first = 0;
  let messages = 0;
  let bytes = 0;
  const seconds = await new Promise<number>((resolve, reject) => {
    consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        if (!first) first = performance.now();
        for (const m of batch.messages) bytes += m.value?.length ?? 0;
        messages += batch.messages.length;
        if (messages >= total) resolve((performance.now() - start) / 1000);
      },
    }).catch(reject);
  });
  await consumer.disconnect();
  return { messages, bytes, seconds, firstMs: first - start };
}

async function rdkafkaProduce(rd: RdKafka, brokers: string, topic: string, batches: Buffer[], total: number): Promise<Rate> {
  const producer = new rd.Producer({
    'metadata.broker.list': brokers,
    'enable.idempotence': true,
    'compression.codec': 'none',
    'linger.ms': 5,
    'queue.buffering.max.kbytes': 256 * 1024,
    dr_cb: true,
  }, { 'request.required.acks': -1 });
  await new Promise<void>((resolve, reject) => {
    producer.once('ready', () => resolve());
    producer.once('event.error', reject);
    producer.connect();
  });
  producer.setPollInterval(5);
  let delivered = 0;
  let failed: Error | undefined;
  let onDelivered = () => {};
  producer.on('delivery-report', (err) => {
    if (err) failed = new Error(`delivery failed: ${err.message} (code ${err.code})`);
    delivered++;
    onDelivered();
  });
  const waitDelivery = () => new Promise<void>((resolve) => (onDelivered = resolve));
  const t0 = performance.now();
  let bytes = 0;
  for (let j = 0; j < total; j++) {
    const value = batches[j % batches.length]!;
    for (;;) {
      try {
        producer.produce(topic, null, value, `tenant-${j % TENANTS}`);
        break;
      } catch (e) {
        if ((e as { code?: number }).code !== rd.CODES.ERRORS.ERR__QUEUE_FULL) throw e;
        await waitDelivery();
      }
    }
    bytes += value.length;
  }
  while (delivered < total) await waitDelivery();
  const seconds = (performance.now() - t0) / 1000;
  if (failed) throw failed;
  await new Promise((resolve) => producer.disconnect(resolve));
  return { messages: total, bytes, seconds };
}

async function rdkafkaConsume(rd: RdKafka, brokers: string, topic: string, total: number): Promise<Rate & { firstMs: number }> {
  const consumer = new rd.KafkaConsumer({
    'metadata.broker.list': brokers,
    'group.id': `${topic}.bench`,
    'enable.auto.commit': false,
  }, { 'auto.offset.reset': 'earliest' });
  await new Promise<void>((resolve, reject) => {
    consumer.once('ready', () => resolve());
    consumer.once('event.error', reject);
    consumer.connect();
  });
  consumer.setDefaultConsumeTimeout(100);
  consumer.subscribe([topic]);
  const start = performance.now();
  let first = 0;
  let messages = 0;
  let bytes = 0;
  while (messages < total) {
    const got = await new Promise<import('node-rdkafka').Message[]>((resolve, reject) =>
      consumer.consume(1_000, (err, ms) => (err ? reject(err) : resolve(ms))));
    if (got.length && !first) first = performance.now();
    for (const m of got) bytes += m.value?.length ?? 0;
    messages += got.length;
  }
  const seconds = (performance.now() - start) / 1000;
  await new Promise((resolve) => consumer.disconnect(resolve));
  return { messages, bytes, seconds, firstMs: first - start };
}

/** Runs the bench. */
export async function main(args: string[] = []): Promise<void> {
  const megabytes = Number(args[0] ?? 512);
  if (!(megabytes > 0)) throw new Error(`kafka bench: megabytes must be a positive number, got ${args[0]}`);
  const total = Math.ceil((megabytes * MB) / MESSAGE_BYTES);
  const brokers = await sharedKafka();
  const batches = sampleBatches(64);
  console.log(`kafka bench: ${total} messages of ~${(batches[0]!.length / 1024).toFixed(0)} KiB (${megabytes} MB) per client, ` +
    `${PARTITIONS} partitions, acks=all idempotent, broker ${brokers}`);

  const kafka = new Kafka({ clientId: 'vigil-bench', brokers: brokers.split(','), logLevel: logLevel.ERROR });
  const admin = kafka.admin();
  await admin.connect();
  const run = `${process.pid}.${Math.random().toString(36).slice(2, 7)}`;
  const topics = { kafkajs: `vigil.bench.kafkajs.${run}`, rdkafka: `vigil.bench.rdkafka.${run}` };
  await admin.createTopics({ topics: Object.values(topics).map((topic) => ({ topic, numPartitions: PARTITIONS })), waitForLeaders: true });
  const result: Record<string, unknown> = { bench: 'kafka', megabytes, messages: total, message_bytes: batches[0]!.length };
  try {
    const jp = await kafkajsProduce(kafka, topics.kafkajs, batches, total);
    report('kafkajs produce', jp);
    const jc = await kafkajsConsume(kafka, topics.kafkajs, total);
    report('kafkajs consume', jc);
    Object.assign(result, {
      kafkajs_produce_mb_per_s: mbps(jp), kafkajs_produce_msgs_per_s: mps(jp),
      kafkajs_consume_mb_per_s: mbps(jc), kafkajs_consume_msgs_per_s: mps(jc), kafkajs_consume_first_ms: Math.round(jc.firstMs),
    });

    let rd: RdKafka | undefined;
    try {
      rd = createRequire(import.meta.url)('node-rdkafka') as RdKafka;
    } catch (e) {
      console.log(`node-rdkafka not installed (${(e as Error).message.split('\n')[0]}); \`npm install --no-save node-rdkafka\` to compare`);
    }
    if (rd) {
      const rp = await rdkafkaProduce(rd, brokers, topics.rdkafka, batches, total);
      report('rdkafka produce', rp);
      const rc = await rdkafkaConsume(rd, brokers, topics.rdkafka, total);
      report('rdkafka consume', rc);
      Object.assign(result, {
        rdkafka_produce_mb_per_s: mbps(rp), rdkafka_produce_msgs_per_s: mps(rp),
        rdkafka_consume_mb_per_s: mbps(rc), rdkafka_consume_msgs_per_s: mps(rc), rdkafka_consume_first_ms: Math.round(rc.firstMs),
        librdkafka: rd.librdkafkaVersion,
      });
    }
  } finally {
    await admin.deleteTopics({ topics: Object.values(topics) }).catch(() => undefined);
    await admin.disconnect();
  }
  console.log(JSON.stringify(result));
}

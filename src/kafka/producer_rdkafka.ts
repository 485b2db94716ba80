/**
 * The SafeProducer contract on node-rdkafka (librdkafka): idempotent, acks from all in-sync
 * replicas, Java/kafkajs-compatible key partitioning (murmur2), and a deadline on each send.
 * Measured ~3x kafkajs's produce rate at acks=all (bench/kafka.ts), so the ingest's hot path
 * uses it. send() resolves only when every message's delivery report succeeded.
 */
import { createRequire } from 'node:module';
import type { Message } from 'kafkajs';
import type { DeliveryReport, LibrdKafkaError, Producer } from 'node-rdkafka';
import { KafkaUnavailableError } from './producer.js';

type RdKafka = typeof import('node-rdkafka');

/** How an RdkafkaProducer reaches the brokers and sends. */
export interface RdkafkaProducerOptions {
  readonly brokers: readonly string[];
  readonly clientId?: string;
  /** Longest wait for the acknowledgement of one send (default 10 s). */
  readonly sendTimeoutMs?: number;
  /** Longest wait for the first metadata answer when connecting (default 5 s). */
  readonly connectTimeoutMs?: number;
  /** librdkafka's batching delay (default 0: callers wait for acks, and what queues up while a request is in flight is batched anyway). */
  readonly lingerMs?: number;
  /** How often delivery reports are collected while sends wait (default 1 ms): the floor of a send's latency. */
  readonly pollIntervalMs?: number;
  /** How often events are collected while no send waits (default 100 ms), so an idle ingest costs nothing. */
  readonly idlePollIntervalMs?: number;
}

/** What send() resolves to: where each message went, in order. */
export interface RdkafkaRecordMetadata {
  readonly topicName: string;
  readonly partition: number;
  readonly offset: string;
}

/** One send in flight: its messages' reports fill `results`. */
interface Pending {
  readonly topic: string;
  readonly results: RdkafkaRecordMetadata[];
  remaining: number;
  error: LibrdKafkaError | null;
  done: (error: Error | null) => void;
}

let loaded: RdKafka | undefined;
/** Loads the native addon on first use, so a kafkajs-configured process never does. */
function rdkafka(): RdKafka {
  if (loaded === undefined) loaded = createRequire(import.meta.url)('node-rdkafka') as RdKafka;
  return loaded;
}

/** node-rdkafka's errors carry librdkafka's name in `message` and a numeric code. */
function describe(e: unknown): string {
  const err = e as { message?: string; code?: number };
  return err.code === undefined ? String(err.message ?? e) : `${err.message ?? 'error'} (code ${err.code})`;
}

/**
 * An idempotent acks=all librdkafka producer that connects on first use, connects again
 * (with a fresh client) after a failed connect or a fatal error, and bounds every send.
 */
export class RdkafkaProducer {
  private producer: Producer | null = null;
  private connecting: Promise<Producer> | null = null;
  private brokersDown = false;
  /** Sends waiting for their delivery reports: the fast poll runs only while there are some. */
  private inFlight = 0;
  private fastPoll: NodeJS.Timeout | null = null;
  private closed = false;
  private readonly sendTimeoutMs: number;
  private readonly connectTimeoutMs: number;

  constructor(private readonly options: RdkafkaProducerOptions) {
    if (options.brokers.length === 0) throw new RangeError('kafka: no brokers given');
    this.sendTimeoutMs = options.sendTimeoutMs ?? 10_000;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 5_000;
  }

  /** Whether connected and no "all brokers down" was seen since the last delivery. */
  get isConnected(): boolean {
    return this.producer !== null && !this.brokersDown;
  }

  /** Connects (once; again after a failure). */
  async connect(): Promise<void> {
    await this.client();
  }

  private client(): Promise<Producer> {
    if (this.closed) return Promise.reject(new KafkaUnavailableError('kafka: producer is closed'));
    if (this.producer !== null) return Promise.resolve(this.producer);
    this.connecting ??= this.open().finally(() => (this.connecting = null));
    return this.connecting;
  }

  private open(): Promise<Producer> {
    const rd = rdkafka();
    const o = this.options;
    const producer = new rd.Producer({
      'client.id': o.clientId ?? 'vigil',
      'metadata.broker.list': o.brokers.join(','),
      'enable.idempotence': true,
      'compression.codec': 'none',
      'linger.ms': o.lingerMs ?? 0,
      'socket.connection.setup.timeout.ms': this.connectTimeoutMs,
      'reconnect.backoff.max.ms': 2_000,
      dr_cb: true,
    }, {
      'request.required.acks': -1,
      // librdkafka gives up on a message itself at the deadline, so nothing stale lingers in its queue.
      'message.timeout.ms': this.sendTimeoutMs,
      // librdkafka's default (consistent_random, CRC32) would put a tenant on another partition
      // than kafkajs/Java; murmur2 keeps key -> partition the same for every client.
      partitioner: 'murmur2_random',
    });
    producer.on('delivery-report', (err, report) => this.delivered(err, report));
    producer.on('event.error', (err: LibrdKafkaError) => {
      if (err.code === rd.CODES.ERRORS.ERR__ALL_BROKERS_DOWN) this.brokersDown = true;
      // A fatal error leaves the client unusable: the next send starts a fresh one.
      if (err.isFatal && this.producer === producer) {
        this.producer = null;
        producer.disconnect(1_000, () => undefined);
      }
    });
    return new Promise<Producer>((resolve, reject) => {
      let settled = false;
      const fail = (e: unknown): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        // A half-open client must not keep threads or sockets: drop it, the next call retries.
        try {
          if (producer.isConnected()) producer.disconnect(0, () => undefined);
        } catch {
          // already gone
        }
        reject(new KafkaUnavailableError(`kafka: cannot connect to ${o.brokers.join(',')}: ${describe(e)}`, e));
      };
      // node-rdkafka's own timeout covers the metadata request; this one covers everything else.
      const timer = setTimeout(() => fail(new Error(`no answer within ${this.connectTimeoutMs} ms`)), this.connectTimeoutMs + 1_000);
      producer.connect({ timeout: this.connectTimeoutMs }, (err) => {
        if (settled) {
          if (!err) producer.disconnect(0, () => undefined);
          return;
        }
        if (err) return fail(err);
        settled = true;
        clearTimeout(timer);
        if (this.closed) {
          producer.disconnect(0, () => undefined);
          return reject(new KafkaUnavailableError('kafka: producer is closed'));
        }
        // Set once: node-rdkafka adds a listener on every call. Sends poll faster themselves (produce()).
        producer.setPollInterval(this.options.idlePollIntervalMs ?? 100);
        this.producer = producer;
        this.brokersDown = false;
        resolve(producer);
      });
    });
  }

  private delivered(err: LibrdKafkaError | null, report: DeliveryReport): void {
    const opaque = report?.opaque as { pending: Pending; index: number } | undefined;
    if (opaque === undefined) return;
    const p = opaque.pending;
    if (err) p.error ??= err;
    else {
      this.brokersDown = false;
      p.results[opaque.index] = { topicName: report.topic, partition: report.partition, offset: String(report.offset) };
    }
    if (--p.remaining === 0) {
      p.done(p.error === null ? null : new KafkaUnavailableError(`kafka: produce to ${p.topic} failed: ${describe(p.error)}`, p.error));
    }
  }

  /** Sends `messages` to `topic` and resolves once all in-sync replicas have them. */
  async send(topic: string, messages: Message[]): Promise<RdkafkaRecordMetadata[]> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new KafkaUnavailableError(`kafka: no acknowledgement within ${this.sendTimeoutMs} ms`)), this.sendTimeoutMs);
    });
    try {
      return await Promise.race([this.produce(topic, messages), deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async produce(topic: string, messages: Message[]): Promise<RdkafkaRecordMetadata[]> {
    const producer = await this.client();
    if (messages.length === 0) return [];
    if (this.inFlight++ === 0) {
      this.fastPoll = setInterval(() => {
        try {
          producer.poll();
        } catch {
          // A disconnected client: its sends fail by their deadline or the error event.
        }
      }, this.options.pollIntervalMs ?? 1);
      this.fastPoll.unref();
    }
    try {
      return await this.produceAll(producer, topic, messages);
    } finally {
      if (--this.inFlight === 0 && this.fastPoll !== null) {
        clearInterval(this.fastPoll);
        this.fastPoll = null;
      }
    }
  }

  private produceAll(producer: Producer, topic: string, messages: Message[]): Promise<RdkafkaRecordMetadata[]> {
    return new Promise<RdkafkaRecordMetadata[]>((resolve, reject) => {
      const pending: Pending = {
        topic,
        results: new Array<RdkafkaRecordMetadata>(messages.length),
        remaining: messages.length,
        error: null,
        done: (e) => (e === null ? resolve(pending.results) : reject(e)),
      };
      for (let i = 0; i < messages.length; i++) {
        const m = messages[i]!;
        const value = m.value === null || m.value === undefined ? null : Buffer.isBuffer(m.value) ? m.value : Buffer.from(m.value);
        const timestamp = m.timestamp === undefined ? null : Number(m.timestamp);
        try {
          producer.produce(topic, m.partition ?? null, value, m.key ?? null, timestamp, { pending, index: i });
        } catch (e) {
          // Queue full or a bad argument: the messages already queued still report, but the
          // caller gets its answer now (an idempotent producer keeps any retry from doubling).
          pending.remaining -= messages.length - i;
          pending.done = () => undefined;
          reject(new KafkaUnavailableError(`kafka: produce to ${topic} failed: ${describe(e)}`, e));
          return;
        }
      }
    });
  }

  /** Flushes what is queued (for up to 5 s), disconnects; later sends fail. */
  async close(): Promise<void> {
    this.closed = true;
    await this.connecting?.catch(() => undefined);
    const producer = this.producer;
    this.producer = null;
    if (producer === null) return;
    await new Promise<void>((resolve) => {
      // disconnect() flushes first; the guard bounds it should librdkafka not call back.
      const guard = setTimeout(resolve, 8_000);
      guard.unref();
      try {
        producer.disconnect(5_000, () => {
          clearTimeout(guard);
          resolve();
        });
      } catch {
        clearTimeout(guard);
        resolve();
      }
    });
  }
}

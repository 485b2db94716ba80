/**
 * The Kafka client and producer every Vigil role uses to write: acks from all in-sync
 * replicas, idempotent (so a retried batch is not written twice), Java-compatible key
 * partitioning, and a deadline on each send so callers can answer "unavailable" rather
 * than hang while the brokers are away.
 */
import { Kafka, logLevel, Partitioners, type Message, type Producer, type RecordMetadata } from 'kafkajs';

/** How to reach the brokers. */
export interface KafkaClientOptions {
  readonly brokers: readonly string[];
  readonly clientId?: string;
  /** kafkajs's own log output (default 'error'). */
  readonly logLevel?: 'nothing' | 'error' | 'warn' | 'info';
  readonly connectionTimeoutMs?: number;
  readonly requestTimeoutMs?: number;
  /** Retries of one request inside kafkajs (default 5; an idempotent producer needs at least 1). */
  readonly retries?: number;
}

const LEVELS = { nothing: logLevel.NOTHING, error: logLevel.ERROR, warn: logLevel.WARN, info: logLevel.INFO } as const;

/** A kafkajs client for `options`. */
export function kafkaClient(options: KafkaClientOptions): Kafka {
  if (options.brokers.length === 0) throw new RangeError('kafka: no brokers given');
  return new Kafka({
    clientId: options.clientId ?? 'vigil',
    brokers: [...options.brokers],
    logLevel: LEVELS[options.logLevel ?? 'error'],
    connectionTimeout: options.connectionTimeoutMs ?? 3_000,
    requestTimeout: options.requestTimeoutMs ?? 10_000,
    retry: { retries: options.retries ?? 5, initialRetryTime: 100, maxRetryTime: 2_000 },
  });
}

/** Kafka did not acknowledge in time, or refused: the caller should answer 503. */
export class KafkaUnavailableError extends Error {
  override name = 'KafkaUnavailableError';
  /** Worth retrying later. */
  readonly retriable = true;
  constructor(message: string, override readonly cause?: unknown) {
    super(message);
  }
}

/** How a SafeProducer sends. */
export interface SafeProducerOptions {
  /** Longest wait for the acknowledgement of one send (default 10 s). */
  readonly sendTimeoutMs?: number;
}

/**
 * An idempotent acks=all producer that connects on first use, reconnects after a
 * failed connect, and bounds every send by a deadline.
 */
export class SafeProducer {
  private readonly producer: Producer;
  private connecting: Promise<void> | null = null;
  private connected = false;
  private closed = false;
  private readonly sendTimeoutMs: number;

  constructor(kafka: Kafka, options: SafeProducerOptions = {}) {
    // kafkajs keeps idempotent sequence numbers right only with one request in flight.
    this.producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
    this.producer.on(this.producer.events.DISCONNECT, () => {
      this.connected = false;
    });
    this.sendTimeoutMs = options.sendTimeoutMs ?? 10_000;
  }

  /** Whether the last connect succeeded and no disconnect was seen since. */
  get isConnected(): boolean {
    return this.connected;
  }

  /** Connects (once; again after a failure). */
  connect(): Promise<void> {
    if (this.closed) return Promise.reject(new KafkaUnavailableError('kafka: producer is closed'));
    if (this.connected) return Promise.resolve();
    if (this.connecting === null) {
      this.connecting = this.producer.connect().then(
        () => {
          this.connected = true;
          this.connecting = null;
        },
        (e: unknown) => {
          this.connecting = null;
          throw new KafkaUnavailableError(`kafka: cannot connect: ${(e as Error).message}`, e);
        },
      );
    }
    return this.connecting;
  }

  /** Sends `messages` to `topic` and resolves once all in-sync replicas have them. */
  async send(topic: string, messages: Message[]): Promise<RecordMetadata[]> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new KafkaUnavailableError(`kafka: no acknowledgement within ${this.sendTimeoutMs} ms`)), this.sendTimeoutMs);
    });
    try {
      return await Promise.race([
        (async () => {
          await this.connect();
          try {
            return await this.producer.send({ topic, acks: -1, messages });
          } catch (e) {
            throw new KafkaUnavailableError(`kafka: produce to ${topic} failed: ${(e as Error).message}`, e);
          }
        })(),
        deadline,
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Disconnects; later sends fail. */
  async close(): Promise<void> {
    this.closed = true;
    await this.connecting?.catch(() => undefined);
    await this.producer.disconnect().catch(() => undefined);
    this.connected = false;
  }
}

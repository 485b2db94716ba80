/**
 * The time ticker: every interval, one tick record (the ingest's clock) to EVERY
 * partition of vigil.samples, so an evaluator's watermark advances even on partitions
 * whose tenants are silent. A round still in flight is not overlapped by the next.
 */
import type { Message } from 'kafkajs';
import type { Clock } from '../clock.js';
import { encodeTick } from '../kafka/samples_codec.js';

/** Where ticks go. */
export interface TickProducer {
  send(topic: string, messages: Message[]): Promise<unknown>;
}

/** How the ticker runs. */
export interface TickerOptions {
  readonly producer: TickProducer;
  readonly topic: string;
  readonly clock: Clock;
  /** The partitions of the topic (asked again every `refreshEvery` rounds). */
  readonly partitions: () => Promise<readonly number[]>;
  readonly intervalMs: number;
  readonly refreshEvery?: number;
  readonly onTick?: (time: number, partitions: number) => void;
  readonly onError?: (e: unknown) => void;
}

/** Writes ticks on a timer. */
export class Ticker {
  private timer: NodeJS.Timeout | null = null;
  private inflight: Promise<void> | null = null;
  private partitions: readonly number[] | null = null;
  private rounds = 0;

  constructor(private readonly o: TickerOptions) {}

  /** Writes one round of ticks now; resolves when Kafka acknowledged them. */
  async tickOnce(): Promise<void> {
    if (this.partitions === null || this.rounds % (this.o.refreshEvery ?? 60) === 0) {
      this.partitions = await this.o.partitions();
    }
    this.rounds++;
    const time = this.o.clock.now();
    const value = encodeTick(time);
    // Timestamp = the tick's own time, so the broker's time index agrees with it.
    const messages = this.partitions.map((partition) => ({ partition, value, timestamp: String(time) }));
    await this.o.producer.send(this.o.topic, messages);
    this.o.onTick?.(time, messages.length);
  }

  /** Starts ticking every interval. */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      if (this.inflight) return;
      this.inflight = this.tickOnce()
        .catch((e) => this.o.onError?.(e))
        .finally(() => (this.inflight = null));
    }, this.o.intervalMs);
    this.timer.unref?.();
  }

  /** Stops the timer and waits for a round in flight. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.inflight;
  }
}

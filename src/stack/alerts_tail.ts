/**
 * Follows vigil.alerts from the offsets it had when the tail started (earlier events are
 * history, not news), decoding each event for the stack's stdout and for tests.
 */
import type { Consumer, Kafka } from 'kafkajs';
import { decodeAlertEvent, type AlertEvent } from '../evaluate/event.js';

/** A running tail. */
export interface AlertsTail {
  /** Events seen so far, in arrival order. */
  readonly events: AlertEvent[];
  /** Resolves with the first event `pred` accepts (including one already seen). */
  waitFor(pred: (e: AlertEvent) => boolean, timeoutMs: number): Promise<AlertEvent>;
  stop(): Promise<void>;
}

/** Starts tailing `topic`; `onEvent` gets every event, `onBad` undecodable records. */
export async function tailAlerts(kafka: Kafka, topic: string, onEvent: (e: AlertEvent) => void, onBad: (why: string) => void = () => undefined): Promise<AlertsTail> {
  const admin = kafka.admin();
  await admin.connect();
  let from: Map<number, bigint>;
  try {
    from = new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, BigInt(p.high)]));
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
  const events: AlertEvent[] = [];
  const waiters = new Set<{ pred: (e: AlertEvent) => boolean; resolve: (e: AlertEvent) => void }>();
  // A group of its own per tail: it must see every partition, not share them.
  const consumer: Consumer = kafka.consumer({ groupId: `vigil-stack-tail-${process.pid}-${Math.random().toString(36).slice(2, 8)}`, sessionTimeout: 10_000 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      if (BigInt(message.offset) < (from.get(partition) ?? 0n) || message.value === null) return;
      let e: AlertEvent;
      try {
        e = decodeAlertEvent(message.value.toString('utf8'));
      } catch (err) {
        onBad(`partition ${partition} offset ${message.offset}: ${(err as Error).message}`);
        return;
      }
      events.push(e);
      onEvent(e);
      for (const w of waiters) {
        if (w.pred(e)) {
          waiters.delete(w);
          w.resolve(e);
        }
      }
    },
  });
  return {
    events,
    waitFor: (pred, timeoutMs) => {
      const seen = events.find(pred);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const w = { pred, resolve: (e: AlertEvent) => { clearTimeout(timer); resolve(e); } };
        const timer = setTimeout(() => {
          waiters.delete(w);
          reject(new Error(`alerts tail: no matching event on ${topic} within ${timeoutMs} ms (${events.length} events seen)`));
        }, timeoutMs);
        waiters.add(w);
      });
    },
    stop: async () => {
      await consumer.disconnect().catch(() => undefined);
    },
  };
}

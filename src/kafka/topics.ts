/**
 * Vigil's Kafka topics: their default names, their configuration, and a helper that
 * creates the missing ones. Existing topics are left as they are: changing the partition
 * count of `vigil.samples` would move tenants between partitions, so it is only reported.
 */
import type { Admin, ITopicConfig } from 'kafkajs';

/** The names of the four topics; every role takes them from config. */
export interface TopicNames {
  readonly samples: string;
  readonly alerts: string;
  readonly rules: string;
  readonly state: string;
}

/** The default names. */
export const DEFAULT_TOPICS: TopicNames = Object.freeze({
  samples: 'vigil.samples',
  alerts: 'vigil.alerts',
  rules: 'vigil.rules',
  state: 'vigil.state',
});

/** How to create the topics. */
export interface TopicLayout {
  readonly names?: Partial<TopicNames>;
  /** Partitions of vigil.samples (the unit of evaluator parallelism). */
  readonly samplesPartitions: number;
  /** Partitions of vigil.alerts (default: as samples). */
  readonly alertsPartitions?: number;
  /** Replication factor of every topic (default 1, a single broker). */
  readonly replicationFactor?: number;
  /** Retention of vigil.samples, ms (default 24 h: replay needs only a window). */
  readonly samplesRetentionMs?: number;
}

/** The full names, defaults filled in. */
export function topicNames(names: Partial<TopicNames> = {}): TopicNames {
  return { ...DEFAULT_TOPICS, ...names };
}

/** The topic configurations to create, in the order created. */
export function topicConfigs(layout: TopicLayout): ITopicConfig[] {
  const names = topicNames(layout.names);
  const replicationFactor = layout.replicationFactor ?? 1;
  const compacted = [
    { name: 'cleanup.policy', value: 'compact' },
    // A snapshot or rule set superseded a minute ago need not linger for hours.
    { name: 'min.compaction.lag.ms', value: '0' },
    { name: 'segment.ms', value: String(60 * 60_000) },
  ];
  return [
    {
      topic: names.samples,
      numPartitions: layout.samplesPartitions,
      replicationFactor,
      configEntries: [
        { name: 'retention.ms', value: String(layout.samplesRetentionMs ?? 24 * 3600_000) },
        // Message time is the ingest's accept time, which replay seeks by.
        { name: 'message.timestamp.type', value: 'CreateTime' },
      ],
    },
    { topic: names.alerts, numPartitions: layout.alertsPartitions ?? layout.samplesPartitions, replicationFactor },
    { topic: names.rules, numPartitions: 1, replicationFactor, configEntries: compacted },
    { topic: names.state, numPartitions: 1, replicationFactor, configEntries: compacted },
  ];
}

/** What ensureTopics found or did, per topic. */
export interface TopicStatus {
  readonly topic: string;
  readonly created: boolean;
  readonly partitions: number;
}

/**
 * Creates whichever of the topics are missing, waits for their leaders, and returns each
 * topic's partition count. Safe when several processes do it at once.
 */
export async function ensureTopics(admin: Admin, layout: TopicLayout): Promise<TopicStatus[]> {
  if (!Number.isInteger(layout.samplesPartitions) || layout.samplesPartitions < 1) {
    throw new RangeError(`topics: samples partitions must be a positive integer, got ${layout.samplesPartitions}`);
  }
  const wanted = topicConfigs(layout);
  const existing = new Set(await admin.listTopics());
  const missing = wanted.filter((t) => !existing.has(t.topic));
  if (missing.length > 0) {
    try {
      await admin.createTopics({ topics: missing, waitForLeaders: true });
    } catch (e) {
      // Another process may have created them between our list and create.
      const type = (e as { type?: string }).type;
      const inner = (e as { errors?: { type?: string }[] }).errors ?? [];
      const raced = type === 'TOPIC_ALREADY_EXISTS' || (inner.length > 0 && inner.every((x) => x.type === 'TOPIC_ALREADY_EXISTS'));
      if (!raced) throw e;
    }
  }
  const meta = await admin.fetchTopicMetadata({ topics: wanted.map((t) => t.topic) });
  const partitions = new Map(meta.topics.map((t) => [t.name, t.partitions.length]));
  return wanted.map((t) => ({ topic: t.topic, created: missing.includes(t), partitions: partitions.get(t.topic) ?? 0 }));
}

/** The partition ids of `topic`, ascending. */
export async function topicPartitions(admin: Admin, topic: string): Promise<number[]> {
  const meta = await admin.fetchTopicMetadata({ topics: [topic] });
  const t = meta.topics.find((x) => x.name === topic);
  if (!t) throw new Error(`topics: ${topic} does not exist`);
  return t.partitions.map((p) => p.partitionId).sort((a, b) => a - b);
}

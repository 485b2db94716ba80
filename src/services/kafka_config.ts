// The files a local single-node KRaft broker starts from: server.properties and log4j.properties.
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

/** Where one broker instance keeps its files, all under one folder. */
export interface KafkaLayout {
  dir: string;
  dataDir: string;
  logsDir: string;
  serverProperties: string;
  log4jProperties: string;
  stateFile: string;
}

/** The file layout of a broker instance living in `dir`. */
export function kafkaLayout(dir: string): KafkaLayout {
  return {
    dir,
    dataDir: join(dir, 'data'),
    logsDir: join(dir, 'logs'),
    serverProperties: join(dir, 'server.properties'),
    log4jProperties: join(dir, 'log4j.properties'),
    stateFile: join(dir, 'state.json'),
  };
}

/** Ports a broker listens on; both on 127.0.0.1 only. */
export interface KafkaPorts {
  broker: number;
  controller: number;
}

/**
 * server.properties of a combined broker+controller on loopback, sized for tests and a
 * laptop: topics are never created implicitly (callers say how many partitions), internal
 * topics have one replica, and a consumer group starts without the 3 s rebalance delay.
 */
export function serverProperties(layout: KafkaLayout, ports: KafkaPorts): string {
  const props: Record<string, string | number | boolean> = {
    'process.roles': 'broker,controller',
    'node.id': 1,
    'controller.quorum.voters': `1@127.0.0.1:${ports.controller}`,
    listeners: `PLAINTEXT://127.0.0.1:${ports.broker},CONTROLLER://127.0.0.1:${ports.controller}`,
    'advertised.listeners': `PLAINTEXT://127.0.0.1:${ports.broker}`,
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'log.dirs': layout.dataDir,
    'auto.create.topics.enable': false,
    'num.partitions': 1,
    'default.replication.factor': 1,
    'min.insync.replicas': 1,
    'offsets.topic.replication.factor': 1,
    // 50 partitions by default; a handful makes the first consumer group start faster.
    'offsets.topic.num.partitions': 8,
    'transaction.state.log.replication.factor': 1,
    'transaction.state.log.min.isr': 1,
    'transaction.state.log.num.partitions': 4,
    'group.initial.rebalance.delay.ms': 0,
    // Small segments so retention and compaction act within a test's lifetime.
    'log.segment.bytes': 16 * 1024 * 1024,
    'log.retention.check.interval.ms': 30_000,
    'log.cleaner.backoff.ms': 1_000,
    // The cleaner allocates this up front (128 MiB by default): too much under a 512 MiB heap.
    'log.cleaner.dedupe.buffer.size': 16 * 1024 * 1024,
    'num.network.threads': 2,
    'num.io.threads': 4,
    'num.recovery.threads.per.data.dir': 1,
    'log.flush.interval.messages': Number.MAX_SAFE_INTEGER,
    'message.max.bytes': 8 * 1024 * 1024,
    'replica.fetch.max.bytes': 8 * 1024 * 1024,
    'group.min.session.timeout.ms': 1_000,
    'delete.topic.enable': true,
  };
  return `# Written by src/services/kafka_config.ts; rewritten at every start.\n${
    Object.entries(props).map(([k, v]) => `${k}=${v}`).join('\n')}\n`;
}

/** log4j.properties that keeps the console quiet and writes the broker's log to logs/server.log. */
export function log4jProperties(layout: KafkaLayout): string {
  return [
    '# Written by src/services/kafka_config.ts.',
    'log4j.rootLogger=INFO, file',
    'log4j.appender.file=org.apache.log4j.RollingFileAppender',
    // The JVM names the file (-Dvigil.log.file), so the storage tool and the broker log apart.
    `log4j.appender.file.File=${layout.logsDir.replace(/\\/g, '/')}/\${vigil.log.file}`,
    'log4j.appender.file.MaxFileSize=10MB',
    'log4j.appender.file.MaxBackupIndex=2',
    'log4j.appender.file.layout=org.apache.log4j.PatternLayout',
    'log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n',
    'log4j.logger.kafka.request.logger=WARN',
    'log4j.logger.state.change.logger=WARN',
    'log4j.logger.kafka.log.LogCleaner=WARN',
    'log4j.logger.org.apache.kafka.clients=WARN',
    'log4j.logger.org.apache.kafka.common.utils.AppInfoParser=WARN',
    'log4j.logger.org.apache.zookeeper=WARN',
    '',
  ].join('\n');
}

/** Writes both files, making the instance's folders. */
export function writeKafkaConfig(layout: KafkaLayout, ports: KafkaPorts): void {
  mkdirSync(layout.dataDir, { recursive: true });
  mkdirSync(layout.logsDir, { recursive: true });
  writeFileSync(layout.serverProperties, serverProperties(layout, ports));
  writeFileSync(layout.log4jProperties, log4jProperties(layout));
}

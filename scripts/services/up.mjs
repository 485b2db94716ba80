#!/usr/bin/env node
// Brings up what the test suite needs before `node --test` runs: the machine's MariaDB
// (started if down) and one Kafka broker in .vigil/kafka/shared that every test file reuses.
// Remembers whether it started the broker, so down.mjs stops only what up.mjs started.
// Skips Kafka when VIGIL_KAFKA_BROKERS names an external one.
import { writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { loadServices } from './load.mjs';

const { startKafka, sharedKafkaDir } = await loadServices('kafka');
const { ensureMariaDBServer } = await loadServices('mariadb');
const t0 = performance.now();
const ms = () => `${Math.round(performance.now() - t0)} ms`;

try {
  const db = await ensureMariaDBServer();
  console.error(`services: mariadb answers on ${db.host}:${db.port} (${ms()})`);
  if (process.env.VIGIL_KAFKA_BROKERS) {
    console.error(`services: using external kafka ${process.env.VIGIL_KAFKA_BROKERS}`);
  } else {
    const dir = sharedKafkaDir();
    const marker = join(dir, 'started-by-up');
    const broker = await startKafka({ dir, reuse: true });
    if (broker.reused) rmSync(marker, { force: true });
    else writeFileSync(marker, `${broker.pid}\n`);
    console.error(`services: kafka ${broker.reused ? 'reused' : 'started'} on ${broker.brokers} pid ${broker.pid} (${ms()})`);
  }
} catch (e) {
  console.error(`services: ${e instanceof Error ? e.message : e}`);
  process.exit(1);
}

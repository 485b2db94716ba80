#!/usr/bin/env node
// Stops the shared Kafka broker after the test suite, if up.mjs started it (a broker that was
// already running is left alone). VIGIL_KEEP_KAFKA=1 keeps it for the next run. MariaDB is a
// machine service and stays up.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { loadServices } from './load.mjs';

const { stopKafka, sharedKafkaDir } = await loadServices('kafka');
const dir = sharedKafkaDir();
const marker = join(dir, 'started-by-up');
let startedPid = NaN;
try {
  startedPid = Number(readFileSync(marker, 'utf8'));
} catch {
  // up.mjs did not start it
}
let state;
try {
  state = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8'));
} catch {
  // not running
}
if (process.env.VIGIL_KEEP_KAFKA === '1') {
  if (state) console.error(`services: leaving kafka on ${state.brokers} running (VIGIL_KEEP_KAFKA=1)`);
} else if (state && state.pid === startedPid) {
  try {
    await stopKafka(dir);
    console.error(`services: kafka stopped`);
  } catch (e) {
    console.error(`services: stopping kafka: ${e instanceof Error ? e.message : e}`);
    process.exitCode = 1;
  }
}
rmSync(marker, { force: true });

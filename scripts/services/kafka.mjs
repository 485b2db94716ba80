#!/usr/bin/env node
// `node scripts/services/kafka.mjs start|stop|status [DIR]`: the local Kafka broker by hand.
// DIR defaults to .vigil/kafka/shared, the broker `npm test` and `vigil dev` share.
// Needs the compiled project (npm run build).
import { loadServices } from './load.mjs';

const [cmd, dirArg] = process.argv.slice(2);
const { startKafka, stopKafka, kafkaStatus, sharedKafkaDir } = await loadServices('kafka');
const dir = dirArg ?? sharedKafkaDir();

switch (cmd) {
  case 'start': {
    const b = await startKafka({ dir, reuse: true });
    console.log(`kafka ${b.reused ? 'already running' : 'started'}: brokers=${b.brokers} pid=${b.pid} dir=${b.dir}`);
    break;
  }
  case 'stop':
    console.log((await stopKafka(dir)) ? `kafka stopped (${dir})` : `kafka was not running (${dir})`);
    break;
  case 'status': {
    const s = await kafkaStatus(dir);
    console.log(s ? `kafka running: brokers=${s.brokers} pid=${s.pid} since ${s.startedAt}` : `kafka not running (${dir})`);
    process.exitCode = s ? 0 : 3;
    break;
  }
  default:
    console.error('usage: node scripts/services/kafka.mjs start|stop|status [DIR]');
    process.exitCode = 2;
}

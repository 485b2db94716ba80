// Preload (`node --import ./bench/cpu_prof.js`): profiles the process with the inspector and
// writes a .cpuprofile into $VIGIL_CPU_PROF_DIR at exit. (--cpu-prof is refused in NODE_OPTIONS,
// so the pipeline bench's child evaluators get this through NODE_OPTIONS=--import instead.)
import { Session } from 'node:inspector';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.env.VIGIL_CPU_PROF_DIR ?? '.';
const session = new Session();
session.connect();
session.post('Profiler.enable');
session.post('Profiler.setSamplingInterval', { interval: 1000 });
session.post('Profiler.start');
let written = false;
function write() {
  if (written) return;
  written = true;
  // Same-thread sessions answer synchronously, so this works in an exit handler.
  session.post('Profiler.stop', (err, res) => {
    if (err) return;
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `evaluate-${process.pid}.cpuprofile`), JSON.stringify(res.profile));
  });
}
process.on('exit', write);
// The bench stops its children with SIGTERM, and a shutdown can end in SIGKILL: write at the signal.
process.on('SIGTERM', write);

/** `vigil dev`: a simulated fleet evaluated by the shipped rules, in one process, without Kafka. */
import { systemClock } from '../clock.js';
import { parseDuration } from '../promql/duration.js';
import { stringFlag, UsageError, type Command, type FlagSpec } from './command.js';

const MACHINES: FlagSpec = { name: 'machines', kind: 'string', valueName: 'N', default: '200', help: 'simulated machines' };
const PORT: FlagSpec = { name: 'port', kind: 'string', valueName: 'P', default: '9099', help: 'HTTP port of the page and API (0: any free port)' };
const RULES: FlagSpec = { name: 'rules', kind: 'string', valueName: 'DIR', default: 'rules', help: 'directory of rule files to load' };
const SPEED: FlagSpec = { name: 'speed', kind: 'string', valueName: 'X', default: '10', help: 'simulated seconds per real second' };
const BACKFILL: FlagSpec = { name: 'backfill', kind: 'string', valueName: 'DURATION', default: '90m', help: 'history simulated instantly at start' };

function positiveNumber(spec: FlagSpec, args: Parameters<Command['run']>[0], integer: boolean): number {
  const s = stringFlag(args, spec)!;
  const n = Number(s);
  if (s.trim() === '' || !Number.isFinite(n) || n < 0 || (integer && !Number.isInteger(n))) {
    throw new UsageError(`flag '--${spec.name}' must be a ${integer ? 'non-negative integer' : 'non-negative number'}, got '${s}'`);
  }
  return n;
}

/** The `dev` command. */
export const devCommand: Command = {
  path: ['dev'],
  summary: 'Run a simulated fleet through the rules in one process (no Kafka): alerts on stdout, a page and the API over HTTP.',
  args: '',
  flags: [MACHINES, PORT, RULES, SPEED, BACKFILL],
  async run(args, io) {
    const machines = positiveNumber(MACHINES, args, true);
    if (machines < 1) throw new UsageError(`flag '--machines' must be at least 1`);
    const port = positiveNumber(PORT, args, true);
    if (port > 65535) throw new UsageError(`flag '--port' must be at most 65535, got ${port}`);
    const speed = positiveNumber(SPEED, args, false);
    if (speed === 0) throw new UsageError(`flag '--speed' must be greater than 0`);
    let backfill: number;
    try {
      backfill = parseDuration(stringFlag(args, BACKFILL)!);
    } catch (e) {
      throw new UsageError(`flag '--backfill': ${(e as Error).message}`);
    }
    const abort = new AbortController();
    const stop = () => abort.abort();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    // Loaded on use, so other commands start without the simulator and engine.
    const { runDevLoop } = await import('../dev/command.js');
    try {
      return await runDevLoop(
        { machines, port, rulesDir: stringFlag(args, RULES)!, speed, backfill },
        {
          clock: systemClock,
          signal: abort.signal,
          every: (fn, ms) => {
            const h = setInterval(fn, ms);
            return () => clearInterval(h);
          },
        },
        (s) => io.out(s),
        (s) => io.err(s),
      );
    } finally {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    }
  },
};

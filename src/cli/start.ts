/** `vigil start`: the whole pipeline locally (MariaDB, Kafka, ingest, two evaluators, a demo fleet); see src/stack. */
import { stringFlag, UsageError, type Command, type FlagSpec, type ParsedArgs } from './command.js';
import type { CliIO } from './io.js';

const MACHINES: FlagSpec = { name: 'machines', kind: 'string', valueName: 'N', default: '200', help: 'simulated machines' };
const BACKFILL: FlagSpec = { name: 'backfill', kind: 'string', valueName: 'MINUTES', default: '45', help: 'minutes of history pushed at start' };
const PORT: FlagSpec = { name: 'port', kind: 'string', valueName: 'PORT', default: '9090', help: 'port of the status page (0: any free port)' };
const PARTITIONS: FlagSpec = { name: 'partitions', kind: 'string', valueName: 'N', default: '4', help: 'partitions of the samples topic when creating it' };
const RULES: FlagSpec = { name: 'rules', kind: 'string', valueName: 'DIR', default: 'rules', help: 'directory of rule files' };
const BROKERS: FlagSpec = { name: 'brokers', kind: 'string', valueName: 'HOST:PORT,...', help: 'use this Kafka instead of starting one in .vigil/kafka/stack' };
const PREFIX: FlagSpec = { name: 'topic-prefix', kind: 'string', valueName: 'PREFIX', default: 'vigil', help: 'topic names PREFIX.samples, .alerts, .rules, .state' };

function intFlag(args: ParsedArgs, spec: FlagSpec, min: number, max: number): number {
  const s = stringFlag(args, spec)!;
  const n = Number(s);
  if (!/^\d+$/.test(s) || n < min || n > max) throw new UsageError(`flag '--${spec.name}' must be an integer from ${min} to ${max}, got '${s}'`);
  return n;
}

/** The `start` command. */
export const startCommand: Command = {
  path: ['start'],
  summary: 'Run the whole pipeline locally: MariaDB, Kafka, ingest, two evaluators and a simulated fleet; alerts on stdout, a page over HTTP.',
  args: '',
  flags: [MACHINES, BACKFILL, PORT, PARTITIONS, RULES, BROKERS, PREFIX],
  async run(args, io: CliIO) {
    const machines = intFlag(args, MACHINES, 1, 100_000);
    const backfill = intFlag(args, BACKFILL, 0, 24 * 60);
    const port = intFlag(args, PORT, 0, 65535);
    const partitions = intFlag(args, PARTITIONS, 1, 1024);
    const abort = new AbortController();
    const stop = () => abort.abort();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    const { startStack } = await import('../stack/stack.js');
    try {
      let stack;
      try {
        const brokers = stringFlag(args, BROKERS);
        stack = await startStack({
          machines, backfillMs: backfill * 60_000, pagePort: port, partitions, rulesDir: stringFlag(args, RULES)!,
          topicPrefix: stringFlag(args, PREFIX)!, ...(brokers !== undefined ? { brokers } : {}),
          out: (line) => io.out(`${line}\n`),
        });
      } catch (e) {
        io.err(`vigil start: ${(e as Error).message}\n`);
        return 1;
      }
      io.out(`\nVigil is running. Open ${stack.pageUrl}/ (firing and pending alerts, rules, notifications received)\n`);
      io.out(`  ingest      ${stack.ingestUrl}/api/v1/write  (remote_write, Bearer token per tenant)\n`);
      stack.evaluatorUrls.forEach((u, i) => io.out(`  evaluator ${i + 1} ${u}/api/v1/alerts  ${u}/api/v1/query\n`));
      io.out(`  manager     ${stack.managerUrl}/api/v2/alerts  (amtool --alertmanager.url=${stack.managerUrl})\n`);
      io.out(`  tenant API  ${stack.apiUrl}/  web page and /api/v1/policies; tokens: ${Object.entries(stack.tokenFiles).map(([k, f]) => `${k} ${f}`).join(', ')}\n`);
      io.out(`  kafka       ${stack.brokers}  topics ${stack.topics.samples}, ${stack.topics.alerts}\n  logs        .vigil/logs/\nCtrl-C stops everything.\n\n`);
      if (!abort.signal.aborted) await new Promise<void>((resolve) => abort.signal.addEventListener('abort', () => resolve(), { once: true }));
      io.out('vigil start: stopping…\n');
      await stack.stop();
      io.out('vigil start: stopped.\n');
      return 0;
    } finally {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    }
  },
};

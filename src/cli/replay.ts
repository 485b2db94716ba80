/** `vigil replay`: what rules would have done over vigil.samples history, one line per alert event. */
import { COMPAT_FLAG, compatOf, stringFlag, stringsFlag, UsageError, type Command, type FlagSpec } from './command.js';
import type { CliIO } from './io.js';

const RULES: FlagSpec = { name: 'rules', kind: 'strings', valueName: 'FILE', help: 'rule file, directory or glob (repeatable)' };
const FROM: FlagSpec = { name: 'from', kind: 'string', valueName: 'TIME', help: 'first evaluation time (RFC 3339 or Unix seconds)' };
const TO: FlagSpec = { name: 'to', kind: 'string', valueName: 'TIME', help: 'last evaluation time (RFC 3339 or Unix seconds)' };
const BROKERS: FlagSpec = { name: 'brokers', kind: 'string', valueName: 'HOST:PORT,...', help: 'Kafka bootstrap brokers', default: '127.0.0.1:9092' };
const TOPIC: FlagSpec = { name: 'samples-topic', kind: 'string', valueName: 'TOPIC', help: 'the samples topic', default: 'vigil.samples' };

/** The `replay` command. */
export const replayCommand: Command = {
  path: ['replay'],
  summary: 'Replay rules over the samples history in [from - window, to] and print when alerts would have pended, fired and resolved.',
  args: '',
  flags: [RULES, FROM, TO, BROKERS, TOPIC, COMPAT_FLAG],
  async run(args, io: CliIO) {
    const { parseTimeParam } = await import('../http/params.js');
    const time = (spec: FlagSpec): number => {
      const v = stringFlag(args, spec);
      if (v === undefined) throw new UsageError(`required flag --${spec.name} not provided`);
      try {
        return parseTimeParam(v);
      } catch (e) {
        throw new UsageError(`--${spec.name}: ${(e as Error).message}`);
      }
    };
    const patterns = stringsFlag(args, RULES.name);
    if (patterns.length === 0) throw new UsageError('required flag --rules not provided');
    const from = time(FROM);
    const to = time(TO);
    if (to < from) throw new UsageError('--to is before --from');
    const { RuleSources } = await import('../evaluate/rules_source.js');
    const problems: string[] = [];
    const sources = new RuleSources(patterns, { compat: compatOf(args), onProblem: (p) => problems.push(`${p.source}: ${p.message}`) });
    await sources.reloadFiles();
    if (problems.length > 0 || sources.current().length === 0) {
      io.err(`vigil replay: ${problems.length > 0 ? problems.join('\n') : `no rule files match ${patterns.join(' ')}`}\n`);
      return 1;
    }
    const { kafkaClient } = await import('../kafka/producer.js');
    const { replayHistory, formatReplayEvent } = await import('../evaluate/worker_replay.js');
    const kafka = kafkaClient({ brokers: stringFlag(args, BROKERS)!.split(',').map((s) => s.trim()), logLevel: 'nothing', clientId: 'vigil-replay' });
    try {
      const events = await replayHistory({ kafka, topic: stringFlag(args, TOPIC)!, rules: sources.current(), from, to, evaluator: { compat: compatOf(args) } });
      for (const e of events) io.out(`${formatReplayEvent(e)}\n`);
      io.err(`replay: ${events.length} events\n`);
      return 0;
    } catch (e) {
      io.err(`vigil replay: ${(e as Error).message}\n`);
      return 1;
    }
  },
};

/** `vigil evaluate`: runs a consumer-group worker that evaluates rules over vigil.samples (src/evaluate). */
import { COMPAT_FLAG, stringFlag, stringsFlag, type Command, type FlagSpec, type ParsedArgs } from './command.js';
import type { CliIO } from './io.js';
import { CONFIG_FLAG as CONFIG, intFlag, rawRoleConfig, untilSignal } from './role_flags.js';

const PORT: FlagSpec = { name: 'port', kind: 'string', valueName: 'PORT', help: 'port to listen on (overrides listen.port)' };
const BROKERS: FlagSpec = { name: 'brokers', kind: 'string', valueName: 'HOST:PORT,...', help: 'Kafka bootstrap brokers (overrides kafka.brokers)' };
const RULES: FlagSpec = { name: 'rules', kind: 'strings', valueName: 'DIR|GLOB', help: 'rule files: a directory or a glob (repeatable; adds to rules)' };
const GROUP: FlagSpec = { name: 'group', kind: 'string', valueName: 'ID', help: 'consumer group id (overrides kafka.groupId)' };
const TOPIC_PREFIX: FlagSpec = { name: 'topic-prefix', kind: 'string', valueName: 'PREFIX', help: 'topic names PREFIX.samples, .alerts, .rules, .state (overrides kafka.topics)' };
const SNAPSHOT: FlagSpec = { name: 'snapshot-interval', kind: 'string', valueName: 'MS', help: 'log time between state snapshots, ms (overrides evaluation.snapshotIntervalMs)' };

/** The raw configuration the flags describe (file first, flags over it); validated by the caller. */
export async function evaluateConfigInput(args: ParsedArgs): Promise<Record<string, unknown>> {
  const { raw, section } = await rawRoleConfig(args);
  const port = intFlag(args, PORT);
  if (port !== undefined) section('listen').port = port;
  const brokers = stringFlag(args, BROKERS);
  if (brokers !== undefined) section('kafka').brokers = brokers;
  const group = stringFlag(args, GROUP);
  if (group !== undefined) section('kafka').groupId = group;
  const prefix = stringFlag(args, TOPIC_PREFIX);
  if (prefix !== undefined) section('kafka').topics = { samples: `${prefix}.samples`, alerts: `${prefix}.alerts`, rules: `${prefix}.rules`, state: `${prefix}.state` };
  const rules = stringsFlag(args, RULES.name);
  if (rules.length > 0) raw.rules = [...(Array.isArray(raw.rules) ? raw.rules : []), ...rules];
  const snap = intFlag(args, SNAPSHOT);
  if (snap !== undefined) section('evaluation').snapshotIntervalMs = snap;
  if (args.flags.has(COMPAT_FLAG.name)) section('evaluation').compat = stringFlag(args, COMPAT_FLAG) === '2' ? 2 : 3;
  return raw;
}

/** The `evaluate` command. */
export const evaluateCommand: Command = {
  path: ['evaluate'],
  summary: 'Run an evaluator: a consumer-group member on vigil.samples writing alert events to vigil.alerts.',
  args: '',
  flags: [CONFIG, BROKERS, RULES, PORT, GROUP, TOPIC_PREFIX, SNAPSHOT, COMPAT_FLAG],
  async run(args, io: CliIO) {
    const { parseEvaluateConfig, EvaluateConfigError, startEvaluate } = await import('../evaluate/run.js');
    const { ConfigError } = await import('../ingest/config.js');
    let config;
    try {
      config = parseEvaluateConfig(await evaluateConfigInput(args), stringFlag(args, CONFIG) ?? 'flags');
    } catch (e) {
      if (e instanceof EvaluateConfigError || e instanceof ConfigError) {
        io.err(`vigil evaluate: ${e.message}\n`);
        return 2;
      }
      throw e;
    }
    let running;
    try {
      running = await startEvaluate(config, { log: (line) => io.err(`${line}\n`) });
    } catch (e) {
      io.err(`vigil evaluate: cannot start: ${e instanceof Error ? e.message : String(e)}\n`);
      return 1;
    }
    const r = running;
    const onHup = () => {
      io.err('evaluate: SIGHUP, reloading rule files\n');
      void r.reloadRules();
    };
    process.on('SIGHUP', onHup);
    const sig = await untilSignal();
    process.off('SIGHUP', onHup);
    io.err(`evaluate: ${sig}, shutting down\n`);
    await r.close();
    return 0;
  },
};

/** `vigil manager`: runs an alert manager instance (src/manager): vigil.alerts in, notifications out, Alertmanager API v2. */
import { stringFlag, type Command, type FlagSpec, type ParsedArgs } from './command.js';
import type { CliIO } from './io.js';
import { intFlag, untilSignal } from './role_flags.js';

const CONFIG: FlagSpec = { name: 'config', kind: 'string', valueName: 'FILE', help: 'Alertmanager-format configuration file (alertmanager.yml)' };
const BROKERS: FlagSpec = { name: 'brokers', kind: 'string', valueName: 'HOST:PORT,...', help: 'Kafka bootstrap brokers; without it alerts come only through POST /api/v2/alerts' };
const MYSQL: FlagSpec = { name: 'mysql-url', kind: 'string', valueName: 'URL', help: 'mysql://user:password@host:port/database (also $VIGIL_MYSQL_URL)' };
const PORT: FlagSpec = { name: 'port', kind: 'string', valueName: 'PORT', help: 'port to listen on', default: '9093' };
const HOST: FlagSpec = { name: 'listen-host', kind: 'string', valueName: 'HOST', help: 'address to listen on', default: '0.0.0.0' };
const INSTANCE: FlagSpec = { name: 'instance', kind: 'string', valueName: 'NAME', help: 'this instance\'s name in group leases, unique among live managers (default host-pid)' };
const TOPIC: FlagSpec = { name: 'topic', kind: 'string', valueName: 'NAME', help: 'alert events topic', default: 'vigil.alerts' };
const GROUP: FlagSpec = { name: 'group', kind: 'string', valueName: 'ID', help: 'Kafka consumer group id', default: 'vigil-manager' };
const EXTERNAL: FlagSpec = { name: 'external-url', kind: 'string', valueName: 'URL', help: 'URL the managers are reached at (externalURL in notifications)' };
const TICK: FlagSpec = { name: 'tick', kind: 'string', valueName: 'MS', help: 'dispatcher tick, ms', default: '1000' };
const LEASE: FlagSpec = { name: 'lease', kind: 'string', valueName: 'MS', help: 'group lease length, ms', default: '60000' };
const FLUSHES: FlagSpec = { name: 'flush-concurrency', kind: 'string', valueName: 'N', help: 'due groups one tick flushes at once', default: '8' };
const POLICY_WAIT: FlagSpec = { name: 'policy-group-wait', kind: 'string', valueName: 'MS', help: 'group_wait of tenant policy notifications, ms', default: '30000' };
const POLICY_INTERVAL: FlagSpec = { name: 'policy-group-interval', kind: 'string', valueName: 'MS', help: 'group_interval of tenant policy notifications, ms', default: '300000' };
const POLICY_REPEAT: FlagSpec = { name: 'policy-repeat-interval', kind: 'string', valueName: 'MS', help: 'repeat_interval of tenant policy notifications, ms', default: '14400000' };


/** The raw run configuration the flags describe; validated by parseManagerRunConfig. */
export function managerConfigInput(args: ParsedArgs, env: NodeJS.ProcessEnv = process.env): Record<string, unknown> {
  const brokers = stringFlag(args, BROKERS);
  const instance = stringFlag(args, INSTANCE);
  return {
    configFile: stringFlag(args, CONFIG) ?? '',
    listen: { host: stringFlag(args, HOST), port: intFlag(args, PORT) },
    mysql: { url: stringFlag(args, MYSQL) ?? env.VIGIL_MYSQL_URL ?? '' },
    ...(brokers !== undefined ? { kafka: { brokers, topic: stringFlag(args, TOPIC), groupId: stringFlag(args, GROUP) } } : {}),
    ...(instance !== undefined ? { instance } : {}),
    externalURL: stringFlag(args, EXTERNAL) ?? '',
    tickMs: intFlag(args, TICK),
    leaseMs: intFlag(args, LEASE),
    flushConcurrency: intFlag(args, FLUSHES),
    policies: { groupWaitMs: intFlag(args, POLICY_WAIT), groupIntervalMs: intFlag(args, POLICY_INTERVAL), repeatIntervalMs: intFlag(args, POLICY_REPEAT) },
  };
}

/** The `manager` command. */
export const managerCommand: Command = {
  path: ['manager'],
  summary: 'Run an alert manager: vigil.alerts -> dedup, group, silence, inhibit, notify; Alertmanager API v2.',
  args: '',
  flags: [CONFIG, BROKERS, MYSQL, PORT, HOST, INSTANCE, TOPIC, GROUP, EXTERNAL, TICK, LEASE, FLUSHES, POLICY_WAIT, POLICY_INTERVAL, POLICY_REPEAT],
  async run(args, io: CliIO) {
    const { parseManagerRunConfig, ManagerRunConfigError, startManager } = await import('../manager/run.js');
    const { ConfigLoadError } = await import('../manager/config.js');
    let config;
    try {
      config = parseManagerRunConfig(managerConfigInput(args));
    } catch (e) {
      if (e instanceof ManagerRunConfigError) {
        io.err(`vigil manager: ${e.message}\n`);
        return 2;
      }
      throw e;
    }
    let running;
    try {
      running = await startManager(config, { log: (line) => io.err(`${line}\n`) });
    } catch (e) {
      if (e instanceof ConfigLoadError) {
        io.err(`vigil manager: invalid configuration:\n${e.message}\n`);
        return 2;
      }
      io.err(`vigil manager: cannot start: ${e instanceof Error ? e.message : String(e)}\n`);
      return 1;
    }
    const sig = await untilSignal();
    io.err(`manager: ${sig}, shutting down\n`);
    await running.close();
    return 0;
  },
};

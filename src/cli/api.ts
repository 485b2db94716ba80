/** `vigil api`: runs the tenant API (src/api): tenants, tokens, machines, alert policies, silences; rules published to Kafka. */
import { stringFlag, type Command, type FlagSpec, type ParsedArgs } from './command.js';
import type { CliIO } from './io.js';
import { CONFIG_FLAG as CONFIG, intFlag, rawRoleConfig, untilSignal } from './role_flags.js';

const PORT: FlagSpec = { name: 'port', kind: 'string', valueName: 'PORT', help: 'port to listen on (overrides listen.port; default 9095)' };
const HOST: FlagSpec = { name: 'listen-host', kind: 'string', valueName: 'HOST', help: 'address to listen on (overrides listen.host)' };
const MYSQL: FlagSpec = { name: 'mysql-url', kind: 'string', valueName: 'URL', help: 'mysql://user:password@host:port/database (overrides mysql.url; else $VIGIL_MYSQL_URL)' };
const BROKERS: FlagSpec = { name: 'brokers', kind: 'string', valueName: 'HOST:PORT,...', help: 'Kafka bootstrap brokers (overrides kafka.brokers)' };
const TOPIC: FlagSpec = { name: 'rules-topic', kind: 'string', valueName: 'NAME', help: 'compacted rules topic (overrides kafka.rulesTopic; default vigil.rules)' };
const EVALUATORS: FlagSpec = { name: 'evaluators', kind: 'string', valueName: 'URL,...', help: 'evaluator base URLs for /api/v1/rules and /api/v1/query (overrides evaluators)' };

/** The raw configuration: the file first, then flags, then $VIGIL_MYSQL_URL when no URL was given. */
export async function apiConfigInput(args: ParsedArgs, env: NodeJS.ProcessEnv = process.env): Promise<Record<string, unknown>> {
  const { raw, section } = await rawRoleConfig(args);
  const port = intFlag(args, PORT);
  if (port !== undefined) section('listen').port = port;
  const host = stringFlag(args, HOST);
  if (host !== undefined) section('listen').host = host;
  const mysqlUrl = stringFlag(args, MYSQL);
  if (mysqlUrl !== undefined) section('mysql').url = mysqlUrl;
  else if (env.VIGIL_MYSQL_URL !== undefined && (raw.mysql as { url?: unknown } | undefined)?.url === undefined) section('mysql').url = env.VIGIL_MYSQL_URL;
  const brokers = stringFlag(args, BROKERS);
  if (brokers !== undefined) section('kafka').brokers = brokers;
  const topic = stringFlag(args, TOPIC);
  if (topic !== undefined) section('kafka').rulesTopic = topic;
  const evaluators = stringFlag(args, EVALUATORS);
  if (evaluators !== undefined) raw.evaluators = evaluators;
  return raw;
}

/** The `api` command. */
export const apiCommand: Command = {
  path: ['api'],
  summary: 'Run the tenant API: tenants, tokens, machines, alert policies (compiled to vigil.rules), silences, alerts.',
  args: '',
  flags: [CONFIG, PORT, HOST, MYSQL, BROKERS, TOPIC, EVALUATORS],
  async run(args, io: CliIO) {
    const { parseApiConfig, ApiConfigError } = await import('../api/config.js');
    const { ConfigError } = await import('../ingest/config.js');
    let config;
    try {
      config = parseApiConfig(await apiConfigInput(args), stringFlag(args, CONFIG) ?? 'flags');
    } catch (e) {
      if (e instanceof ApiConfigError || e instanceof ConfigError) {
        io.err(`vigil api: ${e.message}\n`);
        return 2;
      }
      throw e;
    }
    const { startApi } = await import('../api/run.js');
    let running;
    try {
      running = await startApi(config, { log: (line) => io.err(`${line}\n`) });
    } catch (e) {
      io.err(`vigil api: cannot start: ${e instanceof Error ? e.message : String(e)}\n`);
      return 1;
    }
    const sig = await untilSignal();
    io.err(`api: ${sig}, shutting down\n`);
    await running.close();
    return 0;
  },
};

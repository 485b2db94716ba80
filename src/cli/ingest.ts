/** `vigil ingest`: runs the authenticated gateway from HTTP into Kafka (src/ingest). */
import { stringFlag, type Command, type FlagSpec, type ParsedArgs } from './command.js';
import type { CliIO } from './io.js';
import { CONFIG_FLAG as CONFIG, intFlag, rawRoleConfig, untilSignal } from './role_flags.js';

const PORT: FlagSpec = { name: 'port', kind: 'string', valueName: 'PORT', help: 'port to listen on (overrides listen.port)' };
const BROKERS: FlagSpec = { name: 'brokers', kind: 'string', valueName: 'HOST:PORT,...', help: 'Kafka bootstrap brokers (overrides kafka.brokers)' };
const MYSQL: FlagSpec = { name: 'mysql-url', kind: 'string', valueName: 'URL', help: 'mysql://user:password@host:port/database (overrides mysql.url)' };
const PARTITIONS: FlagSpec = { name: 'partitions', kind: 'string', valueName: 'N', help: 'partitions of vigil.samples when creating it (overrides kafka.partitions)' };

/** The raw configuration the flags describe (file first, flags over it); validated by the caller. */
export async function ingestConfigInput(args: ParsedArgs): Promise<Record<string, unknown>> {
  const { raw, section } = await rawRoleConfig(args);
  const port = intFlag(args, PORT);
  if (port !== undefined) section('listen').port = port;
  const brokers = stringFlag(args, BROKERS);
  if (brokers !== undefined) section('kafka').brokers = brokers;
  const partitions = intFlag(args, PARTITIONS);
  if (partitions !== undefined) section('kafka').partitions = partitions;
  const mysqlUrl = stringFlag(args, MYSQL);
  if (mysqlUrl !== undefined) section('mysql').url = mysqlUrl;
  return raw;
}


/** The `ingest` command. */
export const ingestCommand: Command = {
  path: ['ingest'],
  summary: 'Run the ingest gateway: remote_write and text pushes, authenticated by tenant token, into Kafka.',
  args: '',
  flags: [CONFIG, PORT, BROKERS, MYSQL, PARTITIONS],
  async run(args, io: CliIO) {
    const { parseIngestConfig, ConfigError } = await import('../ingest/config.js');
    let config;
    try {
      config = parseIngestConfig(await ingestConfigInput(args), stringFlag(args, CONFIG) ?? 'flags');
    } catch (e) {
      if (e instanceof ConfigError) {
        io.err(`vigil ingest: ${e.message}\n`);
        return 2;
      }
      throw e;
    }
    const { startIngest } = await import('../ingest/run.js');
    let running;
    try {
      running = await startIngest(config, { log: (line) => io.err(`${line}\n`) });
    } catch (e) {
      io.err(`vigil ingest: cannot start: ${e instanceof Error ? e.message : String(e)}\n`);
      return 1;
    }
    const sig = await untilSignal();
    io.err(`ingest: ${sig}, shutting down\n`);
    await running.close();
    return 0;
  },
};

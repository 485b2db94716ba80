/** The `vigil` command line: dispatches to the subcommands listed in commands.ts. */
import { readFileSync } from 'node:fs';
import { COMMANDS } from './commands.js';
import { commandUsage, parseArgs, UsageError, type Command } from './command.js';
import { processIO, type CliIO } from './io.js';

/** Vigil's version, from package.json. */
export function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** The top-level usage text. */
export function usage(commands: readonly Command[] = COMMANDS): string {
  let s = 'usage: vigil [<flags>] <command> [<args> ...]\n\n';
  s += 'A streaming, Prometheus-compatible alerting engine.\n\nFlags:\n';
  s += '  --help     Show help (also: vigil <command> --help).\n';
  s += '  --version  Show the version.\n\nCommands:\n';
  for (const c of commands) s += `  ${[...c.path, c.args].filter((x) => x).join(' ')}\n      ${c.summary}\n`;
  return s;
}

/** The command whose words start `argv`, preferring the longest match. */
function findCommand(argv: readonly string[], commands: readonly Command[]): Command | undefined {
  let best: Command | undefined;
  for (const c of commands) {
    if (c.path.every((w, i) => argv[i] === w) && (best === undefined || c.path.length > best.path.length)) best = c;
  }
  return best;
}

/** Runs `vigil` with `argv` (without node and script); resolves to the exit code. */
export async function main(argv: readonly string[], io: CliIO = processIO, commands: readonly Command[] = COMMANDS): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    const rest = argv[0] === 'help' ? argv.slice(1) : [];
    const cmd = rest.length > 0 ? findCommand(rest, commands) : undefined;
    if (argv.length === 0) {
      io.err(usage(commands));
      return 2;
    }
    io.out(cmd !== undefined ? commandUsage(cmd) : usage(commands));
    return 0;
  }
  if (argv[0] === '--version') {
    io.out(`vigil, version ${version()}\n`);
    return 0;
  }
  const cmd = findCommand(argv, commands);
  if (cmd === undefined) {
    const what = argv[0]!.startsWith('-') ? `unknown long flag '${argv[0]}'` : `expected command but got '${argv.filter((a) => !a.startsWith('-')).slice(0, 2).join(' ')}'`;
    io.err(`vigil: error: ${what}, try --help\n\n${usage(commands)}`);
    return 2;
  }
  const rest = argv.slice(cmd.path.length);
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(commandUsage(cmd));
    return 0;
  }
  try {
    const args = parseArgs(rest, cmd.flags);
    if (args.positionals.length < (cmd.minArgs ?? 0)) throw new UsageError(`required argument ${cmd.args} not provided`);
    return await cmd.run(args, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`vigil: error: ${e.message}, try --help\n\n${commandUsage(cmd)}`);
      return 2;
    }
    throw e;
  }
}

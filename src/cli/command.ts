/**
 * The shape of a `vigil` subcommand and its flag parsing. Each subcommand lives in its
 * own file under src/cli/ and is listed once in commands.ts.
 */
import type { CliIO } from './io.js';

/** A flag a command accepts. `bool` takes no value; `string` takes one; `strings` may repeat. */
export interface FlagSpec {
  readonly name: string;
  readonly kind: 'bool' | 'string' | 'strings';
  readonly help: string;
  /** Shown in usage as `--name=<valueName>`. */
  readonly valueName?: string;
  /** The only values accepted, when the set is closed. */
  readonly choices?: readonly string[];
  readonly default?: string;
}

/** Flags and positional arguments after parsing. */
export interface ParsedArgs {
  readonly flags: ReadonlyMap<string, string | boolean | readonly string[]>;
  readonly positionals: readonly string[];
}

/** A subcommand. */
export interface Command {
  /** The words that select it, e.g. ['test', 'rules']. */
  readonly path: readonly string[];
  readonly summary: string;
  /** Positional arguments as shown in usage, e.g. '<test-file>...'. */
  readonly args: string;
  readonly flags: readonly FlagSpec[];
  /** At least this many positionals, else a usage error. */
  readonly minArgs?: number;
  run(args: ParsedArgs, io: CliIO): Promise<number>;
}

/** A command-line mistake: the caller prints usage and exits 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Parses `--flag=value`, `--flag value`, `--bool`, `--` and positionals against `specs`. */
export function parseArgs(argv: readonly string[], specs: readonly FlagSpec[]): ParsedArgs {
  const flags = new Map<string, string | boolean | readonly string[]>();
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!a.startsWith('--') || a === '-') {
      if (a.startsWith('-') && a !== '-') throw new UsageError(`unknown short flag '${a}'`);
      positionals.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
    const spec = specs.find((s) => s.name === name);
    if (spec === undefined) throw new UsageError(`unknown long flag '--${name}'`);
    if (spec.kind === 'bool') {
      if (eq >= 0) {
        const v = a.slice(eq + 1);
        if (v !== 'true' && v !== 'false') throw new UsageError(`flag '--${name}' takes no value other than true or false`);
        flags.set(name, v === 'true');
      } else {
        flags.set(name, true);
      }
      continue;
    }
    let value: string;
    if (eq >= 0) value = a.slice(eq + 1);
    else {
      if (i + 1 >= argv.length) throw new UsageError(`expected argument for flag '--${name}'`);
      value = argv[++i]!;
    }
    if (spec.choices !== undefined && !spec.choices.includes(value)) {
      throw new UsageError(`enum value must be one of ${spec.choices.join(',')}, got '${value}' for flag '--${name}'`);
    }
    if (spec.kind === 'strings') {
      const prev = flags.get(name);
      flags.set(name, [...(Array.isArray(prev) ? prev : []), value]);
    } else {
      flags.set(name, value);
    }
  }
  return { flags, positionals };
}

/** A string flag's value, or its default. */
export function stringFlag(args: ParsedArgs, spec: FlagSpec): string | undefined {
  const v = args.flags.get(spec.name);
  return typeof v === 'string' ? v : spec.default;
}

/** A repeatable flag's values (empty when absent). */
export function stringsFlag(args: ParsedArgs, name: string): readonly string[] {
  const v = args.flags.get(name);
  return Array.isArray(v) ? v : [];
}

/** One command's usage text. */
export function commandUsage(cmd: Command): string {
  let s = `usage: vigil ${cmd.path.join(' ')}${cmd.flags.length > 0 ? ' [<flags>]' : ''}${cmd.args ? ' ' + cmd.args : ''}\n\n${cmd.summary}\n`;
  if (cmd.flags.length > 0) {
    s += '\nFlags:\n';
    const left = (f: FlagSpec) => (f.kind === 'bool' ? `--${f.name}` : `--${f.name}=${f.valueName ?? 'VALUE'}`);
    const width = Math.max(...cmd.flags.map((f) => left(f).length));
    for (const f of cmd.flags) {
      const def = f.default !== undefined ? ` (default ${f.default})` : '';
      s += `  ${left(f).padEnd(width)}  ${f.help}${def}\n`;
    }
  }
  return s;
}

/** `--promql-compat=2|3`: which Prometheus major version's PromQL semantics to follow. */
export const COMPAT_FLAG: FlagSpec = {
  name: 'promql-compat',
  kind: 'string',
  valueName: '2|3',
  choices: ['2', '3'],
  default: '3',
  help: 'PromQL semantics of Prometheus 2.x or 3.x',
};

/** The compat level selected by COMPAT_FLAG. */
export function compatOf(args: ParsedArgs): 2 | 3 {
  return stringFlag(args, COMPAT_FLAG) === '2' ? 2 : 3;
}

/** promtool's up-front check that every named file exists; the message or null. */
export function missingPath(paths: readonly string[], exists: (p: string) => boolean): string | null {
  for (const p of paths) if (!exists(p)) return `vigil: error: path '${p}' does not exist, try --help\n`;
  return null;
}

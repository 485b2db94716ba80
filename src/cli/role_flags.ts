/** What the role commands (ingest, evaluate, manager) share: integer flags and waiting for a stop signal. */
import { stringFlag, type FlagSpec, type ParsedArgs } from './command.js';

/** The `--config FILE` flag the roles share. */
export const CONFIG_FLAG: FlagSpec = { name: 'config', kind: 'string', valueName: 'FILE', help: 'YAML or JSON configuration file' };

/** An integer flag's value, or undefined when absent; a non-integer is passed on for zod to reject by name. */
export function intFlag(args: ParsedArgs, spec: FlagSpec): number | undefined {
  const v = stringFlag(args, spec);
  if (v === undefined) return undefined;
  return /^-?\d+$/.test(v) ? Number(v) : (v as unknown as number);
}

/** Resolves with the signal's name on SIGINT or SIGTERM. */
export function untilSignal(): Promise<string> {
  return new Promise((resolve) => {
    const done = (sig: string) => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      resolve(sig);
    };
    const onInt = () => done('SIGINT');
    const onTerm = () => done('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
  });
}

/**
 * A role's raw configuration: the `--config` file (YAML or JSON) if given, and `section(name)`,
 * which gives a copy of that top-level section for flags to override, put back in place.
 */
export async function rawRoleConfig(args: ParsedArgs): Promise<{ raw: Record<string, unknown>; section(name: string): Record<string, unknown> }> {
  const { readConfigFile } = await import('../ingest/config.js');
  const file = stringFlag(args, CONFIG_FLAG);
  const raw: Record<string, unknown> = file ? readConfigFile(file) : {};
  const section = (name: string): Record<string, unknown> => {
    const s = raw[name];
    const copy = s && typeof s === 'object' && !Array.isArray(s) ? { ...(s as Record<string, unknown>) } : {};
    raw[name] = copy;
    return copy;
  };
  return { raw, section };
}

/** What the role commands (ingest, evaluate, manager) share: integer flags and waiting for a stop signal. */
import { stringFlag, type FlagSpec, type ParsedArgs } from './command.js';

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

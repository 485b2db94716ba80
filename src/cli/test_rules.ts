/** `vigil test rules FILE...`: runs promtool-format rule unit tests, reporting as promtool does. */
import { existsSync } from 'node:fs';
import { COMPAT_FLAG, compatOf, missingPath, stringsFlag, UsageError, type Command, type FlagSpec } from './command.js';

const RUN_FLAG: FlagSpec = {
  name: 'run',
  kind: 'strings',
  valueName: 'REGEX',
  help: 'only run test groups whose name matches (repeatable; any match runs)',
};

/** The `test rules` command. */
export const testRulesCommand: Command = {
  path: ['test', 'rules'],
  summary: 'Unit tests for rules.',
  args: '<test-rule-file>...',
  minArgs: 1,
  flags: [COMPAT_FLAG, RUN_FLAG],
  async run(args, io) {
    const missing = missingPath(args.positionals, existsSync);
    if (missing !== null) {
      io.err(missing);
      return 1;
    }
    const runs = stringsFlag(args, RUN_FLAG.name);
    let run: RegExp | null = null;
    if (runs.length > 0) {
      try {
        run = new RegExp(runs.join('|'), 'u');
      } catch (e) {
        throw new UsageError(`invalid --run pattern: ${(e as Error).message}`);
      }
    }
    // Loaded on use, so other commands start without the query engine.
    const { runUnitTestFile } = await import('./unittest/runner.js');
    let failed = false;
    for (const f of args.positionals) {
      if (!runUnitTestFile(f, { compat: compatOf(args), run }, io)) failed = true;
    }
    return failed ? 1 : 0;
  },
};

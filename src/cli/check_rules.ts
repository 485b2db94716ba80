/** `vigil check rules FILE...`: validates rule files, reporting as `promtool check rules`. */
import { existsSync } from 'node:fs';
import { COMPAT_FLAG, compatOf, missingPath, stringFlag, type Command, type FlagSpec } from './command.js';

const LINT_FLAG: FlagSpec = {
  name: 'lint',
  kind: 'string',
  valueName: 'all|duplicate-rules|none',
  choices: ['all', 'duplicate-rules', 'none'],
  default: 'duplicate-rules',
  help: 'linting checks to apply',
};
const LINT_FATAL_FLAG: FlagSpec = { name: 'lint-fatal', kind: 'bool', help: 'make lint errors exit with code 3' };

/** Exit code for lint findings under --lint-fatal, as promtool's. */
const LINT_EXIT = 3;

/** The `check rules` command. */
export const checkRulesCommand: Command = {
  path: ['check', 'rules'],
  summary: 'Check if the rule files are valid or not.',
  args: '<rule-files>...',
  minArgs: 1,
  flags: [COMPAT_FLAG, LINT_FLAG, LINT_FATAL_FLAG],
  async run(args, io) {
    const missing = missingPath(args.positionals, existsSync);
    if (missing !== null) {
      io.err(missing);
      return 1;
    }
    // Loaded on use, so the CLI starts (and --help works) without the PromQL parser.
    const { checkRuleFiles } = await import('../rules/file.js');
    const lint = stringFlag(args, LINT_FLAG) !== 'none';
    const checks = checkRuleFiles(args.positionals, { compat: compatOf(args) });
    let failed = false;
    let linted = false;
    for (const c of checks) {
      io.out(`Checking ${c.path}\n`);
      if (c.errors.length > 0) {
        failed = true;
        io.err('  FAILED:\n');
        for (const e of c.errors) io.err(`${e.text}\n`);
      } else if (lint && c.warnings.length > 0) {
        linted = true;
        io.err('  FAILED:\n');
        for (const w of c.warnings) io.err(`lint error ${w}\n`);
      } else {
        io.out(`  SUCCESS: ${c.ruleCount} rules found\n`);
      }
      io.out('\n');
    }
    if (failed) return 1;
    if (linted && args.flags.get(LINT_FATAL_FLAG.name) === true) return LINT_EXIT;
    return 0;
  },
};

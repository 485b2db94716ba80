/** Every `vigil` subcommand, one file each; add a role by adding its command here. */
import type { Command } from './command.js';
import { checkRulesCommand } from './check_rules.js';
import { ingestCommand } from './ingest.js';
import { testRulesCommand } from './test_rules.js';
import { devCommand } from './dev.js';
import { evaluateCommand } from './evaluate.js';
import { managerCommand } from './manager.js';
import { replayCommand } from './replay.js';
import { startCommand } from './start.js';
import { apiCommand } from './api.js';

/** The dispatch table, in the order `vigil --help` lists it. */
export const COMMANDS: readonly Command[] = [checkRulesCommand, testRulesCommand, devCommand, ingestCommand, evaluateCommand, managerCommand, apiCommand, replayCommand, startCommand];

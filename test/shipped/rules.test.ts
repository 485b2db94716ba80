/**
 * The rules Vigil ships (rules/*.yml) and their promtool-format tests (rules/tests/):
 * they must check and pass under Vigil in both semantics, and promtool 2.42 must agree.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli/main.js';
import { CapturedIO } from '../../src/cli/io.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const ruleFiles = readdirSync(join(ROOT, 'rules')).filter((f) => f.endsWith('.yml')).map((f) => join('rules', f));
const testFiles = readdirSync(join(ROOT, 'rules/tests')).filter((f) => f.endsWith('.yml')).map((f) => join('rules/tests', f));

function promtoolPath(): string | null {
  for (const p of ['/usr/bin/promtool', '/usr/local/bin/promtool']) if (existsSync(p)) return p;
  return null;
}

async function vigil(args: string[]): Promise<{ code: number; out: string }> {
  const prev = process.cwd();
  process.chdir(ROOT);
  try {
    const io = new CapturedIO();
    const code = await main(args, io);
    return { code, out: io.combined };
  } finally {
    process.chdir(prev);
  }
}

test('shipped rules: there are rule files and tests for them', () => {
  assert.ok(ruleFiles.length > 0);
  assert.ok(testFiles.length > 0);
});

test('shipped rules: vigil check rules finds no error', async () => {
  const { code, out } = await vigil(['check', 'rules', ...ruleFiles]);
  assert.equal(code, 0, out);
  assert.doesNotMatch(out, /FAILED/);
});

for (const compat of ['3', '2']) {
  test(`shipped rules: every unit test passes under vigil (--promql-compat=${compat})`, async () => {
    const { code, out } = await vigil(['test', 'rules', `--promql-compat=${compat}`, ...testFiles]);
    assert.equal(code, 0, out);
    assert.equal(out.match(/^ {2}SUCCESS$/gm)?.length, testFiles.length, out);
  });
}

const promtool = promtoolPath();
test('shipped rules: promtool 2.42 agrees (check and test)', { skip: promtool ? false : 'promtool not installed' }, () => {
  const opts = { cwd: ROOT, encoding: 'utf8' as const, stdio: 'pipe' as const };
  execFileSync(promtool!, ['check', 'rules', ...ruleFiles], opts);
  const out = execFileSync(promtool!, ['test', 'rules', ...testFiles], opts);
  assert.equal(out.match(/^ {2}SUCCESS$/gm)?.length, testFiles.length, out);
});

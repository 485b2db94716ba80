/**
 * Replays the fuzzer's saved cases (test/differential/testdata, made by
 * `run.js --save` from fixed seeds): every expectation there is promtool 2.42's answer,
 * so Vigil must pass them all under --promql-compat=2. Where promtool is installed, it is
 * run on the same files too, proving the expectations are its own.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CapturedIO } from '../../src/cli/io.js';
import { runUnitTestFile } from '../../src/cli/unittest/runner.js';
import { generateAlertTest, generatePromqlTest, renderRules, renderTest } from './generate.js';
import { runPromtool } from './run.js';

const TESTDATA = fileURLToPath(new URL('../../../test/differential/testdata/', import.meta.url));
const PROMTOOL = '/usr/bin/promtool';

const files = readdirSync(TESTDATA).filter((f) => f.endsWith('.yml') && !f.endsWith('.rules.yml')).sort();

test('the saved promtool cases are there, of both kinds', () => {
  assert.ok(files.some((f) => f.startsWith('promql_')), 'no promql_*.yml in testdata');
  assert.ok(files.some((f) => f.startsWith('alerts_')), 'no alerts_*.yml in testdata');
});

test('Vigil passes every saved case under --promql-compat=2', async (t) => {
  for (const f of files) {
    await t.test(f, () => {
      const io = new CapturedIO();
      const ok = runUnitTestFile(join(TESTDATA, f), { compat: 2, run: null }, io);
      assert.ok(ok, io.combined);
    });
  }
});

test('promtool passes every saved case (its expectations are promtool\'s)', { skip: existsSync(PROMTOOL) ? false : `no ${PROMTOOL}` }, () => {
  const report = runPromtool(PROMTOOL, files.map((f) => join(TESTDATA, f)));
  for (const f of files) {
    assert.match(report.get(join(TESTDATA, f)) ?? '(no report)', /^ {2}SUCCESS$/m, `promtool on ${f}`);
  }
});

test('the generator is deterministic: a saved file is regenerated from its seed', () => {
  // Expectations differ (the saved file has them), but the input series come from the seed alone.
  const f = files.find((x) => x.startsWith('promql_'))!;
  const seed = Number(/_(\d+)\.yml$/.exec(f)![1]);
  const regenerated = renderTest(generatePromqlTest(seed, 25), 'x.rules.yml');
  const series = (text: string): string => text.slice(text.indexOf('input_series:'), text.indexOf('promql_expr_test:'));
  assert.equal(series(regenerated), series(readFileSync(join(TESTDATA, f), 'utf8')));
  const a = files.find((x) => x.startsWith('alerts_'))!;
  const aseed = Number(/_(\d+)\.yml$/.exec(a)![1]);
  assert.equal(renderRules(generateAlertTest(aseed, 25)), readFileSync(join(TESTDATA, a.replace(/\.yml$/, '.rules.yml')), 'utf8'));
});

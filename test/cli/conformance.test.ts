/**
 * The promtool 2.42 conformance sample (../shared/conformance): every file must pass
 * `vigil test rules --promql-compat=2`, as it passes promtool. A failure here is usually
 * in the engine or the rules, not the runner: the report shows exp vs got.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { vigil } from './helpers.js';

const CONFORMANCE = fileURLToPath(new URL('../../../../shared/conformance/', import.meta.url));
const present = existsSync(join(CONFORMANCE, 'promql'));
const skip = present ? false : `skipped: no conformance sample at ${CONFORMANCE} (it lives in the shared folder beside the checkout)`;

function files(sub: string, re: RegExp): string[] {
  return present ? readdirSync(join(CONFORMANCE, sub)).filter((f) => re.test(f)).sort().map((f) => join(sub, f)) : [];
}

const suites: [string, string[]][] = [
  ['promql', files('promql', /\.yml$/)],
  ['alerts', files('alerts', /^alerts_.*\.yml$/)],
];

for (const [name, list] of suites) {
  test(`conformance ${name}: every file passes under --promql-compat=2`, { skip }, async (t) => {
    assert.ok(list.length > 0, `no test files in ${join(CONFORMANCE, name)}`);
    for (const f of list) {
      await t.test(f, async () => {
        const { code, io } = await vigil(['test', 'rules', '--promql-compat=2', f], CONFORMANCE);
        assert.equal(code, 0, io.combined);
        assert.equal(io.combined, `Unit Testing:  ${f}\n  SUCCESS\n\n`);
      });
    }
  });
}

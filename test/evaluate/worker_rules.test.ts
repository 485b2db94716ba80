/** Rule sources: a bad rule set from vigil.rules or a bad file is reported and skipped, the rest kept. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RuleSources, type RuleSetProblem } from '../../src/evaluate/rules_source.js';

const GOOD = (name: string) => `groups:\n- name: ${name}\n  rules:\n  - alert: A\n    expr: up == 0\n`;

test('rule sources: topic rule sets add, replace, skip when bad (keeping the last good), and delete on tombstone', () => {
  const problems: RuleSetProblem[] = [];
  let changes = 0;
  const src = new RuleSources([], { onProblem: (p) => problems.push(p), onChange: () => void changes++ });
  src.applyTopicRecord('r', 'b', GOOD('gb'));
  src.applyTopicRecord('r', 'a', GOOD('ga'));
  assert.deepEqual(src.current().map((f) => `${f.path}:${f.file.groups[0]!.name}`), ['r:a:ga', 'r:b:gb']);
  src.applyTopicRecord('r', 'a', 'groups:\n- name: x\n  rules:\n  - alert: A\n    expr: up ==\n');
  assert.equal(problems.length, 1);
  assert.match(problems[0]!.source, /^r:a$/);
  assert.deepEqual(src.current().map((f) => f.file.groups[0]!.name), ['ga', 'gb'], 'last good version kept');
  assert.equal(src.problems.size, 1);
  src.applyTopicRecord('r', 'a', null);
  assert.deepEqual(src.current().map((f) => f.path), ['r:b']);
  assert.equal(src.problems.size, 0);
  assert.equal(changes, 3, 'a rejected rule set changes nothing');
});

test('rule sources: files from a directory; a broken file is reported, the others load; reload picks up fixes', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-rules-src-'));
  try {
    writeFileSync(join(dir, 'a.yml'), GOOD('ga'));
    writeFileSync(join(dir, 'b.yaml'), 'groups: [');
    writeFileSync(join(dir, 'notes.txt'), 'x');
    const problems: RuleSetProblem[] = [];
    const src = new RuleSources([dir], { onProblem: (p) => problems.push(p) });
    await src.reloadFiles();
    assert.deepEqual(src.current().map((f) => f.path), [join(dir, 'a.yml')]);
    assert.equal(problems[0]!.source, join(dir, 'b.yaml'));
    writeFileSync(join(dir, 'b.yaml'), GOOD('gb'));
    await src.reloadFiles();
    assert.deepEqual(src.current().map((f) => f.path), [join(dir, 'a.yml'), join(dir, 'b.yaml')]);
    assert.equal(src.problems.size, 0);
    await src.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

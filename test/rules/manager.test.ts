import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRuleFile, type RuleFile } from '../../src/rules/file.js';
import { RuleManager } from '../../src/rules/manager.js';
import { MIN, RecordingAppender, ScriptedEngine, scriptedContext } from './helpers.js';

function file(yaml: string): RuleFile {
  const res = parseRuleFile(yaml, 'rules.yml');
  assert.deepEqual(res.errors.map((e) => e.text), []);
  return res.file!;
}

const V1 = `
groups:
  - name: g
    rules:
      - alert: A
        expr: up == 0
        for: 5m
      - record: r
        expr: up
  - name: other
    rules:
      - record: o
        expr: up
`;

test('reload keeps unchanged groups as they are and carries alert state into changed ones', () => {
  const engine = new ScriptedEngine(() => [{ instance: 'a' }]);
  const app = new RecordingAppender();
  const ctx = scriptedContext(engine, app);
  const m = new RuleManager({ defaultInterval: MIN });
  m.update([{ path: 'rules.yml', file: file(V1) }]);
  for (const g of m.ruleGroups()) g.eval(0, ctx);
  const [g1, other1] = m.ruleGroups();

  // Same text: the very same group objects survive.
  m.update([{ path: 'rules.yml', file: file(V1) }]);
  assert.equal(m.ruleGroups()[0], g1);
  assert.equal(m.ruleGroups()[1], other1);

  // Changed expression of A and a dropped rule r; group "other" removed.
  m.update([{ path: 'rules.yml', file: file(`
groups:
  - name: g
    rules:
      - alert: A
        expr: up == 1
        for: 5m
`) }]);
  const [g2] = m.ruleGroups();
  assert.notEqual(g2, g1);
  assert.equal(m.ruleGroups().length, 1);
  const alert = m.alertingRules()[0]!;
  assert.equal(alert.activeAlerts()[0]!.activeAt, 0, 'pending time survives the reload');

  m.flushRemoved(MIN, ctx);
  g2!.eval(MIN, ctx);
  const stale = app.at(MIN).filter((a) => a.v === 'stale').map((a) => a.series).sort();
  assert.deepEqual(stale, ['o{instance="a"}', 'r{instance="a"}']);
  g2!.eval(5 * MIN, ctx);
  assert.equal(alert.activeAlerts()[0]!.state, 'firing');
});

test('group labels apply to rules, rule labels win', () => {
  const m = new RuleManager();
  m.update([{ path: 'f.yml', file: file(`
groups:
  - name: g
    labels: {team: infra, tier: "1"}
    rules:
      - alert: A
        expr: up == 0
        labels: {tier: "2"}
`) }]);
  const rule = m.alertingRules()[0]!;
  assert.deepEqual(rule.labels, [{ name: 'team', value: 'infra' }, { name: 'tier', value: '2' }]);
  assert.equal(m.ruleGroups()[0]!.interval, 60_000, 'the global default interval');
  assert.equal(m.ruleGroups()[0]!.key(), 'f.yml;g');
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergeRuleGroupJson, mergeRuleGroupLists, type RuleGroupJson } from '../../src/evaluate/api_json.js';

const group = (rules: { name: string; health: string; state?: string; lastError?: string; alerts?: unknown[] }[], file = 'f.yml'): RuleGroupJson => ({ name: 'g', file, rules });

test('merge of one group from several evaluators: worst health with its error, most active state, alerts joined', () => {
  const a = group([{ name: 'A', health: 'ok', state: 'inactive', alerts: [] }, { name: 'B', health: 'unknown' }]);
  const b = group([{ name: 'A', health: 'err', lastError: 'boom', state: 'pending', alerts: [1] }, { name: 'B', health: 'ok' }]);
  const c = group([{ name: 'A', health: 'ok', state: 'firing', alerts: [2, 3] }, { name: 'B', health: 'ok' }]);
  const [m] = mergeRuleGroupLists([[a], [b], [c]]);
  assert.deepEqual(m!.rules![0], { name: 'A', health: 'err', lastError: 'boom', state: 'firing', alerts: [1, 2, 3] });
  // unknown (not yet evaluated on some partition) outranks ok, as within one evaluator.
  assert.equal(m!.rules![1]!.health, 'unknown');
});

test('merge keeps the first evaluator\'s view when rule sets differ, and groups by file and name', () => {
  const a = group([{ name: 'A', health: 'ok' }]);
  const b = group([{ name: 'A', health: 'err' }, { name: 'New', health: 'ok' }]);
  assert.deepEqual(mergeRuleGroupJson(a, b), a);
  const other = group([{ name: 'A', health: 'err' }], 'other.yml');
  assert.equal(mergeRuleGroupLists([[a], [other]]).length, 2);
  // Inputs are not changed.
  mergeRuleGroupLists([[a], [group([{ name: 'A', health: 'err', alerts: [1] }])]]);
  assert.deepEqual(a.rules, [{ name: 'A', health: 'ok' }]);
});

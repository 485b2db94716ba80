// The silence list filter (GET /api/v2/silences?filter=...) as Alertmanager 0.25 applies it:
// a silence passes when each filter matcher equals one of its matchers (name, type, value).
// test/manager/peer_timeline.test.ts checks the same filters against a real Alertmanager.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { silenceMatchesFilter } from '../../src/manager/api/silences.js';
import { parseMatcher } from '../../src/manager/matchers.js';
import type { MatchType } from '../../src/promql/matcher.js';

const sil = (...ms: [string, MatchType, string][]) => ({ matchers: ms.map(([name, type, value]) => ({ name, type, value })) });
const passes = (s: ReturnType<typeof sil>, ...filter: string[]) => silenceMatchesFilter(s, filter.map(parseMatcher));

test('silence filter: every filter matcher must be one of the silence\'s matchers, type and value included', () => {
  const eq = sil(['job', '=', 'api']);
  const ne = sil(['job', '!=', 'api'], ['team', '=', 'db']);
  const re = sil(['job', '=~', 'api|web']);
  const nre = sil(['job', '!~', 'api.*'], ['team', '=', 'web']);
  assert.ok(passes(eq));
  assert.ok(passes(eq, 'job="api"'));
  assert.ok(!passes(eq, 'job!="api"'), 'same name and value, other type');
  assert.ok(!passes(eq, 'job=~"api"'), 'a filter regex is compared as text, not run');
  assert.ok(!passes(eq, 'job!="web"'), 'a != filter does not mean "silences that would not match web"');
  assert.ok(passes(ne, 'job!="api"'));
  assert.ok(!passes(ne, 'job="api"'));
  assert.ok(passes(ne, 'team="db"', 'job!="api"'), 'all filter matchers must be found');
  assert.ok(!passes(ne, 'team="db"', 'job="api"'));
  assert.ok(passes(re, 'job=~"api|web"'));
  assert.ok(!passes(re, 'job="api"'), 'the regex is not run against the filter value');
  assert.ok(!passes(re, 'job=~"api"'));
  assert.ok(passes(nre, 'job!~"api.*"'));
  assert.ok(passes(nre, 'team=web'), 'unquoted values parse as in amtool');
  assert.ok(!passes(nre, 'job!~"api"'));
  assert.ok(!passes(eq, 'other=""'), 'a label the silence does not name never passes, even an empty-value filter');
  assert.ok(!passes(eq, 'other!="x"'));
});

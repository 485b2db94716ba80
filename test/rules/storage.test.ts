// Rule groups over the real engine and MemoryStorage: what one rule writes, the next
// reads in the same cycle, and stale markers end series at once (not after the lookback).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Expr, VectorSelector } from '../../src/promql/ast.js';
import { Engine } from '../../src/promql/engine.js';
import { labelsFromRecord, labelsToString } from '../../src/promql/labels.js';
import { newMatcher } from '../../src/promql/matcher.js';
import { MemoryStorage } from '../../src/window/memory.js';
import { AlertingRule } from '../../src/rules/alerting.js';
import { RuleGroup } from '../../src/rules/group.js';
import { RecordingRule } from '../../src/rules/recording.js';
import type { RuleContext } from '../../src/rules/rule.js';
import { MIN } from './helpers.js';

/** `name{label="value", ...}` built by hand, so these tests do not depend on the parser. */
function selector(name: string, eq: Record<string, string> = {}): VectorSelector {
  return {
    kind: 'VectorSelector',
    pos: { start: 0, end: 0 },
    name,
    matchers: [newMatcher('=', '__name__', name), ...Object.entries(eq).map(([k, v]) => newMatcher('=', k, v))],
    offset: 0,
    timestamp: null,
    startOrEnd: null,
  };
}

function count(expr: Expr): Expr {
  return { kind: 'AggregateExpr', pos: { start: 0, end: 0 }, op: 'count', expr, param: null, grouping: [], without: false };
}

function setup(): { store: MemoryStorage; ctx: RuleContext } {
  const store = new MemoryStorage();
  return {
    store,
    ctx: { engine: new Engine(), querier: store, appender: store, externalLabels: {}, externalURL: '' },
  };
}

function instant(ctx: RuleContext, expr: Expr, t: number): string[] {
  const v = ctx.engine.instantQuery(ctx.querier, expr, t);
  assert.equal(v.type, 'vector');
  return v.type === 'vector' ? v.samples.map((s) => `${labelsToString(s.metric)} ${s.v}`) : [];
}

test('ALERTS written by an alerting rule are seen by the next rule in the same cycle', () => {
  const { store, ctx } = setup();
  const up = labelsFromRecord({ __name__: 'up', instance: 'a' });
  const alert = new AlertingRule({ name: 'Up', expr: selector('up'), exprText: 'up', holdDuration: MIN });
  const firingCount = new RecordingRule({
    name: 'firing_alerts',
    expr: count(selector('ALERTS', { alertstate: 'firing' })),
    exprText: 'count(ALERTS{alertstate="firing"})',
  });
  const g = new RuleGroup({ name: 'g', interval: MIN, query_offset: null, limit: 0, labels: {}, rules: [] }, {}, [alert, firingCount]);
  for (let t = 0; t <= 2 * MIN; t += MIN) {
    store.append(up, t, 1);
    g.eval(t, ctx);
  }
  // Pending at 0 (nothing firing, so no output), firing from 1m: counted in the same cycle.
  assert.deepEqual(instant(ctx, selector('firing_alerts'), MIN), ['firing_alerts 1']);
  assert.deepEqual(
    store.select([newMatcher('=', '__name__', 'firing_alerts')], 0, 10 * MIN).map((s) => Array.from(s.t)),
    [[MIN, 2 * MIN]],
  );
});

test('when an alert resolves its ALERTS series ends at once through a stale marker', () => {
  const { store, ctx } = setup();
  const up = labelsFromRecord({ __name__: 'up', instance: 'a' });
  const alert = new AlertingRule({ name: 'Up', expr: selector('up'), exprText: 'up' });
  const g = new RuleGroup({ name: 'g', interval: MIN, query_offset: null, limit: 0, labels: {}, rules: [] }, {}, [alert]);
  store.append(up, 0, 1);
  g.eval(0, ctx);
  store.appendStale(up, 30_000);
  g.eval(MIN, ctx);
  assert.equal(alert.currentAlerts()[0]!.state, 'inactive');
  assert.deepEqual(instant(ctx, selector('ALERTS'), 30_000), ['ALERTS{alertname="Up", alertstate="firing", instance="a"} 1']);
  // Without the marker, the 5m lookback would still show the alert at 1m.
  assert.deepEqual(instant(ctx, selector('ALERTS'), MIN), []);
  assert.deepEqual(instant(ctx, selector('ALERTS_FOR_STATE'), MIN), []);
});

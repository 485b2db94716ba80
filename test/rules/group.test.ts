import { test } from 'node:test';
import assert from 'node:assert/strict';
import { labelsFromRecord, labelsToString } from '../../src/promql/labels.js';
import { AlertingRule, type Alert } from '../../src/rules/alerting.js';
import { alignedEvalTime, nextEvalTime, RuleGroup } from '../../src/rules/group.js';
import { RecordingRule } from '../../src/rules/recording.js';
import type { Rule } from '../../src/rules/rule.js';
import type { RuleGroupSpec } from '../../src/rules/schema.js';
import { DUMMY_EXPR, MIN, RecordingAppender, ScriptedEngine, scriptedContext } from './helpers.js';

function spec(over: Partial<RuleGroupSpec> = {}): RuleGroupSpec {
  return { name: 'g', interval: MIN, query_offset: null, limit: 0, labels: {}, rules: [], ...over };
}

function recording(name: string, labels: Record<string, string> = {}): RecordingRule {
  return new RecordingRule({ name, expr: DUMMY_EXPR, exprText: 'x', labels: labelsFromRecord(labels) });
}

function group(rules: Rule[], over: Partial<RuleGroupSpec> = {}, opts = {}): RuleGroup {
  return new RuleGroup(spec(over), opts, rules);
}

test('aligned evaluation times are multiples of the interval', () => {
  assert.equal(alignedEvalTime(MIN, 0), 0);
  assert.equal(alignedEvalTime(MIN, 59_999), 0);
  assert.equal(alignedEvalTime(MIN, 60_000), 60_000);
  assert.equal(alignedEvalTime(MIN, -1), -60_000);
  assert.equal(nextEvalTime(MIN, 60_000), 120_000);
  assert.equal(nextEvalTime(MIN, 61_000), 120_000);
});

test('a recording rule names and labels its output; series it stops producing go stale', () => {
  let instances = ['a', 'b'];
  const engine = new ScriptedEngine(() => instances.map((i) => [{ __name__: 'up', instance: i }, 1] as [Record<string, string>, number]));
  const app = new RecordingAppender();
  const g = group([recording('instance:up', { team: 'x' })]);
  const ctx = scriptedContext(engine, app);
  g.eval(0, ctx);
  assert.deepEqual(app.at(0), [
    { series: 'instance:up{instance="a", team="x"}', t: 0, v: 1 },
    { series: 'instance:up{instance="b", team="x"}', t: 0, v: 1 },
  ]);
  instances = ['a'];
  g.eval(MIN, ctx);
  assert.deepEqual(app.at(MIN), [
    { series: 'instance:up{instance="a", team="x"}', t: MIN, v: 1 },
    { series: 'instance:up{instance="b", team="x"}', t: MIN, v: 'stale' },
  ]);
  g.eval(2 * MIN, ctx);
  assert.deepEqual(app.at(2 * MIN).map((a) => a.v), [1], 'a stale series is marked once');
  assert.equal(g.rules[0]!.health, 'ok');
  assert.equal(g.lastEvaluation, 2 * MIN);
});

test('a failing rule is unhealthy, writes nothing and marks nothing stale', () => {
  let fail = false;
  const engine = new ScriptedEngine(() => {
    if (fail) throw new Error('query timed out');
    return [{ instance: 'a' }];
  });
  const app = new RecordingAppender();
  const g = group([recording('r')]);
  const ctx = scriptedContext(engine, app);
  g.eval(0, ctx);
  fail = true;
  g.eval(MIN, ctx);
  assert.deepEqual(app.at(MIN), []);
  assert.equal(g.rules[0]!.health, 'err');
  assert.equal(g.rules[0]!.lastError!.message, 'query timed out');
  assert.equal(g.health(), 'err');
  fail = false;
  g.eval(2 * MIN, ctx);
  assert.equal(g.rules[0]!.health, 'ok');
  assert.equal(g.rules[0]!.lastError, null);
});

test('duplicate label sets and the series limit fail a recording rule', () => {
  const engine = new ScriptedEngine(() => [{ instance: 'a' }, { instance: 'b' }]);
  const g1 = group([recording('r', { instance: 'same' })]);
  g1.eval(0, scriptedContext(engine));
  assert.equal(g1.rules[0]!.lastError!.message, 'vector contains metrics with the same labelset after applying rule labels');
  const g2 = group([recording('r')], { limit: 1 });
  g2.eval(0, scriptedContext(engine));
  assert.equal(g2.rules[0]!.lastError!.message, 'exceeded limit of 1 with 2 series');
});

test('a resolved alert leaves a stale marker on its ALERTS series', () => {
  let present = true;
  const engine = new ScriptedEngine(() => (present ? [{ instance: 'a' }] : []));
  const app = new RecordingAppender();
  const g = group([new AlertingRule({ name: 'Down', expr: DUMMY_EXPR, exprText: 'x', holdDuration: MIN })]);
  const ctx = scriptedContext(engine, app);
  g.eval(0, ctx);
  g.eval(MIN, ctx);
  present = false;
  g.eval(2 * MIN, ctx);
  assert.deepEqual(app.log.map((a) => `${a.t / MIN} ${a.series} ${a.v}`), [
    '0 ALERTS{alertname="Down", alertstate="pending", instance="a"} 1',
    '0 ALERTS_FOR_STATE{alertname="Down", instance="a"} 0',
    '1 ALERTS{alertname="Down", alertstate="firing", instance="a"} 1',
    '1 ALERTS_FOR_STATE{alertname="Down", instance="a"} 0',
    '1 ALERTS{alertname="Down", alertstate="pending", instance="a"} stale',
    '2 ALERTS{alertname="Down", alertstate="firing", instance="a"} stale',
    '2 ALERTS_FOR_STATE{alertname="Down", instance="a"} stale',
  ]);
});

test('query_offset shifts queries, output and stale markers back; state times stay at t', () => {
  let present = true;
  const engine = new ScriptedEngine(() => (present ? [{ instance: 'a' }] : []));
  const app = new RecordingAppender();
  const alert = new AlertingRule({ name: 'A', expr: DUMMY_EXPR, exprText: 'x' });
  const g = group([recording('r'), alert], { query_offset: 30_000 });
  const ctx = scriptedContext(engine, app);
  g.eval(MIN, ctx);
  present = false;
  g.eval(2 * MIN, ctx);
  assert.deepEqual(engine.queriedAt, [30_000, 30_000, 90_000, 90_000]);
  assert.deepEqual([...new Set(app.log.map((a) => a.t))], [30_000, 90_000]);
  assert.ok(app.at(90_000).every((a) => a.v === 'stale'));
  assert.equal(alert.currentAlerts()[0]!.resolvedAt, 2 * MIN);
  assert.equal(g.queryOffset, 30_000);
});

test('rejected appends make the rule unhealthy and are not tracked for staleness', () => {
  const engine = new ScriptedEngine(() => [{ instance: 'a' }]);
  const appender = { append: () => 1, appendStale: () => 0 };
  const g = group([recording('r')]);
  g.eval(0, scriptedContext(engine, appender));
  assert.equal(g.rules[0]!.health, 'err');
  assert.equal(g.rules[0]!.lastError!.message, 'out of order sample');
});

test('notify receives alerts due for sending', () => {
  const engine = new ScriptedEngine(() => [{ instance: 'a' }]);
  const got: Alert[][] = [];
  const alert = new AlertingRule({ name: 'A', expr: DUMMY_EXPR, exprText: 'x', holdDuration: MIN });
  const g = group([alert], {}, { notify: (_g: RuleGroup, _r: AlertingRule, alerts: Alert[]) => got.push(alerts), resendDelay: MIN });
  const ctx = scriptedContext(engine);
  for (let t = 0; t <= 4 * MIN; t += MIN) g.eval(t, ctx);
  // Pending at 0; firing from 1m; resent when lastSent + 1m < t, i.e. every 2m.
  assert.deepEqual(got.map((as) => as.map((a) => `${a.state}@${a.lastSentAt! / MIN}`)), [['firing@1'], ['firing@3']]);
});

test('copyState: matching rules keep alerts and staleness; removed rules go stale', () => {
  const engine = new ScriptedEngine(() => [{ instance: 'a' }]);
  const app = new RecordingAppender();
  const ctx = scriptedContext(engine, app);
  const oldAlert = new AlertingRule({ name: 'A', expr: DUMMY_EXPR, exprText: 'x', holdDuration: 5 * MIN });
  const old = group([oldAlert, recording('gone')]);
  old.eval(0, ctx);
  const newAlert = new AlertingRule({ name: 'A', expr: DUMMY_EXPR, exprText: 'x > 0', holdDuration: 5 * MIN });
  const next = group([newAlert]);
  assert.equal(next.equals(old), false);
  next.copyState(old);
  assert.equal(newAlert.activeAlerts()[0]!.activeAt, 0);
  next.eval(MIN, ctx);
  assert.deepEqual(app.at(MIN).filter((a) => a.v === 'stale').map((a) => a.series), ['gone{instance="a"}']);
  next.eval(5 * MIN, ctx);
  assert.equal(newAlert.activeAlerts()[0]!.state, 'firing', 'the pending time before the reload counts');
});

test('groups compare equal when nothing that affects evaluation changed', () => {
  const a = group([recording('r', { x: '1' })]);
  const b = group([recording('r', { x: '1' })]);
  const c = group([recording('r', { x: '2' })]);
  assert.ok(a.equals(b));
  assert.ok(!a.equals(c));
  assert.ok(!a.equals(group([recording('r', { x: '1' })], { interval: 2 * MIN })));
  assert.equal(labelsToString(c.rules[0]!.labels), '{x="2"}');
});

test('a scalar result records one unlabelled sample; strings and matrices are errors', () => {
  const app = new RecordingAppender();
  let value: 'scalar' | 'string' = 'scalar';
  const engine = {
    instantQuery: (_q: unknown, _e: unknown, t: number) =>
      value === 'scalar' ? ({ type: 'scalar', t, v: 3 } as const) : ({ type: 'string', t, v: 'x' } as const),
  };
  const g = group([recording('three')]);
  g.eval(0, scriptedContext(engine, app));
  assert.deepEqual(app.log, [{ series: 'three', t: 0, v: 3 }]);
  value = 'string';
  g.eval(MIN, scriptedContext(engine, app));
  assert.equal(g.rules[0]!.lastError!.message, 'rule result is not a vector or scalar');
});

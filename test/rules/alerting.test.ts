import { test } from 'node:test';
import assert from 'node:assert/strict';
import { labelsFromRecord, labelsToString } from '../../src/promql/labels.js';
import { AlertingRule, RESOLVED_RETENTION_MS } from '../../src/rules/alerting.js';
import { DUMMY_EXPR, MIN, RecordingAppender, ScriptedEngine, scriptedContext } from './helpers.js';

function rule(opts: Partial<ConstructorParameters<typeof AlertingRule>[0]> = {}): AlertingRule {
  return new AlertingRule({ name: 'HighLoad', expr: DUMMY_EXPR, exprText: 'load > 1', ...opts });
}

/** Series present in [from, to) (ms), absent elsewhere. */
function presentDuring(...spans: [number, number][]) {
  return (t: number) => (spans.some(([a, b]) => t >= a && t < b) ? [{ __name__: 'load', instance: 'a' }] : []);
}

test('pending becomes firing exactly at the for boundary', () => {
  const r = rule({ holdDuration: 5 * MIN });
  const ctx = scriptedContext(new ScriptedEngine(presentDuring([0, 60 * MIN])));
  for (let t = 0; t < 5 * MIN; t += MIN) {
    const out = r.eval(t, ctx);
    assert.equal(r.activeAlerts()[0]!.state, 'pending', `at ${t / MIN}m`);
    assert.deepEqual(out.map((s) => labelsToString(s.metric)), [
      'ALERTS{alertname="HighLoad", alertstate="pending", instance="a"}',
      'ALERTS_FOR_STATE{alertname="HighLoad", instance="a"}',
    ]);
    assert.equal(out[1]!.v, 0);
  }
  const out = r.eval(5 * MIN, ctx);
  const [a] = r.activeAlerts();
  assert.equal(a!.state, 'firing');
  assert.equal(a!.activeAt, 0);
  assert.equal(a!.firedAt, 5 * MIN);
  assert.equal(labelsToString(out[0]!.metric), 'ALERTS{alertname="HighLoad", alertstate="firing", instance="a"}');
  assert.equal(r.state(), 'firing');
});

test('alert labels: metric name dropped, rule labels override, alertname set', () => {
  const r = rule({ labels: labelsFromRecord({ severity: 'page', instance: 'override' }) });
  const ctx = scriptedContext(new ScriptedEngine(() => [[{ __name__: 'load', instance: 'a', job: 'node' }, 3.5]]));
  r.eval(0, ctx);
  const [a] = r.activeAlerts();
  assert.equal(labelsToString(a!.labels), '{alertname="HighLoad", instance="override", job="node", severity="page"}');
  assert.equal(a!.value, 3.5);
  assert.equal(a!.state, 'firing', 'for: 0 fires at once');
});

test('a firing alert resolves, is retained 15m, then dropped', () => {
  const r = rule({ holdDuration: MIN });
  const ctx = scriptedContext(new ScriptedEngine(presentDuring([0, 3 * MIN])));
  for (let t = 0; t <= 3 * MIN; t += MIN) r.eval(t, ctx);
  assert.deepEqual(r.activeAlerts(), []);
  const [resolved] = r.currentAlerts();
  assert.equal(resolved!.state, 'inactive');
  assert.equal(resolved!.resolvedAt, 3 * MIN);
  assert.equal(resolved!.firedAt, MIN);
  assert.equal(r.state(), 'inactive');
  assert.deepEqual(r.eval(4 * MIN, ctx), [], 'no ALERTS for a resolved alert');
  r.eval(3 * MIN + RESOLVED_RETENTION_MS, ctx);
  assert.equal(r.currentAlerts().length, 1, 'kept at exactly the retention');
  assert.equal(r.currentAlerts()[0]!.resolvedAt, 3 * MIN, 'resolvedAt is not moved');
  r.eval(3 * MIN + RESOLVED_RETENTION_MS + MIN, ctx);
  assert.equal(r.currentAlerts().length, 0);
});

test('a pending alert that disappears is dropped without resolution', () => {
  const r = rule({ holdDuration: 10 * MIN });
  const ctx = scriptedContext(new ScriptedEngine(presentDuring([0, 2 * MIN])));
  r.eval(0, ctx);
  r.eval(MIN, ctx);
  r.eval(2 * MIN, ctx);
  assert.deepEqual(r.currentAlerts(), []);
});

test('a resolved alert that comes back is a new alert and pends again', () => {
  const r = rule({ holdDuration: 2 * MIN });
  const ctx = scriptedContext(new ScriptedEngine(presentDuring([0, 3 * MIN], [5 * MIN, 20 * MIN])));
  for (let t = 0; t <= 8 * MIN; t += MIN) {
    r.eval(t, ctx);
    const [a] = r.currentAlerts();
    if (t === 4 * MIN) assert.equal(a!.state, 'inactive');
    if (t === 5 * MIN || t === 6 * MIN) {
      assert.equal(a!.state, 'pending');
      assert.equal(a!.activeAt, 5 * MIN);
      assert.equal(a!.resolvedAt, null);
    }
    if (t === 7 * MIN) assert.equal(a!.state, 'firing');
  }
});

test('keep_firing_for keeps a firing alert until the period since it vanished passes', () => {
  const r = rule({ keepFiringFor: 3 * MIN });
  const ctx = scriptedContext(new ScriptedEngine(presentDuring([0, MIN], [2 * MIN, 3 * MIN])));
  const states: string[] = [];
  for (let t = 0; t <= 7 * MIN; t += MIN) {
    const out = r.eval(t, ctx);
    const [a] = r.currentAlerts();
    states.push(`${a!.state}:${a!.keepFiringSince === null ? '-' : a!.keepFiringSince / MIN}:${out.length}`);
  }
  // Present at 0 and 2m; gone at 1m (keep firing), back at 2m (reset), gone from 3m: resolved at 6m.
  assert.deepEqual(states, [
    'firing:-:2', 'firing:1:2', 'firing:-:2', 'firing:3:2', 'firing:3:2', 'firing:3:2', 'inactive:3:0', 'inactive:3:0',
  ]);
  assert.equal(r.currentAlerts()[0]!.resolvedAt, 6 * MIN);
});

test('keep_firing_for does not apply to pending alerts', () => {
  const r = rule({ holdDuration: 5 * MIN, keepFiringFor: 10 * MIN });
  const ctx = scriptedContext(new ScriptedEngine(presentDuring([0, MIN])));
  r.eval(0, ctx);
  r.eval(MIN, ctx);
  assert.deepEqual(r.currentAlerts(), []);
});

test('two samples with the same labels after relabelling are an error', () => {
  const r = rule({ labels: labelsFromRecord({ instance: 'x' }) });
  const ctx = scriptedContext(new ScriptedEngine(() => [{ instance: 'a' }, { instance: 'b' }]));
  assert.throws(() => r.eval(0, ctx), /^RuleEvalError: vector contains metrics with the same labelset after applying alert labels$/);
});

test('exceeding the limit drops all alerts', () => {
  const r = rule();
  const ctx = scriptedContext(new ScriptedEngine(() => [{ instance: 'a' }, { instance: 'b' }, { instance: 'c' }]));
  r.eval(0, ctx, { limit: 3 });
  assert.equal(r.activeAlerts().length, 3);
  assert.throws(() => r.eval(MIN, ctx, { limit: 2 }), /exceeded limit of 2 with 3 alerts/);
  assert.deepEqual(r.currentAlerts(), []);
});

test('query_offset: query at t - offset, samples stamped t - offset, activeAt stays t', () => {
  const engine = new ScriptedEngine(() => [{ instance: 'a' }]);
  const r = rule();
  const out = r.eval(10 * MIN, scriptedContext(engine), { queryOffset: MIN });
  assert.deepEqual(engine.queriedAt, [9 * MIN]);
  assert.deepEqual(out.map((s) => s.t), [9 * MIN, 9 * MIN]);
  assert.equal(r.activeAlerts()[0]!.activeAt, 10 * MIN);
  assert.equal(out[1]!.v, 600, 'ALERTS_FOR_STATE is activeAt in seconds');
});

test('not restored: no ALERTS series are produced', () => {
  const r = rule({ restored: false });
  const out = r.eval(0, scriptedContext(new ScriptedEngine(() => [{ instance: 'a' }])));
  assert.deepEqual(out, []);
  assert.equal(r.activeAlerts().length, 1);
});

test('sendAlerts: never pending, firing every resendDelay, resolved once more', () => {
  const r = rule({ holdDuration: MIN });
  const ctx = scriptedContext(new ScriptedEngine(presentDuring([0, 4 * MIN])));
  const sent: string[] = [];
  for (let t = 0; t <= 6 * MIN; t += MIN) {
    r.eval(t, ctx);
    for (const a of r.sendAlerts(t, 2 * MIN, MIN)) {
      sent.push(`${t / MIN}:${a.state}:${(a.validUntil! - t) / MIN}`);
    }
  }
  // Fires at 1m (sent), not again until lastSent+2m < t (4m is resolved: sent at once).
  assert.deepEqual(sent, ['1:firing:8', '4:inactive:8']);
});

test('state snapshots round-trip and continue the timeline', () => {
  const r = rule({ holdDuration: 5 * MIN });
  const ctx = scriptedContext(new ScriptedEngine(presentDuring([0, 60 * MIN])));
  r.eval(0, ctx);
  r.eval(MIN, ctx);
  const snap = JSON.parse(JSON.stringify(r.getState()));
  const restored = rule({ holdDuration: 5 * MIN });
  restored.setState(snap);
  assert.deepEqual(restored.currentAlerts(), r.currentAlerts());
  restored.eval(5 * MIN, ctx);
  assert.equal(restored.activeAlerts()[0]!.state, 'firing', 'activeAt 0 was kept');
  const minimal = rule({ holdDuration: 5 * MIN });
  minimal.setState([{ labels: { alertname: 'HighLoad', instance: 'a' }, activeAt: 0, firedAt: 5 * MIN }]);
  assert.equal(minimal.activeAlerts()[0]!.state, 'firing');
});

test('annotations and value follow the latest evaluation', () => {
  let v = 1;
  const engine = new ScriptedEngine(() => [[{ instance: 'a' }, v]]);
  const r = rule({ holdDuration: 10 * MIN });
  const ctx = scriptedContext(engine, new RecordingAppender());
  r.eval(0, ctx);
  v = 7;
  r.eval(MIN, ctx);
  assert.equal(r.activeAlerts()[0]!.value, 7);
  assert.equal(r.activeAlerts()[0]!.activeAt, 0);
});

test('outgoing alerts: startsAt is firedAt, endsAt validUntil or resolvedAt, generator URL escaped as Go', async () => {
  const { toOutgoingAlert } = await import('../../src/rules/notify.js');
  const r = rule({ holdDuration: MIN });
  const ctx = scriptedContext(new ScriptedEngine(presentDuring([0, 2 * MIN])));
  r.eval(0, ctx);
  r.eval(MIN, ctx);
  const [firing] = r.sendAlerts(MIN, MIN, MIN);
  const out = toOutgoingAlert(firing!, 'rate(x{a="b c"}[5m]) > 1', 'http://prom:9090');
  assert.equal(out.startsAt, MIN);
  assert.equal(out.endsAt, MIN + 4 * MIN);
  assert.equal(out.generatorURL, 'http://prom:9090/graph?g0.expr=rate%28x%7Ba%3D%22b+c%22%7D%5B5m%5D%29+%3E+1&g0.tab=1');
  r.eval(2 * MIN, ctx);
  const [resolved] = r.sendAlerts(2 * MIN, MIN, MIN);
  assert.equal(toOutgoingAlert(resolved!, 'x', '').endsAt, 2 * MIN);
});

test('labels and annotations are templated with $labels, $value, $externalLabels, $externalURL', () => {
  const r = rule({
    labels: labelsFromRecord({ severity: '{{ if gt $value 10.0 }}page{{ else }}ticket{{ end }}', copy: '{{ $labels.job }}' }),
    annotations: labelsFromRecord({
      summary: '{{ $labels.__name__ }} on {{ $labels.instance }} is {{ $value | humanize }}',
      link: '{{ $externalURL }}/alerts?dc={{ $externalLabels.dc }}',
    }),
  });
  const ctx = { ...scriptedContext(new ScriptedEngine(() => [[{ __name__: 'load', instance: 'a', job: 'node' }, 12345]])), externalLabels: { dc: 'eu1' } };
  r.eval(0, ctx);
  const [a] = r.activeAlerts();
  assert.equal(labelsToString(a!.labels), '{alertname="HighLoad", copy="node", instance="a", job="node", severity="page"}');
  assert.deepEqual(a!.annotations, [
    { name: 'link', value: 'http://vigil.example/alerts?dc=eu1' },
    { name: 'summary', value: 'load on a is 12.35k' },
  ]);
});

test('a template that fails leaves Prometheus\'s error text in the value', () => {
  const r = rule({ annotations: labelsFromRecord({ bad: '{{ $labels.instance | humanize }}' }) });
  r.eval(0, scriptedContext(new ScriptedEngine(() => [{ instance: 'not-a-number' }])));
  const value = r.activeAlerts()[0]!.annotations[0]!.value;
  assert.match(value, /^<error expanding template: error executing template __alert_HighLoad: template: __alert_HighLoad:1:.*>$/);
});

test('a templated label that empties drops the label; templates can make labelsets collide', () => {
  const r = rule({ labels: labelsFromRecord({ instance: '{{ if eq $labels.instance "a" }}{{ end }}' }) });
  r.eval(0, scriptedContext(new ScriptedEngine(() => [{ instance: 'a', job: 'x' }])));
  assert.equal(labelsToString(r.activeAlerts()[0]!.labels), '{alertname="HighLoad", job="x"}');
  const collide = rule({ labels: labelsFromRecord({ instance: 'all' }) });
  assert.throws(() => collide.eval(0, scriptedContext(new ScriptedEngine(() => [{ instance: 'a' }, { instance: 'b' }]))), /same labelset/);
});

test('the query template function runs through the rule\'s engine at the evaluation time', () => {
  const engine = new ScriptedEngine(() => [[{ instance: 'a' }, 42]]);
  const r = rule({ annotations: labelsFromRecord({ q: '{{ with query "up" }}{{ . | first | value }}{{ end }}' }) });
  r.eval(5 * MIN, scriptedContext(engine), { queryOffset: MIN });
  assert.equal(r.activeAlerts()[0]!.annotations[0]!.value, '42');
  assert.deepEqual(engine.queriedAt, [4 * MIN, 5 * MIN], 'rule query at t - offset, template query at t');
});

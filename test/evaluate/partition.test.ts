/** The partition evaluator: timelines, re-sends, snapshot/restore takeover, reloads, ingest errors. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CapturedIO } from '../../src/cli/io.js';
import { runUnitTestFile } from '../../src/cli/unittest/runner.js';
import { labelsFromRecord, type Labels } from '../../src/promql/labels.js';
import { newMatcher } from '../../src/promql/matcher.js';
import { decodeSnapshot, encodeSnapshot, replayStartTime } from '../../src/evaluate/snapshot.js';
import { decodeAlertEvent, encodeAlertEvent, type AlertEvent } from '../../src/evaluate/event.js';
import { PartitionEvaluator, type SeriesRefs } from '../../src/evaluate/partition.js';
import { MIN, play, ruleFile, series, timeline } from './helpers.js';

const HIGH = `
groups:
  - name: g
    rules:
      - alert: High
        expr: metric > 10
        for: 5m
        labels: { severity: page }
        annotations: { summary: '{{ $labels.instance }} is at {{ $value }}' }
`;

test('alerts pend and fire at the same evaluation times as vigil test rules says', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-eval-'));
  writeFileSync(join(dir, 'rules.yml'), HIGH);
  const input = { 'metric{instance="a", tenant="t1"}': '0 0 20x10 0x5', 'metric{instance="b", tenant="t2"}': '0x4 30x12' };
  const yamlSeries = Object.entries(input).map(([s, v]) => `      - series: '${s}'\n        values: '${v}'`).join('\n');
  const exp = (inst: string, tenant: string, v: number) =>
    `          - exp_labels: { severity: page, instance: ${inst}, tenant: ${tenant} }\n            exp_annotations: { summary: '${inst} is at ${v}' }`;
  // a is above 10 from 2m to 12m: pending 2m..6m, firing 7m..12m; b from 5m: firing from 10m.
  writeFileSync(join(dir, 'rules.test.yml'), `rule_files: [rules.yml]
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
${yamlSeries}
    alert_rule_test:
      - { eval_time: 6m, alertname: High, exp_alerts: [] }
      - eval_time: 7m
        alertname: High
        exp_alerts:
${exp('a', 't1', 20)}
      - eval_time: 10m
        alertname: High
        exp_alerts:
${exp('a', 't1', 20)}
${exp('b', 't2', 30)}
      - eval_time: 13m
        alertname: High
        exp_alerts:
${exp('b', 't2', 30)}
`);
  const io = new CapturedIO();
  assert.equal(runUnitTestFile(join(dir, 'rules.test.yml'), { compat: 3, run: null }, io), true, io.combined);

  const ev = new PartitionEvaluator([ruleFile(HIGH)], { evaluateFrom: 0 });
  const events = play(ev, series(input), 0, 16 * MIN);
  const changes = (inst: string) => timeline(events.filter((e) => e.labels.instance === inst && !e.resend));
  assert.deepEqual(changes('a'), ['pending@2', 'firing@7', 'resolved@13']);
  assert.deepEqual(changes('b'), ['pending@5', 'firing@10']);
  const firstFiring = events.find((e) => e.state === 'firing')!;
  assert.equal(firstFiring.activeAt, 2 * MIN);
  assert.equal(firstFiring.firedAt, 7 * MIN);
  assert.equal(firstFiring.tenant, 't1');
  assert.equal(firstFiring.annotations.summary, 'a is at 20');
  assert.deepEqual(firstFiring.rule, { group: 'g', file: 'rules.yml', name: 'High' });
  assert.deepEqual(firstFiring.source, { partition: 0, offset: 7 });
  assert.equal(firstFiring.generatorURL, '/graph?g0.expr=metric+%3E+10&g0.tab=1');
});

test('firing alerts are re-sent per the resend delay, resolved ones until retention ends', () => {
  const rules = ruleFile('groups: [{ name: g, rules: [{ alert: Up, expr: up == 1 }] }]');
  const ev = new PartitionEvaluator([rules], { evaluateFrom: 0, resendDelay: MIN });
  const events = play(ev, series({ 'up{instance="x"}': '1x9 0x30' }), 0, 30 * MIN);
  // Prometheus re-sends when lastSent + resendDelay is strictly before now: every 2m at a 1m interval.
  assert.deepEqual(timeline(events), [
    'firing@0', 'firing+@2', 'firing+@4', 'firing+@6', 'firing+@8',
    'resolved@10', 'resolved+@12', 'resolved+@14', 'resolved+@16', 'resolved+@18', 'resolved+@20', 'resolved+@22', 'resolved+@24',
  ]);
  const resolved = events.find((e) => e.state === 'resolved')!;
  assert.equal(resolved.resolvedAt, 10 * MIN);
  assert.equal(resolved.firedAt, 0);
  assert.equal(events[0]!.validUntil, 4 * MIN, 'valid for 4 × max(interval, resendDelay)');
});

test('a pending alert whose condition stops ends with a resolved event that never fired', () => {
  const ev = new PartitionEvaluator([ruleFile(HIGH)], { evaluateFrom: 0 });
  const events = play(ev, series({ 'metric{instance="a"}': '20x3 0x3' }), 0, 6 * MIN);
  assert.deepEqual(timeline(events), ['pending@0', 'resolved@4']);
  assert.equal(events[1]!.firedAt, null);
  assert.equal(events[1]!.activeAt, 0);
});

const FOR10 = `
groups:
  - name: g
    rules:
      - alert: Slow
        expr: rate(work_total[5m]) > 1
        for: 10m
`;

test('snapshot and restore: a successor replaying from the snapshot fires at the same time and repeats nothing', () => {
  const input = series({ 'work_total{instance="a"}': '0+30x120', 'work_total{instance="b"}': '0+5x120' }, 15_000);
  const full = new PartitionEvaluator([ruleFile(FOR10)], { evaluateFrom: 0, resendDelay: MIN });
  const uninterrupted = play(full, input, 0, 30 * MIN, 15_000);
  // rate over 5m divides by the whole range: 2/s × (elapsed + 7.5s extrapolation) / 5m passes 1 at 3m.
  assert.deepEqual(timeline(uninterrupted.filter((e) => !e.resend)), ['pending@3', 'firing@13']);

  const first = new PartitionEvaluator([ruleFile(FOR10)], { evaluateFrom: 0, resendDelay: MIN });
  const before = play(first, input, 0, 9 * MIN, 15_000); // pending for 6 minutes
  assert.deepEqual(timeline(before), ['pending@3']);
  const snap = decodeSnapshot(encodeSnapshot(first.snapshot()));
  assert.equal(snap.watermark, 9 * MIN);
  assert.equal(snap.windowLength, 5 * MIN, 'the 5m range; at least the 5m lookback');

  const second = new PartitionEvaluator([ruleFile(FOR10)], { resendDelay: MIN });
  second.restore(snap);
  const from = Math.max(0, replayStartTime(snap)!);
  const after = play(second, input, from, 30 * MIN, 15_000);
  assert.ok(after.length > 0 && after.every((e) => e.evalTime > 9 * MIN), 'nothing at or before the snapshot is emitted again');
  const strip = (es: AlertEvent[]) => es.map((e) => ({ ...e, source: null }));
  assert.deepEqual(strip([...before, ...after]), strip(uninterrupted));
});

test('restore with emitAfter suppresses events a predecessor already committed', () => {
  const input = series({ 'work_total{instance="a"}': '0+30x120' }, 15_000);
  const first = new PartitionEvaluator([ruleFile(FOR10)], { evaluateFrom: 0 });
  play(first, input, 0, 9 * MIN, 15_000);
  const second = new PartitionEvaluator([ruleFile(FOR10)]);
  second.restore(first.snapshot(), { emitAfter: 13 * MIN });
  const after = play(second, input, 0, 15 * MIN, 15_000);
  assert.deepEqual(timeline(after), ['firing+@15'], 'firing@13 was committed by the predecessor');
});

test('the same input gives the same events', () => {
  const input = series({ 'metric{instance="a"}': '0 20x8 0x4 20x8', 'metric{instance="b"}': '20x20' });
  const run = () => play(new PartitionEvaluator([ruleFile(HIGH)], { evaluateFrom: 0 }), input, 0, 20 * MIN);
  assert.deepEqual(run(), run());
});

test('reloading unchanged rules keeps pending state; the window follows the new rules', () => {
  const input = series({ 'metric{instance="a"}': '20x20' });
  const ev = new PartitionEvaluator([ruleFile(HIGH)], { evaluateFrom: 0 });
  play(ev, input, 0, 3 * MIN);
  ev.reloadRules([ruleFile(HIGH), ruleFile('groups: [{ name: h, rules: [{ alert: Long, expr: "max_over_time(metric[2h]) > 0" }] }]', 'more.yml')]);
  assert.equal(ev.windowLength, 2 * 60 * MIN);
  const events = play(ev, input, 4 * MIN, 6 * MIN);
  const high = events.filter((e) => e.rule.name === 'High');
  assert.deepEqual(timeline(high), ['firing@5'], 'still pending since 0 after the reload');
  const long = events.filter((e) => e.rule.name === 'Long');
  assert.deepEqual(timeline(long), ['firing@4', 'firing+@6'], 'a new group starts at the next slot');
});

test('out-of-order, duplicate and malformed samples are counted, not thrown', () => {
  const ev = new PartitionEvaluator([ruleFile(HIGH)]);
  const l = labelsFromRecord({ __name__: 'metric', instance: 'a' });
  const res = ev.ingest([
    { labels: l, t: 2000, v: 1 },
    { labels: l, t: 1000, v: 1 },
    { labels: l, t: 2000, v: 5 },
    { labels: [{ name: 'b', value: '1' }, { name: 'a', value: '2' }], t: 1, v: 1 },
    { labels: [], t: 1, v: 1 },
    { labels: l, t: 2.5, v: 1 },
  ]);
  assert.deepEqual(res, { appended: 1, outOfOrder: 1, duplicate: 1, invalid: 3 });
  assert.deepEqual(ev.stats().ingested, res);
});

test('appendSamples counts as ingest does, creates series only for samples, and re-resolves refs truncation killed', () => {
  const ev = new PartitionEvaluator([ruleFile(HIGH)]);
  const labels: Labels[] = [
    labelsFromRecord({ __name__: 'metric', instance: 'a' }),
    [{ name: 'b', value: '1' }, { name: 'a', value: '2' }],
    labelsFromRecord({ __name__: 'metric', instance: 'never' }),
  ];
  const refs = labels.map(() => -1);
  const cache: SeriesRefs = { refOf: (e) => refs[e]!, setRef: (e, ref) => void (refs[e] = ref), labelsOf: (e) => labels[e]! };
  // From 1: in order, out of order, duplicate, NaN, invalid time, stale (its value ignored).
  const ts = Float64Array.of(0, 2000, 1000, 2000, 3000, 2.5, 4000);
  const vs = Float64Array.of(0, 1, 1, 5, NaN, 1, 7);
  const stale = Uint8Array.of(0, 0, 0, 0, 0, 0, 1);
  ev.appendSamples(cache, 0, ts, vs, stale, 1, 7);
  assert.deepEqual(ev.stats().ingested, { appended: 3, outOfOrder: 1, duplicate: 1, invalid: 1 });
  ev.appendSamples(cache, 1, ts, vs, stale, 1, 4);
  assert.deepEqual(ev.stats().ingested, { appended: 3, outOfOrder: 1, duplicate: 1, invalid: 4 }, 'a malformed label set: every sample invalid');
  ev.appendSamples(cache, 2, ts, vs, stale, 3, 3);
  assert.equal(refs[2], -1);
  assert.equal(ev.stats().window.series, 1, 'an empty run creates no series');
  const metric = newMatcher('=', '__name__', 'metric');
  const got = ev.querier.select([metric], 0, Infinity);
  assert.deepEqual(got.map((d) => [Array.from(d.t), Array.from(d.stale ?? [])]), [[[2000, 3000, 4000], [0, 0, 1]]]);

  const old = refs[0]!;
  ev.advance(24 * 60 * MIN);
  assert.equal(ev.stats().window.series, 0, 'the series expired');
  ev.appendSamples(cache, 0, Float64Array.of(24 * 60 * MIN), Float64Array.of(1), Uint8Array.of(0), 0, 1);
  assert.notEqual(refs[0], old, 'the ref was resolved again');
  assert.equal(ev.stats().ingested.appended, 4);
  assert.deepEqual(ev.querier.select([metric], 0, Infinity).map((d) => Array.from(d.t)), [[24 * 60 * MIN]]);
});

test('the watermark never goes back and truncation drops series no rule can read', () => {
  const ev = new PartitionEvaluator([ruleFile(HIGH)], { evaluateFrom: 0 });
  play(ev, series({ 'metric{instance="gone"}': '1x5', 'metric{instance="stays"}': '1x200' }), 0, 200 * MIN);
  assert.deepEqual(ev.advance(100 * MIN), []);
  assert.equal(ev.watermark, 200 * MIN);
  const names = ev.querier.select([], -Infinity, Infinity).map((s) => s.labels.find((l) => l.name === 'instance')?.value);
  assert.ok(!names.includes('gone'), `stale series truncated, got ${names.join(',')}`);
  assert.ok(names.includes('stays'));
  assert.ok(ev.stats().window.series < 4);
});

test('events survive their JSON encoding, non-finite values included', () => {
  const ev = new PartitionEvaluator([ruleFile('groups: [{ name: g, rules: [{ alert: Inf, expr: "metric / 0" }] }]')], { evaluateFrom: 0 });
  const [e] = play(ev, series({ 'metric{instance="a"}': '1' }), 0, 0);
  assert.equal(e!.value, Infinity);
  const back = decodeAlertEvent(encodeAlertEvent(e!));
  assert.deepEqual(back, e);
  assert.throws(() => decodeAlertEvent('{"fingerprint": 1}'), /field "fingerprint"/);
});

test('a partition that never held a sample evaluates nothing: absent() rules stay quiet until data arrives', () => {
  const ABSENT = `
groups:
  - name: g
    rules:
      - alert: NodeAbsent
        expr: absent(up{job="node"})
`;
  const ev = new PartitionEvaluator([ruleFile(ABSENT)], { evaluateFrom: 0 });
  for (let t = 0; t <= 10 * MIN; t += MIN) assert.deepEqual(ev.advance(t), [], `ticks only, at ${t / MIN}m`);
  // Another tenant's data lands in the partition: from then on absent() has something to say.
  ev.ingest([{ labels: labelsFromRecord({ __name__: 'up', job: 'other', tenant: 't1' }), t: 10 * MIN + 1000, v: 1 }]);
  const events = ev.advance(11 * MIN);
  assert.deepEqual(events.map((e) => [e.labels.alertname, e.state, e.evalTime]), [['NodeAbsent', 'firing', 11 * MIN]]);
});

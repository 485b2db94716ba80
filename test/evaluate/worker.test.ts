/** The partition worker without Kafka: records in, watermark and events out, deterministic. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { labelsFromRecord } from '../../src/promql/labels.js';
import { encodeSamples, encodeTick } from '../../src/kafka/samples_codec.js';
import { PartitionEvaluator } from '../../src/evaluate/partition.js';
import { decodeCommitMetadata, encodeCommitMetadata, PartitionWorker } from '../../src/evaluate/worker.js';
import { MIN, ruleFile } from './helpers.js';

const RULES = ruleFile(`
groups:
- name: g
  interval: 10s
  rules:
  - alert: Hot
    expr: temp > 50
    for: 1m
`);
const T0 = 1_700_000_040_000 - (1_700_000_040_000 % MIN);
const temp = (tenant: string) => labelsFromRecord({ __name__: 'temp', tenant });

/** Records of a timeline: every 10 s a tick and a sample per tenant. */
function records(n: number, value: (i: number) => number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < n; i++) {
    const t = T0 + i * 10_000;
    out.push(encodeSamples('a', [{ labels: temp('a'), samples: [{ t, v: value(i) }] }]));
    out.push(encodeTick(t));
  }
  return out;
}

function run(w: PartitionWorker, recs: Buffer[], from = 0) {
  return recs.flatMap((r, i) => (i < from ? [] : w.apply(i, r)));
}

test('worker: ticks and samples move the watermark; events are those of the evaluator', () => {
  const w = new PartitionWorker(new PartitionEvaluator([RULES]));
  const events = run(w, records(12, () => 100));
  assert.equal(w.watermark, T0 + 110_000);
  const states = events.map((e) => `${e.state}@${(e.evalTime - T0) / 1000}`);
  assert.deepEqual(states, ['pending@0', 'firing@60']);
  assert.equal(w.stats.ticks, 12);
  // Re-delivered offsets are skipped.
  assert.deepEqual(w.apply(3, encodeTick(T0 + 999_000)), []);
  assert.equal(w.watermark, T0 + 110_000);
});

test('worker: a sample from the future moves the watermark at most futureSlack past the last tick', () => {
  const w = new PartitionWorker(new PartitionEvaluator([RULES]), { futureSlackMs: 5_000 });
  w.apply(0, encodeTick(T0));
  w.apply(1, encodeSamples('b', [{ labels: temp('b'), samples: [{ t: T0 + 3_600_000, v: 1 }] }]));
  assert.equal(w.watermark, T0 + 5_000);
  assert.equal(w.stats.futureSamples, 1);
  const bad = w.apply(2, Buffer.from([1, 9]));
  assert.deepEqual(bad, []);
  assert.equal(w.stats.decodeErrors, 1);
  assert.match(w.lastDecodeError ?? '', /partition 0 offset 2: unknown record kind 9/);
});

test('worker: evaluation delay holds slots back until the watermark passes slot + delay', () => {
  const w = new PartitionWorker(new PartitionEvaluator([RULES]), { evaluationDelayMs: 15_000 });
  const ev = run(w, records(3, () => 100));
  assert.equal(w.evaluator.watermark, T0 + 20_000 - 15_000);
  assert.deepEqual(ev.map((e) => e.evalTime), [T0]);
});

test('worker: restore from a snapshot mid-way gives the same events after it as an uninterrupted run', () => {
  const recs = records(40, (i) => (i < 25 ? 100 : 0));
  const whole = run(new PartitionWorker(new PartitionEvaluator([RULES])), recs);
  const first = new PartitionWorker(new PartitionEvaluator([RULES]));
  const before = run(first, recs.slice(0, 20));
  const snap = first.takeSnapshot();
  const meta = decodeCommitMetadata(encodeCommitMetadata(first.commitMetadata()));
  assert.equal(meta.evaluatedThrough, snap.watermark);
  // Successor: restore, replay from (snapshot − window) — here from the start — and go on.
  const ev = new PartitionEvaluator([RULES]);
  ev.restore(snap, { emitAfter: meta.evaluatedThrough! });
  const second = new PartitionWorker(ev, {}, { snapshot: snap, committed: meta });
  const after = run(second, recs);
  assert.deepEqual([...before, ...after].map((e) => `${e.state}@${e.evalTime}`), whole.map((e) => `${e.state}@${e.evalTime}`));
  assert.ok(after.some((e) => e.state === 'resolved'));
  assert.deepEqual(decodeCommitMetadata('garbage'), { evaluatedThrough: null });
  assert.deepEqual(decodeCommitMetadata(null), { evaluatedThrough: null });
});

test('worker: a shadow taking over from an owner that committed further suppresses what the owner produced, and says so in its commit', () => {
  const recs = records(12, () => 100);
  // The shadow follows the log and computes the owner's events itself (pending@0, firing@60).
  const shadow = new PartitionWorker(new PartitionEvaluator([RULES]));
  assert.deepEqual(run(shadow, recs.slice(0, 8)).map((e) => e.state), ['pending']);
  // The owner had produced everything through 70 s when it died; the shadow is at 30 s.
  shadow.producedThrough(T0 + 70_000);
  const after = run(shadow, recs, 8);
  assert.deepEqual(after.filter((e) => !e.resend).map((e) => e.state), [], 'firing@60 was the owner\'s: not emitted again');
  assert.ok(after.every((e) => e.evalTime > T0 + 70_000));
  assert.equal(decodeCommitMetadata(encodeCommitMetadata(shadow.commitMetadata())).evaluatedThrough, T0 + 110_000);
  // A shadow behind an owner that committed less keeps its own later events.
  const early = new PartitionWorker(new PartitionEvaluator([RULES]));
  run(early, recs.slice(0, 8));
  early.producedThrough(T0 + 20_000);
  assert.deepEqual(run(early, recs, 8).filter((e) => !e.resend).map((e) => `${e.state}@${(e.evalTime - T0) / 1000}`), ['firing@60']);
});

/** Engine API tests: result shapes, option handling, errors, the functions table. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Engine, EvalError } from '../../src/promql/engine.js';
import { FUNCTIONS } from '../../src/promql/functions.js';
import { labelsFromRecord } from '../../src/promql/labels.js';
import { parseExpr } from '../../src/promql/parser.js';
import { FUNCTION_SIGNATURES } from '../../src/promql/signatures.js';
import { MemoryStorage } from '../../src/window/memory.js';

const MIN = 60_000;

function storage(): MemoryStorage {
  const st = new MemoryStorage();
  for (let i = 0; i <= 10; i++) {
    st.append(labelsFromRecord({ __name__: 'up', job: 'a' }), i * MIN, 1);
    st.append(labelsFromRecord({ __name__: 'up', job: 'b' }), i * MIN, i % 2);
  }
  return st;
}

const q = (s: string) => parseExpr(s, { experimentalFunctions: true });

test('every function signature has an implementation and vice versa', () => {
  assert.deepEqual(Object.keys(FUNCTIONS).sort(), Object.keys(FUNCTION_SIGNATURES).sort());
});

test('instant query result types', () => {
  const e = new Engine();
  const st = storage();
  assert.deepEqual(e.instantQuery(st, q('1 + 2'), 5 * MIN), { type: 'scalar', t: 5 * MIN, v: 3 });
  assert.deepEqual(e.instantQuery(st, q('"x"'), 5 * MIN), { type: 'string', t: 5 * MIN, v: 'x' });
  const v = e.instantQuery(st, q('up'), 5 * MIN);
  assert.equal(v.type, 'vector');
  if (v.type !== 'vector') return;
  assert.equal(v.samples.length, 2);
  for (const s of v.samples) assert.equal(s.t, 5 * MIN);
  const m = e.instantQuery(st, q('up{job="b"}[3m]'), 5 * MIN);
  assert.equal(m.type, 'matrix');
  if (m.type !== 'matrix') return;
  assert.deepEqual(m.series[0]!.t, [3 * MIN, 4 * MIN, 5 * MIN]);
  assert.deepEqual(m.series[0]!.v, [1, 0, 1]);
});

test('range query sorts series and rejects range vectors', () => {
  const e = new Engine();
  const st = storage();
  const r = e.rangeQuery(st, q('up * 2'), 0, 2 * MIN, MIN);
  assert.deepEqual(r.series.map((s) => s.metric), [labelsFromRecord({ job: 'a' }), labelsFromRecord({ job: 'b' })]);
  assert.deepEqual(r.series[1]!.v, [0, 2, 0]);
  assert.throws(() => e.rangeQuery(st, q('up[5m]'), 0, MIN, MIN),
    new EvalError('invalid expression type "range vector" for range query, must be Scalar or instant Vector'));
});

test('lookback delta and compat boundaries', () => {
  const st = new MemoryStorage();
  st.append(labelsFromRecord({ __name__: 'x' }), 0, 1);
  assert.equal((new Engine({ compat: 3 }).instantQuery(st, q('x'), 5 * MIN) as { samples: unknown[] }).samples.length, 0);
  assert.equal((new Engine({ compat: 2 }).instantQuery(st, q('x'), 5 * MIN) as { samples: unknown[] }).samples.length, 1);
  assert.equal((new Engine({ lookbackDelta: 10 * MIN }).instantQuery(st, q('x'), 7 * MIN) as { samples: unknown[] }).samples.length, 1);
});

test('maxSamples bounds what a query may load', () => {
  const e = new Engine({ maxSamples: 5 });
  assert.throws(() => e.instantQuery(storage(), q('up[10m]'), 10 * MIN),
    new EvalError('query processing would load too many samples into memory in query execution'));
  assert.doesNotThrow(() => e.instantQuery(storage(), q('up'), 10 * MIN));
});

test('default subquery step comes from the options', () => {
  const st = storage();
  const count = (e: Engine) => {
    const v = e.instantQuery(st, q('count_over_time(up{job="a"}[10m:])'), 10 * MIN);
    return v.type === 'vector' ? v.samples[0]!.v : NaN;
  };
  assert.equal(count(new Engine()), 10);
  assert.equal(count(new Engine({ noStepSubqueryInterval: 2 * MIN })), 5);
});

test('evaluates rules over many series quickly', () => {
  const st = new MemoryStorage();
  const n = 20_000;
  for (let i = 0; i < n; i++) {
    const ls = labelsFromRecord({ __name__: 'http_requests_total', job: `j${i % 50}`, instance: `i${i}` });
    for (let k = 0; k <= 10; k++) st.append(ls, k * MIN, k * (i % 7));
  }
  const e = new Engine();
  const expr = q('sum by (job) (rate(http_requests_total[5m])) > 0');
  e.instantQuery(st, expr, 10 * MIN);
  const t0 = performance.now();
  const v = e.instantQuery(st, expr, 10 * MIN);
  const ms = performance.now() - t0;
  assert.equal(v.type === 'vector' ? v.samples.length : -1, 50);
  assert.ok(ms < 2000, `took ${ms} ms`);
});

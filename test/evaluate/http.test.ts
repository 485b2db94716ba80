/** The evaluator's HTTP API: Prometheus's response and error shapes, called in-process. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { createEvaluatorApi, createEvaluatorServer, inject } from '../../src/evaluate/http.js';
import { PartitionEvaluator } from '../../src/evaluate/partition.js';
import { formatGoFloatE, formatGoFloatF, formatGoFloatG } from '../../src/http/gofloat.js';
import { formatRFC3339, parseDurationParam, parseTimeParam } from '../../src/http/params.js';
import { MIN, play, ruleFile, series } from './helpers.js';

const RULES = `
groups:
  - name: g
    interval: 1m
    rules:
      - record: job:metric:sum
        expr: sum by (job) (metric)
      - alert: High
        expr: metric > 10
        for: 2m
        labels: { severity: page }
        annotations: { summary: 'high on {{ $labels.instance }}' }
      - alert: Broken
        expr: metric{instance="a"} + on() group_left metric
`;

function setup() {
  const ev = new PartitionEvaluator([ruleFile(RULES)], { evaluateFrom: 0 });
  const events = play(ev, series({ 'metric{job="j", instance="a"}': '20x10', 'metric{job="j", instance="b"}': '1x7 15x2' }), 0, 10 * MIN);
  return { ev, events, api: createEvaluatorApi({ evaluators: () => [ev] }) };
}

const json = (body: string) => JSON.parse(body) as Record<string, any>;

test('instant query at the watermark by default, at `time` when given', async () => {
  const { api } = setup();
  const res = await inject(api, 'GET', '/api/v1/query?query=metric');
  assert.equal(res.status, 200);
  assert.equal(res.headers['content-type'], 'application/json');
  const body = json(res.body);
  assert.equal(body.status, 'success');
  assert.equal(body.data.resultType, 'vector');
  const byInst = Object.fromEntries(body.data.result.map((r: any) => [r.metric.instance, r.value]));
  assert.deepEqual(byInst, { a: [600, '20'], b: [600, '15'] });
  const at = json((await inject(api, 'GET', '/api/v1/query?query=metric%7Binstance%3D%22b%22%7D&time=420')).body);
  assert.deepEqual(at.data.result[0].value, [420, '1']);
  const post = await inject(api, 'POST', '/api/v1/query', 'query=1%2F4&time=2024-01-01T00:00:00.5Z');
  assert.deepEqual(json(post.body).data, { resultType: 'scalar', result: [1704067200.5, '0.25'] });
  const range = json((await inject(api, 'GET', '/api/v1/query?query=metric%7Binstance%3D%22a%22%7D%5B2m%5D&time=600')).body);
  assert.equal(range.data.resultType, 'matrix');
  assert.deepEqual(range.data.result[0].values, [[540, '20'], [600, '20']]);
});

test('bad PromQL and bad parameters answer 400 with Prometheus error JSON', async () => {
  const { api } = setup();
  const res = await inject(api, 'GET', '/api/v1/query?query=sum(');
  assert.equal(res.status, 400);
  const body = json(res.body);
  assert.equal(body.status, 'error');
  assert.equal(body.errorType, 'bad_data');
  assert.match(body.error, /^invalid parameter "query": 1:5: parse error: /);
  const t = json((await inject(api, 'GET', '/api/v1/query?query=up&time=yesterday')).body);
  assert.equal(t.error, 'invalid parameter "time": cannot parse "yesterday" to a valid timestamp');
  const exec = await inject(api, 'GET', '/api/v1/query?query=' + encodeURIComponent('metric + on() metric'));
  assert.equal(exec.status, 422);
  assert.equal(json(exec.body).errorType, 'execution');
  assert.equal((await inject(api, 'DELETE', '/api/v1/query')).status, 405);
  assert.equal(json((await inject(api, 'GET', '/api/v1/nope')).body).errorType, 'not_found');
});

test('range queries step over the window and validate like Prometheus', async () => {
  const { api } = setup();
  const ok = json((await inject(api, 'GET', '/api/v1/query_range?query=job:metric:sum&start=420&end=540&step=1m')).body);
  assert.equal(ok.data.resultType, 'matrix');
  assert.deepEqual(ok.data.result[0], { metric: { __name__: 'job:metric:sum', job: 'j' }, values: [[420, '21'], [480, '35'], [540, '35']] });
  const bad = async (q: string) => json((await inject(api, 'GET', '/api/v1/query_range?' + q)).body).error;
  assert.equal(await bad('query=metric&start=300&end=0&step=60'), 'invalid parameter "end": end timestamp must not be before start time');
  assert.equal(await bad('query=metric&start=0&end=300&step=0'), 'invalid parameter "step": zero or negative query resolution step widths are not accepted. Try a positive integer');
  assert.match(await bad('query=metric&start=0&end=1e9&step=1'), /11,000 points/);
  assert.match(await bad('query=metric%5B5m%5D&start=0&end=300&step=60'), /invalid expression type "range vector" for range query/);
});

test('/api/v1/rules shows groups, rules, health, errors and alerts', async () => {
  const { api } = setup();
  const body = json((await inject(api, 'GET', '/api/v1/rules')).body);
  assert.equal(body.status, 'success');
  const [g] = body.data.groups;
  assert.equal(g.name, 'g');
  assert.equal(g.file, 'rules.yml');
  assert.equal(g.interval, 60);
  assert.equal(g.lastEvaluation, '1970-01-01T00:10:00Z');
  const [rec, high, broken] = g.rules;
  assert.equal(rec.type, 'recording');
  assert.equal(rec.health, 'ok');
  assert.equal(high.type, 'alerting');
  assert.equal(high.state, 'firing');
  assert.equal(high.duration, 120);
  assert.deepEqual(high.labels, { severity: 'page' });
  const alerts = Object.fromEntries(high.alerts.map((a: any) => [a.labels.instance, a]));
  assert.equal(alerts.a.state, 'firing');
  assert.equal(alerts.a.activeAt, '1970-01-01T00:00:00Z');
  assert.equal(alerts.a.value, '2e+01');
  assert.equal(alerts.b.state, 'firing');
  assert.equal(alerts.b.annotations.summary, 'high on b');
  assert.equal(broken.health, 'err');
  assert.match(broken.lastError, /many-to-many|duplicate|match/);
  const onlyRecords = json((await inject(api, 'GET', '/api/v1/rules?type=record')).body);
  assert.deepEqual(onlyRecords.data.groups[0].rules.map((r: any) => r.name), ['job:metric:sum']);
  const noAlerts = json((await inject(api, 'GET', '/api/v1/rules?exclude_alerts=true&rule_name[]=High')).body);
  assert.equal(noAlerts.data.groups[0].rules[0].alerts, undefined);
  assert.equal((await inject(api, 'GET', '/api/v1/rules?type=x')).status, 400);
});

test('/api/v1/alerts lists pending and firing alerts', async () => {
  const ev = new PartitionEvaluator([ruleFile(RULES)], { evaluateFrom: 0 });
  play(ev, series({ 'metric{job="j", instance="a"}': '20x10', 'metric{job="j", instance="b"}': '1x8 15' }), 0, 9 * MIN);
  const body = json((await inject(createEvaluatorApi({ evaluators: () => [ev] }), 'GET', '/api/v1/alerts')).body);
  const states = Object.fromEntries(body.data.alerts.map((a: any) => [a.labels.instance, a.state]));
  assert.deepEqual(states, { a: 'firing', b: 'pending' });
});

test('/metrics, /-/healthy and /-/ready', async () => {
  const { api, events } = setup();
  const firing = events.filter((e) => e.state === 'firing').length;
  assert.ok(firing > 1);
  const m = await inject(api, 'GET', '/metrics');
  assert.equal(m.status, 200);
  assert.match(m.headers['content-type']!, /^text\/plain; version=0\.0\.4/);
  assert.match(m.body, /^# HELP vigil_evaluator_watermark_seconds /m);
  assert.match(m.body, /^vigil_evaluator_watermark_seconds\{partition="0"\} 600$/m);
  assert.ok(m.body.includes(`\nvigil_alert_events_total{partition="0",state="firing"} ${firing}\n`));
  assert.equal((await inject(api, 'GET', '/-/healthy')).status, 200);
  assert.equal((await inject(api, 'GET', '/-/ready')).status, 200);
  const fresh = createEvaluatorApi({ evaluators: () => [new PartitionEvaluator([])] });
  assert.equal((await inject(fresh, 'GET', '/-/ready')).status, 503);
});

test('the node server serves the same handler over a socket', async () => {
  const { ev } = setup();
  const server = createEvaluatorServer({ evaluators: () => [ev] });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const port = (server.address() as AddressInfo).port;
    const res = await fetch(`http://127.0.0.1:${port}/api/v1/query`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'query=count(metric)',
    });
    assert.equal(res.status, 200);
    assert.deepEqual((await res.json() as any).data.result[0].value, [600, '2']);
  } finally {
    await new Promise((r) => server.close(r));
  }
});

test('Go float and time formats', () => {
  assert.deepEqual([1, 0.1, 1e21, 1.5e-7, -0, NaN, -Infinity].map(formatGoFloatF), ['1', '0.1', '1000000000000000000000', '0.00000015', '-0', 'NaN', '-Inf']);
  assert.deepEqual([20, 1, 0.05, 123456789, 0].map(formatGoFloatE), ['2e+01', '1e+00', '5e-02', '1.23456789e+08', '0e+00']);
  assert.deepEqual([1e6, 123456, 0.0001, 0.00001, Infinity].map(formatGoFloatG), ['1e+06', '123456', '0.0001', '1e-05', '+Inf']);
  assert.equal(formatRFC3339(1500), '1970-01-01T00:00:01.5Z');
  assert.equal(formatRFC3339(0), '1970-01-01T00:00:00Z');
  assert.equal(parseTimeParam('1.2346'), 1235);
  assert.equal(parseTimeParam('2020-01-01T00:00:00+01:00'), Date.UTC(2019, 11, 31, 23));
  assert.equal(parseDurationParam('90'), 90_000);
  assert.equal(parseDurationParam('1m30s'), 90_000);
  assert.throws(() => parseDurationParam('soon'), /cannot parse "soon" to a valid duration/);
});

test('over several partitions: queries see the union, rules merge alerts, time defaults to the slowest watermark', async () => {
  const p0 = new PartitionEvaluator([ruleFile(RULES)], { partition: 0, evaluateFrom: 0 });
  const p1 = new PartitionEvaluator([ruleFile(RULES)], { partition: 1, evaluateFrom: 0 });
  play(p0, series({ 'metric{job="j", instance="a"}': '20x10' }), 0, 10 * MIN);
  play(p1, series({ 'metric{job="k", instance="c"}': '30x10' }), 0, 8 * MIN);
  const api = createEvaluatorApi({ evaluators: () => [p0, p1] });
  const q = json((await inject(api, 'GET', '/api/v1/query?query=sum(metric)')).body);
  assert.deepEqual(q.data.result[0].value, [480, '50']);
  const rules = json((await inject(api, 'GET', '/api/v1/rules?type=alert&rule_name[]=High')).body);
  assert.equal(rules.data.groups.length, 1);
  const alerts = rules.data.groups[0].rules[0].alerts.map((a: any) => a.labels.instance).sort();
  assert.deepEqual(alerts, ['a', 'c']);
  assert.equal(rules.data.groups[0].rules[0].lastEvaluation, '1970-01-01T00:08:00Z');
  const m = (await inject(api, 'GET', '/metrics')).body;
  assert.match(m, /^vigil_evaluator_watermark_seconds\{partition="1"\} 480$/m);
});

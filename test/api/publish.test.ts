/**
 * Publishing compiled rules on a real Kafka: what lands under `tenant:<id>` is a rule set the
 * evaluators' RuleSources accept; disabling the last policy publishes a tombstone; a Kafka
 * failure answers 503, keeps the change, and the background retry publishes it.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { RuleSources, type RuleSetProblem } from '../../src/evaluate/rules_source.js';
import { apiHarness, newTenant, policyBody, type ApiHarness } from './harness.js';

let h: ApiHarness;
before(async () => {
  h = await apiHarness();
});
after(async () => {
  await h?.close();
});

/** The rule sets on the topic as a fresh evaluator would load them. */
async function topicRuleSets(): Promise<{ ids: string[]; problems: RuleSetProblem[]; sources: RuleSources }> {
  const problems: RuleSetProblem[] = [];
  const sources = new RuleSources([], { onProblem: (p) => problems.push(p) });
  await sources.followTopic(h.kafka, h.topic, 'vigil-api-test');
  const ids = sources.current().map((f) => f.path);
  await sources.close();
  return { ids, problems, sources };
}

function lastRecord(key: string) {
  const r = [...h.sent].reverse().find((m) => m.key === key);
  assert.ok(r, `a record under ${key}`);
  return r;
}

test('creating a policy publishes tenant:<id> that RuleSources accepts; disabling the last one publishes a tombstone', async () => {
  const t = await newTenant(h, 'pub1');
  await h.call('PUT', '/api/v1/machines/web-1', { token: t, body: { tags: ['prod'] } });
  const evil = "{{ template \"x\" }} ' OR 1=1 -- ${x}";
  const c = await h.call('POST', '/api/v1/policies', { token: t, body: policyBody({ tags: ['prod'], description: evil }) });
  assert.equal(c.status, 201, c.text);
  const rec = lastRecord('tenant:pub1');
  assert.equal(typeof rec.value, 'string');
  // Applied the way an evaluator applies a record of the rules topic.
  const problems: RuleSetProblem[] = [];
  const direct = new RuleSources([], { onProblem: (p) => problems.push(p) });
  direct.applyTopicRecord(h.topic, 'tenant:pub1', rec.value as string);
  assert.deepEqual(problems, []);
  const f = direct.current().find((x) => x.path === `${h.topic}:tenant:pub1`);
  assert.ok(f, 'the rule set is loaded');
  const rule = f.file.groups[0]!.rules[0]! as any;
  assert.equal(f.file.groups[0]!.name, 'tenant/pub1/policies');
  assert.match(rule.expr, /tenant="pub1"/);
  assert.match(rule.expr, /web-1/);
  assert.equal(rule.labels.vigil_policy ?? rule.labels.get?.('vigil_policy'), c.body.data.id);
  // And it is really on the topic.
  const onTopic = await topicRuleSets();
  assert.ok(onTopic.ids.includes(`${h.topic}:tenant:pub1`), onTopic.ids.join());
  assert.deepEqual(onTopic.problems, []);
  // Disable it: nothing left to evaluate, so a tombstone.
  assert.equal((await h.call('PATCH', `/api/v1/policies/${c.body.data.id}`, { token: t, body: { enabled: false } })).status, 200);
  assert.equal(lastRecord('tenant:pub1').value, null);
  assert.ok(!(await topicRuleSets()).ids.includes(`${h.topic}:tenant:pub1`));
  // Enable again, then delete: record, then tombstone.
  await h.call('PATCH', `/api/v1/policies/${c.body.data.id}`, { token: t, body: { enabled: true } });
  assert.equal(typeof lastRecord('tenant:pub1').value, 'string');
  await h.call('DELETE', `/api/v1/policies/${c.body.data.id}`, { token: t });
  assert.equal(lastRecord('tenant:pub1').value, null);
});

test('machine tag changes republish: a tag policy follows its machines', async () => {
  const t = await newTenant(h, 'pub2');
  await h.call('PUT', '/api/v1/machines/m1', { token: t });
  await h.call('POST', '/api/v1/policies', { token: t, body: policyBody({ tags: ['db'] }) });
  assert.equal(lastRecord('tenant:pub2').value, null, 'no machine has the tag yet');
  await h.call('PUT', '/api/v1/machines/m1', { token: t, body: { tags: ['db'] } });
  assert.match(String(lastRecord('tenant:pub2').value), /m1/);
  await h.call('PUT', '/api/v1/machines/m2', { token: t, body: { tags: ['db'] } });
  assert.match(String(lastRecord('tenant:pub2').value), /m1\|m2|m2\|m1/);
});

test('Kafka down: 503, the write stands, the tenant stays dirty and the retry publishes it', async () => {
  const t = await newTenant(h, 'pub3');
  h.breakKafka(true);
  const c = await h.call('POST', '/api/v1/policies', { token: t, body: policyBody() });
  assert.equal(c.status, 503);
  assert.equal(c.body.errorType, 'unavailable');
  const list = await h.call('GET', '/api/v1/policies', { token: t });
  assert.equal(list.body.data.length, 1, 'the policy was saved');
  assert.ok(h.publisher.dirty.has('pub3'));
  assert.match((await h.call('GET', '/metrics')).text, /vigil_api_rules_dirty_tenants 1/);
  h.breakKafka(false);
  h.publisher.startRetrying(50);
  for (let i = 0; i < 200 && h.publisher.dirty.size > 0; i++) await new Promise((r) => setTimeout(r, 50));
  assert.equal(h.publisher.dirty.size, 0);
  assert.match(String(lastRecord('tenant:pub3').value), /vigil_policy/);
  assert.ok((await topicRuleSets()).ids.includes(`${h.topic}:tenant:pub3`));
});

test('concurrent writes of one tenant: the last record on the topic is the latest state', async () => {
  const t = await newTenant(h, 'pub4');
  const ids: string[] = [];
  for (let i = 0; i < 3; i++) ids.push((await h.call('POST', '/api/v1/policies', { token: t, body: policyBody({ value: i + 1 }) })).body.data.id);
  await Promise.all(ids.map((id) => h.call('PATCH', `/api/v1/policies/${id}`, { token: t, body: { enabled: false } })));
  assert.equal(lastRecord('tenant:pub4').value, null);
});

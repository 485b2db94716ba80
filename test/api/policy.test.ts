/** Alert policy bodies: defaults, every fault with its path, limits, Slack prefixes, PATCH merging. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  isValidEmail, parsePolicy, parsePolicyPatch, policyTargetCount, POLICY_LIMITS, type FieldError, type PolicySpec,
} from '../../src/api/policy.js';

const EXAMPLE = {
  type: 'disk_utilization_percent',
  description: 'Root disk filling up',
  compare: 'GreaterThan',
  value: 90,
  window: '5m',
  entities: ['web-1'],
  tags: ['production'],
  enabled: true,
  alerts: {
    email: ['ops@example.com'],
    slack: [{ url: 'https://hooks.slack.com/services/T0/B0/XXXX', channel: '#ops' }],
  },
};

const MINIMAL = { type: 'cpu', compare: 'LessThan', value: 5, window: '1h', alerts: { email: ['a@example.com'] } };

function ok(body: unknown): PolicySpec {
  const r = parsePolicy(body);
  assert.ok(r.ok, JSON.stringify(r));
  return r.policy;
}

function errors(body: unknown, opts?: Parameters<typeof parsePolicy>[1]): FieldError[] {
  const r = parsePolicy(body, opts);
  assert.ok(!r.ok, 'expected a validation failure');
  return r.errors;
}

const paths = (es: readonly FieldError[]) => es.map((e) => e.path);

test('the documented example is valid and comes back unchanged', () => {
  assert.deepEqual(ok(EXAMPLE), EXAMPLE);
});

test('optional fields get their defaults', () => {
  assert.deepEqual(ok(MINIMAL), {
    ...MINIMAL, description: '', entities: [], tags: [], enabled: true, alerts: { email: ['a@example.com'], slack: [] },
  });
});

test('every fault of a body is reported, each with its field path and a clear message', () => {
  const es = errors({
    type: 'cpu_percent', compare: 'Greater', value: '90', window: '2m', entities: ['web 1', 'ok', 'ok'],
    tags: 'production', enabled: 'yes', colour: 'red',
    alerts: { email: ['ops@example.com', 'not-an-address'], slack: [{ url: 'https://evil.example/x', channel: 'ops', extra: 1 }], sms: [] },
  });
  assert.deepEqual(es, [
    { path: 'type', message: 'must be one of cpu, memory_utilization_percent, disk_utilization_percent, load_1, load_5, load_15, disk_read, disk_write, network_inbound, network_outbound' },
    { path: 'compare', message: 'must be one of GreaterThan, LessThan' },
    { path: 'value', message: 'must be a number' },
    { path: 'window', message: 'must be one of 5m, 10m, 30m, 1h' },
    { path: 'entities[0]', message: 'must be 1-255 characters of letters, digits and . _ - : / @' },
    { path: 'entities[2]', message: 'duplicate of entities[1]' },
    { path: 'tags', message: 'must be a list of tags' },
    { path: 'enabled', message: 'must be true or false' },
    { path: 'alerts.email[1]', message: 'must be an e-mail address (name@domain, at most 254 characters)' },
    { path: 'alerts.slack[0].url', message: 'must be an http(s) URL starting with one of: https://hooks.slack.com/' },
    { path: 'alerts.slack[0].channel', message: 'must be #channel or @user (letters, digits, . _ -, at most 80)' },
    { path: 'alerts.slack[0].extra', message: 'is not a known field' },
    { path: 'alerts.sms', message: 'is not a known field' },
    { path: 'colour', message: 'is not a known field' },
  ]);
});

test('missing required fields are each named; a non-object body is one error at the root', () => {
  assert.deepEqual(errors({}), ['type', 'compare', 'value', 'window', 'alerts'].map((path) => ({ path, message: 'is required' })));
  for (const body of [null, [], 'x', 3, undefined]) {
    const es = errors(body);
    assert.equal(es.length, 1);
    assert.equal(es[0]!.path, '');
    assert.match(es[0]!.message, /^must be a JSON object/);
  }
});

test('cross-field faults are reported together with the others', () => {
  const es = errors({ ...MINIMAL, type: 'cpu', value: 101, window: 'soon', alerts: { email: [], slack: [] } });
  assert.deepEqual(paths(es), ['value', 'window', 'alerts']);
  assert.match(es[0]!.message, /percentage/);
  assert.equal(es[2]!.message, 'must name at least one e-mail or Slack target');
  assert.deepEqual(paths(errors({ ...MINIMAL, type: 'load_1', value: -1 })), ['value']);
  assert.deepEqual(ok({ ...MINIMAL, type: 'network_inbound', value: 10000 }).value, 10000);
  assert.deepEqual(paths(errors({ ...MINIMAL, alerts: {} })), ['alerts']);
});

test('value must be a finite number', () => {
  for (const value of [NaN, Infinity, -Infinity, '5', null, true]) {
    assert.deepEqual(paths(errors({ ...MINIMAL, value })), ['value'], String(value));
  }
  assert.equal(ok({ ...MINIMAL, value: 0 }).value, 0);
  assert.equal(ok({ ...MINIMAL, value: 99.95 }).value, 99.95);
});

test('e-mail addresses', () => {
  for (const good of ['a@example.com', 'first.last+tag@sub.example.co.uk', "o'brien@example.org", 'x@localhost', 'a_b-c@x-y.example']) {
    assert.ok(isValidEmail(good), good);
  }
  const long = `${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}.com`;
  assert.ok(long.length > 254);
  for (const bad of ['', 'plain', '@example.com', 'a@', 'a@@b.c', 'a b@example.com', 'a@exa mple.com', 'a..b@example.com',
    '.a@example.com', 'a.@example.com', 'a@-example.com', 'a@example-.com', 'a@example..com', 'a@example.com\n',
    'a\r\nBcc: x@y.z@example.com', '"quoted"@example.com', 'a@[127.0.0.1]', `${'a'.repeat(65)}@example.com`, long, 'ü@example.com']) {
    assert.ok(!isValidEmail(bad), JSON.stringify(bad));
  }
  assert.deepEqual(paths(errors({ ...MINIMAL, alerts: { email: ['a@example.com', 'b@example.com', 'a@example.com'] } })), ['alerts.email[2]']);
  assert.deepEqual(paths(errors({ ...MINIMAL, alerts: { email: [7] } })), ['alerts.email[0]']);
});

test('machine ids and tags: a plain charset and 1-255 characters, so nothing can be smuggled', () => {
  const good = ['web-1', 'db.example.com', 'rack:3/slot_2', 'a@b', 'x'.repeat(255), 'A9'];
  assert.deepEqual(ok({ ...MINIMAL, entities: good }).entities, good);
  for (const bad of ['', 'x'.repeat(256), 'a b', 'a"b', 'a\\b', 'a}}', '{{x}}', 'a|b', '.*\n', 'a\u0000', 'ü', 'a,b', "a'b", 'a=b', 5]) {
    assert.deepEqual(paths(errors({ ...MINIMAL, entities: ['ok', bad] })), ['entities[1]'], JSON.stringify(bad));
    assert.deepEqual(paths(errors({ ...MINIMAL, tags: [bad] })), ['tags[0]'], JSON.stringify(bad));
  }
});

test('list limits', () => {
  const n = (k: number, f: (i: number) => unknown) => Array.from({ length: k }, (_, i) => f(i));
  assert.equal(ok({ ...MINIMAL, entities: n(POLICY_LIMITS.entities, (i) => `m${i}`) }).entities.length, 100);
  assert.deepEqual(errors({ ...MINIMAL, entities: n(101, (i) => `m${i}`) }), [{ path: 'entities', message: 'must have at most 100 machine ids' }]);
  assert.deepEqual(errors({ ...MINIMAL, tags: n(21, (i) => `t${i}`) }), [{ path: 'tags', message: 'must have at most 20 tags' }]);
  assert.deepEqual(paths(errors({ ...MINIMAL, alerts: { email: n(11, (i) => `u${i}@example.com`) } })), ['alerts.email']);
  assert.deepEqual(paths(errors({ ...MINIMAL, alerts: { slack: n(11, (i) => ({ url: `https://hooks.slack.com/services/${i}` })) } })), ['alerts.slack']);
});

test('descriptions: any text up to 1024 characters', () => {
  const text = 'Quotes " \' and {{ .Labels }} }} \\ back\nnew line; DROP TABLE x; -- ünï 😀';
  assert.equal(ok({ ...MINIMAL, description: text }).description, text);
  assert.equal(ok({ ...MINIMAL, description: 'x'.repeat(1024) }).description.length, 1024);
  assert.deepEqual(errors({ ...MINIMAL, description: 'x'.repeat(1025) }), [{ path: 'description', message: 'must be at most 1024 characters' }]);
  assert.deepEqual(paths(errors({ ...MINIMAL, description: 'lone \uD800 surrogate' })), ['description']);
  assert.deepEqual(paths(errors({ ...MINIMAL, description: 3 })), ['description']);
});

test('Slack URLs must be http(s) under a configured prefix, and errors never repeat them', () => {
  const slack = (url: unknown, channel?: unknown) => ({ ...MINIMAL, alerts: { slack: [{ url, ...(channel === undefined ? {} : { channel }) }] } });
  assert.equal(ok(slack('https://hooks.slack.com/services/T0/B0/XXXX')).alerts.slack[0]!.url, 'https://hooks.slack.com/services/T0/B0/XXXX');
  for (const bad of ['https://hooks.slack.com.evil.example/x', 'http://hooks.slack.com/services/x', 'https://user:pw@hooks.slack.com/x',
    'https://evil.example/https://hooks.slack.com/', 'hooks.slack.com/services/x', 'https://hooks.slack.com', 'not a url', '', 42,
    'https://hooks.slack.com/ser\nvices/x', 'https://hooks.slack.com/services/x y', 'https://hooks.slack.com/\tx']) {
    const es = errors(slack(bad));
    assert.deepEqual(paths(es), ['alerts.slack[0].url'], String(bad));
    // The same words whatever the URL: a webhook URL is a secret.
    if (typeof bad === 'string') assert.equal(es[0]!.message, 'must be an http(s) URL starting with one of: https://hooks.slack.com/');
  }
  // A configured prefix without a trailing slash still cannot be extended into another host.
  const opts = { slackUrlPrefixes: ['http://127.0.0.1:8080', 'https://chat.example.com/hooks/'] };
  assert.ok(parsePolicy(slack('http://127.0.0.1:8080/api/x'), opts).ok);
  assert.ok(parsePolicy(slack('https://chat.example.com/hooks/abc'), opts).ok);
  assert.ok(!parsePolicy(slack('http://127.0.0.1:80801/api/x'), opts).ok);
  assert.ok(!parsePolicy(slack('http://127.0.0.1:8080.evil.example/x'), opts).ok);
  assert.ok(!parsePolicy(slack('https://hooks.slack.com/services/x'), opts).ok);
  assert.match(errors(slack('https://x.example/'), opts)[0]!.message, /http:\/\/127\.0\.0\.1:8080, https:\/\/chat\.example\.com\/hooks\//);
  for (const channel of ['#ops', '@alice', '#team-ops_2.eu', '#équipe']) assert.ok(parsePolicy(slack('https://hooks.slack.com/s', channel)).ok, channel);
  for (const channel of ['ops', '#', '#a b', '#a"b', `#${'x'.repeat(81)}`, 5, '#x\n']) {
    assert.deepEqual(paths(errors(slack('https://hooks.slack.com/s', channel))), ['alerts.slack[0].channel'], String(channel));
  }
});

test('PATCH merges any subset of fields over the current policy, then validates the whole', () => {
  const current = ok(EXAMPLE);
  const off = parsePolicyPatch({ enabled: false }, current);
  assert.ok(off.ok);
  assert.deepEqual(off.policy, { ...current, enabled: false });
  // `alerts` merges field by field; lists replace.
  const merged = parsePolicyPatch({ alerts: { email: ['new@example.com', 'two@example.com'] }, tags: [] }, current);
  assert.ok(merged.ok);
  assert.deepEqual(merged.policy.alerts, { email: ['new@example.com', 'two@example.com'], slack: current.alerts.slack });
  assert.deepEqual(merged.policy.tags, []);
  const empty = parsePolicyPatch({}, current);
  assert.ok(empty.ok);
  assert.deepEqual(empty.policy, current);
});

test('PATCH faults carry the same paths as a full body', () => {
  const current = ok(EXAMPLE);
  const r = parsePolicyPatch({ window: '7m', value: null, owner: 'x', alerts: { email: ['bad'], slack: [] } }, current);
  assert.ok(!r.ok);
  assert.deepEqual(paths(r.errors), ['value', 'window', 'alerts.email[0]', 'owner']);
  const none = parsePolicyPatch({ alerts: { email: [], slack: [] } }, current);
  assert.ok(!none.ok);
  assert.deepEqual(none.errors, [{ path: 'alerts', message: 'must name at least one e-mail or Slack target' }]);
  for (const body of [null, [], 'x']) {
    const b = parsePolicyPatch(body, current);
    assert.ok(!b.ok);
    assert.deepEqual(paths(b.errors), ['']);
  }
  // The current policy is not changed by a patch.
  assert.deepEqual(current, ok(EXAMPLE));
  // A "__proto__" key (as JSON.parse makes it: an own property) is an unknown field, never the prototype.
  for (const body of [JSON.parse('{"__proto__": {"enabled": false}}'), JSON.parse('{"alerts": {"__proto__": {"email": ["x@example.com"]}}}')]) {
    const p = parsePolicyPatch(body, current);
    assert.ok(!p.ok, JSON.stringify(body));
    assert.match(paths(p.errors).join(), /__proto__/);
  }
});

test('target count', () => {
  assert.equal(policyTargetCount(ok(EXAMPLE)), 2);
  assert.equal(policyTargetCount(ok(MINIMAL)), 1);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseManagerConfig } from '../../src/manager/config.js';
import { policyIntegrations } from '../../src/manager/policy_receivers.js';
import { DEFAULT_POLICY_GROUP_BY, isPolicyAlert, policyIdOfReceiver, policyReceiverName, policyRoute } from '../../src/manager/policy_route.js';
import { parseManagerRunConfig } from '../../src/manager/run.js';
import { targetsOfSpec } from '../../src/store/policy_targets.js';
import { context } from './receivers_helpers.js';

const SECRET_URL = 'https://hooks.slack.com/services/T0/B0/very-secret';

test('policy route: defaults, grouping always keyed by tenant and policy, options checked', () => {
  const r = policyRoute();
  assert.deepEqual(r.groupBy, DEFAULT_POLICY_GROUP_BY);
  assert.deepEqual([r.groupWait, r.groupInterval, r.repeatInterval], [30_000, 300_000, 4 * 3600_000]);
  assert.deepEqual(policyRoute({ groupBy: ['instance'] }).groupBy, ['tenant', 'vigil_policy', 'instance']);
  assert.throws(() => policyRoute({ groupIntervalMs: 0 }), /groupIntervalMs must be a positive integer/);
  assert.throws(() => policyRoute({ groupBy: ['bad-name'] }), /invalid label name "bad-name"/);
  assert.equal(policyIdOfReceiver(policyReceiverName('abc')), 'abc');
  assert.equal(policyIdOfReceiver('team-x'), null);
  assert.ok(isPolicyAlert({ tenant: 'acme', vigil_policy: 'p' }));
  assert.ok(!isPolicyAlert({ vigil_policy: 'p' }));
  assert.ok(!isPolicyAlert({ tenant: 'acme' }));
});

test('policy spec targets: read from the spec; malformed ones named without quoting the spec', () => {
  assert.deepEqual(targetsOfSpec(JSON.stringify({ alerts: { email: ['a@example.com'], slack: [{ url: SECRET_URL, channel: '#ops' }, { url: SECRET_URL }] } })), {
    email: ['a@example.com'], slack: [{ url: SECRET_URL, channel: '#ops' }, { url: SECRET_URL }],
  });
  assert.deepEqual(targetsOfSpec(JSON.stringify({ alerts: { slack: [{ url: SECRET_URL }] } })), { email: [], slack: [{ url: SECRET_URL }] });
  for (const [spec, why] of [
    ['{', /not JSON/], ['{}', /no alerts object/], ['{"alerts":{"email":[1]}}', /alerts\.email/],
    [JSON.stringify({ alerts: { slack: [{ channel: SECRET_URL }] } }), /alerts\.slack\[0\]\.url is missing/],
    [JSON.stringify({ alerts: { slack: [{ url: SECRET_URL, channel: 7 }] } }), /alerts\.slack\[0\]\.channel/],
  ] as const) {
    const out = targetsOfSpec(spec);
    assert.equal(typeof out, 'string', spec);
    assert.match(out as string, why);
    assert.ok(!(out as string).includes('very-secret'));
  }
});

test('policy integrations: e-mails then Slack; template code and address lists in targets refused, not run', async () => {
  const g = parseManagerConfig('global: {smtp_smarthost: "127.0.0.1:1", smtp_from: "v@example.com"}\nroute: {receiver: r}\nreceivers: [{name: r}]').global;
  const ints = policyIntegrations({
    email: ['a@example.com', '{{ .CommonLabels.tenant }}@example.com', 'a@example.com, b@example.com'],
    slack: [{ url: SECRET_URL, channel: '#ops' }, { url: SECRET_URL, channel: '{{ template "x" }}' }, { url: 'file:///etc/passwd' }],
  }, g);
  assert.deepEqual(ints.map((i) => `${i.name}[${i.index}]`), ['email[0]', 'email[1]', 'email[2]', 'slack[0]', 'slack[1]', 'slack[2]']);
  assert.ok(ints.every((i) => i.sendResolved));
  for (const i of [ints[1]!, ints[2]!, ints[4]!, ints[5]!]) {
    const r = await i.send(context(), []);
    assert.equal(r.retry, false);
    assert.match(r.error!.message, /is not (one e-mail address|a usable URL and channel)/);
    assert.ok(!r.error!.message.includes('very-secret'));
  }
  const noSmtp = policyIntegrations({ email: ['a@example.com'], slack: [] }, parseManagerConfig('route: {receiver: r}\nreceivers: [{name: r}]').global);
  assert.match((await noSmtp[0]!.send(context(), [])).error!.message, /no global smtp_smarthost and smtp_from set/);
  assert.equal(policyIntegrations({ email: ['a@example.com'], slack: [] }, g, { sendResolved: false })[0]!.sendResolved, false);
});

test('run config: policy routing on by default with Alertmanager timing; options validated', () => {
  const c = parseManagerRunConfig({ configFile: 'am.yml', mysql: { url: 'mysql://root@127.0.0.1:3306/v' } });
  assert.deepEqual(c.policies, { enabled: true, groupWaitMs: 30_000, groupIntervalMs: 300_000, repeatIntervalMs: 4 * 3600_000, cacheMs: 60_000, sendResolved: true });
  assert.throws(() => parseManagerRunConfig({ configFile: 'am.yml', mysql: { url: 'mysql://root@127.0.0.1:3306/v' }, policies: { groupIntervalMs: 0 } }), /policies\.groupIntervalMs/);
});

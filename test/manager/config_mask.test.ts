/** /api/v2/status shows the config with its secrets masked, never the secrets themselves. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { maskConfigSecrets } from '../../src/manager/config_mask.js';

const CONFIG = `global:
  smtp_smarthost: mail.example.org:587
  smtp_auth_username: alerts
  smtp_auth_password: hunter2-smtp
  slack_api_url: https://hooks.slack.example/services/T000/B000/XXXXSECRET
route:
  receiver: ops
receivers:
- name: ops
  pagerduty_configs:
  - routing_key: pd-routing-key-secret
    client_url: https://vigil.example.org/
  webhook_configs:
  - url: http://hooks.example.org/token/abc123
    http_config:
      authorization:
        credentials: bearer-secret
`;

test('secrets are replaced by <secret>, everything else is kept', () => {
  const masked = maskConfigSecrets(CONFIG);
  for (const secret of ['hunter2-smtp', 'XXXXSECRET', 'pd-routing-key-secret', 'abc123', 'bearer-secret']) {
    assert.ok(!masked.includes(secret), `${secret} leaked:\n${masked}`);
  }
  assert.match(masked, /smtp_auth_password: <secret>/);
  assert.match(masked, /routing_key: <secret>/);
  assert.match(masked, /smtp_smarthost: mail\.example\.org:587/);
  assert.match(masked, /client_url: https:\/\/vigil\.example\.org\//);
  assert.match(masked, /smtp_auth_username: alerts/);
});

test('a config that does not parse is hidden whole', () => {
  assert.equal(maskConfigSecrets('route: [\n  password: x'), '<config hidden: it does not parse>');
});

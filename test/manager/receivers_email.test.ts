import { test } from 'node:test';
import assert from 'node:assert/strict';
import { integrationsFor } from '../../src/manager/receivers/index.js';
import { context, deadPort, FIRING, receiver, RESOLVED, smtpServer as smtp } from './receivers_helpers.js';

const PASSWORD = 'hunter2-very-s3cret';

test('email: plain SMTP with AUTH; headers, subject and both bodies templated', async () => {
  const s = await smtp({
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    onAuth(auth, _session, cb) {
      if (auth.username === 'vigil' && auth.password === PASSWORD) cb(null, { user: 'vigil' });
      else cb(new Error('Invalid username or password'));
    },
  });
  try {
    const [em] = integrationsFor(receiver(
      `email_configs: [{to: "oncall@example.com, boss@example.com", require_tls: false, auth_username: vigil, auth_password: ${PASSWORD}, ` +
      `headers: {x-team: "{{ .Receiver }}"}, text: "{{ template \\"__text_alert_list\\" .Alerts.Firing }}"}]`,
      `{smtp_smarthost: "${s.host}", smtp_from: "vigil@example.com"}`), 'http://am.example');
    assert.equal(em!.name, 'email');
    assert.deepEqual(await em!.send(context(), [FIRING, RESOLVED]), { retry: false });
    assert.equal(s.mails.length, 1);
    const m = s.mails[0]!;
    assert.equal(m.user, 'vigil');
    assert.equal(m.secure, false);
    assert.equal(m.from, 'vigil@example.com');
    assert.deepEqual(m.to, ['oncall@example.com', 'boss@example.com']);
    const data = m.data.replace(/=\r?\n/g, '');
    assert.match(data, /^Subject: \[FIRING:1\] HighLatency \(api\)\r?$/m);
    assert.match(data, /^From: vigil@example.com\r?$/m);
    assert.match(data, /^To: oncall@example.com, boss@example.com\r?$/m);
    assert.match(data, /^X-Team: team-x\r?$/m);
    assert.match(data, /^Date: Mon, 15 Jan 2024 12:10:00 \+0000\r?$/m);
    assert.match(data, /multipart\/alternative/);
    assert.match(data, /Content-Type: text\/plain[\s\S]* - instance = h1/);
    assert.match(data, /Content-Type: text\/html[\s\S]*\[1\] Firing[\s\S]*\[1\] Resolved/);

    const [wrong] = integrationsFor(receiver(
      `email_configs: [{to: a@example.com, require_tls: false, auth_username: vigil, auth_password: not-${PASSWORD}}]`,
      `{smtp_smarthost: "${s.host}", smtp_from: "vigil@example.com"}`));
    const r = await wrong!.send(context(), [FIRING]);
    assert.equal(r.retry, false);
    assert.match(r.error!.message, /receiver "team-x".*535/);
    assert.ok(!r.error!.message.includes(PASSWORD));
  } finally {
    await s.close();
  }
});

test('email: STARTTLS when require_tls (server cert not verified with insecure_skip_verify); refused when not offered', async () => {
  const s = await smtp();
  try {
    const [em] = integrationsFor(receiver('email_configs: [{to: a@example.com, tls_config: {insecure_skip_verify: true}}]',
      `{smtp_smarthost: "${s.host}", smtp_from: "vigil@example.com"}`));
    assert.deepEqual(await em!.send(context(), [FIRING]), { retry: false });
    assert.equal(s.mails[0]!.secure, true);
  } finally {
    await s.close();
  }
  const plain = await smtp({ disabledCommands: ['STARTTLS'] });
  try {
    const [em] = integrationsFor(receiver('email_configs: [{to: a@example.com}]', `{smtp_smarthost: "${plain.host}", smtp_from: "vigil@example.com"}`));
    const r = await em!.send(context(), [FIRING]);
    assert.ok(r.error);
    assert.equal(r.retry, false);
    assert.equal(plain.mails.length, 0);
  } finally {
    await plain.close();
  }
});

test('email: SMTP 4xx and connection failures retriable, 5xx permanent', async () => {
  for (const [code, retry] of [[451, true], [550, false]] as const) {
    const s = await smtp({ disabledCommands: ['STARTTLS'] }, code);
    try {
      const [em] = integrationsFor(receiver('email_configs: [{to: a@example.com, require_tls: false}]', `{smtp_smarthost: "${s.host}", smtp_from: "vigil@example.com"}`));
      const r = await em!.send(context(), [FIRING]);
      assert.equal(r.retry, retry, `SMTP ${code}`);
      assert.match(r.error!.message, new RegExp(`answered ${code}`));
    } finally {
      await s.close();
    }
  }
  const [dead] = integrationsFor(receiver('email_configs: [{to: a@example.com, require_tls: false}]', `{smtp_smarthost: "127.0.0.1:${await deadPort()}", smtp_from: "v@example.com"}`));
  const r = await dead!.send(context(), [FIRING]);
  assert.equal(r.retry, true);
  assert.match(r.error!.message, /receiver "team-x".*failed/);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { integrationsFor } from '../../src/manager/receivers/index.js';
import { dedupKey } from '../../src/manager/receivers/pagerduty/pagerduty.js';
import { context, deadPort, FIRING, recordingServer, receiver, RESOLVED } from './receivers_helpers.js';

const KEY = 'R0UTINGKEY-s3cret-0123456789';

test('PagerDuty: trigger then resolve with the same dedup key; payload shaped as Alertmanager', async () => {
  const srv = await recordingServer((_r, res) => { res.writeHead(202, { 'content-type': 'application/json' }); res.end('{"status":"success","dedup_key":"x"}'); });
  try {
    const [pd] = integrationsFor(receiver(`pagerduty_configs: [{routing_key: ${KEY}, url: "${srv.url}/v2/enqueue", links: [{href: "http://runbook/{{ .GroupLabels.alertname }}", text: runbook}]}]`), 'http://am.example');
    assert.equal(pd!.name, 'pagerduty');
    assert.deepEqual(await pd!.send(context(), [FIRING, RESOLVED]), { retry: false });
    assert.deepEqual(await pd!.send(context(), [FIRING, RESOLVED]), { retry: false });
    assert.deepEqual(await pd!.send(context(), [RESOLVED]), { retry: false });
    assert.equal(srv.seen.length, 3);
    const [t1, t2, r] = srv.seen.map((s) => JSON.parse(s.body));
    assert.equal(srv.seen[0]!.url, '/v2/enqueue');
    assert.equal(t1.routing_key, KEY);
    assert.equal(t1.event_action, 'trigger');
    assert.equal(r.event_action, 'resolve');
    assert.equal(t1.dedup_key, dedupKey('{}:{alertname="HighLatency"}'));
    assert.match(t1.dedup_key, /^[0-9a-f]{64}$/);
    assert.equal(t2.dedup_key, t1.dedup_key);
    assert.equal(r.dedup_key, t1.dedup_key);
    assert.equal(t1.payload.summary, '[FIRING:1] HighLatency (api)');
    assert.equal(t1.payload.severity, 'error');
    assert.equal(t1.payload.source, 'AlertManager');
    assert.equal(t1.client, 'AlertManager');
    assert.equal(t1.client_url, 'http://am.example/#/alerts');
    assert.deepEqual(t1.links, [{ href: 'http://runbook/HighLatency', text: 'runbook' }]);
    assert.equal(t1.payload.custom_details.num_firing, '1');
    assert.equal(t1.payload.custom_details.num_resolved, '1');
    assert.match(t1.payload.custom_details.firing, /instance = h1/);
    assert.match(t1.payload.custom_details.resolved, /instance = h2/);
    assert.equal(r.payload.summary, '[RESOLVED] HighLatency (h2 api)');
  } finally {
    await srv.close();
  }
});

test('PagerDuty: 400 is permanent with its reason, 429 and 5xx retriable, network errors retriable; key never shown', async () => {
  let status = 400;
  const srv = await recordingServer((_r, res) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: 'invalid event', message: 'Event object is invalid', errors: [`bad key ${KEY}`] }));
  });
  try {
    const [pd] = integrationsFor(receiver(`pagerduty_configs: [{routing_key: ${KEY}, url: "${srv.url}/v2/enqueue"}]`));
    const r400 = await pd!.send(context(), [FIRING]);
    assert.equal(r400.retry, false);
    assert.match(r400.error!.message, /receiver "team-x".*status code 400.*Event object is invalid/);
    assert.ok(!r400.error!.message.includes(KEY), r400.error!.message);
    for (status of [429, 500, 503]) {
      const r = await pd!.send(context(), [FIRING]);
      assert.equal(r.retry, true, `status ${status}`);
      assert.match(r.error!.message, new RegExp(`status code ${status}`));
    }
    const [dead] = integrationsFor(receiver(`pagerduty_configs: [{routing_key: ${KEY}, url: "http://127.0.0.1:${await deadPort()}/v2/enqueue"}]`));
    const rn = await dead!.send(context(), [FIRING]);
    assert.equal(rn.retry, true);
    assert.match(rn.error!.message, /request failed: ECONNREFUSED/);
  } finally {
    await srv.close();
  }
});

test('PagerDuty: routing_key_file is read; a template error is permanent', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-pd-'));
  writeFileSync(join(dir, 'key'), `${KEY}\n`);
  const srv = await recordingServer((_r, res) => { res.writeHead(202); res.end('{}'); });
  try {
    const [pd] = integrationsFor(receiver(`pagerduty_configs: [{routing_key_file: ${join(dir, 'key')}, url: "${srv.url}/v2/enqueue"}]`));
    assert.deepEqual(await pd!.send(context(), [FIRING]), { retry: false });
    assert.equal(JSON.parse(srv.seen[0]!.body).routing_key, KEY);
    const [bad] = integrationsFor(receiver(`pagerduty_configs: [{routing_key: ${KEY}, url: "${srv.url}/v2/enqueue", description: "{{ template \\"nope\\" . }}"}]`));
    const r = await bad!.send(context(), [FIRING]);
    assert.equal(r.retry, false);
    assert.match(r.error!.message, /failed to template PagerDuty message/);
    assert.equal(srv.seen.length, 1);
  } finally {
    await srv.close();
  }
});

const HOOK_PATH = '/services/T000/B000/XXXXsecretXXXX';

test('Slack webhook: attachment shaped as Alertmanager, channel and color; errors redact the URL', async () => {
  let reply: [number, string, Record<string, string>] = [200, 'ok', {}];
  const srv = await recordingServer((_r, res) => { res.writeHead(reply[0], reply[2]); res.end(reply[1]); });
  try {
    const url = `${srv.url}${HOOK_PATH}`;
    const [sl] = integrationsFor(receiver(`slack_configs: [{channel: "#ops", fields: [{title: "Env", value: "{{ .CommonLabels.job }}"}]}]`, `{slack_api_url: "${url}"}`), 'http://am.example');
    assert.deepEqual(await sl!.send(context(), [FIRING, RESOLVED]), { retry: false });
    const m = JSON.parse(srv.seen[0]!.body);
    assert.equal(srv.seen[0]!.url, HOOK_PATH);
    assert.equal(m.channel, '#ops');
    assert.equal(m.username, 'AlertManager');
    const a = m.attachments[0];
    assert.equal(a.title, '[FIRING:1] HighLatency (api)');
    assert.equal(a.title_link, 'http://am.example/#/alerts');
    assert.equal(a.color, 'danger');
    assert.equal(a.fallback, '[FIRING:1] HighLatency (api) | http://am.example/#/alerts');
    assert.deepEqual(a.mrkdwn_in, ['fallback', 'pretext', 'text']);
    assert.deepEqual(a.fields, [{ title: 'Env', value: 'api', short: false }]);
    assert.equal(a.text, undefined);
    await sl!.send(context(), [RESOLVED]);
    assert.equal(JSON.parse(srv.seen[1]!.body).attachments[0].color, 'good');

    reply = [429, 'rate_limited', { 'retry-after': '7' }];
    const r429 = await sl!.send(context(), [FIRING]);
    assert.equal(r429.retry, true);
    assert.match(r429.error!.message, /receiver "team-x": unexpected status code 429 .*retry after 7s/);
    reply = [404, 'no_service', {}];
    const r404 = await sl!.send(context(), [FIRING]);
    assert.equal(r404.retry, false);
    assert.match(r404.error!.message, /status code 404 .*\(no_service\)/);
    reply = [502, 'bad gateway', {}];
    assert.equal((await sl!.send(context(), [FIRING])).retry, true);
    reply = [200, '{"ok":false,"error":"invalid_blocks"}', { 'content-type': 'application/json' }];
    const rok = await sl!.send(context(), [FIRING]);
    assert.equal(rok.retry, false);
    assert.match(rok.error!.message, /invalid_blocks/);
    for (const r of [r429, r404, rok]) assert.ok(!r.error!.message.includes('secret'), r.error!.message);
  } finally {
    await srv.close();
  }
});

const TOKEN = 'xoxb-1234-5678-s3cr3tT0ken';

test('Slack Web API: WebClient chat.postMessage with the bot token; ok:false, 429 and 5xx classified', async () => {
  let reply: [number, unknown, Record<string, string>] = [200, { ok: true, ts: '1.2' }, {}];
  const srv = await recordingServer((_r, res) => {
    res.writeHead(reply[0], { 'content-type': 'application/json', ...reply[2] });
    res.end(JSON.stringify(reply[1]));
  });
  try {
    const [sl] = integrationsFor(receiver(
      `slack_configs: [{api_url: "${srv.url}/api/chat.postMessage", channel: "#ops", http_config: {authorization: {credentials: ${TOKEN}}}}]`));
    assert.deepEqual(await sl!.send(context(), [FIRING]), { retry: false });
    const seen = srv.seen[0]!;
    assert.equal(seen.url, '/api/chat.postMessage');
    assert.equal(seen.headers.authorization, `Bearer ${TOKEN}`);
    // WebClient sends form-encoded arguments with attachments as JSON.
    const form = new URLSearchParams(seen.body);
    assert.equal(form.get('channel'), '#ops');
    assert.equal(JSON.parse(form.get('attachments')!)[0].title, '[FIRING:1] HighLatency (h1 api)');

    reply = [200, { ok: false, error: 'channel_not_found' }, {}];
    const r1 = await sl!.send(context(), [FIRING]);
    assert.equal(r1.retry, false);
    assert.match(r1.error!.message, /receiver "team-x": Slack error response: channel_not_found/);
    reply = [429, { ok: false, error: 'ratelimited' }, { 'retry-after': '3' }];
    const r2 = await sl!.send(context(), [FIRING]);
    assert.equal(r2.retry, true);
    assert.match(r2.error!.message, /429/);
    reply = [500, { ok: false }, {}];
    const r3 = await sl!.send(context(), [FIRING]);
    assert.equal(r3.retry, true);
    for (const r of [r1, r2, r3]) assert.ok(!r.error!.message.includes(TOKEN));
  } finally {
    await srv.close();
  }
});

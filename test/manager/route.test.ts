import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseManagerConfig } from '../../src/manager/config.js';
import { parseMatchers, amMatchersString } from '../../src/manager/matchers.js';
import { buildRoutes, groupKey, groupLabels, matchRoutes, walkRoutes } from '../../src/manager/route.js';

const CONFIG = `
route:
  receiver: default
  group_by: [alertname]
  routes:
    - matchers: ['team="db"', 'severity=~"crit|page"']
      receiver: db-pager
      continue: true
    - match: {team: db}
      receiver: db-mail
    - matchers: [team=web]
      receiver: web
      group_by: [alertname, env]
      routes:
        - matchers: ['env!="prod"']
          receiver: web-dev
        - matchers: ['{region=~"eu-.*", tier!~"batch|cron"}']
          receiver: web-eu
    - matchers: ['msg="a, b \\"quoted\\""']
      receiver: quoted
receivers:
  - name: default
  - name: db-pager
  - name: db-mail
  - name: web
  - name: web-dev
  - name: web-eu
  - name: quoted
`;

const CASES: Record<string, string>[] = [
  { team: 'db', severity: 'crit' },
  { team: 'db', severity: 'warn' },
  { team: 'web', env: 'prod' },
  { team: 'web', env: 'prod', region: 'eu-west' },
  { team: 'web', env: 'prod', region: 'eu-west', tier: 'batch' },
  { team: 'web' },
  { team: 'ops' },
  { msg: 'a, b "quoted"' },
  { alertname: 'X', team: 'db', severity: 'page' },
];

test('routes: matching agrees with `amtool config routes test`', () => {
  const root = buildRoutes(parseManagerConfig(CONFIG));
  const dir = mkdtempSync(join(tmpdir(), 'vigil-am-'));
  const file = join(dir, 'am.yml');
  writeFileSync(file, CONFIG);
  for (const labels of CASES) {
    const ours = matchRoutes(root, labels).map((r) => r.receiver).join(',');
    if (!existsSync('/usr/bin/amtool')) continue;
    const args = Object.entries(labels).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
    const theirs = execFileSync('/usr/bin/amtool', ['config', 'routes', 'test', `--config.file=${file}`, ...args], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    assert.equal(ours, theirs, `labels ${JSON.stringify(labels)}`);
  }
  assert.deepEqual(matchRoutes(root, { team: 'db', severity: 'crit' }).map((r) => r.receiver), ['db-pager', 'db-mail']);
  assert.deepEqual(matchRoutes(root, { team: 'web' }).map((r) => r.receiver), ['web-dev'], '"" != "prod"');
});

test('routes: route keys match the matchers amtool prints in its routing tree', () => {
  const root = buildRoutes(parseManagerConfig(CONFIG));
  const keys = walkRoutes(root).slice(1).map((r) => r.key.split('/').at(-1));
  assert.deepEqual(keys, [
    '{severity=~"crit|page",team="db"}', '{team="db"}', '{team="web"}', '{env!="prod"}', '{region=~"eu-.*",tier!~"batch|cron"}', '{msg="a, b \\"quoted\\""}',
  ]);
  if (!existsSync('/usr/bin/amtool')) return;
  const dir = mkdtempSync(join(tmpdir(), 'vigil-am-'));
  writeFileSync(join(dir, 'am.yml'), CONFIG);
  const tree = execFileSync('/usr/bin/amtool', ['config', 'routes', `--config.file=${join(dir, 'am.yml')}`], { stdio: ['ignore', 'pipe', 'ignore'] }).toString();
  for (const k of keys) assert.ok(tree.includes(`${k}  `), `amtool's tree shows ${k}:\n${tree}`);
});

test('routes: group labels and group keys as Alertmanager prints them', () => {
  const root = buildRoutes(parseManagerConfig(CONFIG));
  const labels = { alertname: 'HighLatency', team: 'web', env: 'staging', instance: 'a:1' };
  const [route] = matchRoutes(root, labels);
  const gl = groupLabels(route!, labels);
  assert.equal(groupKey(route!, gl), '{}/{team="web"}/{env!="prod"}:{alertname="HighLatency", env="staging"}');
  const rootOnly = matchRoutes(root, { alertname: 'Y', job: 'x' })[0]!;
  assert.equal(groupKey(rootOnly, groupLabels(rootOnly, { alertname: 'Y', job: 'x' })), '{}:{alertname="Y"}');
});

test('matchers: Alertmanager syntax, quoted and bare, with escapes; bad input names the fault', () => {
  const ms = parseMatchers('{a="b", c=~"x|y", d!=e , f!~"g\\"h"}');
  assert.equal(amMatchersString(ms), '{a="b",c=~"x|y",d!="e",f!~"g\\"h"}');
  assert.equal(ms[1]!.matches('y'), true);
  assert.equal(ms[1]!.matches('xy'), false, 'anchored');
  assert.equal(parseMatchers('a=~"x.y"')[0]!.matches('x\ny'), false, '. does not match newline, as in Go');
  assert.throws(() => parseMatchers('a="b'), /unescaped double quote/);
  assert.throws(() => parseMatchers('1a=b'), /bad matcher format: 1a=b/);
  assert.throws(() => parseMatchers('a=~"("'), /invalid regular expression/);
});

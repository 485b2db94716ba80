/** `vigil dev` on a manual clock: the scenarios make the shipped rules pend, fire and resolve. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { ManualClock } from '../../src/clock.js';
import type { AlertEvent } from '../../src/evaluate/event.js';
import { inject } from '../../src/evaluate/http.js';
import { runDevLoop } from '../../src/dev/command.js';
import { Fleet, scenarioOf } from '../../src/dev/fleet.js';
import { formatEventLine } from '../../src/dev/format.js';
import { DevRun } from '../../src/dev/run.js';

const RULES = fileURLToPath(new URL('../../../rules', import.meta.url));
const MIN = 60_000;
const START = Date.UTC(2025, 0, 1, 12, 0, 7);

async function demo(machines = 25) {
  const clock = new ManualClock(START);
  const events: AlertEvent[] = [];
  const lines: string[] = [];
  const run = await DevRun.create({
    machines, rulesDir: RULES, speed: 10, backfill: 90 * MIN, clock, out: (l) => lines.push(l), onEvent: (e) => events.push(e),
  });
  return { clock, run, events, lines };
}

/** First event of `alert` on `instance` in `state`, as minutes relative to the live start. */
function at(events: AlertEvent[], live: number, alert: string, instance: string, state: string, severity?: string): number | undefined {
  const e = events.find((x) => x.rule.name === alert && x.labels.instance === instance && x.state === state && !x.resend
    && (severity === undefined || x.labels.severity === severity));
  return e === undefined ? undefined : (e.evalTime - live) / MIN;
}

test('the scenarios fire the shipped alerts during the backfill and the live run', async () => {
  const { clock, run, events, lines } = await demo();
  const live = run.liveStart;
  assert.equal(live % 15_000, 0);
  const inst = (scenario: string) => run.fleet.machines.find((m) => m.scenario === scenario)!.instance;
  run.backfill();
  assert.ok(events.every((e) => e.evalTime <= live));
  // Already firing when the live run starts.
  assert.equal(at(events, live, 'NodeFilesystemSpaceFillingUp', inst('disk-filling'), 'firing', 'critical'), -29);
  assert.ok(at(events, live, 'NodeFilesystemAlmostOutOfSpace', inst('disk-filling'), 'firing', 'warning')! < 0);
  assert.ok(at(events, live, 'NodeMemoryHighUtilization', inst('memory-pressure'), 'firing')! < 0);
  assert.ok(at(events, live, 'NodeCPUHighUsage', inst('cpu-spike-early'), 'firing')! < 0);
  assert.ok(at(events, live, 'NodeClockSkewDetected', inst('clock-skew'), 'firing')! < 0);
  assert.equal(at(events, live, 'NodeDown', inst('died-earlier'), 'firing'), -25);

  // Four real minutes at 10x are forty simulated minutes.
  for (let i = 0; i < 240; i++) {
    clock.advance(1000);
    run.tick();
  }
  assert.equal(run.evaluator.watermark, live + 40 * MIN);
  assert.equal(at(events, live, 'NodeOOMKillDetected', inst('memory-pressure'), 'firing'), 2);
  assert.equal(at(events, live, 'NodeDown', inst('dying'), 'pending'), 1);
  assert.equal(at(events, live, 'NodeDown', inst('dying'), 'firing'), 6);
  assert.equal(at(events, live, 'NodeDown', inst('dying'), 'resolved'), 25, 'up disappears when decommissioned');
  assert.equal(at(events, live, 'NodeDown', inst('died-earlier'), 'resolved'), 10);
  assert.equal(at(events, live, 'NodeFilesystemAlmostOutOfSpace', inst('disk-filling'), 'firing', 'critical'), 8);
  assert.equal(at(events, live, 'NodeFilesystemAlmostOutOfSpace', inst('disk-filling'), 'resolved', 'critical'), 30, 'disk cleaned up');
  assert.ok(at(events, live, 'NodeCPUHighUsage', inst('cpu-spike'), 'firing')! > 10);

  // Only the scenario machines ever alert.
  const alerting = new Set(events.map((e) => e.labels.instance));
  for (const m of run.fleet.machines) if (alerting.has(m.instance)) assert.notEqual(m.scenario, 'healthy', m.instance);
  // Every state change is printed, re-sends are not.
  assert.equal(lines.length, events.filter((e) => !e.resend).length);
  assert.ok(lines.includes(formatEventLine(events.find((e) => e.state === 'firing' && e.rule.name === 'NodeOOMKillDetected')!) + '\n'));
  assert.match(lines.find((l) => l.includes('FIRING   NodeDown'))!, /^\d\d:\d\d:00 FIRING {3}NodeDown instance=\S+ severity=critical tenant=\w+ — Node exporter on \S+ is down\.\n$/);
});

test('the page lists firing and pending alerts and rule health; the API answers beside it', async () => {
  const { run } = await demo(25);
  run.backfill();
  const h = run.handler();
  const page = await inject(h, 'GET', '/');
  assert.equal(page.status, 200);
  assert.match(page.headers['content-type']!, /^text\/html/);
  const firing = run.evaluator.activeAlerts().filter((x) => x.alert.state === 'firing').length;
  assert.ok(firing > 0);
  assert.ok(page.body.includes(`<h2>Firing (${firing})</h2>`));
  assert.match(page.body, /NodeFilesystemSpaceFillingUp/);
  assert.match(page.body, /http-equiv="refresh"/);
  assert.match(page.body, /node-filesystem <small>ok/);
  const alerts = JSON.parse((await inject(h, 'GET', '/api/v1/alerts')).body);
  assert.equal(alerts.data.alerts.filter((a: { state: string }) => a.state === 'firing').length, firing);
});

test('the fleet is deterministic and covers every scenario in 25 machines', () => {
  const a = new Fleet(25, START);
  const b = new Fleet(25, START);
  for (let t = START - 10 * MIN; t <= START; t += 15_000) assert.deepEqual(a.scrape(t), b.scrape(t));
  const scenarios = new Set(Array.from({ length: 25 }, (_, i) => scenarioOf(i)));
  assert.deepEqual([...scenarios].sort(), ['clock-skew', 'cpu-spike', 'cpu-spike-early', 'died-earlier', 'disk-filling', 'dying', 'healthy', 'memory-pressure']);
  assert.throws(() => new Fleet(0, START), /machine count/);
});

test('the dev loop serves, ticks on its timer and stops cleanly when aborted', async () => {
  const clock = new ManualClock(START);
  const abort = new AbortController();
  let tick: (() => void) | null = null;
  let stopped = false;
  let out = '';
  let url = '';
  const done = runDevLoop(
    { machines: 5, rulesDir: RULES, speed: 10, backfill: 10 * MIN, port: 0 },
    {
      clock, signal: abort.signal,
      every: (fn) => { tick = fn; return () => { stopped = true; }; },
      onStart: (run) => { url = run.url; },
    },
    (s) => { out += s; },
    (s) => { out += s; },
  );
  let exited = false;
  void done.then(() => { exited = true; });
  while (url === '' && !exited) await new Promise((r) => setTimeout(r, 10));
  assert.equal(exited, false, out);
  assert.match(out, /^Vigil dev running: open http:\/\/127\.0\.0\.1:\d+\/\n/);
  assert.ok(out.includes(url));
  const res = await fetch(url + '/');
  assert.equal(res.status, 200);
  assert.match(await res.text(), /<h1>Vigil dev<\/h1>/);
  clock.advance(60_000);
  tick!();
  abort.abort();
  assert.equal(await done, 0);
  assert.ok(stopped);
  assert.match(out, /Vigil dev stopped\.\n$/);
  await assert.rejects(fetch(url + '/'));
});

test('a missing rules directory is reported, not thrown', async () => {
  let err = '';
  const code = await runDevLoop(
    { machines: 5, rulesDir: '/nonexistent/rules', speed: 10, backfill: 0, port: 0 },
    { clock: new ManualClock(START), signal: new AbortController().signal, every: () => () => {} },
    () => {},
    (s) => { err += s; },
  );
  assert.equal(code, 1);
  assert.match(err, /cannot read rules directory \/nonexistent\/rules/);
});

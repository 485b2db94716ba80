// The dispatcher flushes due groups concurrently, within a bound, never one group twice at
// once, and keeps its leases alive while a slow send runs.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../src/clock.js';
import type { NotifyAlert } from '../../src/manager/alert.js';
import { parseManagerConfig } from '../../src/manager/config.js';
import { Dispatcher } from '../../src/manager/dispatch.js';
import type { NotifyContext } from '../../src/manager/pipeline/stage.js';
import type { Integration, SendResult } from '../../src/manager/receivers/integration.js';
import { listGroups } from '../../src/store/manager_groups.js';
import { database, dropDatabase } from './harness.js';

after(dropDatabase);

const CONFIG = parseManagerConfig(`
global: {resolve_timeout: 1d}
route:
  receiver: team
  group_by: [alertname]
  group_wait: 0s
  group_interval: 5m
  repeat_interval: 1h
receivers:
- name: team
  webhook_configs:
  - url: http://example.invalid/hook
`, 'concurrency.yml');

/** Holds every send until released; counts how many are in flight. */
class GatedIntegration implements Integration {
  readonly name = 'webhook';
  readonly index = 0;
  readonly sendResolved = true;
  readonly started: string[] = [];
  inFlight = 0;
  maxInFlight = 0;
  private gate!: Promise<void>;
  release!: () => void;

  constructor() {
    this.close();
  }

  close(): void {
    this.gate = new Promise((r) => (this.release = r));
  }

  async send(ctx: NotifyContext, _alerts: readonly NotifyAlert[]): Promise<SendResult> {
    this.started.push(ctx.groupKey);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      await this.gate;
    } finally {
      this.inFlight--;
    }
    return { retry: false };
  }
}

async function fresh(): Promise<Awaited<ReturnType<typeof database>>> {
  const pool = await database();
  for (const t of ['manager_alerts', 'manager_groups', 'manager_group_alerts', 'manager_nflog', 'manager_silences']) await pool.query(`DELETE FROM ${t}`);
  return pool;
}

async function eventually(what: string, f: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!f()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('dispatch: a tick flushes due groups at most flushConcurrency at once; an overlapping tick skips groups in flight', async () => {
  const pool = await fresh();
  const clock = new ManualClock(1_000_000);
  const hook = new GatedIntegration();
  const d = new Dispatcher({ pool, config: CONFIG, clock, instance: 'a', flushConcurrency: 3, integrations: () => [hook] });
  await d.put(Array.from({ length: 10 }, (_, i) => ({ labels: { alertname: `A${i}` } })));
  const first = d.tick();
  await eventually('three sends in flight', () => hook.inFlight === 3);
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(hook.inFlight, 3, 'no fourth send starts while three are held');
  assert.deepEqual(await d.tick(), [], 'a tick meanwhile finds every due group already being flushed');
  hook.release();
  const reports = await first;
  assert.equal(reports.length, 10);
  assert.equal(hook.maxInFlight, 3);
  assert.equal(new Set(hook.started).size, 10, 'each group sent once');
  assert.equal(hook.started.length, 10);
  for (const r of reports) assert.equal(r.error, undefined, `${r.groupKey} flushed`);
  const groups = await listGroups(pool);
  assert.equal(groups.length, 10);
  for (const g of groups) assert.ok(g.hasFlushed && g.nextFlushAt === clock.now() + 5 * 60_000, `${g.groupKey} scheduled for group_interval`);
  // Nothing new: the next tick at group_interval dedups every group, so no send.
  clock.advance(5 * 60_000);
  const again = await d.tick();
  assert.equal(again.length, 10);
  assert.equal(hook.started.length, 10, 'unchanged groups are not sent again before repeat_interval');
});

test('dispatch: a flush longer than the lease keeps the lease, so another instance does not send the group again', async () => {
  const pool = await fresh();
  const clock = new ManualClock(1_000_000);
  const hook = new GatedIntegration();
  const leaseMs = 300;
  const a = new Dispatcher({ pool, config: CONFIG, clock, instance: 'a', leaseMs, integrations: () => [hook] });
  const other = new GatedIntegration();
  other.release();
  const b = new Dispatcher({ pool, config: CONFIG, clock, instance: 'b', leaseMs, integrations: () => [other] });
  await a.put([{ labels: { alertname: 'Slow' } }]);
  const flushing = a.tick();
  await eventually('the send to start', () => hook.inFlight === 1);
  // Time passes beyond the lease while the send hangs; the renewal beat (lease/3) runs meanwhile.
  clock.advance(10 * leaseMs);
  await new Promise((r) => setTimeout(r, 2 * leaseMs));
  assert.deepEqual(await b.tick(), [], 'b finds the group leased');
  assert.deepEqual(other.started, [], 'b sent nothing');
  hook.release();
  const reports = await flushing;
  assert.equal(reports.length, 1);
  assert.equal(reports[0]!.error, undefined);
  const [g] = await listGroups(pool);
  assert.equal(g!.leaseOwner, 'a');
  assert.ok(g!.hasFlushed, 'a finished the flush it started');
  await a.stop();
  await b.stop();
});

test('dispatch: flushConcurrency must be a positive integer', async () => {
  const pool = await database();
  assert.throws(() => new Dispatcher({ pool, config: CONFIG, clock: new ManualClock(0), instance: 'a', flushConcurrency: 0, integrations: () => [] }), /flushConcurrency must be a positive integer, got 0/);
});

// A manager world for timeline tests: one MariaDB database, a ManualClock, one or more
// dispatcher instances sharing both, and recording integrations per receiver.
import { spawn, type ChildProcess } from 'node:child_process';
import { ManualClock } from '../../src/clock.js';
import { parseManagerConfig, type ManagerConfig } from '../../src/manager/config.js';
import { Dispatcher, type FlushReport } from '../../src/manager/dispatch.js';
import type { PostableAlert } from '../../src/manager/alert.js';
import { RecordingIntegration, type RecordedNotification } from '../../src/manager/receivers/recording.js';
import { testDatabase, type MySQLConfig } from '../../src/services/mariadb.js';
import { projectRoot } from '../../src/services/process.js';
import { migrate } from '../../src/store/migrate.js';
import { createPool, type StorePool } from '../../src/store/pool.js';

export const S = 1000;
export const M = 60 * S;
export const H = 60 * M;

let shared: { db: { config: MySQLConfig; drop(): Promise<void> }; pool: StorePool } | null = null;

/** The test file's database, migrated once. */
export async function database(): Promise<StorePool> {
  if (shared === null) {
    const db = await testDatabase('vigil_manager');
    await migrate(db.config);
    shared = { db, pool: createPool(db.config) };
  }
  return shared.pool;
}

/** Drops the test file's database. */
export async function dropDatabase(): Promise<void> {
  if (shared === null) return;
  await shared.pool.end();
  await shared.db.drop();
  shared = null;
}

/** One timeline: fresh tables, a clock at `start`, instances named as given. */
export class World {
  readonly clock: ManualClock;
  readonly config: ManagerConfig;
  readonly receivers = new Map<string, RecordingIntegration[]>();
  readonly instances = new Map<string, Dispatcher>();
  /** Instances that stopped ticking (crashed). */
  readonly dead = new Set<string>();
  readonly reports: FlushReport[] = [];

  private constructor(readonly pool: StorePool, yaml: string, start: number, names: string[], leaseMs: number) {
    this.clock = new ManualClock(start);
    this.config = parseManagerConfig(yaml, 'timeline.yml');
    for (const name of names) {
      this.instances.set(name, new Dispatcher({
        pool, config: this.config, clock: this.clock, instance: name, leaseMs,
        retry: { sleep: async () => undefined, maxAttempts: 3 },
        integrations: (r) => {
          if (!this.receivers.has(r.name)) {
            // Shared by all instances: they notify the same real endpoint.
            this.receivers.set(r.name, r.webhook_configs.map((w, i) => new RecordingIntegration('webhook', i, w.send_resolved)));
          }
          return this.receivers.get(r.name)!;
        },
      }));
    }
  }

  static async create(yaml: string, opts: { start?: number; instances?: string[]; leaseMs?: number } = {}): Promise<World> {
    const pool = await database();
    for (const t of ['manager_alerts', 'manager_groups', 'manager_group_alerts', 'manager_nflog', 'manager_silences']) await pool.query(`DELETE FROM ${t}`);
    return new World(pool, yaml, opts.start ?? 0, opts.instances ?? ['a'], opts.leaseMs ?? 60 * S);
  }

  /** The first instance (or the named one). */
  instance(name?: string): Dispatcher {
    return name === undefined ? this.instances.values().next().value! : this.instances.get(name)!;
  }

  /** Posts alerts through an instance at the current time. */
  async post(alerts: PostableAlert[], via?: string): Promise<void> {
    const faults = await this.instance(via).put(alerts);
    if (faults.length > 0) throw new Error(faults.join('; '));
  }

  /** Moves the clock to `t` in `step`s, ticking every live instance at each step. */
  async until(t: number, step = 10 * S): Promise<void> {
    while (this.clock.now() < t) {
      this.clock.set(Math.min(t, this.clock.now() + step));
      for (const [name, d] of this.instances) if (!this.dead.has(name)) this.reports.push(...(await d.tick()));
    }
  }

  /** Every notification a receiver got, as `time firing[...] resolved[...]` lines. */
  log(receiver: string, index = 0): string[] {
    return this.sent(receiver, index).map(line);
  }

  sent(receiver: string, index = 0): RecordedNotification[] {
    return this.receivers.get(receiver)?.[index]?.sent ?? [];
  }
}

function clockText(ms: number): string {
  const h = Math.floor(ms / H);
  const m = Math.floor((ms % H) / M);
  const s = Math.floor((ms % M) / S);
  return `${h}h${String(m).padStart(2, '0')}m${String(s).padStart(2, '0')}s`;
}

function line(n: RecordedNotification): string {
  const parts = [clockText(n.at)];
  if (n.firing.length > 0) parts.push(`firing[${n.firing.join(',')}]`);
  if (n.resolved.length > 0) parts.push(`resolved[${n.resolved.join(',')}]`);
  return parts.join(' ');
}

/** One `vigil manager` child process (`node bin/vigil.js manager --instance NAME ...`), its output kept by line. */
export class ManagerProcess {
  readonly lines: string[] = [];
  readonly child: ChildProcess;
  private readonly exited: Promise<void>;

  constructor(readonly name: string, args: string[]) {
    this.child = spawn(process.execPath, ['bin/vigil.js', 'manager', '--instance', name, ...args], { cwd: projectRoot(), stdio: ['ignore', 'pipe', 'pipe'] });
    let buf = '';
    const onData = (d: Buffer) => {
      buf += d.toString('utf8');
      const parts = buf.split('\n');
      buf = parts.pop()!;
      this.lines.push(...parts);
    };
    this.child.stdout!.on('data', onData);
    this.child.stderr!.on('data', onData);
    this.exited = new Promise((r) => this.child.once('exit', () => r()));
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  async kill9(): Promise<void> {
    if (this.alive) this.child.kill('SIGKILL');
    await this.exited;
  }
}

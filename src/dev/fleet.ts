/**
 * A simulated fleet of node_exporter hosts for `vigil dev`: each machine exposes the
 * series the shipped node rules read, scraped every 15s, and some machines follow a
 * scenario (a disk filling, a CPU spike, dying, memory pressure, clock skew) timed
 * relative to the start of the live run so that alerts visibly pend, fire and resolve.
 * Values are deterministic: the same scrape times give the same samples.
 */
import { labelsFromRecord, type Labels } from '../promql/labels.js';
import type { IngestSample } from '../evaluate/partition.js';

/** What happens to a machine. */
export type Scenario = 'healthy' | 'disk-filling' | 'cpu-spike-early' | 'cpu-spike' | 'dying' | 'died-earlier'
  | 'memory-pressure' | 'clock-skew';

/** node_exporter's scrape interval in the demo. */
export const SCRAPE_INTERVAL_MS = 15_000;
const MIN = 60_000;
const GiB = 1024 ** 3;

/** Scenario of machine `i`: one of each in every 25 machines, the rest healthy. */
export function scenarioOf(i: number): Scenario {
  const slots: Record<number, Scenario> = {
    3: 'disk-filling', 5: 'died-earlier', 7: 'cpu-spike-early', 11: 'cpu-spike', 13: 'dying', 17: 'memory-pressure', 19: 'clock-skew',
  };
  return slots[i % 25] ?? 'healthy';
}

const ROLES = ['web', 'db', 'cache', 'api', 'batch', 'queue'];
const TENANTS = ['acme', 'globex', 'initech', 'umbrella', 'hooli'];

/** A deterministic value in [0, 1) from integers (a small integer hash). */
export function noise(...xs: number[]): number {
  let h = 0x9e3779b9;
  for (const x of xs) {
    h = Math.imul(h ^ (x | 0), 0x85ebca6b);
    h = Math.imul(h ^ Math.floor(x / 4294967296), 0xc2b2ae35);
    h ^= h >>> 13;
  }
  h = Math.imul(h ^ (h >>> 16), 0x27d4eb2f);
  return ((h ^ (h >>> 15)) >>> 0) / 4294967296;
}

interface Series {
  readonly labels: Labels;
  /** Index into the machine's value vector. */
  readonly slot: number;
}

const FILESYSTEMS = [
  { mountpoint: '/', device: '/dev/sda1', fstype: 'ext4' },
  { mountpoint: '/data', device: '/dev/sdb1', fstype: 'xfs' },
  { mountpoint: '/run', device: 'tmpfs', fstype: 'tmpfs' },
] as const;

/** One simulated host. */
export class Machine {
  readonly instance: string;
  readonly tenant: string;
  readonly cpus: number;
  readonly scenario: Scenario;
  private readonly series: Series[] = [];
  private readonly upLabels: Labels;
  private readonly memTotal: number;
  private readonly fsSize: number[];
  private readonly fsFree: number[];
  // Counters and smoothed gauges, advanced scrape by scrape.
  private cpuIdle: number[];
  private cpuUser: number[];
  private cpuSystem: number[];
  private load = [0, 0, 0];
  private pgmajfault: number;
  private oomKills = 0;
  private rxPackets: number;
  private rxErrs = 0;
  private txPackets: number;
  private txErrs = 0;
  private lastT: number | null = null;
  private staleSent = false;
  private upGone = false;

  constructor(readonly index: number, private readonly liveStart: number) {
    this.instance = `${ROLES[index % ROLES.length]}-${Math.floor(index / ROLES.length) + 1}`;
    this.tenant = TENANTS[index % TENANTS.length]!;
    this.scenario = scenarioOf(index);
    this.cpus = [2, 4, 4, 8, 16][Math.floor(noise(index, 1) * 5)]!;
    this.memTotal = [8, 16, 32, 64][Math.floor(noise(index, 2) * 4)]! * GiB;
    this.fsSize = [[100, 200, 500][Math.floor(noise(index, 3) * 3)]! * GiB, 1024 * GiB, 4 * GiB];
    this.fsFree = [0.45 + noise(index, 4) * 0.4, 0.5 + noise(index, 5) * 0.45, 0.9];
    this.cpuIdle = Array.from({ length: this.cpus }, (_, c) => 1e6 + noise(index, c, 6) * 1e6);
    this.cpuUser = this.cpuIdle.map((v) => v / 5);
    this.cpuSystem = this.cpuIdle.map((v) => v / 20);
    this.pgmajfault = Math.floor(noise(index, 7) * 1e5);
    this.rxPackets = Math.floor(noise(index, 8) * 1e9);
    this.txPackets = Math.floor(noise(index, 9) * 1e9);
    const base = { job: 'node', instance: this.instance, tenant: this.tenant };
    this.upLabels = labelsFromRecord({ __name__: 'up', ...base });
    const add = (name: string, extra: Record<string, string> = {}) => {
      this.series.push({ labels: labelsFromRecord({ __name__: name, ...base, ...extra }), slot: this.series.length });
    };
    for (let c = 0; c < this.cpus; c++) for (const mode of ['idle', 'user', 'system']) add('node_cpu_seconds_total', { cpu: String(c), mode });
    add('node_load1'); add('node_load5'); add('node_load15');
    add('node_memory_MemTotal_bytes'); add('node_memory_MemAvailable_bytes');
    add('node_vmstat_pgmajfault'); add('node_vmstat_oom_kill');
    for (const fs of FILESYSTEMS) {
      for (const m of ['size_bytes', 'avail_bytes', 'readonly', 'files', 'files_free']) add(`node_filesystem_${m}`, { ...fs });
    }
    add('node_timex_offset_seconds'); add('node_timex_sync_status'); add('node_timex_maxerror_seconds');
    add('node_filefd_allocated'); add('node_filefd_maximum');
    for (const m of ['receive_packets_total', 'receive_errs_total', 'transmit_packets_total', 'transmit_errs_total']) {
      add(`node_network_${m}`, { device: 'eth0' });
    }
  }

  /** Minutes since the live start (negative during the backfilled history). */
  private at(t: number): number {
    return (t - this.liveStart) / MIN;
  }

  /** Whether the host answers scrapes at `t`; after decommissioning `up` is gone too. */
  private health(t: number): 'up' | 'down' | 'gone' {
    const m = this.at(t);
    if (this.scenario === 'dying') return m < 1 ? 'up' : m < 25 ? 'down' : 'gone';
    if (this.scenario === 'died-earlier') return m < -30 ? 'up' : m < 10 ? 'down' : 'gone';
    return 'up';
  }

  /** Share of CPU time busy. */
  private busy(t: number): number {
    const m = this.at(t);
    const base = 0.1 + noise(this.index, 10) * 0.3 + (noise(this.index, t, 11) - 0.5) * 0.05;
    if (this.scenario === 'cpu-spike-early' && m >= -25 && m < 15) return 0.97;
    if (this.scenario === 'cpu-spike' && m >= 1 && m < 30) return 0.98;
    return base;
  }

  /** Share of memory available. */
  private memAvailable(t: number): number {
    const m = this.at(t);
    if (this.scenario === 'memory-pressure' && m >= -40 && m < 20) return 0.04 + noise(this.index, t, 12) * 0.01;
    return 0.3 + noise(this.index, 13) * 0.4 + (noise(this.index, t, 14) - 0.5) * 0.02;
  }

  /** Share of `/` free: the filling disk loses 12% of its size over 130 minutes, is full 20 minutes, then cleaned. */
  private rootFree(t: number): number {
    if (this.scenario !== 'disk-filling') return this.fsFree[0]!;
    const m = this.at(t);
    if (m >= 30) return 0.7;
    return Math.max(0, 0.12 * (1 - (m + 120) / 130));
  }

  /** The samples of a scrape at `t` (stale markers when the host stops answering). */
  scrape(t: number): IngestSample[] {
    const dt = this.lastT === null ? SCRAPE_INTERVAL_MS / 1000 : (t - this.lastT) / 1000;
    this.lastT = t;
    const health = this.health(t);
    if (health === 'gone') {
      if (this.upGone) return [];
      this.upGone = true;
      return [{ labels: this.upLabels, t, v: 0, stale: true }];
    }
    if (health === 'down') {
      const out: IngestSample[] = [{ labels: this.upLabels, t, v: 0 }];
      if (!this.staleSent) {
        this.staleSent = true;
        for (const s of this.series) out.push({ labels: s.labels, t, v: 0, stale: true });
      }
      return out;
    }
    const values = this.values(t, dt);
    const out: IngestSample[] = [{ labels: this.upLabels, t, v: 1 }];
    for (const s of this.series) out.push({ labels: s.labels, t, v: values[s.slot]! });
    return out;
  }

  private values(t: number, dt: number): number[] {
    const v: number[] = [];
    const busy = this.busy(t);
    for (let c = 0; c < this.cpus; c++) {
      const b = Math.min(1, Math.max(0, busy + (noise(this.index, c, t, 15) - 0.5) * 0.04));
      this.cpuIdle[c]! += (1 - b) * dt;
      this.cpuUser[c]! += b * 0.75 * dt;
      this.cpuSystem[c]! += b * 0.25 * dt;
      v.push(round3(this.cpuIdle[c]!), round3(this.cpuUser[c]!), round3(this.cpuSystem[c]!));
    }
    const m = this.at(t);
    const spiking = (this.scenario === 'cpu-spike-early' && m >= -25 && m < 15) || (this.scenario === 'cpu-spike' && m >= 1 && m < 30);
    const runQueue = this.cpus * (spiking ? 2.6 : busy * 1.1);
    // Exponential moving averages over 1, 5 and 15 minutes, as the kernel's load averages.
    [60, 300, 900].forEach((window, i) => {
      this.load[i] = this.load[i]! + (runQueue - this.load[i]!) * (1 - Math.exp(-dt / window));
    });
    v.push(round2(this.load[0]!), round2(this.load[1]!), round2(this.load[2]!));
    v.push(this.memTotal, Math.round(this.memTotal * this.memAvailable(t)));
    const pressure = this.scenario === 'memory-pressure' && m >= -40 && m < 20;
    this.pgmajfault += Math.round((pressure ? 800 : 2) * dt * (0.9 + noise(this.index, t, 16) * 0.2));
    if (this.scenario === 'memory-pressure' && this.lastOomMinute(t)) this.oomKills++;
    v.push(this.pgmajfault, this.oomKills);
    const free = [this.rootFree(t), this.fsFree[1]!, this.fsFree[2]!];
    FILESYSTEMS.forEach((_, i) => {
      const size = this.fsSize[i]!;
      const jitter = i === 2 ? 0 : (noise(this.index, i, t, 17) - 0.5) * 1e-5;
      v.push(size, Math.max(0, Math.round(size * (free[i]! + jitter) / 4096) * 4096), 0, 6_553_600, Math.round(6_553_600 * 0.9));
    });
    const skew = this.scenario === 'clock-skew' && m >= -30 ? 0.06 + (m + 30) * 0.0005 : (noise(this.index, t, 18) - 0.5) * 0.002;
    v.push(round6(skew), 1, 0.01);
    v.push(2000 + Math.round(noise(this.index, t, 19) * 500), 9_223_372_036_854_775_807);
    this.rxPackets += Math.round(1000 * dt);
    this.txPackets += Math.round(800 * dt);
    v.push(this.rxPackets, this.rxErrs, this.txPackets, this.txErrs);
    return v;
  }

  /** The memory-pressure host's OOM killer strikes once, at minute 2 of the live run. */
  private lastOomMinute(t: number): boolean {
    const m = this.at(t);
    return m >= 2 && m - SCRAPE_INTERVAL_MS / MIN < 2;
  }
}

function round2(x: number): number { return Math.round(x * 100) / 100; }
function round3(x: number): number { return Math.round(x * 1000) / 1000; }
function round6(x: number): number { return Math.round(x * 1e6) / 1e6; }

/** The whole fleet. */
export class Fleet {
  readonly machines: Machine[];

  /** `liveStart` is the time scenarios are timed from: history before it is backfilled. */
  constructor(count: number, readonly liveStart: number) {
    if (!Number.isInteger(count) || count < 1) throw new RangeError(`fleet: machine count must be a positive integer, got ${count}`);
    this.machines = Array.from({ length: count }, (_, i) => new Machine(i, liveStart));
  }

  /** One scrape of every machine at `t`; scrapes must come in time order. */
  scrape(t: number): IngestSample[] {
    const out: IngestSample[] = [];
    for (const m of this.machines) for (const s of m.scrape(t)) out.push(s);
    return out;
  }
}

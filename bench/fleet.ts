/**
 * A deterministic node_exporter fleet: label sets and plausible values for benches.
 * Hosts of several tenants expose the usual node_exporter families (cpu, memory,
 * filesystem, network, disk, load, scrape collectors, ...) with values shaped like the
 * real ones: 2-decimal cpu counters, page-sized memory gauges, integer byte counters,
 * constants, a few full-precision floats.
 */
import { labelsFromRecord, type Labels } from '../src/promql/labels.js';

/** One series of the fleet. */
export interface FleetSeries {
  readonly labels: Labels;
  /** Index of the host exporting it (all series of a host share scrape times). */
  readonly host: number;
  /** The next value (one call per scrape). */
  next(): number;
}

/** Scrape interval of the fleet, ms. */
export const SCRAPE_INTERVAL = 15_000;

/** mulberry32, a small seedable PRNG returning [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Model = (r: () => number) => () => number;

const round = (x: number, d: number): number => Math.round(x * 10 ** d) / 10 ** d;

/** A counter growing at about `rate`/s, in steps of 10^-decimals. */
const counter = (rate: number, decimals = 0, start = 1e6): Model => (r) => {
  let v = round(start * (0.5 + r()), decimals);
  const base = rate * (0.2 + 1.6 * r());
  return () => (v = round(v + base * (SCRAPE_INTERVAL / 1000) * (0.7 + 0.6 * r()), decimals));
};
/** A counter that rarely moves (errors, drops, retransmits). */
const rare = (p: number): Model => (r) => {
  let v = r() < 0.5 ? 0 : Math.floor(r() * 1000);
  return () => (r() < p ? (v += 1 + Math.floor(r() * 3)) : v);
};
const constant = (f: (r: () => number) => number): Model => (r) => {
  const v = f(r);
  return () => v;
};
/** A gauge drifting by page-sized steps. */
const pages = (size: number): Model => (r) => {
  let v = Math.floor(size * (0.2 + 0.6 * r()) / 4096) * 4096;
  return () => (v = Math.max(0, v + Math.round((r() - 0.5) * 2000) * 4096));
};
/** A gauge with `decimals`, moving with probability `p`. */
const gauge = (level: number, spread: number, decimals: number, p = 1): Model => (r) => {
  let v = round(level * (0.5 + r()), decimals);
  return () => (r() < p ? (v = round(Math.max(0, v + (r() - 0.5) * spread), decimals)) : v);
};
/** Durations as Go reports them: integer nanoseconds / 1e9. */
const duration = (scale: number): Model => (r) => () => Math.round(scale * (0.5 + r()) * 1e9) / 1e9;
/** Full-precision floats: the incompressible kind. */
const noisy = (scale: number): Model => (r) => () => scale * (0.5 + r());

interface Family {
  readonly name: string;
  readonly model: Model;
  readonly extra?: Record<string, string>;
}

const MODES = ['idle', 'user', 'system', 'iowait', 'irq', 'softirq', 'nice', 'steal'];
const MOUNTS: [string, string, string][] = [
  ['/dev/sda1', '/', 'ext4'], ['/dev/sda2', '/boot', 'ext4'], ['/dev/sdb1', '/data', 'xfs'],
  ['tmpfs', '/run', 'tmpfs'], ['/dev/nvme0n1p1', '/var/lib/docker', 'xfs'],
];
const COLLECTORS = ['cpu', 'diskstats', 'filesystem', 'loadavg', 'meminfo', 'netdev', 'netstat', 'stat',
  'time', 'uname', 'vmstat', 'hwmon', 'pressure', 'schedstat', 'sockstat', 'textfile'];
const MEM = ['MemTotal', 'MemFree', 'MemAvailable', 'Buffers', 'Cached', 'SwapCached', 'Active', 'Inactive',
  'Active_anon', 'Inactive_anon', 'Active_file', 'Inactive_file', 'Dirty', 'Writeback', 'AnonPages', 'Mapped',
  'Shmem', 'Slab', 'SReclaimable', 'SUnreclaim', 'KernelStack', 'PageTables', 'SwapTotal', 'SwapFree',
  'Committed_AS', 'HugePages_Total'];
const NETSTAT = ['Tcp_ActiveOpens', 'Tcp_PassiveOpens', 'Tcp_RetransSegs', 'Tcp_InSegs', 'Tcp_OutSegs',
  'Tcp_CurrEstab', 'Udp_InDatagrams', 'Udp_OutDatagrams', 'Udp_InErrors', 'TcpExt_ListenDrops',
  'TcpExt_SyncookiesSent', 'Icmp_InMsgs', 'Icmp_OutMsgs', 'IpExt_InOctets', 'IpExt_OutOctets'];

/** The families one host exports. */
function hostFamilies(r: () => number): Family[] {
  const fams: Family[] = [];
  const cpus = [2, 4, 8, 8, 16][Math.floor(r() * 5)]!;
  for (let cpu = 0; cpu < cpus; cpu++) {
    for (const mode of MODES) {
      const rate = mode === 'idle' ? 0.7 : mode === 'user' ? 0.2 : mode === 'system' ? 0.06 : 0.005;
      const model = mode === 'nice' || mode === 'steal' ? rare(0.02) : counter(rate, 2, 1e5);
      fams.push({ name: 'node_cpu_seconds_total', model, extra: { cpu: String(cpu), mode } });
    }
  }
  for (const [device, mountpoint, fstype] of MOUNTS) {
    const ex = { device, mountpoint, fstype };
    const size = Math.floor(r() * 500) * 2 ** 30;
    fams.push({ name: 'node_filesystem_size_bytes', model: constant(() => size), extra: ex });
    fams.push({ name: 'node_filesystem_free_bytes', model: pages(size), extra: ex });
    fams.push({ name: 'node_filesystem_avail_bytes', model: pages(size), extra: ex });
    fams.push({ name: 'node_filesystem_files', model: constant(() => 6_553_600), extra: ex });
    fams.push({ name: 'node_filesystem_files_free', model: gauge(5e6, 40, 0, 0.3), extra: ex });
    fams.push({ name: 'node_filesystem_readonly', model: constant(() => 0), extra: ex });
    fams.push({ name: 'node_filesystem_device_error', model: constant(() => 0), extra: ex });
  }
  for (const device of ['eth0', 'eth1', 'lo']) {
    const ex = { device };
    fams.push({ name: 'node_network_receive_bytes_total', model: counter(2e6, 0, 1e12), extra: ex });
    fams.push({ name: 'node_network_transmit_bytes_total', model: counter(1e6, 0, 1e12), extra: ex });
    fams.push({ name: 'node_network_receive_packets_total', model: counter(2000, 0, 1e9), extra: ex });
    fams.push({ name: 'node_network_transmit_packets_total', model: counter(1500, 0, 1e9), extra: ex });
    for (const k of ['receive_errs', 'transmit_errs', 'receive_drop', 'transmit_drop', 'receive_fifo', 'transmit_colls']) {
      fams.push({ name: `node_network_${k}_total`, model: rare(0.01), extra: ex });
    }
    fams.push({ name: 'node_network_up', model: constant(() => 1), extra: ex });
    fams.push({ name: 'node_network_mtu_bytes', model: constant(() => 1500), extra: ex });
    fams.push({ name: 'node_network_speed_bytes', model: constant(() => 1.25e9), extra: ex });
  }
  for (const device of ['sda', 'sdb', 'nvme0n1']) {
    const ex = { device };
    fams.push({ name: 'node_disk_reads_completed_total', model: counter(50, 0, 1e8), extra: ex });
    fams.push({ name: 'node_disk_writes_completed_total', model: counter(120, 0, 1e8), extra: ex });
    fams.push({ name: 'node_disk_read_bytes_total', model: counter(4e5, 0, 1e12), extra: ex });
    fams.push({ name: 'node_disk_written_bytes_total', model: counter(1e6, 0, 1e12), extra: ex });
    fams.push({ name: 'node_disk_io_time_seconds_total', model: counter(0.05, 3, 1e5), extra: ex });
    fams.push({ name: 'node_disk_read_time_seconds_total', model: counter(0.02, 3, 1e5), extra: ex });
    fams.push({ name: 'node_disk_write_time_seconds_total', model: counter(0.08, 3, 1e5), extra: ex });
    fams.push({ name: 'node_disk_io_now', model: gauge(2, 4, 0, 0.3), extra: ex });
  }
  const memTotal = 2 ** (33 + Math.floor(r() * 4));
  for (const m of MEM) {
    const model = m.endsWith('Total') ? constant(() => memTotal) : r() < 0.3 ? constant(() => 0) : pages(memTotal);
    fams.push({ name: `node_memory_${m}_bytes`, model });
  }
  for (const m of NETSTAT) {
    const model = m.includes('Octets') ? counter(3e6, 0, 1e12) : m.includes('Curr') ? gauge(200, 20, 0) : r() < 0.5 ? rare(0.05) : counter(30, 0, 1e7);
    fams.push({ name: `node_netstat_${m}`, model });
  }
  for (const c of COLLECTORS) {
    fams.push({ name: 'node_scrape_collector_duration_seconds', model: duration(c === 'textfile' ? 1e-4 : 3e-3), extra: { collector: c } });
    fams.push({ name: 'node_scrape_collector_success', model: constant(() => 1), extra: { collector: c } });
  }
  for (const k of ['load1', 'load5', 'load15']) fams.push({ name: `node_${k}`, model: gauge(cpus * 0.3, 0.4, 2) });
  for (let s = 0; s < 4; s++) {
    fams.push({ name: 'node_hwmon_temp_celsius', model: gauge(50, 2, 1, 0.5), extra: { chip: 'platform_coretemp_0', sensor: `temp${s + 1}` } });
  }
  const boot = 1.69e9 + Math.floor(r() * 1e7);
  fams.push({ name: 'node_boot_time_seconds', model: constant(() => boot) });
  fams.push({ name: 'node_context_switches_total', model: counter(5000, 0, 1e10) });
  fams.push({ name: 'node_intr_total', model: counter(8000, 0, 1e10) });
  fams.push({ name: 'node_forks_total', model: counter(20, 0, 1e7) });
  fams.push({ name: 'node_procs_running', model: gauge(3, 4, 0) });
  fams.push({ name: 'node_procs_blocked', model: gauge(0.5, 1, 0, 0.2) });
  fams.push({ name: 'node_entropy_available_bits', model: gauge(3500, 50, 0) });
  fams.push({ name: 'node_time_seconds', model: (sr) => { let t = 1.7e9; return () => (t += 15 + sr() * 1e-3); } });
  fams.push({ name: 'node_timex_offset_seconds', model: noisy(1e-5) });
  fams.push({ name: 'node_uname_info', model: constant(() => 1), extra: { release: '6.1.0-18-amd64', machine: 'x86_64' } });
  fams.push({ name: 'up', model: constant(() => 1) });
  fams.push({ name: 'scrape_duration_seconds', model: duration(0.05) });
  fams.push({ name: 'scrape_samples_scraped', model: constant(() => fams.length) });
  return fams;
}

/** Options of the fleet. */
export interface FleetOptions {
  readonly seed?: number;
  /** Stop after this many series (the last host may be cut short). */
  readonly series: number;
  readonly tenants?: number;
}

/** Yields the fleet's series, host by host, deterministically from the seed. */
export function* fleet(opts: FleetOptions): Generator<FleetSeries> {
  const seed = opts.seed ?? 1;
  const tenants = opts.tenants ?? 20;
  const regions = ['eu-west-1', 'eu-central-1', 'us-east-1', 'us-west-2', 'ap-south-1'];
  let n = 0;
  for (let host = 0; n < opts.series; host++) {
    const r = prng(seed * 1_000_003 + host);
    const region = regions[Math.floor(r() * regions.length)]!;
    const base = {
      instance: `host-${String(host).padStart(5, '0')}.${region}.internal:9100`,
      job: 'node',
      tenant: `tenant-${(host * 7919) % tenants}`,
      region,
      az: `${region}${'abc'[Math.floor(r() * 3)]}`,
      env: r() < 0.8 ? 'prod' : 'staging',
    };
    for (const f of hostFamilies(r)) {
      if (n++ >= opts.series) return;
      const sr = prng(seed * 7_777_777 + n);
      const next = f.model(sr);
      yield { labels: labelsFromRecord({ __name__: f.name, ...base, ...f.extra }), host, next };
    }
  }
}

/** Scrape timestamp of `host` at scrape `step`: a per-host phase, and ms jitter on a fifth of hosts. */
export function scrapeTime(start: number, host: number, step: number): number {
  const phase = (host * 7919) % SCRAPE_INTERVAL;
  const h = Math.imul(host + 1, 0x9e3779b1) ^ Math.imul(step + 1, 0x85ebca6b);
  const jitter = host % 5 === 0 ? ((h >>> 0) % 7) - 3 : 0;
  return start + phase + step * SCRAPE_INTERVAL + jitter;
}

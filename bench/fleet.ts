/**
 * A deterministic node_exporter fleet: label sets and plausible values for benches.
 *
 * Each host exposes what node_exporter 1.x exposes with its default collectors (plus
 * Prometheus's synthetic scrape series), sized by the host's shape: CPU count, disks,
 * mounts, network interfaces, VM or bare metal, container host or not. Values follow
 * the kernel's units, because those decide how well samples compress:
 *   - cpu seconds are USER_HZ ticks (2 decimals); disk times are ms (3 decimals);
 *     durations measured in Go are ns / 1e9; pressure stalls are us / 1e6;
 *   - /proc/meminfo is in kB (multiples of 1024 bytes), filesystem space in 4 KiB blocks,
 *     disk bytes in 512-byte sectors, process memory in 4 KiB pages;
 *   - a large share of series are flat over a 15-minute window: sizes and limits, *_info,
 *     netclass attributes, idle cpu modes (nice, steal on bare metal, guest), error and
 *     drop counters, idle disks and interfaces, swap on swapless hosts, pps_* of timex,
 *     collector success flags. They are flat because the kernel reports them flat, not
 *     to flatter the compressor; docs/benchmarks.md lists the resulting mix.
 */
import { labelsFromRecord, labelsToRecord, type Labels } from '../src/promql/labels.js';
import { SamplesBatchBuilder } from '../src/kafka/samples_codec.js';
import { mulberry32 } from '../src/util/prng.js';

/** How a series' values behave over a short window (for reporting the mix). */
export type SeriesKind = 'constant' | 'rare' | 'counter' | 'gauge' | 'float';

/** One series of the fleet. */
export interface FleetSeries {
  readonly labels: Labels;
  /** Index of the host exporting it (all series of a host share scrape times). */
  readonly host: number;
  readonly kind: SeriesKind;
  /** The next value (one call per scrape). */
  next(): number;
}

/** Scrape interval of the fleet, ms. */
export const SCRAPE_INTERVAL = 15_000;
const SCRAPE_S = SCRAPE_INTERVAL / 1000;

/** mulberry32, a small seedable PRNG returning [0, 1). */
export const prng = mulberry32;

/** A value model: given the series' own PRNG, returns its value sequence. */
interface Model {
  readonly kind: SeriesKind;
  make(r: () => number): () => number;
}

const round = (x: number, d: number): number => Math.round(x * 10 ** d) / 10 ** d;

/** A counter growing at about `rate` units/s, in steps of `unit` (10^-decimals or a sector size). */
function counter(rate: number, opts: { decimals?: number; unit?: number; start?: number; busy?: number } = {}): Model {
  const d = opts.decimals ?? 0;
  const unit = opts.unit ?? 1;
  return {
    kind: 'counter',
    make: (r) => {
      let v = round(Math.floor((opts.start ?? 1e6) * (0.1 + r()) / unit) * unit, d);
      const base = rate * (0.2 + 1.6 * r());
      const busy = opts.busy ?? 1;
      return () => {
        // Bursty: some scrapes see no activity at all (an idle disk, a quiet socket).
        if (r() < busy) v = round(v + Math.round((base * SCRAPE_S * (0.5 + r())) / unit) * unit, d);
        return v;
      };
    },
  };
}
/** A counter that rarely moves (errors, drops, retransmits, OOM kills). */
function rare(p: number): Model {
  return {
    kind: 'rare',
    make: (r) => {
      let v = r() < 0.6 ? 0 : Math.floor(r() * 1000);
      return () => (r() < p ? (v += 1 + Math.floor(r() * 3)) : v);
    },
  };
}
/** A value fixed for the life of the process (sizes, limits, info, flags). */
function constant(f: (r: () => number) => number): Model {
  return { kind: 'constant', make: (r) => { const v = f(r); return () => v; } };
}
const ZERO = constant(() => 0);
const ONE = constant(() => 1);
/** A gauge moving by multiples of `unit` with probability `p`, by about `spread` units. */
function steps(level: number, unit: number, spread: number, p = 1): Model {
  return {
    kind: p < 0.2 ? 'rare' : 'gauge',
    make: (r) => {
      let v = Math.floor(level * (0.3 + r()) / unit) * unit;
      return () => {
        if (r() < p) v = Math.max(0, v + Math.round((r() - 0.5) * 2 * spread) * unit);
        return v;
      };
    },
  };
}
/** A gauge with `decimals` decimal places wandering around `level`. */
function gauge(level: number, spread: number, decimals: number, p = 1): Model {
  return {
    kind: p < 0.2 ? 'rare' : 'gauge',
    make: (r) => {
      let v = round(level * (0.5 + r()), decimals);
      return () => (r() < p ? (v = round(Math.max(0, v + (r() - 0.5) * spread), decimals)) : v);
    },
  };
}
/** A fresh measurement each scrape with `decimals` decimals (Go durations: 9). */
function measured(scale: number, decimals: number): Model {
  return { kind: 'float', make: (r) => () => round(scale * (0.5 + r()), decimals) };
}
/** Full-precision floats: the incompressible kind (ratios, clocks with ns). */
function noisy(scale: number): Model {
  return { kind: 'float', make: (r) => () => scale * (0.5 + r()) };
}
/** A counter advancing by exactly `step` per scrape (promhttp requests: one per scrape). */
function perScrape(step: number): Model {
  return { kind: 'counter', make: (r) => { let v = Math.floor(r() * 1e5); return () => (v += step); } };
}

interface Family {
  readonly name: string;
  readonly model: Model;
  readonly extra?: Record<string, string>;
}

const MODES = ['idle', 'iowait', 'irq', 'nice', 'softirq', 'steal', 'system', 'user'];
const MEM_CONST = ['MemTotal', 'SwapTotal', 'HugePages_Total', 'HugePages_Free', 'HugePages_Rsvd', 'HugePages_Surp',
  'Hugepagesize', 'DirectMap4k', 'DirectMap2M', 'DirectMap1G', 'HardwareCorrupted', 'Bounce', 'NFS_Unstable',
  'WritebackTmp', 'CmaTotal', 'CmaFree', 'VmallocTotal', 'VmallocChunk', 'Unevictable', 'Mlocked', 'ShmemHugePages',
  'ShmemPmdMapped', 'FileHugePages', 'FilePmdMapped', 'Zswap', 'Zswapped'];
/** Meminfo fields that move, with a typical size (fraction of MemTotal) and how often they move. */
const MEM_MOVING: [string, number, number][] = [
  ['MemFree', 0.2, 1], ['MemAvailable', 0.6, 1], ['Buffers', 0.02, 0.6], ['Cached', 0.35, 1], ['Active', 0.3, 1],
  ['Inactive', 0.3, 1], ['Active_anon', 0.15, 1], ['Inactive_anon', 0.05, 0.6], ['Active_file', 0.15, 1],
  ['Inactive_file', 0.25, 1], ['Dirty', 0.0005, 1], ['Writeback', 0.00001, 0.1], ['AnonPages', 0.15, 1],
  ['Mapped', 0.03, 0.5], ['Shmem', 0.01, 0.3], ['KReclaimable', 0.03, 0.8], ['Slab', 0.04, 1],
  ['SReclaimable', 0.03, 0.8], ['SUnreclaim', 0.01, 0.8], ['KernelStack', 0.001, 0.5], ['PageTables', 0.002, 0.6],
  ['Committed_AS', 0.4, 1], ['VmallocUsed', 0.003, 0.3], ['Percpu', 0.0002, 0.02], ['AnonHugePages', 0.01, 0.1],
  ['CommitLimit', 0.5, 0],
];
const NETDEV = ['bytes', 'packets', 'errs', 'drop', 'fifo', 'frame', 'compressed', 'multicast'];
const NETDEV_TX = ['bytes', 'packets', 'errs', 'drop', 'fifo', 'colls', 'carrier', 'compressed'];
const NETCLASS = ['address_assign_type', 'carrier', 'carrier_changes_total', 'carrier_down_changes_total',
  'carrier_up_changes_total', 'device_id', 'dormant', 'flags', 'iface_id', 'iface_link', 'iface_link_mode',
  'mtu_bytes', 'name_assign_type', 'net_dev_group', 'protocol_type', 'speed_bytes', 'transmit_queue_length', 'up'];
const NETSTAT_MOVING: [string, number][] = [['Tcp_InSegs', 400], ['Tcp_OutSegs', 400], ['Tcp_ActiveOpens', 2],
  ['Tcp_PassiveOpens', 3], ['Tcp_OutRsts', 1], ['IpExt_InOctets', 3e5], ['IpExt_OutOctets', 2e5],
  ['Udp_InDatagrams', 20], ['Udp_OutDatagrams', 20], ['Icmp_InMsgs', 0.05], ['Icmp_OutMsgs', 0.05]];
const NETSTAT_RARE = ['Tcp_RetransSegs', 'TcpExt_TCPTimeouts', 'TcpExt_TCPSynRetrans', 'Udp_NoPorts',
  'TcpExt_TCPOFOQueue', 'Ip6_InOctets', 'Ip6_OutOctets', 'Udp6_InDatagrams', 'Udp6_OutDatagrams', 'Icmp6_InMsgs',
  'Icmp6_OutMsgs', 'Udp6_NoPorts'];
const NETSTAT_FLAT = ['Tcp_InErrs', 'Udp_InErrors', 'Udp_RcvbufErrors', 'Udp_SndbufErrors', 'Udp6_InErrors',
  'Udp6_RcvbufErrors', 'Udp6_SndbufErrors', 'Icmp_InErrors', 'Icmp6_InErrors', 'TcpExt_ListenDrops',
  'TcpExt_ListenOverflows', 'TcpExt_SyncookiesFailed', 'TcpExt_SyncookiesRecv', 'TcpExt_SyncookiesSent',
  'Ip_Forwarding', 'UdpLite_InErrors'];
const DISK_MOVING: [string, number, { decimals?: number; unit?: number }][] = [
  ['reads_completed_total', 2, {}], ['reads_merged_total', 0.5, {}], ['read_bytes_total', 4e4, { unit: 512 }],
  ['read_time_seconds_total', 0.002, { decimals: 3 }], ['writes_completed_total', 30, {}],
  ['writes_merged_total', 15, {}], ['written_bytes_total', 6e5, { unit: 512 }],
  ['write_time_seconds_total', 0.03, { decimals: 3 }], ['io_time_seconds_total', 0.02, { decimals: 3 }],
  ['io_time_weighted_seconds_total', 0.04, { decimals: 3 }], ['flush_requests_total', 2, {}],
  ['flush_requests_time_seconds_total', 0.002, { decimals: 3 }],
];
const DISK_FLAT = ['discards_completed_total', 'discards_merged_total', 'discarded_sectors_total',
  'discard_time_seconds_total'];
const COLLECTORS = ['arp', 'bcache', 'bonding', 'btrfs', 'conntrack', 'cpu', 'cpufreq', 'diskstats', 'dmi', 'edac',
  'entropy', 'fibrechannel', 'filefd', 'filesystem', 'hwmon', 'infiniband', 'ipvs', 'loadavg', 'mdadm', 'meminfo',
  'netclass', 'netdev', 'netstat', 'nfs', 'nfsd', 'nvme', 'os', 'powersupplyclass', 'pressure', 'rapl', 'schedstat',
  'selinux', 'sockstat', 'softnet', 'stat', 'tapestats', 'textfile', 'thermal_zone', 'time', 'timex', 'udp_queues',
  'uname', 'vmstat', 'xfs', 'zfs'];
const GO_MEMSTATS_MOVING = ['alloc_bytes', 'alloc_bytes_total', 'frees_total', 'heap_alloc_bytes', 'heap_idle_bytes',
  'heap_inuse_bytes', 'heap_objects', 'heap_released_bytes', 'mallocs_total', 'mcache_inuse_bytes',
  'mspan_inuse_bytes', 'next_gc_bytes', 'stack_inuse_bytes'];
const GO_MEMSTATS_FLAT = ['buck_hash_sys_bytes', 'gc_sys_bytes', 'heap_sys_bytes', 'lookups_total',
  'mcache_sys_bytes', 'mspan_sys_bytes', 'other_sys_bytes', 'stack_sys_bytes', 'sys_bytes'];

/** The families one host exports; `r` draws the host's shape. */
function hostFamilies(r: () => number): Family[] {
  const fams: Family[] = [];
  const add = (name: string, model: Model, extra?: Record<string, string>): void => {
    fams.push(extra === undefined ? { name, model } : { name, model, extra });
  };
  const cpus = [2, 4, 4, 8, 8, 16, 32][Math.floor(r() * 7)]!;
  const bareMetal = r() < 0.25;
  const containerHost = r() < 0.4;
  const hasSwap = r() < 0.3;
  const memTotal = Math.floor(cpus * 2 ** 30 * (2 + Math.floor(r() * 3)) / 1024) * 1024;

  // cpu: ticks of 10 ms; on VMs steal moves, on bare metal it is flat; nice/guest stay flat.
  for (let cpu = 0; cpu < cpus; cpu++) {
    const c = String(cpu);
    for (const mode of MODES) {
      let model: Model;
      if (mode === 'nice' || (mode === 'steal' && bareMetal)) model = rare(0.01);
      else if (mode === 'irq') model = bareMetal ? counter(0.002, { decimals: 2, busy: 0.4 }) : ZERO;
      else {
        const rate = { idle: 0.7, user: 0.15, system: 0.05, iowait: 0.01, softirq: 0.005, steal: 0.002 }[mode]!;
        model = counter(rate, { decimals: 2, start: 1e5, busy: mode === 'iowait' || mode === 'steal' ? 0.5 : 1 });
      }
      add('node_cpu_seconds_total', model, { cpu: c, mode });
    }
    add('node_cpu_guest_seconds_total', ZERO, { cpu: c, mode: 'nice' });
    add('node_cpu_guest_seconds_total', ZERO, { cpu: c, mode: 'user' });
    if (bareMetal) {
      add('node_cpu_scaling_frequency_hertz', steps(2.4e9, 1e3, 3e5, 0.8), { cpu: c });
      add('node_cpu_scaling_frequency_max_hertz', constant(() => 3.5e9), { cpu: c });
      add('node_cpu_scaling_frequency_min_hertz', constant(() => 8e8), { cpu: c });
    }
    add('node_schedstat_running_seconds_total', counter(0.2, { decimals: 9, start: 1e5 }), { cpu: c });
    add('node_schedstat_waiting_seconds_total', counter(0.01, { decimals: 9, start: 1e4 }), { cpu: c });
    add('node_schedstat_timeslices_total', counter(300, { start: 1e8 }), { cpu: c });
    add('node_softnet_processed_total', counter(50, { start: 1e7 }), { cpu: c });
    add('node_softnet_dropped_total', ZERO, { cpu: c });
    add('node_softnet_times_squeezed_total', rare(0.01), { cpu: c });
    add('node_softnet_received_rps_total', ZERO, { cpu: c });
    add('node_softnet_flow_limit_count_total', ZERO, { cpu: c });
  }

  // meminfo, in kB times 1024; swapless hosts report flat zero swap.
  for (const m of MEM_CONST) add(`node_memory_${m}_bytes`, constant(() => (m === 'MemTotal' ? memTotal : 0)));
  for (const [m, share, p] of MEM_MOVING) {
    const model = p === 0 ? constant(() => Math.floor(memTotal * share / 1024) * 1024)
      : steps(memTotal * share, 1024, Math.max(4, memTotal * share * 2e-4 / 1024), p);
    add(`node_memory_${m}_bytes`, model);
  }
  for (const m of ['SwapFree', 'SwapCached']) add(`node_memory_${m}_bytes`, hasSwap ? steps(2 ** 31, 1024, 16, 0.1) : ZERO);

  // filesystem: space in 4 KiB blocks; only busy mounts move.
  const mounts: [string, string, string, boolean][] = [['/dev/sda1', '/', 'ext4', true], ['/dev/sda15', '/boot/efi', 'vfat', false],
    ['tmpfs', '/run', 'tmpfs', true], ['tmpfs', '/run/lock', 'tmpfs', false], ['tmpfs', '/run/user/1000', 'tmpfs', false]];
  if (r() < 0.5) mounts.push(['/dev/sdb1', '/data', 'xfs', true]);
  if (r() < 0.5) mounts.push(['/dev/sda2', '/boot', 'ext4', false]);
  for (const [device, mountpoint, fstype, busy] of mounts) {
    const ex = { device, fstype, mountpoint };
    const size = Math.floor(r() * 500 + 1) * 2 ** 30;
    add('node_filesystem_size_bytes', constant(() => size), ex);
    add('node_filesystem_free_bytes', busy ? steps(size * 0.5, 4096, 300, 0.9) : constant(() => Math.floor(size * 0.7 / 4096) * 4096), ex);
    add('node_filesystem_avail_bytes', busy ? steps(size * 0.45, 4096, 300, 0.9) : constant(() => Math.floor(size * 0.65 / 4096) * 4096), ex);
    add('node_filesystem_files', constant(() => size / 16384), ex);
    add('node_filesystem_files_free', busy ? steps(size / 20000, 1, 10, 0.5) : constant(() => Math.floor(size / 17000)), ex);
    add('node_filesystem_readonly', ZERO, ex);
    add('node_filesystem_device_error', ZERO, ex);
  }

  // netdev counters and netclass attributes; docker0 and veths idle most of the time.
  const ifaces: [string, number][] = [['lo', 2e4], ['eth0', 5e5]];
  if (containerHost) { ifaces.push(['docker0', 0]); for (let i = 0; i < 1 + Math.floor(r() * 4); i++) ifaces.push([`veth${i}a1b2c3`, 2e3]); }
  for (const [device, rate] of ifaces) {
    const ex = { device };
    for (const [dir, fields] of [['receive', NETDEV], ['transmit', NETDEV_TX]] as const) {
      for (const f of fields) {
        let model: Model;
        if (rate === 0) model = f === 'bytes' || f === 'packets' ? rare(0.02) : ZERO;
        else if (f === 'bytes') model = counter(rate * (dir === 'receive' ? 1 : 0.6), { start: 1e11 });
        else if (f === 'packets') model = counter(rate / 700, { start: 1e8 });
        else if (f === 'multicast' && device === 'eth0') model = rare(0.1);
        else model = f === 'drop' || f === 'errs' ? rare(0.002) : ZERO;
        add(`node_network_${dir}_${f}_total`, model, ex);
      }
    }
    for (const f of NETCLASS) {
      const v = f === 'mtu_bytes' ? (device === 'lo' ? 65536 : 1500) : f === 'speed_bytes' ? 1.25e9 : f === 'flags' ? 4099 : 1;
      add(`node_network_${f}`, constant(() => v), ex);
    }
    add('node_network_info', ONE, { ...ex, address: '02:42:ac:11:00:02', broadcast: 'ff:ff:ff:ff:ff:ff', operstate: 'up' });
    add('node_arp_entries', steps(3, 1, 1, 0.05), ex);
  }

  // diskstats: the system disk works, a second disk (if any) mostly idles.
  const disks: [string, number][] = [['sda', 1]];
  if (mounts.some((m) => m[1] === '/data')) disks.push(['sdb', 0.2]);
  if (!bareMetal && r() < 0.3) disks.push(['sr0', 0]);
  for (const [device, activity] of disks) {
    const ex = { device };
    for (const [f, rate, o] of DISK_MOVING) {
      const model = activity === 0 ? ZERO : counter(rate * activity, { ...o, start: 1e7, busy: activity < 0.5 ? 0.3 : 0.9 });
      add(`node_disk_${f}`, model, ex);
    }
    add('node_disk_io_now', activity === 0 ? ZERO : steps(0.5, 1, 1, 0.2), ex);
    for (const f of DISK_FLAT) add(`node_disk_${f}`, ZERO, ex);
    add('node_disk_info', ONE, { ...ex, major: '8', minor: '0', model: 'QEMU_HARDDISK', revision: '2.5+' });
  }

  // netstat, sockstat, vmstat.
  for (const [m, rate] of NETSTAT_MOVING) add(`node_netstat_${m}`, counter(rate, { start: 1e8, busy: rate < 1 ? 0.3 : 1 }));
  for (const m of NETSTAT_RARE) add(`node_netstat_${m}`, rare(0.05));
  for (const m of NETSTAT_FLAT) add(`node_netstat_${m}`, m === 'Ip_Forwarding' ? ONE : ZERO);
  add('node_netstat_Tcp_CurrEstab', steps(40, 1, 3, 0.7));
  for (const m of ['TCP_alloc', 'TCP_inuse', 'TCP_orphan', 'TCP_tw', 'UDP_inuse', 'sockets_used', 'TCP6_inuse', 'UDP6_inuse']) {
    add(`node_sockstat_${m}`, steps(30, 1, 3, m === 'TCP_orphan' ? 0.05 : 0.6));
  }
  add('node_sockstat_TCP_mem', steps(20, 1, 2, 0.5));
  add('node_sockstat_TCP_mem_bytes', steps(80_000, 4096, 2, 0.5));
  add('node_sockstat_UDP_mem', steps(5, 1, 1, 0.3));
  add('node_sockstat_UDP_mem_bytes', steps(20_000, 4096, 1, 0.3));
  for (const m of ['UDPLITE_inuse', 'RAW_inuse', 'FRAG_inuse', 'FRAG_memory', 'UDPLITE6_inuse', 'RAW6_inuse', 'FRAG6_inuse', 'FRAG6_memory']) {
    add(`node_sockstat_${m}`, ZERO);
  }
  add('node_vmstat_pgfault', counter(2000, { start: 1e9 }));
  add('node_vmstat_pgmajfault', counter(0.2, { start: 1e5, busy: 0.3 }));
  add('node_vmstat_pgpgin', counter(20, { start: 1e8, busy: 0.4 }));
  add('node_vmstat_pgpgout', counter(600, { start: 1e9 }));
  add('node_vmstat_pswpin', hasSwap ? rare(0.05) : ZERO);
  add('node_vmstat_pswpout', hasSwap ? rare(0.05) : ZERO);
  add('node_vmstat_oom_kill', rare(0.0005));

  // timex: the NTP-disciplined clock's state; the pps_* family is zero without a PPS source.
  add('node_timex_offset_seconds', measured(2e-4, 9));
  add('node_timex_frequency_adjustment_ratio', noisy(1.00001));
  add('node_timex_maxerror_seconds', gauge(0.2, 0.01, 6));
  add('node_timex_estimated_error_seconds', gauge(1e-4, 2e-5, 6, 0.3));
  add('node_timex_sync_status', ONE);
  for (const m of ['status', 'loop_time_constant', 'tick_seconds', 'tai_offset_seconds']) {
    add(`node_timex_${m}`, constant(() => (m === 'tick_seconds' ? 0.01 : m === 'status' ? 8193 : 7)));
  }
  for (const m of ['pps_calibration_total', 'pps_error_total', 'pps_frequency_hertz', 'pps_jitter_seconds',
    'pps_jitter_total', 'pps_shift_seconds', 'pps_stability_exceeded_total', 'pps_stability_hertz']) {
    add(`node_timex_${m}`, ZERO);
  }

  // stat, loadavg, filefd, entropy, conntrack, pressure, udp_queues, time.
  const boot = 1.69e9 + Math.floor(r() * 1e7);
  add('node_boot_time_seconds', constant(() => boot));
  add('node_context_switches_total', counter(3000 * cpus, { start: 1e10 }));
  add('node_intr_total', counter(2000 * cpus, { start: 1e10 }));
  add('node_forks_total', counter(10, { start: 1e7 }));
  add('node_procs_running', steps(2, 1, 2, 0.7));
  add('node_procs_blocked', steps(0.3, 1, 1, 0.1));
  for (const k of ['load1', 'load5', 'load15']) add(`node_${k}`, gauge(cpus * 0.3, k === 'load1' ? 0.4 : 0.1, 2));
  add('node_filefd_allocated', steps(3000, 32, 2, 0.6));
  add('node_filefd_maximum', constant(() => 9.223372036854776e18));
  add('node_entropy_available_bits', constant(() => 256));
  add('node_entropy_pool_size_bits', constant(() => 256));
  add('node_nf_conntrack_entries', steps(200, 1, 10, 0.8));
  add('node_nf_conntrack_entries_limit', constant(() => 262144));
  add('node_pressure_cpu_waiting_seconds_total', counter(0.01, { decimals: 6, start: 1e4 }));
  add('node_pressure_io_waiting_seconds_total', counter(0.005, { decimals: 6, start: 1e4, busy: 0.6 }));
  add('node_pressure_io_stalled_seconds_total', counter(0.004, { decimals: 6, start: 1e4, busy: 0.6 }));
  add('node_pressure_memory_waiting_seconds_total', rare(0.02));
  add('node_pressure_memory_stalled_seconds_total', rare(0.02));
  for (const q of ['rx', 'tx']) for (const ip of ['v4', 'v6']) add('node_udp_queues', ZERO, { ip, queue: q });
  add('node_time_seconds', { kind: 'float', make: (sr) => { let t = 1.7e9 + sr() * 1e3; return () => (t += SCRAPE_S + (sr() - 0.5) * 2e-3); } });
  add('node_time_zone_offset_seconds', ZERO, { time_zone: 'UTC' });
  add('node_time_clocksource_available_info', ONE, { clocksource: 'kvm-clock', device: '0' });
  add('node_time_clocksource_current_info', ONE, { clocksource: 'kvm-clock', device: '0' });
  if (bareMetal) {
    for (let s = 1; s <= 4; s++) add('node_hwmon_temp_celsius', gauge(50, 2, 0, 0.5), { chip: 'platform_coretemp_0', sensor: `temp${s}` });
    add('node_rapl_package_joules_total', counter(40, { decimals: 6, start: 1e6 }), { index: '0', path: '/sys/class/powercap/intel-rapl:0' });
  }

  // info series.
  add('node_uname_info', ONE, { domainname: '(none)', machine: 'x86_64', nodename: 'host', release: '6.1.0-18-amd64', sysname: 'Linux', version: '#1 SMP' });
  add('node_os_info', ONE, { id: 'debian', name: 'Debian GNU/Linux', pretty_name: 'Debian GNU/Linux 12 (bookworm)', version_id: '12' });
  add('node_os_version', constant(() => 12), { id: 'debian', name: 'Debian GNU/Linux' });
  add('node_exporter_build_info', ONE, { branch: 'HEAD', goversion: 'go1.21.4', revision: 'abc123', version: '1.7.0' });
  add('node_selinux_enabled', ZERO);
  add('node_textfile_scrape_error', ZERO);
  add('node_dmi_info', ONE, { bios_vendor: bareMetal ? 'Dell Inc.' : 'SeaBIOS', product_name: bareMetal ? 'PowerEdge R640' : 'Standard PC' });

  // per-collector scrape bookkeeping.
  for (const c of COLLECTORS) {
    add('node_scrape_collector_duration_seconds', measured(c === 'textfile' ? 5e-5 : 2e-3, 9), { collector: c });
    add('node_scrape_collector_success', ONE, { collector: c });
  }

  // The exporter's own Go runtime and process metrics.
  for (const q of ['0', '0.25', '0.5', '0.75', '1']) add('go_gc_duration_seconds', gauge(5e-5, 1e-5, 9, 0.15), { quantile: q });
  add('go_gc_duration_seconds_sum', counter(1e-5, { decimals: 9, start: 10, busy: 0.15 }));
  add('go_gc_duration_seconds_count', counter(0.02, { start: 1e5, busy: 0.3 }));
  add('go_goroutines', steps(8, 1, 1, 0.05));
  add('go_threads', constant(() => 6 + Math.floor(r() * 4)));
  add('go_info', ONE, { version: 'go1.21.4' });
  for (const m of GO_MEMSTATS_MOVING) add(`go_memstats_${m}`, m.endsWith('_total') ? counter(2e4, { start: 1e9 }) : steps(3e6, 8, 5000, 0.9));
  for (const m of GO_MEMSTATS_FLAT) add(`go_memstats_${m}`, steps(2e6, 8192, 1, 0.02));
  add('go_memstats_last_gc_time_seconds', { kind: 'float', make: (sr) => { let t = 1.7e9 + sr() * 1e3; return () => (sr() < 0.2 ? (t += 60 + sr()) : t); } });
  add('go_memstats_gc_cpu_fraction', noisy(1e-5));
  add('process_cpu_seconds_total', counter(0.01, { decimals: 2, start: 1e4 }));
  add('process_resident_memory_bytes', steps(2e7, 4096, 20, 0.8));
  add('process_virtual_memory_bytes', steps(7e8, 4096, 1, 0.02));
  add('process_open_fds', steps(9, 1, 1, 0.1));
  add('process_max_fds', constant(() => 1_048_576));
  add('process_start_time_seconds', constant(() => boot + 30.57));
  add('process_virtual_memory_max_bytes', constant(() => 1.8446744073709552e19));
  add('promhttp_metric_handler_requests_in_flight', ONE);
  add('promhttp_metric_handler_requests_total', perScrape(1), { code: '200' });
  add('promhttp_metric_handler_requests_total', ZERO, { code: '500' });
  add('promhttp_metric_handler_requests_total', ZERO, { code: '503' });
  add('promhttp_metric_handler_errors_total', ZERO, { cause: 'encoding' });
  add('promhttp_metric_handler_errors_total', ZERO, { cause: 'gathering' });

  // Prometheus's synthetic scrape series.
  const scraped = fams.length;
  add('up', ONE);
  add('scrape_duration_seconds', measured(0.03, 9));
  add('scrape_samples_scraped', constant(() => scraped));
  add('scrape_samples_post_metric_relabeling', constant(() => scraped));
  add('scrape_series_added', ZERO);
  return fams;
}

/** Options of the fleet. */
export interface FleetOptions {
  readonly seed?: number;
  /** Stop after this many series (the last host may be cut short). */
  readonly series: number;
  readonly tenants?: number;
}

/**
 * One shared flat copy per distinct string. Names built by template literals are rope
 * strings that V8 flattens (allocating a copy) the first time they are hashed; without
 * this, that copy, which a decoder reading labels off the wire never makes, would be
 * charged to whatever hashes them first.
 */
const flatStrings = new Map<string, string>();
function flat(s: string): string {
  let f = flatStrings.get(s);
  if (f === undefined) {
    f = s.split('').join('');
    flatStrings.set(f, f);
  }
  return f;
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
      instance: flat(`host-${String(host).padStart(5, '0')}.${region}.internal:9100`),
      job: 'node',
      tenant: flat(`tenant-${(host * 7919) % tenants}`),
      region,
      az: flat(`${region}${'abc'[Math.floor(r() * 3)]}`),
      env: r() < 0.8 ? 'prod' : 'staging',
    };
    for (const f of hostFamilies(r)) {
      if (n++ >= opts.series) return;
      const sr = prng(seed * 7_777_777 + n);
      const next = f.model.make(sr);
      const rec: Record<string, string> = { __name__: flat(f.name), ...base };
      if (f.extra !== undefined) for (const [k, v] of Object.entries(f.extra)) rec[k] = flat(v);
      yield { labels: labelsFromRecord(rec), host, kind: f.model.kind, next };
    }
  }
}

/**
 * Scrape timestamp of `host` at scrape `step`: a per-host phase, plus late scrapes on a
 * fifth of hosts (a busy scraper or target): 15% of their scrapes start 3 to 25 ms
 * late. Smaller jitter is not modelled because Prometheus (2.3x and later, default
 * --scrape.adjust-timestamps with a 2 ms tolerance) snaps it to the schedule.
 */
export function scrapeTime(start: number, host: number, step: number): number {
  const phase = (host * 7919) % SCRAPE_INTERVAL;
  const h = (Math.imul(host + 1, 0x9e3779b1) ^ Math.imul(step + 1, 0x85ebca6b)) >>> 0;
  const late = host % 5 === 0 && h % 100 < 15 ? 3 + ((h >>> 8) % 23) : 0;
  return start + phase + step * SCRAPE_INTERVAL + late;
}

/** Series per record, as an ingest writes a large remote_write request. */
export const SERIES_PER_RECORD = 2_000;

/**
 * A scrape of the fleet as vigil.samples records: grouped by tenant (the record key), at
 * most SERIES_PER_RECORD series each, every series' next value at its scrape time.
 * `byTenant` comes from groupByTenant.
 */
export function scrapeRecords(byTenant: ReadonlyMap<string, readonly FleetSeries[]>, start: number, step: number): { key: string; value: Buffer }[] {
  const out: { key: string; value: Buffer }[] = [];
  for (const [tenant, list] of byTenant) {
    for (let i = 0; i < list.length; i += SERIES_PER_RECORD) {
      const b = new SamplesBatchBuilder(tenant);
      for (const s of list.slice(i, i + SERIES_PER_RECORD)) {
        b.addSeries(s.labels);
        b.addSample(scrapeTime(start, s.host, step), s.next());
      }
      out.push({ key: tenant, value: b.finish() });
    }
  }
  return out;
}

/** The fleet's series by their tenant label, in fleet order. */
export function groupByTenant(series: readonly FleetSeries[]): Map<string, FleetSeries[]> {
  const byTenant = new Map<string, FleetSeries[]>();
  for (const s of series) {
    const t = labelsToRecord(s.labels).tenant ?? '';
    if (!byTenant.has(t)) byTenant.set(t, []);
    byTenant.get(t)!.push(s);
  }
  return byTenant;
}

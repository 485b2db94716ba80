/**
 * Generated rules for the engine bench: the kind of rules a fleet of this shape runs
 * besides the shipped ones. Tenant policies (CPU, memory, disk, load per tenant, with
 * their own thresholds, as the tenant API compiles them), fleet-wide recording rules
 * (aggregations by region, tenant, az) and more node alerts, all over the metrics the
 * fleet exports. Returned as rule-file YAML, so Vigil and Prometheus load the same text.
 */
import { stringify } from 'yaml';

interface GenRule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

const FS = 'fstype!~"tmpfs|vfat"';

/** Rule-file text with `count` generated rules (at most the 76 defined here). */
export function generatedRules(count: number): string {
  const groups: { name: string; rules: GenRule[] }[] = [];
  const thresholds = [0.8, 0.85, 0.9];
  const tenantAlert = (name: string, expr: (t: string, i: number) => string, n: number): GenRule[] =>
    Array.from({ length: n }, (_, i) => ({
      alert: name,
      expr: expr(`tenant-${i}`, i),
      for: '5m',
      labels: { severity: i % 3 === 0 ? 'critical' : 'warning', tenant: `tenant-${i}` },
      annotations: { summary: `${name} on {{ $labels.instance }}: {{ $value | humanizePercentage }}` },
    }));
  groups.push({
    name: 'tenant-cpu',
    rules: tenantAlert('TenantCPUHigh', (t, i) =>
      `1 - avg without (cpu, mode) (rate(node_cpu_seconds_total{job="node", mode="idle", tenant="${t}"}[5m])) > ${thresholds[i % 3]}`, 12),
  });
  groups.push({
    name: 'tenant-memory',
    rules: tenantAlert('TenantMemoryLow', (t, i) =>
      `node_memory_MemAvailable_bytes{job="node", tenant="${t}"} / node_memory_MemTotal_bytes{job="node", tenant="${t}"} < ${i % 2 ? 0.1 : 0.15}`, 12),
  });
  groups.push({
    name: 'tenant-disk',
    rules: tenantAlert('TenantDiskFull', (t, i) =>
      `node_filesystem_avail_bytes{job="node", tenant="${t}", ${FS}} / node_filesystem_size_bytes{job="node", tenant="${t}", ${FS}} < ${0.05 + 0.05 * (i % 3)}`, 12),
  });
  groups.push({
    name: 'tenant-load',
    rules: tenantAlert('TenantLoadHigh', (t, i) =>
      `node_load5{job="node", tenant="${t}"} / on (instance) group_left count by (instance) (node_cpu_seconds_total{job="node", mode="idle", tenant="${t}"}) > ${1 + 0.5 * (i % 3)}`, 10),
  });
  const rec = (record: string, expr: string): GenRule => ({ record, expr });
  groups.push({
    name: 'fleet-recording',
    rules: [
      rec('region:node_network_receive_bytes:rate5m', 'sum by (region) (rate(node_network_receive_bytes_total{job="node", device!="lo"}[5m]))'),
      rec('region:node_network_transmit_bytes:rate5m', 'sum by (region) (rate(node_network_transmit_bytes_total{job="node", device!="lo"}[5m]))'),
      rec('tenant:up:count', 'count by (tenant) (up{job="node"} == 1)'),
      rec('region:node_load1:p90', 'quantile by (region) (0.9, node_load1{job="node"})'),
      rec('tenant:node_disk_io_time:max_rate5m', 'max by (tenant) (rate(node_disk_io_time_seconds_total{job="node"}[5m]))'),
      rec('tenant:node_memory_used_bytes:sum', 'sum by (tenant) (node_memory_MemTotal_bytes{job="node"} - node_memory_MemAvailable_bytes{job="node"})'),
      rec('region:node_context_switches:top3', 'topk by (region) (3, rate(node_context_switches_total{job="node"}[5m]))'),
      rec('az:node_tcp_retrans:ratio', 'sum by (az) (rate(node_netstat_Tcp_RetransSegs{job="node"}[5m])) / sum by (az) (rate(node_netstat_Tcp_OutSegs{job="node"}[5m]))'),
      rec('tenant:node_filesystem_root_avail:ratio', 'avg by (tenant) (node_filesystem_avail_bytes{job="node", mountpoint="/"} / node_filesystem_size_bytes{job="node", mountpoint="/"})'),
      rec('instance_mode:node_cpu:rate5m', 'sum without (cpu) (rate(node_cpu_seconds_total{job="node", mode!="idle"}[5m]))'),
      rec('region_release:node_uname_info:count', 'count by (region, release) (node_uname_info{job="node"})'),
      rec('region:node_schedstat_running:stddev_rate5m', 'stddev by (region) (rate(node_schedstat_running_seconds_total{job="node"}[5m]))'),
      rec('instance:node_softnet_processed:rate5m', 'sum by (instance) (rate(node_softnet_processed_total{job="node"}[5m]))'),
      rec('env:node_cpu_utilisation:avg', 'avg by (env) (1 - rate(node_cpu_seconds_total{job="node", mode="idle"}[5m]))'),
    ],
  });
  const al = (alert: string, expr: string, forDur = '5m'): GenRule => ({
    alert, expr, for: forDur, labels: { severity: 'warning' }, annotations: { summary: `${alert} on {{ $labels.instance }}` },
  });
  groups.push({
    name: 'fleet-alerts',
    rules: [
      al('NodeDiskBusy', 'rate(node_disk_io_time_seconds_total{job="node"}[5m]) > 0.9', '15m'),
      al('NodeOOMKillRecent', 'increase(node_vmstat_oom_kill{job="node"}[15m]) > 0', '0s'),
      al('NodeRebooted', 'changes(node_boot_time_seconds{job="node"}[15m]) > 0', '0s'),
      al('NodeClockUnsynced', 'node_timex_sync_status{job="node"} == 0', '10m'),
      al('NodeLoadHighSustained', 'avg_over_time(node_load1{job="node"}[10m]) / on (instance) group_left count by (instance) (node_cpu_seconds_total{job="node", mode="idle"}) > 3'),
      al('NodeFilesystemFillingFast', `predict_linear(node_filesystem_avail_bytes{job="node", ${FS}}[10m], 3600) < 0`, '10m'),
      al('NodeNetworkReceiveDrops', 'rate(node_network_receive_drop_total{job="node"}[5m]) > 1'),
      al('NodeConntrackFull', 'node_nf_conntrack_entries{job="node"} / node_nf_conntrack_entries_limit{job="node"} > 0.75'),
      al('NodeSoftnetDrops', 'rate(node_softnet_dropped_total{job="node"}[5m]) > 0'),
      al('NodeDownProd', 'up{job="node", env="prod"} == 0', '2m'),
      al('NodeDownStaging', 'up{job="node", env="staging"} == 0', '10m'),
      al('TenantTargetsAbsent3', 'absent(up{job="node", tenant="tenant-3"})', '10m'),
      al('TenantTargetsAbsent7', 'absent(up{job="node", tenant="tenant-7"})', '10m'),
      al('NodeSwapFilling', 'node_memory_SwapFree_bytes{job="node"} / node_memory_SwapTotal_bytes{job="node"} < 0.5 and node_memory_SwapTotal_bytes{job="node"} > 0'),
      al('NodeRecentlyBooted', 'time() - node_boot_time_seconds{job="node"} < 600', '0s'),
      al('NodeBlockedProcesses', 'max_over_time(node_procs_blocked{job="node"}[5m]) > 10'),
    ],
  });
  let left = count;
  const out = [];
  for (const g of groups) {
    if (left <= 0) break;
    out.push({ name: `generated-${g.name}`, rules: g.rules.slice(0, left) });
    left -= g.rules.length;
  }
  if (left > 0) throw new RangeError(`rulegen: asked for ${count} rules, only ${count - left} are defined`);
  return stringify({ groups: out }, { lineWidth: 0 });
}

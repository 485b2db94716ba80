/**
 * Compiles a tenant's alert policies to one Prometheus rule file: one alerting rule per
 * enabled policy over node_exporter metrics, every selector pinned to the tenant. The
 * mapping is documented in docs/tenant-api.md, "Mapping to node_exporter metrics".
 */
import { Document } from 'yaml';
import { parseExpr } from '../promql/parser.js';
import { formatGoFloat } from '../promql/printer.js';
import { quoteMeta } from '../promql/re2_syntax.js';
import { goQuote } from '../util/go_quote.js';
import { POLICY_TYPES, type PolicySpec, type PolicyType } from './policy.js';

/** A policy as the store holds it; `enabled` (the column) decides whether it compiles. */
export interface StoredPolicy { readonly id: string; readonly spec: PolicySpec; readonly enabled: boolean }

/** What compilation needs besides the policies. */
export interface CompileOptions {
  /** Group evaluation interval, default '30s'. */
  readonly interval?: string;
  /** The tenant's machines by tag, to resolve a policy's `tags`. */
  readonly machinesByTag: ReadonlyMap<string, readonly string[]>;
  /** Label carrying the tenant on every series, default 'tenant'. */
  readonly tenantLabel?: string;
}

/** A tenant's rule file, and the policies left out of it with why. */
export interface CompiledRules {
  /** The rule file; null when no enabled policy compiles (publish a tombstone). */
  readonly yaml: string | null;
  readonly skipped: readonly { policyId: string; reason: string }[];
}

/** The `vigil.rules` key of a tenant's compiled policies. */
export function rulesKey(tenant: string): string {
  return `tenant:${tenant}`;
}

/** The rule group's name for a tenant. */
export function policyGroupName(tenant: string): string {
  return `tenant/${tenant}/policies`;
}

/** Filesystems that are not disks a customer fills (memory, images, container layers). */
const PSEUDO_FSTYPES = 'tmpfs|devtmpfs|ramfs|overlay|squashfs|iso9660|nsfs|fuse\\.lxcfs';
/** Block devices that re-count traffic of physical ones (device mapper, md RAID) or are not disks. */
const AGGREGATE_DISKS = '(?:dm-|md|zram|sr)[0-9]+';
/** Interfaces that re-count traffic: loopback, and container/VM bridges and veth pairs. */
const VIRTUAL_NICS = 'lo|veth.*|docker[0-9]*|br-[0-9a-f]+|virbr[0-9]+|cni[0-9]+|cali.*|flannel\\..*';

/** How one policy type reads node_exporter metrics; `sel(extra)` renders a selector's matchers. */
interface TypeMapping {
  /** alertname of its rules. */
  readonly alert: string;
  /** Human name in the summary. */
  readonly title: string;
  /** Unit suffix in the summary ("" for load). */
  readonly unit: string;
  /** Labels (besides tenant and instance) an alert is per. */
  readonly per: readonly string[];
  /** The value's PromQL; `by` is the grouping clause, `w` the window. */
  readonly expr: (sel: (extra?: string) => string, by: string, w: string) => string;
}

function load(n: 1 | 5 | 15): TypeMapping {
  return {
    alert: `PolicyLoad${n}`, title: `${n}-minute load average`, unit: '', per: [],
    expr: (sel, by, w) => `max by (${by}) (avg_over_time(node_load${n}{${sel()}}[${w}]))`,
  };
}

function diskIo(metric: string, dir: 'Read' | 'Write'): TypeMapping {
  return {
    alert: `PolicyDisk${dir}`, title: `Disk ${dir.toLowerCase()} throughput`, unit: ' MB/s', per: [],
    expr: (sel, by, w) => `sum by (${by}) (rate(${metric}{${sel(`device!~${goQuote(AGGREGATE_DISKS)}`)}}[${w}])) / 1e6`,
  };
}

function network(metric: string, dir: 'Inbound' | 'Outbound'): TypeMapping {
  return {
    alert: `PolicyNetwork${dir}`, title: `${dir} network traffic`, unit: ' Mbit/s', per: [],
    expr: (sel, by, w) => `sum by (${by}) (rate(${metric}{${sel(`device!~${goQuote(VIRTUAL_NICS)}`)}}[${w}])) * 8 / 1e6`,
  };
}

/** Each policy type's metrics, unit and rule name. */
export const TYPE_MAPPINGS: Readonly<Record<PolicyType, TypeMapping>> = {
  cpu: {
    alert: 'PolicyCpu', title: 'CPU usage', unit: '%', per: [],
    // Busy share = 1 - idle seconds per second, averaged over the machine's CPUs.
    expr: (sel, by, w) => `100 * (1 - avg by (${by}) (rate(node_cpu_seconds_total{${sel('mode="idle"')}}[${w}])))`,
  },
  memory_utilization_percent: {
    alert: 'PolicyMemoryUtilization', title: 'Memory usage', unit: '%', per: [],
    expr: (sel, by, w) =>
      `100 * (1 - sum by (${by}) (avg_over_time(node_memory_MemAvailable_bytes{${sel()}}[${w}]))` +
      ` / sum by (${by}) (avg_over_time(node_memory_MemTotal_bytes{${sel()}}[${w}])))`,
  },
  disk_utilization_percent: {
    alert: 'PolicyDiskUtilization', title: 'Disk usage', unit: '%', per: ['mountpoint'],
    expr: (sel, by, w) => {
      const fs = sel(`fstype!~${goQuote(PSEUDO_FSTYPES)}`);
      return `100 * (1 - sum by (${by}) (avg_over_time(node_filesystem_avail_bytes{${fs}}[${w}]))` +
        ` / sum by (${by}) (avg_over_time(node_filesystem_size_bytes{${fs}}[${w}])))`;
    },
  },
  load_1: load(1),
  load_5: load(5),
  load_15: load(15),
  disk_read: diskIo('node_disk_read_bytes_total', 'Read'),
  disk_write: diskIo('node_disk_written_bytes_total', 'Write'),
  network_inbound: network('node_network_receive_bytes_total', 'Inbound'),
  network_outbound: network('node_network_transmit_bytes_total', 'Outbound'),
};

/** The RE2 regex matching an `instance` that is one of `machines`, with or without a port. */
export function instanceRegex(machines: readonly string[]): string {
  return `(?:${machines.map(quoteMeta).join('|')})(?::[0-9]+)?`;
}

/**
 * A label or annotation value that is never template code: text containing `{{`
 * becomes a Go template string literal, which expands to exactly the text.
 */
export function literalTemplate(text: string): string {
  return text.includes('{{') ? `{{ ${goQuote(text)} }}` : text;
}

/**
 * Characters to escape in YAML text: those outside YAML's c-printable (Go's yaml reader
 * refuses them) and the line breaks NEL, LS, PS, which Go's reader folds into spaces.
 */
const YAML_NON_PRINTABLE = /[^\t\n\r\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/gu;

/**
 * Escapes what the `yaml` package leaves raw although Go's reader would refuse or fold it
 * (DEL, C1 controls, NEL, U+2028/U+2029, U+FFFE/U+FFFF). Sound only because every scalar
 * we write is double-quoted, where `\uXXXX` means the character; keys are our own ASCII names.
 */
export function escapeNonPrintable(yaml: string): string {
  return yaml.replace(YAML_NON_PRINTABLE, (c) => `\\u${c.codePointAt(0)!.toString(16).padStart(4, '0')}`);
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** The machines a policy selects: null for all of the tenant's, [] for none. */
function selectedMachines(spec: PolicySpec, machinesByTag: ReadonlyMap<string, readonly string[]>): string[] | null {
  if (spec.entities.length === 0 && spec.tags.length === 0) return null;
  const out = new Set(spec.entities);
  for (const t of spec.tags) for (const m of machinesByTag.get(t) ?? []) out.add(m);
  return [...out].sort();
}

function thresholdText(spec: PolicySpec, unit: string): string {
  const dir = spec.compare === 'GreaterThan' ? 'above' : 'below';
  return `${dir} ${formatGoFloat(spec.value)}${unit} averaged over ${spec.window}`;
}

/** The alerting rule of one policy, or why it has none. */
function compilePolicy(
  tenant: string, tenantLabel: string, p: StoredPolicy, machinesByTag: ReadonlyMap<string, readonly string[]>,
): { rule: Record<string, unknown> } | { reason: string } {
  const spec = p.spec;
  if (LONE_SURROGATE.test(p.id)) return { reason: 'its id is not valid Unicode' };
  if (!(POLICY_TYPES as readonly string[]).includes(spec.type)) return { reason: `unknown policy type ${JSON.stringify(spec.type)}` };
  const m = TYPE_MAPPINGS[spec.type];
  const machines = selectedMachines(spec, machinesByTag);
  if (machines !== null && machines.length === 0) {
    return { reason: `no machine has any of the tags ${spec.tags.join(', ')}` };
  }
  const base = [`${tenantLabel}=${goQuote(tenant)}`];
  if (machines !== null) base.push(`instance=~${goQuote(instanceRegex(machines))}`);
  const sel = (extra?: string) => [...base, ...(extra ? [extra] : [])].join(', ');
  const by = [tenantLabel, 'instance', ...m.per].join(', ');
  const op = spec.compare === 'GreaterThan' ? '>' : '<';
  const expr = `${m.expr(sel, by, spec.window)} ${op} ${formatGoFloat(spec.value)}`;
  try {
    // Both majors' grammars: rules may run on either, and promtool 2 checks them.
    parseExpr(expr, { compat: 2 });
    parseExpr(expr, { compat: 3 });
  } catch (e) {
    return { reason: `its expression does not parse (${(e as Error).message})` };
  }
  const where = m.per.includes('mountpoint') ? ' on {{ $labels.instance }} {{ $labels.mountpoint }}' : ' on {{ $labels.instance }}';
  const annotations: Record<string, string> = {
    // Not `humanize`: the value is already in its unit, and 0.5 MB/s must not read "500m MB/s".
    summary: `${m.title} is {{ printf "%.2f" $value }}${m.unit}${where}, ${thresholdText(spec, m.unit)}`,
  };
  // Always a literal, even without `{{`: the text is the tenant's, never code.
  if (spec.description !== '') annotations['description'] = `{{ ${goQuote(spec.description)} }}`;
  return {
    rule: {
      alert: m.alert,
      expr,
      labels: {
        [tenantLabel]: literalTemplate(tenant),
        vigil_policy: literalTemplate(p.id),
        policy_type: spec.type,
        severity: 'warning',
      },
      annotations,
    },
  };
}

/**
 * A tenant's rule file: group `tenant/<tenant>/policies` with one alerting rule per
 * enabled policy, in policy id order so the same policies always give the same text.
 */
export function compileTenantRules(tenant: string, policies: readonly StoredPolicy[], opts: CompileOptions): CompiledRules {
  const tenantLabel = opts.tenantLabel ?? 'tenant';
  const rules: Record<string, unknown>[] = [];
  const skipped: { policyId: string; reason: string }[] = [];
  const sorted = [...policies].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (const p of sorted) {
    if (!p.enabled) continue;
    const r = compilePolicy(tenant, tenantLabel, p, opts.machinesByTag);
    if ('rule' in r) rules.push(r.rule);
    else skipped.push({ policyId: p.id, reason: r.reason });
  }
  if (rules.length === 0) return { yaml: null, skipped };
  const doc = new Document({ groups: [{ name: policyGroupName(tenant), interval: opts.interval ?? '30s', rules }] });
  // Every value double-quoted: no plain scalar Go's yaml could read as another type; no folding.
  const yaml = escapeNonPrintable(doc.toString({ defaultStringType: 'QUOTE_DOUBLE', defaultKeyType: 'PLAIN', lineWidth: 0 }));
  return { yaml, skipped };
}

/**
 * Compiled policy rules: their structure, that our parser and promtool 2.42 accept them,
 * that they fire for exactly the right tenant and machines (promtool's and our
 * `vigil test rules` on the same unit tests), and that hostile ids and descriptions stay data.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { compileTenantRules, escapeNonPrintable, instanceRegex, policyGroupName, rulesKey, type StoredPolicy } from '../../src/api/compile.js';
import { parsePolicy, POLICY_TYPES, type PolicySpec, type PolicyType } from '../../src/api/policy.js';
import { parseRuleFile } from '../../src/rules/file.js';
import { expandAlertText } from '../../src/template/prometheus.js';
import { goQuote } from '../../src/util/go_quote.js';
import { newMatcher } from '../../src/promql/matcher.js';
import { vigil } from '../cli/helpers.js';

const HAS_PROMTOOL = spawnSync('promtool', ['--version']).status === 0;

function spec(over: Partial<PolicySpec> & { type: PolicyType }): PolicySpec {
  const r = parsePolicy({ compare: 'GreaterThan', value: 50, window: '5m', alerts: { email: ['ops@example.com'] }, ...over });
  assert.ok(r.ok, JSON.stringify(r));
  return r.policy;
}

/** A policy as stored, but built without validation, as a corrupted or hostile row could be. */
function raw(id: string, s: PolicySpec, enabled = true): StoredPolicy {
  return { id, spec: s, enabled };
}

const NO_TAGS = new Map<string, readonly string[]>();

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'vigil-compile-'));
}

/** Rule file text accepted by our parser under both compat levels. */
function assertOurParserAccepts(yaml: string): void {
  for (const compat of [2, 3] as const) {
    const r = parseRuleFile(yaml, 'tenant.yml', { compat });
    assert.deepEqual(r.errors.map((e) => e.text), [], `compat ${compat}`);
    assert.ok(r.file);
  }
}

function promtool(args: string[]): { code: number; out: string } {
  const r = spawnSync('promtool', args, { encoding: 'utf8' });
  return { code: r.status ?? -1, out: r.stdout + r.stderr };
}

/** Writes rules + unit tests and runs them with promtool and with `vigil test rules` (both compat levels). */
async function runUnitTests(rulesYaml: string, tests: unknown[]): Promise<{ promtool: { code: number; out: string } | null; vigil: { code: number; out: string }[] }> {
  const dir = tempDir();
  try {
    writeFileSync(join(dir, 'rules.yml'), rulesYaml);
    const file = join(dir, 'rules_test.yml');
    const text = stringify({ rule_files: ['rules.yml'], evaluation_interval: '1m', tests }, { defaultStringType: 'QUOTE_DOUBLE', defaultKeyType: 'PLAIN', lineWidth: 0 });
    writeFileSync(file, escapeNonPrintable(text));
    const vigilRuns = [];
    for (const compat of ['2', '3']) {
      const r = await vigil(['test', 'rules', `--promql-compat=${compat}`, file], dir);
      vigilRuns.push({ code: r.code, out: r.io.combined });
    }
    return { promtool: HAS_PROMTOOL ? promtool(['test', 'rules', file]) : null, vigil: vigilRuns };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function assertUnitTestsPass(rulesYaml: string, tests: unknown[]): Promise<void> {
  const r = await runUnitTests(rulesYaml, tests);
  if (r.promtool) assert.equal(r.promtool.code, 0, `promtool:\n${r.promtool.out}`);
  if (r.promtool) assert.match(r.promtool.out, /SUCCESS/);
  for (const v of r.vigil) {
    assert.equal(v.code, 0, `vigil:\n${v.out}`);
    assert.match(v.out, /^Unit Testing: {2}.*\n {2}SUCCESS\n\n$/);
  }
}

test('the rules key, group name and interval', () => {
  assert.equal(rulesKey('acme'), 'tenant:acme');
  const r = compileTenantRules('acme', [raw('p1', spec({ type: 'cpu' }))], { machinesByTag: NO_TAGS, interval: '1m' });
  const file = parse(r.yaml!);
  assert.equal(file.groups.length, 1);
  assert.equal(file.groups[0].name, 'tenant/acme/policies');
  assert.equal(file.groups[0].name, policyGroupName('acme'));
  assert.equal(file.groups[0].interval, '1m');
  assert.equal(parse(compileTenantRules('acme', [raw('p1', spec({ type: 'cpu' }))], { machinesByTag: NO_TAGS }).yaml!).groups[0].interval, '30s');
});

test('one rule per enabled policy, in id order, with its labels; disabled ones are left out', () => {
  const r = compileTenantRules('acme', [
    raw('p3', spec({ type: 'load_5' })),
    raw('p1', spec({ type: 'cpu', compare: 'LessThan', value: 12.5 })),
    raw('p2', spec({ type: 'disk_read', enabled: false }), false),
  ], { machinesByTag: NO_TAGS });
  assert.deepEqual(r.skipped, []);
  const rules = parse(r.yaml!).groups[0].rules;
  assert.deepEqual(rules.map((x: { alert: string }) => x.alert), ['PolicyCpu', 'PolicyLoad5']);
  assert.deepEqual(rules[0].labels, { tenant: 'acme', vigil_policy: 'p1', policy_type: 'cpu', severity: 'warning' });
  assert.match(rules[0].expr, / < 12\.5$/);
  assert.match(rules[1].expr, / > 50$/);
  assert.equal(rules[0].for, undefined);
});

test('no enabled policy, or none that selects a machine: a tombstone (null), with the skipped listed', () => {
  assert.deepEqual(compileTenantRules('acme', [], { machinesByTag: NO_TAGS }), { yaml: null, skipped: [] });
  const r = compileTenantRules('acme', [
    raw('off', spec({ type: 'cpu' }), false),
    raw('untagged', spec({ type: 'cpu', tags: ['nothing-has-this'] })),
  ], { machinesByTag: new Map([['prod', ['web-1']]]) });
  assert.equal(r.yaml, null);
  assert.deepEqual(r.skipped.map((s) => s.policyId), ['untagged']);
  assert.match(r.skipped[0]!.reason, /nothing-has-this/);
});

test('entities and tagged machines are unioned into one instance regex; a tag with machines is enough', () => {
  const r = compileTenantRules('acme', [raw('p', spec({ type: 'load_1', entities: ['web-1'], tags: ['db', 'none'] }))],
    { machinesByTag: new Map([['db', ['db.2', 'web-1']]]) });
  const expr: string = parse(r.yaml!).groups[0].rules[0].expr;
  assert.ok(expr.includes(`instance=~${goQuote(instanceRegex(['db.2', 'web-1']))}`), expr);
  const m = newMatcher('=~', 'instance', instanceRegex(['db.2', 'web-1']));
  for (const yes of ['web-1', 'web-1:9100', 'db.2', 'db.2:1']) assert.ok(m.matches(yes), yes);
  for (const no of ['web-10', 'dbx2', 'web-1:', 'web-1:9100x', 'xweb-1', 'web-1.example.com']) assert.ok(!m.matches(no), no);
});

test('the compiled file of every type passes our parser and promtool check rules', () => {
  const policies = POLICY_TYPES.map((type, i) => raw(`p${i}`, spec({ type, entities: i % 2 ? ['web-1'] : [], description: 'd' })));
  const r = compileTenantRules('acme', policies, { machinesByTag: NO_TAGS });
  assert.deepEqual(r.skipped, []);
  assertOurParserAccepts(r.yaml!);
  if (!HAS_PROMTOOL) return;
  const dir = tempDir();
  try {
    writeFileSync(join(dir, 'rules.yml'), r.yaml!);
    const out = promtool(['check', 'rules', join(dir, 'rules.yml')]);
    assert.equal(out.code, 0, out.out);
    assert.match(out.out, new RegExp(`SUCCESS: ${POLICY_TYPES.length} rules found`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** One type's unit test: series for a machine (sel = its labels), breaching or not. */
interface TypeCase {
  type: PolicyType;
  compare: 'GreaterThan' | 'LessThan';
  value: number;
  /** Input series of one machine whose labels are `l` (tenant and instance). */
  series: (l: string, breach: boolean) => { series: string; values: string }[];
  /** The summary of the hot machine's alert (its instance is web-1:9100). */
  summary: string;
  extraLabels?: Record<string, string>;
}

const sel = (metric: string, l: string, more = '') => `${metric}{${l}${more}}`;
const CASES: TypeCase[] = [
  {
    type: 'cpu', compare: 'GreaterThan', value: 70,
    series: (l, hot) => [
      // Idle 15 s per minute on each of two CPUs: 75% busy; user time is not read.
      { series: sel('node_cpu_seconds_total', l, ',cpu="0",mode="idle"'), values: hot ? '0+15x20' : '0+60x20' },
      { series: sel('node_cpu_seconds_total', l, ',cpu="1",mode="idle"'), values: hot ? '0+15x20' : '0+54x20' },
      { series: sel('node_cpu_seconds_total', l, ',cpu="0",mode="user"'), values: '0+45x20' },
    ],
    summary: 'CPU usage is 75.00% on web-1:9100, above 70% averaged over 5m',
  },
  {
    type: 'memory_utilization_percent', compare: 'GreaterThan', value: 70,
    series: (l, hot) => [
      { series: sel('node_memory_MemAvailable_bytes', l), values: hot ? '2000000000+0x20' : '6000000000+0x20' },
      { series: sel('node_memory_MemTotal_bytes', l), values: '8000000000+0x20' },
    ],
    summary: 'Memory usage is 75.00% on web-1:9100, above 70% averaged over 5m',
  },
  {
    type: 'disk_utilization_percent', compare: 'GreaterThan', value: 70,
    series: (l, hot) => [
      { series: sel('node_filesystem_avail_bytes', l, ',mountpoint="/",fstype="ext4",device="/dev/sda1"'), values: hot ? '1000000000+0x20' : '3000000000+0x20' },
      { series: sel('node_filesystem_size_bytes', l, ',mountpoint="/",fstype="ext4",device="/dev/sda1"'), values: '4000000000+0x20' },
      // A full tmpfs is not a disk to alert on.
      { series: sel('node_filesystem_avail_bytes', l, ',mountpoint="/run",fstype="tmpfs",device="tmpfs"'), values: '0+0x20' },
      { series: sel('node_filesystem_size_bytes', l, ',mountpoint="/run",fstype="tmpfs",device="tmpfs"'), values: '1000000+0x20' },
    ],
    summary: 'Disk usage is 75.00% on web-1:9100 /, above 70% averaged over 5m',
    extraLabels: { mountpoint: '/' },
  },
  {
    type: 'load_1', compare: 'GreaterThan', value: 2,
    series: (l, hot) => [{ series: sel('node_load1', l), values: hot ? '3+0x20' : '1+0x20' }],
    summary: '1-minute load average is 3.00 on web-1:9100, above 2 averaged over 5m',
  },
  {
    type: 'load_5', compare: 'LessThan', value: 1,
    series: (l, hot) => [{ series: sel('node_load5', l), values: hot ? '0.5+0x20' : '2+0x20' }],
    summary: '5-minute load average is 0.50 on web-1:9100, below 1 averaged over 5m',
  },
  {
    type: 'load_15', compare: 'GreaterThan', value: 4,
    series: (l, hot) => [{ series: sel('node_load15', l), values: hot ? '8+0x20' : '4+0x20' }],
    summary: '15-minute load average is 8.00 on web-1:9100, above 4 averaged over 5m',
  },
  {
    type: 'disk_read', compare: 'GreaterThan', value: 12,
    series: (l, hot) => [
      // 10 + 5 MB/s on two disks; dm-0 re-counts sda and is not added.
      { series: sel('node_disk_read_bytes_total', l, ',device="sda"'), values: hot ? '0+600000000x20' : '0+60000000x20' },
      { series: sel('node_disk_read_bytes_total', l, ',device="sdb"'), values: '0+300000000x20' },
      { series: sel('node_disk_read_bytes_total', l, ',device="dm-0"'), values: '0+600000000x20' },
    ],
    summary: 'Disk read throughput is 15.00 MB/s on web-1:9100, above 12 MB/s averaged over 5m',
  },
  {
    type: 'disk_write', compare: 'LessThan', value: 1,
    series: (l, hot) => [
      { series: sel('node_disk_written_bytes_total', l, ',device="nvme0n1"'), values: hot ? '0+30000000x20' : '0+600000000x20' },
    ],
    summary: 'Disk write throughput is 0.50 MB/s on web-1:9100, below 1 MB/s averaged over 5m',
  },
  {
    type: 'network_inbound', compare: 'GreaterThan', value: 50,
    series: (l, hot) => [
      // 12.5 MB/s = 100 Mbit/s on eth0; loopback traffic is not the machine's.
      { series: sel('node_network_receive_bytes_total', l, ',device="eth0"'), values: hot ? '0+750000000x20' : '0+75000000x20' },
      { series: sel('node_network_receive_bytes_total', l, ',device="lo"'), values: '0+750000000x20' },
    ],
    summary: 'Inbound network traffic is 100.00 Mbit/s on web-1:9100, above 50 Mbit/s averaged over 5m',
  },
  {
    type: 'network_outbound', compare: 'GreaterThan', value: 5,
    series: (l, hot) => [
      { series: sel('node_network_transmit_bytes_total', l, ',device="eth0"'), values: hot ? '0+75000000x20' : '0+7500000x20' },
      { series: sel('node_network_transmit_bytes_total', l, ',device="veth1a2b"'), values: '0+75000000x20' },
    ],
    summary: 'Outbound network traffic is 10.00 Mbit/s on web-1:9100, above 5 Mbit/s averaged over 5m',
  },
];

const DESCRIPTION = 'Page "the" {{ on-call }} \\o/\nsecond line';

/**
 * For each case: the tenant's hot selected machine fires; the same instance of another
 * tenant, an unselected machine of the tenant (both hot) and a cold selected machine do not.
 */
function typeTests(tenant: string, cases: readonly TypeCase[], expectNone = false): unknown[] {
  const t = goQuote(tenant);
  return cases.map((c, i) => ({
    name: c.type,
    interval: '1m',
    input_series: [
      ...c.series(`tenant=${t},instance="web-1:9100"`, true),
      ...c.series(`tenant="other",instance="web-1:9100"`, true),
      ...c.series(`tenant=${t},instance="web-2:9100"`, true),
      ...c.series(`tenant=${t},instance="web-3"`, false),
    ],
    alert_rule_test: [{
      eval_time: '10m',
      alertname: alertOf(c.type),
      exp_alerts: expectNone ? [] : [{
        exp_labels: {
          tenant, instance: 'web-1:9100', vigil_policy: `policy-${i}`, policy_type: c.type, severity: 'warning',
          ...c.extraLabels,
        },
        exp_annotations: { summary: c.summary, description: DESCRIPTION },
      }],
    }],
  }));
}

const ALERTS: Record<PolicyType, string> = {
  cpu: 'PolicyCpu', memory_utilization_percent: 'PolicyMemoryUtilization', disk_utilization_percent: 'PolicyDiskUtilization',
  load_1: 'PolicyLoad1', load_5: 'PolicyLoad5', load_15: 'PolicyLoad15', disk_read: 'PolicyDiskRead',
  disk_write: 'PolicyDiskWrite', network_inbound: 'PolicyNetworkInbound', network_outbound: 'PolicyNetworkOutbound',
};
const alertOf = (t: PolicyType) => ALERTS[t];

function casePolicies(cases: readonly TypeCase[], select: Partial<PolicySpec>): StoredPolicy[] {
  return cases.map((c, i) => raw(`policy-${i}`, spec({
    type: c.type, compare: c.compare, value: c.value, description: DESCRIPTION, ...select,
  })));
}

test('every type covers every case here', () => {
  assert.deepEqual(CASES.map((c) => c.type), [...POLICY_TYPES]);
});

test('each type fires for the tenant\'s selected machine only (promtool and vigil test rules)', async () => {
  // web-1 by entity, web-3 by tag; web-2 is the tenant's but not selected.
  const r = compileTenantRules('acme', casePolicies(CASES, { entities: ['web-1'], tags: ['prod'] }),
    { machinesByTag: new Map([['prod', ['web-3']]]) });
  assert.deepEqual(r.skipped, []);
  assertOurParserAccepts(r.yaml!);
  await assertUnitTestsPass(r.yaml!, typeTests('acme', CASES));
});

test('the unit tests can fail: expecting no alert is reported as a failure by both tools', async () => {
  const r = compileTenantRules('acme', casePolicies(CASES, { entities: ['web-1', 'web-3'] }), { machinesByTag: NO_TAGS });
  const out = await runUnitTests(r.yaml!, typeTests('acme', CASES, true));
  if (out.promtool) {
    assert.equal(out.promtool.code, 1);
    assert.equal(out.promtool.out.match(/alertname: Policy/g)?.length, CASES.length, out.promtool.out);
  }
  for (const v of out.vigil) {
    assert.equal(v.code, 1);
    assert.equal(v.out.match(/alertname: Policy/g)?.length, CASES.length, v.out);
  }
});

test('with no entities or tags every machine of the tenant is selected, and still no other tenant\'s', async () => {
  const r = compileTenantRules('acme', casePolicies(CASES.slice(0, 1), {}), { machinesByTag: NO_TAGS });
  const [t] = typeTests('acme', CASES.slice(0, 1)) as [{ alert_rule_test: [{ exp_alerts: unknown[] }] }];
  const hot = t.alert_rule_test[0].exp_alerts[0] as { exp_labels: Record<string, string>; exp_annotations: Record<string, string> };
  t.alert_rule_test[0].exp_alerts.push({
    exp_labels: { ...hot.exp_labels, instance: 'web-2:9100' },
    exp_annotations: { ...hot.exp_annotations, summary: hot.exp_annotations.summary!.replace('web-1', 'web-2') },
  });
  await assertUnitTestsPass(r.yaml!, [t]);
});

/** Strings a tenant (or a corrupted row) could try to break out of a quote or a template with. */
const HOSTILE = [
  '"', '\\', '}}', '{{ .Labels }}', '{{', '|', '.*', ') or vector(1)', '"} or vector(1) or {a="',
  "'; DROP TABLE alert_policies; --", 'line\nbreak', '\t', '`raw`', 'ünïcödé ✓ 😀', '{{/* c */}}', '{{- "x" -}}', '%s%v',
];

test('descriptions render verbatim through our template engine', () => {
  const descs = [...HOSTILE, HOSTILE.join(''), 'a\u0000b\u200bc\u007fd', 'x'.repeat(1024)];
  for (const description of descs) {
    const r = compileTenantRules('acme', [raw('p', spec({ type: 'cpu', description }))], { machinesByTag: NO_TAGS });
    const text: string = parse(r.yaml!).groups[0].rules[0].annotations.description;
    const out = expandAlertText('PolicyCpu', text, { labels: { instance: 'x' }, externalLabels: {}, externalURL: '', value: 1 }, { timestampMs: 0 });
    assert.equal(out, description, JSON.stringify(text));
  }
});

test('hostile tenant, entity and tag strings: the file parses, selects only what it names, and quotes the description', async () => {
  const tenant = 'ev"il\\ {{ .Labels }} }}|.*) or vector(1) --\'; DROP TABLE t;\nx\u007f\u009b\u2028';
  const entities = ['.*', 'a|b', 'x) or vector(1)', 'q"}', 'back\\slash', '{{ $value }}'];
  const tags = ['t"ag}}', '.+'];
  const taggedMachine = 'm{{ x }}';
  const description = `${HOSTILE.join(' ')} a\u0000b\u200bc\u007fd\u2028e\r`;
  const r = compileTenantRules(tenant, [raw('id"{{ 1 }}\u0085\u0080', { ...spec({ type: 'load_1', value: 2 }), entities, tags, description })],
    { machinesByTag: new Map([['t"ag}}', [taggedMachine]], ['.+', []]]) });
  assert.deepEqual(r.skipped, []);
  assertOurParserAccepts(r.yaml!);
  const rule = parse(r.yaml!).groups[0].rules[0];
  // Label values holding `{{` are template literals too, expanding to exactly the text.
  assert.match(rule.labels.tenant, /^\{\{ ".*" \}\}$/s);
  const data = { labels: {}, externalLabels: {}, externalURL: '', value: 1 };
  assert.equal(expandAlertText('PolicyLoad1', rule.labels.tenant, data, { timestampMs: 0 }), tenant);
  const t = goQuote(tenant);
  const load = (l: string, v = '3+0x20') => ({ series: `node_load1{${l}}`, values: v });
  const selected = ['.*', 'a|b:9100', 'x) or vector(1)', 'q"}', 'back\\slash:1', '{{ $value }}', taggedMachine];
  const unselected = ['web-1', 'a', 'b', 'x', 'q', 'backslash', 'back\\\\slash', '.+', 'mx'];
  const tests = [{
    interval: '1m',
    input_series: [
      ...selected.map((i) => load(`tenant=${t},instance=${goQuote(i)}`)),
      ...unselected.map((i) => load(`tenant=${t},instance=${goQuote(i)}`)),
      ...selected.map((i) => load(`tenant="other",instance=${goQuote(i)}`)),
      ...selected.map((i) => load(`tenant="ev",instance=${goQuote(i)}`)),
    ],
    alert_rule_test: [{
      eval_time: '10m',
      alertname: 'PolicyLoad1',
      exp_alerts: selected.map((instance) => ({
        exp_labels: { tenant, instance, vigil_policy: 'id"{{ 1 }}\u0085\u0080', policy_type: 'load_1', severity: 'warning' },
        exp_annotations: {
          summary: `1-minute load average is 3.00 on ${instance}, above 2 averaged over 5m`,
          description,
        },
      })),
    }],
  }];
  await assertUnitTestsPass(r.yaml!, tests);
});

test('a tenant id that is not valid Unicode cannot compile: the policy is skipped, not emitted broken', () => {
  const r = compileTenantRules('bad\uD800', [raw('p', spec({ type: 'cpu' }))], { machinesByTag: NO_TAGS });
  assert.equal(r.yaml, null);
  assert.match(r.skipped[0]!.reason, /does not parse/);
});

test('control characters and YAML line breaks in ids reach Prometheus intact, not refused or folded', async () => {
  const tenant = 'nel\u0085ls\u2028ps\u2029del\u007fc1\u0090bom\ufeff';
  const r = compileTenantRules(tenant, [raw('p\u0085', spec({ type: 'load_1', value: 2, entities: ['web-1'] }))], { machinesByTag: NO_TAGS });
  assert.doesNotMatch(r.yaml!, /[\u007f-\u009f\u2028\u2029]/);
  assertOurParserAccepts(r.yaml!);
  const file = parseRuleFile(r.yaml!, 'tenant.yml').file!;
  assert.equal(file.groups[0]!.name, `tenant/${tenant}/policies`);
  const t = goQuote(tenant);
  await assertUnitTestsPass(r.yaml!, [{
    interval: '1m',
    input_series: [
      { series: `node_load1{tenant=${t},instance="web-1"}`, values: '3+0x20' },
      { series: `node_load1{tenant="nel",instance="web-1"}`, values: '3+0x20' },
    ],
    alert_rule_test: [{
      eval_time: '10m',
      alertname: 'PolicyLoad1',
      exp_alerts: [{
        exp_labels: { tenant, instance: 'web-1', vigil_policy: 'p\u0085', policy_type: 'load_1', severity: 'warning' },
        exp_annotations: { summary: '1-minute load average is 3.00 on web-1, above 2 averaged over 5m' },
      }],
    }],
  }]);
});

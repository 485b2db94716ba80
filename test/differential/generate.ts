/**
 * The differential fuzzer's generator: random promtool rule unit-test files (promql_expr_test
 * or alert_rule_test with a rule file), written with empty expectations so promtool's
 * FAILED report gives its results, or with expectations filled in from those results.
 */
import { generateAlertGroup, type GeneratedGroup } from './alert_gen.js';
import { ExprGenerator } from './expr_gen.js';
import { Rng } from './rng.js';
import { generateSeries, type SeriesWorld } from './series_gen.js';

/** One expected sample: the label set as promtool prints it, and the value. */
export interface SampleResult {
  readonly labels: string;
  readonly value: number;
}

/** One expected alert: labels (without alertname) and annotations. */
export interface AlertResult {
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}

/** A promql_expr_test case; `exp` null writes an empty expectation. */
export interface ExprCase {
  readonly expr: string;
  readonly evalTime: string;
  readonly exp: readonly SampleResult[] | null;
}

/** An alert_rule_test case. */
export interface AlertCase {
  readonly alertname: string;
  readonly evalTime: string;
  readonly exp: readonly AlertResult[] | null;
}

/** A generated unit-test file, before rendering. */
export interface GeneratedTest {
  readonly kind: 'promql' | 'alerts';
  readonly evaluationInterval: string;
  readonly world: SeriesWorld;
  readonly exprCases: readonly ExprCase[];
  readonly alertCases: readonly AlertCase[];
  /** Rule groups (alerts kind only), rendered to a file named by renderTest's ruleFile. */
  readonly groups: readonly GeneratedGroup[];
  readonly externalLabels: Readonly<Record<string, string>>;
  /** True if no case reads a sample lying on a range or lookback boundary, so 2.x and 3.x agree. */
  readonly boundaryFree: boolean;
}

/** A Prometheus duration for ms (seconds resolution is all the generator uses). */
export function durationText(ms: number): string {
  if (ms === 0) return '0s';
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = Math.floor((ms % 60_000) / 1000);
  return `${h > 0 ? `${h}h` : ''}${m > 0 ? `${m}m` : ''}${s > 0 ? `${s}s` : ''}`;
}

/** An eval time within (and a little past) the data; off the sample grid when `unaligned`. */
function evalTime(rng: Rng, world: SeriesWorld, unaligned: boolean): number {
  const last = (world.samples - 1) * world.intervalMs;
  const base = Math.floor(rng.next() * (last + 6 * 60_000) / 60_000) * 60_000;
  if (unaligned) return base + rng.pick([7_000, 23_000, 37_000, 53_000]);
  return rng.chance(0.15) ? base + rng.pick([15_000, 30_000, 45_000]) : base;
}

/** Generates a promql_expr_test file of `cases` cases. */
export function generatePromqlTest(seed: number, cases: number): GeneratedTest {
  const rng = new Rng(seed);
  const world = generateSeries(rng);
  // A third of the files stay off every boundary, so they also check Prometheus 3 semantics.
  const boundaryFree = rng.chance(0.33) && world.intervalMs <= 60_000;
  const gen = new ExprGenerator(rng, world, { boundarySensitive: !boundaryFree });
  const exprCases: ExprCase[] = [];
  for (let i = 0; i < cases; i++) {
    exprCases.push({ expr: gen.expr(), evalTime: durationText(evalTime(rng, world, boundaryFree)), exp: null });
  }
  return { kind: 'promql', evaluationInterval: '1m', world, exprCases, alertCases: [], groups: [], externalLabels: {}, boundaryFree };
}

/** Generates an alert_rule_test file with its rule groups, about `cases` checks. */
export function generateAlertTest(seed: number, cases: number): GeneratedTest {
  const rng = new Rng(seed);
  const world = generateSeries(rng);
  const groups: GeneratedGroup[] = [];
  const names: string[] = [];
  const ngroups = rng.chance(0.2) ? 2 : 1;
  for (let g = 0; g < ngroups; g++) {
    const { group, alerts } = generateAlertGroup(rng, world, seed % 1000 * 10 + g);
    groups.push(group);
    names.push(...alerts);
  }
  const evalInterval = rng.chance(0.8) ? 60_000 : 30_000;
  const alertCases: AlertCase[] = [];
  const last = (world.samples - 1) * world.intervalMs;
  for (let i = 0; i < cases; i++) {
    const t = Math.floor(rng.next() * (last + 4 * 60_000) / evalInterval) * evalInterval + (rng.chance(0.1) ? 15_000 : 0);
    alertCases.push({ alertname: rng.pick(names), evalTime: durationText(t), exp: null });
  }
  // One case per name and time: promtool checks each, and duplicates say nothing new.
  const seen = new Set<string>();
  const unique = alertCases.filter((c) => {
    const k = `${c.alertname}@${c.evalTime}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  return {
    kind: 'alerts', evaluationInterval: durationText(evalInterval), world, exprCases: [], alertCases: unique, groups,
    externalLabels: rng.chance(0.5) ? { cluster: 'c1' } : {}, boundaryFree: false,
  };
}

/** A YAML single-quoted scalar. */
export function yamlQuote(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

/** A float as YAML that Go's yaml.v2 reads back to the same float64. */
function yamlFloat(v: number): string {
  if (Number.isNaN(v)) return '.nan';
  if (v === Infinity) return '.inf';
  if (v === -Infinity) return '-.inf';
  const s = String(v);
  // `1e+21` is a string to yaml.v2; spell the exponent without its plus sign.
  return s.replace('e+', 'e');
}

function renderMap(m: Readonly<Record<string, string>>, indent: string): string {
  return Object.entries(m).map(([k, v]) => `${indent}${k}: ${yamlQuote(v)}\n`).join('');
}

/** The unit-test file's text; `ruleFile` is the name it refers to for the rule groups. */
export function renderTest(t: GeneratedTest, ruleFile: string): string {
  let out = '';
  if (t.kind === 'alerts') out += `rule_files:\n- ${ruleFile}\n`;
  out += `evaluation_interval: ${t.evaluationInterval}\ntests:\n- interval: ${durationText(t.world.intervalMs)}\n`;
  if (Object.keys(t.externalLabels).length > 0) {
    out += `  external_labels:\n${renderMap(t.externalLabels, '    ')}  external_url: 'http://vigil.example:9090/x'\n`;
  }
  out += '  input_series:\n';
  for (const s of t.world.series) out += `  - series: ${yamlQuote(s.series)}\n    values: ${s.values}\n`;
  if (t.exprCases.length > 0) {
    out += '  promql_expr_test:\n';
    for (const c of t.exprCases) {
      out += `  - expr: ${yamlQuote(c.expr)}\n    eval_time: ${c.evalTime}\n`;
      if (c.exp === null || c.exp.length === 0) {
        out += '    exp_samples: []\n';
        continue;
      }
      out += '    exp_samples:\n';
      for (const s of c.exp) out += `    - labels: ${yamlQuote(s.labels)}\n      value: ${yamlFloat(s.value)}\n`;
    }
  }
  if (t.alertCases.length > 0) {
    out += '  alert_rule_test:\n';
    for (const c of t.alertCases) {
      out += `  - eval_time: ${c.evalTime}\n    alertname: ${c.alertname}\n`;
      if (c.exp === null || c.exp.length === 0) {
        out += '    exp_alerts: []\n';
        continue;
      }
      out += '    exp_alerts:\n';
      for (const a of c.exp) {
        out += `    - exp_labels:${Object.keys(a.labels).length === 0 ? ' {}' : ''}\n${renderMap(a.labels, '        ')}`;
        out += `      exp_annotations:${Object.keys(a.annotations).length === 0 ? ' {}' : ''}\n${renderMap(a.annotations, '        ')}`;
      }
    }
  }
  return out;
}

/** The rule file's text for an alerts test. */
export function renderRules(t: GeneratedTest): string {
  let out = 'groups:\n';
  for (const g of t.groups) {
    out += `- name: ${g.name}\n${g.interval !== null ? `  interval: ${g.interval}\n` : ''}  rules:\n`;
    for (const r of g.rules) {
      out += r.alert !== undefined ? `  - alert: ${r.alert}\n` : `  - record: ${r.record}\n`;
      out += `    expr: ${yamlQuote(r.expr)}\n`;
      if (r.for) out += `    for: ${r.for}\n`;
      if (r.keepFiringFor) out += `    keep_firing_for: ${r.keepFiringFor}\n`;
      if (Object.keys(r.labels).length > 0) out += `    labels:\n${renderMap(r.labels, '      ')}`;
      if (Object.keys(r.annotations).length > 0) out += `    annotations:\n${renderMap(r.annotations, '      ')}`;
    }
  }
  return out;
}

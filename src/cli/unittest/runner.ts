/**
 * promtool's rule unit-test runner (cmd/promtool/unittest.go): for each test group,
 * load the input series lazily, evaluate every rule group at each evaluation_interval
 * step from 0 to the last eval_time, check firing alerts after the step that covers
 * each alert_rule_test's eval_time, then run the promql_expr_tests on the final storage.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { compareLabels, type Label, type Labels } from '../../promql/labels.js';
import { goQuote } from '../../util/go_quote.js';
import { formatDuration } from '../../promql/duration.js';
import { parseExpr } from '../../promql/parser.js';
import { parseSeriesLabels } from '../../promql/series_desc.js';
import { parseRuleFile, type RuleFileError } from '../../rules/file.js';
import { RuleGroup } from '../../rules/group.js';
import type { QueryEngine, RuleContext } from '../../rules/rule.js';
import type { CliIO } from '../io.js';
import { newTestEngine, newTestStorage, type TestStorage } from './env.js';
import { glob } from './glob.js';
import { formatGoDuration } from './go_format.js';
import { InputSeriesLoader } from './input_series.js';
import {
  alertFailure, alertsEqual, compareAlerts, exprError, exprFailure, samplesEqual,
  type AlertView, type SampleView,
} from './report.js';
import { parseUnitTestFile, type AlertTestCase, type TestGroup } from './test_file.js';

/** How test files are run. */
export interface RunOptions {
  readonly compat: 2 | 3;
  /** Only test groups whose name matches run (promtool 3's --run); null runs all. */
  readonly run: RegExp | null;
}

/** promtool's default evaluation_interval. */
export const DEFAULT_EVAL_INTERVAL_MS = 60_000;

/** Runs one unit-test file and writes its report block; true if every test passed. */
export function runUnitTestFile(filename: string, opts: RunOptions, io: CliIO): boolean {
  io.out(`Unit Testing:  ${filename}\n`);
  let errs: string[];
  try {
    errs = testFile(filename, opts, io);
  } catch (e) {
    // A bug anywhere below must still end in a report, not a crash.
    errs = [`internal error: ${e instanceof Error ? e.stack ?? e.message : String(e)}`];
  }
  if (errs.length > 0) {
    io.err('  FAILED:\n');
    for (const e of errs) {
      io.err(`${e}\n`);
      io.out('\n');
    }
  } else {
    io.out('  SUCCESS\n');
  }
  io.out('\n');
  return errs.length === 0;
}

/** A file-system error as Go words it (`open f: no such file or directory`). */
export function goFileError(op: string, path: string, e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  const reason: Record<string, string> = {
    ENOENT: 'no such file or directory',
    EISDIR: 'is a directory',
    EACCES: 'permission denied',
    ENOTDIR: 'not a directory',
  };
  const r = code !== undefined ? reason[code] : undefined;
  return r !== undefined ? `${op} ${path}: ${r}` : `${op} ${path}: ${(e as Error).message}`;
}

function testFile(filename: string, opts: RunOptions, io: CliIO): string[] {
  let text: string;
  try {
    text = readFileSync(filename, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return [goFileError(code === 'EISDIR' ? 'read' : 'open', filename, e)];
  }
  let file;
  try {
    file = parseUnitTestFile(text, opts.compat);
  } catch (e) {
    return [(e as Error).message];
  }
  let ruleFiles: string[];
  try {
    ruleFiles = resolveRuleFiles(dirname(filename), file.rule_files, io);
  } catch (e) {
    return [(e as Error).message];
  }
  const evalInterval = file.evaluation_interval === 0 ? DEFAULT_EVAL_INTERVAL_MS : file.evaluation_interval;
  const groupOrder = new Map<string, number>();
  for (const [i, name] of file.group_eval_order.entries()) {
    if (groupOrder.has(name)) return [`group name repeated in evaluation order: ${name}`];
    groupOrder.set(name, i);
  }
  const errs: string[] = [];
  for (const tg of file.tests) {
    if (opts.run !== null && !opts.run.test(tg.name)) continue;
    errs.push(...runTestGroup(tg, { evalInterval, groupOrder, ruleFiles, compat: opts.compat, fuzzyCompare: file.fuzzy_compare }));
  }
  return errs;
}

/** Joins relative rule_files to the test file's directory and expands globs, warning on no match. */
function resolveRuleFiles(baseDir: string, patterns: readonly string[], io: CliIO): string[] {
  const out: string[] = [];
  for (const p of patterns) {
    const full = p !== '' && !isAbsolute(p) ? join(baseDir, p) : p;
    const matches = glob(full);
    if (matches.length === 0) io.err(`  WARNING: no file match pattern ${full}\n`);
    out.push(...matches);
  }
  return out;
}

interface GroupRunContext {
  readonly evalInterval: number;
  readonly groupOrder: ReadonlyMap<string, number>;
  readonly ruleFiles: readonly string[];
  readonly compat: 2 | 3;
  /** Sample values may differ by one ulp (Prometheus 3's fuzzy_compare). */
  readonly fuzzyCompare: boolean;
}

/** Loads the rule groups of all files, ordered by group_eval_order (unlisted groups rank 0, as in promtool). */
function loadGroups(ctx: GroupRunContext, interval: number): { groups: RuleGroup[]; errors: string[] } {
  const groups: RuleGroup[] = [];
  for (const path of ctx.ruleFiles) {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      return { groups: [], errors: [`${path}: ${goFileError('read', path, e)}`] };
    }
    const res = parseRuleFile(text, path, { compat: ctx.compat });
    if (res.file === null) return { groups: [], errors: res.errors.map(promtoolRuleFileError) };
    for (const spec of res.file.groups) {
      try {
        groups.push(new RuleGroup(spec, { file: path, defaultInterval: interval, compat: ctx.compat, restored: true }));
      } catch (e) {
        return { groups: [], errors: [`${path}: group ${goQuote(spec.name)}: ${(e as Error).message}`] };
      }
    }
  }
  const rank = (g: RuleGroup) => ctx.groupOrder.get(g.name) ?? 0;
  groups.sort((a, b) => rank(a) - rank(b));
  return { groups, errors: [] };
}

/** A rule-file error as promtool words it: rulefmt's `L:C: msg` wrapped by the file name (`file: L:C: msg`). */
function promtoolRuleFileError(e: RuleFileError): string {
  const located = `${e.file}:${e.line}:${e.col}: `;
  return e.line > 0 && e.text.startsWith(located) ? `${e.file}: ${e.line}:${e.col}: ${e.text.slice(located.length)}` : e.text;
}

/** A label set from a map, keeping empty values as promtool's labels.FromMap does. */
function labelsFromMap(m: Readonly<Record<string, string>>): Labels {
  const out: Label[] = Object.entries(m).map(([name, value]) => ({ name, value }));
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Runs one test group; returns promtool's error texts. */
function runTestGroup(tg: TestGroup, ctx: GroupRunContext): string[] {
  const interval = tg.interval === 0 ? ctx.evalInterval : tg.interval;
  let loader: InputSeriesLoader;
  try {
    loader = InputSeriesLoader.parse(tg.input_series, interval, ctx.compat);
  } catch (e) {
    return [(e as Error).message];
  }
  const storage = newTestStorage();
  const engine = newTestEngine(ctx.compat, ctx.evalInterval);
  const { groups, errors } = loadGroups(ctx, interval);
  if (errors.length > 0) return errors;

  const alertTests = new Map<number, AlertTestCase[]>();
  for (const at of tg.alert_rule_test) {
    if (at.alertname === '') {
      const where = tg.name !== '' ? ` (in TestGroup ${tg.name})` : '';
      return [`an item under alert_rule_test misses required attribute alertname at eval_time ${formatDuration(at.eval_time)}${where}`];
    }
    alertTests.set(at.eval_time, [...(alertTests.get(at.eval_time) ?? []), at]);
  }
  const alertTimes = [...alertTests.keys()].sort((a, b) => a - b);
  const maxt = Math.max(0, ...tg.alert_rule_test.map((a) => a.eval_time), ...tg.promql_expr_test.map((p) => p.eval_time));

  const ruleCtx: RuleContext = {
    engine, querier: storage, appender: storage, externalLabels: { ...tg.external_labels }, externalURL: tg.external_url,
  };
  const errs: string[] = [];
  let curr = 0;
  for (let ts = 0; ts <= maxt; ts += ctx.evalInterval) {
    const evalErrs: string[] = [];
    let loaded = true;
    try {
      loader.appendTill(ts, storage);
    } catch (e) {
      // As promtool: a failed load skips this step's evaluation but not its alert checks.
      errs.push((e as Error).message);
      loaded = false;
    }
    for (const g of loaded ? groups : []) {
      g.eval(ts, ruleCtx);
      for (const r of g.rules) {
        if (r.lastError !== null) evalErrs.push(`    rule: ${r.name}, time: ${formatGoDuration(ts)}, err: ${r.lastError.message}`);
      }
    }
    if (evalErrs.length > 0) return [...errs, ...evalErrs];
    // Alert tests whose eval_time falls in [ts, ts + interval) are checked against this step.
    while (curr < alertTimes.length && ts <= alertTimes[curr]! && alertTimes[curr]! < ts + ctx.evalInterval) {
      errs.push(...checkAlerts(tg, groups, alertTests.get(alertTimes[curr]!)!));
      curr++;
    }
  }
  for (const tc of tg.promql_expr_test) {
    const err = checkExpr(tc.expr, tc.eval_time, tc.exp_samples, engine, storage, ctx);
    if (err !== null) errs.push(err);
  }
  return errs;
}

/** Compares the firing alerts of the named rules with the expected ones. */
function checkAlerts(tg: TestGroup, groups: readonly RuleGroup[], cases: readonly AlertTestCase[]): string[] {
  const names = new Set(cases.map((c) => c.alertname));
  // The same alert name may be used by several rules, in several groups: take them all.
  const got = new Map<string, AlertView[]>();
  for (const g of groups) {
    for (const r of g.alertingRules()) {
      if (!names.has(r.name)) continue;
      const firing = r.activeAlerts().filter((a) => a.state === 'firing').map((a) => ({ labels: a.labels, annotations: a.annotations }));
      got.set(r.name, [...(got.get(r.name) ?? []), ...firing]);
    }
  }
  const errs: string[] = [];
  for (const tc of cases) {
    const gotAlerts = [...(got.get(tc.alertname) ?? [])].sort(compareAlerts);
    const expAlerts = tc.exp_alerts
      .map((a) => ({ labels: labelsFromMap({ ...a.exp_labels, alertname: tc.alertname }), annotations: labelsFromMap(a.exp_annotations) }))
      .sort(compareAlerts);
    if (!alertsEqual(expAlerts, gotAlerts)) errs.push(alertFailure(tg.name, tc.alertname, tc.eval_time, expAlerts, gotAlerts));
  }
  return errs;
}

/** The instant-query result as samples: a vector, or a scalar as one unlabelled sample. */
function queryAsSamples(engine: QueryEngine, storage: TestStorage, text: string, t: number, compat: 2 | 3): SampleView[] {
  const value = engine.instantQuery(storage, parseExpr(text, { compat }), t);
  if (value.type === 'vector') return value.samples.map((s) => ({ labels: s.metric, value: s.v }));
  if (value.type === 'scalar') return [{ labels: [], value: value.v }];
  throw new Error('rule result is not a vector or scalar');
}

/** Runs one promql_expr_test; the failure text, or null if it passed. */
function checkExpr(
  expr: string, evalTime: number, expected: readonly { labels: string; value: number }[],
  engine: QueryEngine, storage: TestStorage, ctx: GroupRunContext,
): string | null {
  let got: SampleView[];
  try {
    got = queryAsSamples(engine, storage, expr, evalTime, ctx.compat);
  } catch (e) {
    return exprError(expr, evalTime, (e as Error).message);
  }
  const exp: SampleView[] = [];
  for (const s of expected) {
    try {
      exp.push({ labels: s.labels.trim() === '' ? [] : parseSeriesLabels(s.labels), value: s.value });
    } catch (e) {
      return exprError(expr, evalTime, `labels ${goQuote(s.labels)}: ${(e as Error).message}`);
    }
  }
  const byLabels = (a: SampleView, b: SampleView) => compareLabels(a.labels, b.labels);
  exp.sort(byLabels);
  got.sort(byLabels);
  return samplesEqual(exp, got, ctx.fuzzyCompare) ? null : exprFailure(expr, evalTime, exp, got);
}

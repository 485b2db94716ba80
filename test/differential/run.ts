/**
 * The differential fuzzer: generates random promtool unit-test files, asks promtool 2.42 for
 * every case's result (expectations left empty, its FAILED report parsed), runs Vigil with
 * --promql-compat=2 on the same files and reports every case where they disagree.
 *
 *   node dist/test/differential/run.js --seed N --cases M [--kind promql|alerts|both]
 *        [--per-file K] [--runs R] [--compat3] [--save DIR] [--keep DIR] [--show N]
 *
 * Cases whose promtool answer changes between runs (Go map order: float summation order,
 * tie breaking) are dropped. --save writes the files with promtool's answers as expectations
 * (cases Vigil still gets wrong left out and listed) and checks promtool passes them.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CapturedIO } from '../../src/cli/io.js';
import { runUnitTestFile } from '../../src/cli/unittest/runner.js';
import {
  generateAlertTest, generatePromqlTest, renderRules, renderTest,
  type AlertCase, type ExprCase, type GeneratedTest,
} from './generate.js';
import { labelRecord, parseFileReport, splitReport, type CaseResult, type FileResults } from './report_parse.js';

/** Command-line settings of one fuzzing run. */
export interface FuzzOptions {
  readonly seed: number;
  readonly cases: number;
  readonly kind: 'promql' | 'alerts' | 'both';
  readonly perFile: number;
  readonly promtool: string;
  readonly runs: number;
  readonly compat3: boolean;
  readonly save: string | null;
  readonly keep: string | null;
  readonly show: number;
  readonly showFloat: boolean;
}

/** One generated file on disk. */
interface FuzzFile {
  readonly seed: number;
  readonly test: GeneratedTest;
  readonly path: string;
}

/** A case where Vigil and promtool disagree. */
export interface Difference {
  readonly file: string;
  readonly key: string;
  readonly promtool: CaseResult;
  readonly vigil: CaseResult;
  /** 'float': same series, values within 1e-9 relatively (summation order). */
  readonly severity: 'float' | 'order' | 'real';
}

function parseArgs(argv: readonly string[]): FuzzOptions {
  const get = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const num = (name: string, dflt: number): number => {
    const v = get(name);
    if (v === undefined) return dflt;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new Error(`--${name}: not a non-negative integer: ${v}`);
    return n;
  };
  const kind = get('kind') ?? 'both';
  if (kind !== 'promql' && kind !== 'alerts' && kind !== 'both') throw new Error(`--kind: promql, alerts or both, not ${kind}`);
  return {
    seed: num('seed', 1), cases: num('cases', 200), kind, perFile: Math.max(1, num('per-file', 25)),
    promtool: get('promtool') ?? 'promtool', runs: Math.max(1, num('runs', 3)), compat3: argv.includes('--compat3'),
    save: get('save') ?? null, keep: get('keep') ?? null, show: num('show', 25),
    showFloat: argv.includes('--show-float'),
  };
}

/** The seed of file i of a run: distinct runs never share files. */
export function fileSeed(runSeed: number, i: number): number {
  return (Math.imul(runSeed, 0x9e3779b1) + i * 7919 + 1) >>> 0;
}

/** The report key of a promql case and of an alert case, as parseFileReport builds them. */
export const exprKey = (c: ExprCase): string => `expr ${JSON.stringify(c.expr)} @ ${c.evalTime}`;
export const alertKey = (c: AlertCase): string => `alert ${c.alertname} @ ${c.evalTime}`;

function generateFiles(o: FuzzOptions, dir: string): FuzzFile[] {
  const files: FuzzFile[] = [];
  let left = o.cases;
  for (let i = 0; left > 0; i++) {
    const seed = fileSeed(o.seed, i);
    const kind = o.kind === 'both' ? (i % 2 === 0 ? 'promql' : 'alerts') : o.kind;
    const test = kind === 'promql' ? generatePromqlTest(seed, Math.min(left, o.perFile)) : generateAlertTest(seed, Math.min(left, o.perFile));
    left -= kind === 'promql' ? test.exprCases.length : test.alertCases.length;
    const path = join(dir, `${kind}_${seed}.yml`);
    writeFile(test, path);
    files.push({ seed, test, path });
  }
  return files;
}

function writeFile(test: GeneratedTest, path: string): void {
  const rules = path.replace(/\.yml$/, '.rules.yml');
  writeFileSync(path, renderTest(test, rules.slice(rules.lastIndexOf('/') + 1)));
  if (test.kind === 'alerts') writeFileSync(rules, renderRules(test));
}

/** Runs promtool on the files (in batches), its report split per file. */
export function runPromtool(promtool: string, paths: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < paths.length; i += 40) {
    const batch = paths.slice(i, i + 40);
    // Both streams into one pipe keeps promtool's interleaving of file headers and failures.
    const r = spawnSync('sh', ['-c', '"$0" test rules "$@" 2>&1', promtool, ...batch], { encoding: 'utf8', maxBuffer: 1 << 28 });
    if (r.error) throw r.error;
    for (const [k, v] of splitReport(r.stdout)) out.set(k, v);
  }
  return out;
}

/** Runs Vigil in-process on one file; the report text. */
export function runVigil(path: string, compat: 2 | 3): string {
  const io = new CapturedIO();
  runUnitTestFile(path, { compat, run: null }, io);
  return splitReport(io.combined).get(path) ?? io.combined;
}

const EMPTY_SAMPLES: CaseResult = { kind: 'samples', samples: [] };
const EMPTY_ALERTS: CaseResult = { kind: 'alerts', alerts: [] };

function sameValue(a: number, b: number): boolean {
  return a === b || (Number.isNaN(a) && Number.isNaN(b));
}

/**
 * 'order' when the results differ only where promtool's series order is random (its loader
 * creates series in Go map order): which of two tied samples topk/bottomk keep, and the order
 * of the two series a many-to-many error names.
 */
export function orderOnly(expr: string, a: CaseResult, b: CaseResult): boolean {
  const text = (r: CaseResult): string | null => (r.kind === 'error' ? r.message : r.kind === 'other' ? r.text : null);
  const ta = text(a);
  const tb = text(b);
  if (ta !== null && tb !== null) {
    // Which duplicate is met first depends on the order: keep only what precedes the group.
    const norm = (m: string): string => m.replace(/found duplicate series for the match group .*$/s, 'found duplicate series');
    return ta.includes('found duplicate series') && norm(ta) === norm(tb);
  }
  if (a.kind === 'samples' && b.kind === 'samples' && /topk|bottomk/.test(expr)) {
    const values = (r: typeof a): string => JSON.stringify(r.samples.map((s) => s.value).sort());
    return values(a) === values(b);
  }
  return false;
}

/** 'same', 'float' (values within 1e-9 relatively) or 'real'. */
export function compareResults(a: CaseResult, b: CaseResult): 'same' | 'float' | 'real' {
  if (a.kind !== b.kind) return 'real';
  if (a.kind === 'samples' && b.kind === 'samples') {
    if (a.samples.length !== b.samples.length) return 'real';
    let verdict: 'same' | 'float' = 'same';
    for (let i = 0; i < a.samples.length; i++) {
      const x = a.samples[i]!;
      const y = b.samples[i]!;
      if (x.labels !== y.labels) return 'real';
      if (sameValue(x.value, y.value)) continue;
      if (!Number.isFinite(x.value) || !Number.isFinite(y.value)) return 'real';
      if (Math.abs(x.value - y.value) > 1e-9 * Math.max(Math.abs(x.value), Math.abs(y.value))) return 'real';
      verdict = 'float';
    }
    return verdict;
  }
  if (JSON.stringify(a) === JSON.stringify(b)) return 'same';
  // Alert texts that differ only in the last digits of a printed float are summation order.
  if (a.kind === 'alerts' && b.kind === 'alerts' && JSON.stringify(roundDigits(a)) === JSON.stringify(roundDigits(b))) return 'float';
  return 'real';
}

/** The value with every long decimal number in its strings cut to 12 significant digits. */
function roundDigits(r: CaseResult): unknown {
  return JSON.parse(JSON.stringify(r), (_k, v: unknown) =>
    typeof v === 'string' ? v.replace(/-?\d+\.\d{8,}(?:e[-+]?\d+)?/g, (m) => Number(m).toPrecision(12)) : v);
}

/** Keys of the cases a file holds, each with its empty result. */
function caseKeys(f: FuzzFile): Map<string, CaseResult> {
  const m = new Map<string, CaseResult>();
  for (const c of f.test.exprCases) m.set(exprKey(c), EMPTY_SAMPLES);
  for (const c of f.test.alertCases) m.set(alertKey(c), EMPTY_ALERTS);
  return m;
}

/** Per case, promtool's result if it was the same in every run, else undefined (unstable). */
function stableResults(f: FuzzFile, runs: readonly FileResults[]): Map<string, CaseResult | undefined> {
  const out = new Map<string, CaseResult | undefined>();
  for (const [key, empty] of caseKeys(f)) {
    const rs = runs.map((r) => r.get(key) ?? empty);
    out.set(key, rs.every((r) => JSON.stringify(r) === JSON.stringify(rs[0])) ? rs[0] : undefined);
  }
  // Anything else in the report (a file-level error) must be stable too, and is compared whole.
  for (const r of runs) for (const [k, v] of r) if (k.startsWith('other ')) out.set(k, v);
  return out;
}

function show(r: CaseResult): string {
  switch (r.kind) {
    case 'samples': return r.samples.length === 0 ? '(empty)' : r.samples.map((s) => `${s.labels} ${s.value}`).join('\n      ');
    case 'alerts': return r.alerts.length === 0 ? '(none firing)' : r.alerts.map((a) => `${a.labels} ${a.annotations}`).join('\n      ');
    case 'error': return `error: ${r.message}`;
    case 'other': return r.text;
  }
}

/** Fills a test's expectations with promtool's stable answers, leaving out the cases listed in `drop`. */
function withExpectations(f: FuzzFile, stable: Map<string, CaseResult | undefined>, drop: ReadonlySet<string>): GeneratedTest {
  const exprCases: ExprCase[] = [];
  for (const c of f.test.exprCases) {
    const r = stable.get(exprKey(c));
    if (r === undefined || r.kind !== 'samples' || drop.has(exprKey(c))) continue;
    // promtool never matches NaN to NaN, so such a case cannot be written down.
    if (r.samples.some((s) => Number.isNaN(s.value))) continue;
    exprCases.push({ ...c, exp: r.samples });
  }
  const alertCases: AlertCase[] = [];
  for (const c of f.test.alertCases) {
    const r = stable.get(alertKey(c));
    if (r === undefined || r.kind !== 'alerts' || drop.has(alertKey(c))) continue;
    alertCases.push({
      ...c,
      exp: r.alerts.map((a) => {
        const { alertname: _, ...labels } = labelRecord(a.labels);
        return { labels, annotations: labelRecord(a.annotations) };
      }),
    });
  }
  return { ...f.test, exprCases, alertCases };
}

/** Runs the whole fuzzing session; returns the differences found. */
export function fuzz(o: FuzzOptions, log: (s: string) => void): Difference[] {
  const dir = o.keep !== null ? resolve(o.keep) : mkdtempSync(join(tmpdir(), 'vigil-diff-'));
  mkdirSync(dir, { recursive: true });
  const started = Date.now();
  const files = generateFiles(o, dir);
  const paths = files.map((f) => f.path);
  const promRuns = Array.from({ length: o.runs }, () => runPromtool(o.promtool, paths));
  const diffs: Difference[] = [];
  let compared = 0;
  let unstable = 0;
  let nonEmpty = 0;
  let errors = 0;
  let crashes3 = 0;
  let compat3Compared = 0;
  const compat3Diffs: Difference[] = [];
  const toSave: { f: FuzzFile; stable: Map<string, CaseResult | undefined>; drop: Set<string> }[] = [];
  for (const f of files) {
    const runs = promRuns.map((r) => {
      const text = r.get(f.path);
      if (text === undefined) throw new Error(`promtool gave no report for ${f.path}`);
      return parseFileReport(text);
    });
    const stable = stableResults(f, runs);
    const vigil = parseFileReport(runVigil(f.path, 2));
    const drop = new Set<string>();
    const keys = new Set([...stable.keys(), ...[...vigil.keys()].filter((k) => k.startsWith('other '))]);
    for (const key of keys) {
      const p = stable.get(key);
      if (p === undefined && stable.has(key)) { unstable++; continue; }
      const empty = key.startsWith('alert ') ? EMPTY_ALERTS : EMPTY_SAMPLES;
      const pr = p ?? empty;
      const vr = vigil.get(key) ?? empty;
      compared++;
      if (pr.kind === 'error' || pr.kind === 'other') errors++;
      else if (JSON.stringify(pr) !== JSON.stringify(empty)) nonEmpty++;
      let verdict: Difference['severity'] | 'same' = compareResults(pr, vr);
      if (verdict === 'real' && orderOnly(key, pr, vr)) verdict = 'order';
      if (verdict !== 'same') {
        diffs.push({ file: f.path, key, promtool: pr, vigil: vr, severity: verdict });
        drop.add(key);
      }
    }
    if (o.compat3) {
      const text3 = runVigil(f.path, 3);
      if (text3.includes('internal error')) {
        crashes3++;
        log(`compat 3 crash in ${f.path}:\n${text3}`);
      }
      if (f.test.boundaryFree) {
        const v3 = parseFileReport(text3);
        for (const [key, p] of stable) {
          if (p === undefined || key.startsWith('other ')) continue;
          compat3Compared++;
          const vr = v3.get(key) ?? (key.startsWith('alert ') ? EMPTY_ALERTS : EMPTY_SAMPLES);
          const verdict = compareResults(p, vr);
          if (verdict !== 'same') compat3Diffs.push({ file: f.path, key, promtool: p, vigil: vr, severity: verdict });
        }
      }
    }
    toSave.push({ f, stable, drop });
  }
  const real = diffs.filter((d) => d.severity === 'real');
  const floats = o.showFloat ? diffs.filter((d) => d.severity !== 'real') : [];
  for (const d of [...real, ...floats].slice(0, o.show)) {
    log(`${d.severity.toUpperCase()} DIFF ${d.file}\n  ${d.key}\n    promtool: ${show(d.promtool)}\n    vigil:    ${show(d.vigil)}`);
  }
  if (o.compat3) {
    for (const d of compat3Diffs.filter((x) => x.severity === 'real').slice(0, Math.min(10, o.show))) {
      log(`COMPAT3 DIFF ${d.file}\n  ${d.key}\n    promtool 2.42: ${show(d.promtool)}\n    vigil (3):     ${show(d.vigil)}`);
    }
  }
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  log(`${files.length} files, ${compared} cases compared (${nonEmpty} with a non-empty result, ${errors} errors; ` +
    `${unstable} unstable in promtool, dropped) in ${secs}s: ` +
    `${real.length} real differences, ${diffs.filter((d) => d.severity === 'float').length} float-rounding and ` +
    `${diffs.filter((d) => d.severity === 'order').length} series-order differences`);
  if (o.compat3) {
    log(`compat 3: ${crashes3} crashes; ${compat3Compared} boundary-free cases compared, ` +
      `${compat3Diffs.filter((d) => d.severity === 'real').length} real differences`);
  }
  if (o.save !== null) save(o, toSave, log);
  if (o.keep === null) rmSync(dir, { recursive: true, force: true });
  else log(`files kept in ${dir}`);
  return diffs;
}

function save(o: FuzzOptions, items: { f: FuzzFile; stable: Map<string, CaseResult | undefined>; drop: Set<string> }[], log: (s: string) => void): void {
  const dir = resolve(o.save!);
  mkdirSync(dir, { recursive: true });
  const written = new Map<string, { f: FuzzFile; stable: Map<string, CaseResult | undefined>; drop: Set<string> }>();
  for (const item of items) {
    for (const k of item.drop) log(`not saved (Vigil differs): ${item.f.path} ${k}`);
    written.set(join(dir, `${item.f.test.kind}_${item.f.seed}.yml`), item);
  }
  // promtool must pass every saved file, again and again: a case it fails on any of a few runs
  // depends on its random series order and is left out.
  for (let round = 0; round < 4; round++) {
    let cases = 0;
    for (const [path, { f, stable, drop }] of written) {
      const t = withExpectations(f, stable, drop);
      if (t.exprCases.length + t.alertCases.length === 0) {
        written.delete(path);
        continue;
      }
      writeFile(t, path);
      cases += t.exprCases.length + t.alertCases.length;
    }
    let failed = 0;
    for (let run = 0; run < 3; run++) {
      const report = runPromtool(o.promtool, [...written.keys()]);
      for (const [path, item] of written) {
        for (const key of parseFileReport(report.get(path) ?? '').keys()) {
          item.drop.add(key);
          failed++;
        }
      }
    }
    if (failed === 0) {
      log(`saved ${cases} cases in ${written.size} files to ${dir}; promtool passes all of them`);
      return;
    }
    log(`promtool failed ${failed} saved cases; leaving them out`);
  }
  log('saved files still fail promtool; see above');
}

function main(): void {
  let o: FuzzOptions;
  try {
    o = parseArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exit(2);
  }
  if (!existsSync(o.promtool) && spawnSync('sh', ['-c', `command -v ${o.promtool}`]).status !== 0) {
    process.stderr.write(`promtool not found (${o.promtool}); install Debian's prometheus package\n`);
    process.exit(2);
  }
  const diffs = fuzz(o, (s) => process.stdout.write(`${s}\n`));
  process.exit(diffs.some((d) => d.severity === 'real') ? 1 : 0);
}

// node --test runs every file under dist/test; only a direct invocation fuzzes.
if (process.env['NODE_TEST_CONTEXT'] === undefined && process.argv[1] !== undefined && /run\.js$/.test(process.argv[1])) main();

/**
 * Loading and validating Prometheus rule files, as rulefmt.Parse + Validate and
 * `promtool check rules` do, except that every error is reported at once, each with
 * the file:line:col of the node at fault.
 */
import { readFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { LineCounter, parseAllDocuments } from 'yaml';
import type { ZodIssue } from 'zod';
import { parseExpr } from '../promql/parser.js';
import { goQuote } from '../util/go_quote.js';
import { ruleFileSchema, ruleSchema, type RuleFile, type RuleSpec } from './schema.js';
import { NodeLocator, toPlain, type Plain } from './yamlnodes.js';
import { checkAlertTemplate } from './templates.js';

export type { RuleFile, RuleGroupSpec, RuleSpec } from './schema.js';

/** One problem found in a rule file. */
export interface RuleFileError {
  readonly file: string;
  readonly line: number;
  readonly col: number;
  /** Group name, when the error is inside a group. */
  readonly group: string | null;
  /** 1-based rule index in its group, when the error is about a rule. */
  readonly rule: number | null;
  readonly ruleName: string | null;
  readonly message: string;
  /** `FILE:LINE:COL: group "g", rule 3, "Name": message`. */
  readonly text: string;
}

/** Options for parsing rule files. */
export interface RuleFileOptions {
  /** Prometheus major version to mimic: 2 (legacy names) or 3 (UTF-8 names). Default 3. */
  compat?: 2 | 3;
}

const LEGACY_LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const LEGACY_METRIC = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** True if `s` is a valid label value (valid UTF-8). */
export function isValidLabelValue(s: string): boolean {
  return !LONE_SURROGATE.test(s);
}

/** True if `s` is a valid label name under the compat's validation scheme. */
export function isValidLabelName(s: string, compat: 2 | 3 = 3): boolean {
  return compat === 2 ? LEGACY_LABEL.test(s) : s !== '' && isValidLabelValue(s);
}

/** True if `s` is a valid metric name under the compat's validation scheme. */
export function isValidMetricName(s: string, compat: 2 | 3 = 3): boolean {
  return compat === 2 ? LEGACY_METRIC.test(s) : s !== '' && isValidLabelValue(s);
}

type Path = readonly (string | number)[];

/** Collects errors with their context; context comes from the raw data by path. */
class ErrorSink {
  readonly errors: RuleFileError[] = [];
  constructor(
    private readonly file: string,
    private readonly locator: NodeLocator | null,
    private readonly raw: Plain,
  ) {}

  private ctxOf(path: Path): { group: string | null; rule: number | null; ruleName: string | null } {
    if (path[0] !== 'groups' || typeof path[1] !== 'number') return { group: null, rule: null, ruleName: null };
    const g = index(field(this.raw, 'groups'), path[1]);
    const name = field(g, 'name');
    const group = typeof name === 'string' ? name : '';
    if (path[2] !== 'rules' || typeof path[3] !== 'number') return { group, rule: null, ruleName: null };
    const r = index(field(g, 'rules'), path[3]);
    const alert = field(r, 'alert');
    const record = field(r, 'record');
    const ruleName = typeof alert === 'string' && alert !== '' ? alert : typeof record === 'string' ? record : '';
    return { group, rule: path[3] + 1, ruleName };
  }

  /** Adds an error at `path` (or the key `key` of the map at `path`). `bare` omits group context. */
  add(path: Path, message: string, opts: { key?: string; bare?: boolean } = {}): void {
    const at = this.locator ? this.locator.locate(path, opts.key) : { line: 1, col: 1 };
    const ctx = opts.bare ? { group: null, rule: null, ruleName: null } : this.ctxOf(path);
    let prefix = '';
    if (ctx.rule !== null) prefix = `group ${goQuote(ctx.group ?? '')}, rule ${ctx.rule}, ${goQuote(ctx.ruleName ?? '')}: `;
    else if (ctx.group !== null) prefix = `group ${goQuote(ctx.group)}: `;
    this.errors.push({
      file: this.file,
      line: at.line,
      col: at.col,
      group: ctx.group,
      rule: ctx.rule,
      ruleName: ctx.ruleName,
      message,
      text: `${this.file}:${at.line}:${at.col}: ${prefix}${message}`,
    });
  }
}

function field(p: Plain | undefined, k: string): Plain | undefined {
  if (p === null || p === undefined || typeof p !== 'object' || Array.isArray(p)) return undefined;
  return p[k];
}

function index(p: Plain | undefined, i: number): Plain | undefined {
  return Array.isArray(p) ? p[i] : undefined;
}

const TYPE_NAMES: Record<string, string> = {
  object: 'a map', array: 'a list', string: 'a string', null: 'null', undefined: 'nothing',
};

function describeIssue(issue: ZodIssue): string {
  const last = issue.path[issue.path.length - 1];
  const what = typeof last === 'string' ? `field ${last}: ` : '';
  switch (issue.code) {
    case 'invalid_type':
      return `${what}expected ${TYPE_NAMES[issue.expected] ?? issue.expected}, got ${TYPE_NAMES[issue.received] ?? issue.received}`;
    case 'custom':
      return issue.message;
    default:
      return `${what}${issue.message}`;
  }
}

function containerName(path: Path): string {
  if (path.length === 0) return 'rule file';
  if (path.length === 2) return 'rule group';
  return 'rule';
}

/** Reports zod issues at their nodes. */
function reportIssues(sink: ErrorSink, issues: readonly ZodIssue[]): void {
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        sink.add(issue.path, `field ${key} not found in ${containerName(issue.path)}`, { key });
      }
    } else {
      sink.add(issue.path, describeIssue(issue));
    }
  }
}

function checkLabelMap(sink: ErrorSink, path: Path, labels: Record<string, string>, compat: 2 | 3): void {
  for (const [k, v] of Object.entries(labels)) {
    if (!isValidLabelName(k, compat) || k === '__name__') sink.add(path, `invalid label name: ${k}`, { key: k });
    if (!isValidLabelValue(v)) sink.add([...path, k], `invalid label value: ${v}`);
  }
}

/** The checks of rulefmt's Rule.Validate, plus template parsing for alerting rules. */
function validateRule(sink: ErrorSink, path: Path, r: RuleSpec, compat: 2 | 3): void {
  if (r.record !== '' && r.alert !== '') {
    sink.add([...path, 'alert'], "only one of 'record' and 'alert' must be set");
  }
  if (r.record === '' && r.alert === '') {
    sink.add(path, "one of 'record' or 'alert' must be set");
  }
  if (r.expr === '') {
    sink.add([...path, 'expr'], "field 'expr' must be set in rule");
  } else {
    try {
      parseExpr(r.expr, { compat });
    } catch (e) {
      sink.add([...path, 'expr'], `could not parse expression: ${(e as Error).message}`);
    }
  }
  if (r.record !== '') {
    if (Object.keys(r.annotations).length > 0) {
      sink.add(path, "invalid field 'annotations' in recording rule", { key: 'annotations' });
    }
    if (r.for !== 0) sink.add(path, "invalid field 'for' in recording rule", { key: 'for' });
    if (r.keep_firing_for !== 0) {
      sink.add(path, "invalid field 'keep_firing_for' in recording rule", { key: 'keep_firing_for' });
    }
    if (!isValidMetricName(r.record, compat)) sink.add([...path, 'record'], `invalid recording rule name: ${r.record}`);
    if (compat === 3 && (r.record.includes('{') || r.record.includes('}'))) {
      sink.add([...path, 'record'], `braces present in the recording rule name; should it be in expr?: ${r.record}`);
    }
  }
  checkLabelMap(sink, [...path, 'labels'], r.labels, compat);
  for (const k of Object.keys(r.annotations)) {
    if (!isValidLabelName(k, compat)) sink.add([...path, 'annotations'], `invalid annotation name: ${k}`, { key: k });
  }
  if (r.alert !== '') {
    for (const [kind, map] of [['label', r.labels], ['annotation', r.annotations]] as const) {
      for (const [k, text] of Object.entries(map)) {
        const err = checkAlertTemplate(r.alert, text);
        if (err !== null) sink.add([...path, `${kind}s`, k], `${kind} ${goQuote(k)}: ${err}`);
      }
    }
  }
}

/** Group-level checks of rulefmt's RuleGroups.Validate, then each rule's. */
function validateGroups(sink: ErrorSink, raw: Plain, compat: 2 | 3): void {
  const groups = field(raw, 'groups');
  if (!Array.isArray(groups)) return;
  const seen = new Set<string>();
  groups.forEach((g, i) => {
    const path: Path = ['groups', i];
    const name = field(g, 'name');
    if (typeof name === 'string' || name === null || name === undefined) {
      const n = name ?? '';
      if (n === '') sink.add(path, 'Groupname must not be empty', { bare: true });
      if (seen.has(n)) sink.add(path, `groupname: ${goQuote(n)} is repeated in the same file`, { bare: true });
      seen.add(n);
    }
    const labels = field(g, 'labels');
    if (labels !== null && typeof labels === 'object' && !Array.isArray(labels)) {
      const strs: Record<string, string> = {};
      for (const [k, v] of Object.entries(labels)) strs[k] = typeof v === 'string' ? v : '';
      checkLabelMap(sink, [...path, 'labels'], strs, compat);
    }
    const rules = field(g, 'rules');
    if (!Array.isArray(rules)) return;
    rules.forEach((r, j) => {
      // Rules with structural errors are still checked, so one run shows everything.
      const parsed = ruleSchema.safeParse(r);
      if (parsed.success) validateRule(sink, [...path, 'rules', j], parsed.data, compat);
    });
  });
}

/** Parses and validates one rule file's text. `file` is null if there is any error. */
export function parseRuleFile(
  text: string,
  filename: string,
  opts: RuleFileOptions = {},
): { file: RuleFile | null; errors: RuleFileError[] } {
  const compat = opts.compat ?? 3;
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  // Go's decoder reads only the first document; an empty stream is an empty file.
  const doc = Array.isArray(docs) ? docs[0] : undefined;
  if (doc === undefined) return { file: { groups: [] }, errors: [] };
  if (doc.errors.length > 0) {
    const errors = doc.errors.map((e): RuleFileError => {
      const p = lines.linePos(e.pos[0]);
      const msg = `yaml: ${e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`;
      return {
        file: filename, line: p.line, col: p.col, group: null, rule: null, ruleName: null,
        message: msg, text: `${filename}:${p.line}:${p.col}: ${msg}`,
      };
    });
    return { file: null, errors };
  }
  const raw = toPlain(doc, doc.contents);
  const sink = new ErrorSink(filename, new NodeLocator(doc, lines), raw);
  const parsed = ruleFileSchema.safeParse(raw ?? {});
  if (!parsed.success) reportIssues(sink, parsed.error.issues);
  validateGroups(sink, raw, compat);
  const errors = sink.errors
    .map((e, i) => ({ e, i }))
    .sort((a, b) => a.e.line - b.e.line || a.e.col - b.e.col || a.i - b.i)
    .map((x) => x.e);
  return { file: errors.length === 0 && parsed.success ? parsed.data : null, errors };
}

function readError(path: string, e: unknown): RuleFileError {
  const msg = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (e as Error).message;
  return { file: path, line: 0, col: 0, group: null, rule: null, ruleName: null, message: msg, text: `${path}: ${msg}` };
}

/** A rule file that loaded cleanly. */
export interface LoadedRuleFile {
  readonly path: string;
  readonly file: RuleFile;
}

/** Reads and validates rule files; the result holds the clean files and all errors of the rest. */
export async function loadRuleFiles(
  paths: readonly string[],
  opts: RuleFileOptions = {},
): Promise<{ files: LoadedRuleFile[]; errors: RuleFileError[] }> {
  const files: LoadedRuleFile[] = [];
  const errors: RuleFileError[] = [];
  for (const path of paths) {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (e) {
      errors.push(readError(path, e));
      continue;
    }
    const res = parseRuleFile(text, path, opts);
    if (res.file !== null) files.push({ path, file: res.file });
    errors.push(...res.errors);
  }
  return { files, errors };
}

/** One duplicate found by promtool's duplicate-rules lint: same name and labels. */
export interface DuplicateRule {
  readonly metric: string;
  readonly labels: readonly { name: string; value: string }[];
}

/** promtool's `--lint=duplicate-rules`: rules sharing name and labels across the file's groups. */
export function findDuplicateRules(file: RuleFile): DuplicateRule[] {
  const keyed = file.groups.flatMap((g) =>
    g.rules.map((r) => {
      const labels = Object.entries(r.labels)
        .filter(([, v]) => v !== '')
        .map(([name, value]) => ({ name, value }))
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      const metric = r.alert !== '' ? r.alert : r.record;
      return { metric, labels, key: `${metric}\xff${labels.map((l) => `${l.name}\xfe${l.value}`).join('\xff')}` };
    }),
  );
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const out: DuplicateRule[] = [];
  for (let i = 1; i < keyed.length; i++) {
    if (keyed[i]!.key === keyed[i - 1]!.key && (i < 2 || keyed[i - 2]!.key !== keyed[i]!.key)) {
      out.push({ metric: keyed[i]!.metric, labels: keyed[i]!.labels });
    }
  }
  return out;
}

/** The result of checking one file, for `vigil check rules`. */
export interface RuleFileCheck {
  readonly path: string;
  /** Number of rules, 0 when the file has errors. */
  readonly ruleCount: number;
  readonly errors: RuleFileError[];
  /** Lint warnings (duplicate rules) in promtool's words; they do not fail the check. */
  readonly warnings: string[];
}

/** promtool's duplicate-rules lint message. */
export function formatDuplicateRules(dups: readonly DuplicateRule[]): string {
  let msg = `${dups.length} duplicate rule(s) found.\n`;
  for (const d of dups) {
    msg += `Metric: ${d.metric}\nLabel(s):\n`;
    for (const l of d.labels) msg += `\t${l.name}: ${l.value}\n`;
  }
  return msg + 'Might cause inconsistency while recording expressions';
}

/** Checks rule files as `promtool check rules` does (synchronously, for the CLI). */
export function checkRuleFiles(paths: readonly string[], opts: RuleFileOptions = {}): RuleFileCheck[] {
  return paths.map((path) => {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      return { path, ruleCount: 0, errors: [readError(path, e)], warnings: [] };
    }
    const res = parseRuleFile(text, path, opts);
    if (res.file === null) return { path, ruleCount: 0, errors: res.errors, warnings: [] };
    const ruleCount = res.file.groups.reduce((n, g) => n + g.rules.length, 0);
    const dups = findDuplicateRules(res.file);
    return { path, ruleCount, errors: [], warnings: dups.length > 0 ? [formatDuplicateRules(dups)] : [] };
  });
}

/**
 * promtool's report for checked files: `Checking F` and `  SUCCESS: N rules found` on
 * stdout, `  FAILED:` and the errors on stderr; `text` is both in write order.
 * `failed` is set by errors only: lint findings alone do not fail (no --lint-fatal).
 */
export function formatCheckReport(checks: readonly RuleFileCheck[]): {
  text: string;
  stdout: string;
  stderr: string;
  failed: boolean;
} {
  let text = '';
  let stdout = '';
  let stderr = '';
  let failed = false;
  const out = (s: string): void => {
    text += s;
    stdout += s;
  };
  const err = (s: string): void => {
    text += s;
    stderr += s;
  };
  for (const c of checks) {
    out(`Checking ${c.path}\n`);
    if (c.errors.length > 0) {
      failed = true;
      err('  FAILED:\n');
      for (const e of c.errors) err(`${e.text}\n`);
    } else if (c.warnings.length > 0) {
      err('  FAILED:\n');
      for (const w of c.warnings) err(`lint error ${w}\n`);
    } else {
      out(`  SUCCESS: ${c.ruleCount} rules found\n`);
    }
    out('\n');
  }
  return { text, stdout, stderr, failed };
}

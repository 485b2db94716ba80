/**
 * A runner for Prometheus's promqltest script language:
 *
 *   load <step>                      then indented `series values` lines
 *   clear
 *   eval instant at <time> <expr>    then expected `{labels} value` lines (or a scalar)
 *   eval_ordered instant at ...      the result order must match too
 *   eval_fail instant at ...         evaluation (or parsing) must fail; an optional
 *                                    `expected_fail_message <text>` / `expected_fail_regexp <re>` follows
 *   eval range from <t> to <t> step <d> <expr>   then `{labels} v1 v2 ...` lines
 *
 * Newer `expect fail|ordered|warn|info` lines are accepted. A `# compat: 2` comment line
 * switches the file to Prometheus 2.x semantics; `# exact` demands bit-exact values;
 * `# experimental` enables the experimental functions.
 */
import { Engine } from '../../src/promql/engine.js';
import { parseDuration } from '../../src/promql/duration.js';
import { labelsKey, labelsToString, type Labels } from '../../src/promql/labels.js';
import { parseExpr } from '../../src/promql/parser.js';
import { parseSeriesDesc, parseSeriesLabels, parseSeriesValues } from '../../src/promql/series_desc.js';
import type { Sample, Value } from '../../src/promql/value.js';
import { MemoryStorage } from '../../src/window/memory.js';

/** One failed expectation: where and why. */
export interface ScriptFailure {
  readonly line: number;
  readonly message: string;
}

interface Expected {
  labels: Labels | null;
  values: (number | null)[];
  line: number;
}

/** Relative tolerance of value comparisons, as promqltest's almost.Equal. */
const EPSILON = 1e-6;

let exact = false;

function almostEqual(a: number, b: number): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  if (a === b) return true;
  if (exact) return false;
  const diff = Math.abs(a - b);
  const minNormal = 2.2250738585072014e-308;
  if (a === 0 || b === 0 || Math.abs(a) + Math.abs(b) < minNormal) return diff < EPSILON * minNormal;
  return diff / Math.min(Math.abs(a) + Math.abs(b), Number.MAX_VALUE) < EPSILON;
}

function parseNumber(s: string): number {
  if (s === 'NaN') return NaN;
  if (s === 'Inf' || s === '+Inf') return Infinity;
  if (s === '-Inf') return -Infinity;
  const v = Number(s);
  if (Number.isNaN(v)) throw new Error(`bad number ${JSON.stringify(s)}`);
  return v;
}

/** Splits `metric{a="b"} rest` into the series part and the rest. */
function splitSeriesLine(line: string): [string, string] {
  const s = line.trim();
  const brace = s.indexOf('{');
  const space = s.search(/\s/);
  if (brace >= 0 && (space < 0 || brace < space)) {
    let inQuote = false;
    for (let i = brace; i < s.length; i++) {
      const c = s[i];
      if (inQuote && c === '\\') { i++; continue; }
      if (c === '"') inQuote = !inQuote;
      if (!inQuote && c === '}') return [s.slice(0, i + 1), s.slice(i + 1).trim()];
    }
    throw new Error(`unterminated labels in ${JSON.stringify(line)}`);
  }
  if (space < 0) return [s, ''];
  return [s.slice(0, space), s.slice(space).trim()];
}

function formatSample(metric: Labels, v: number): string {
  return `${labelsToString(metric)} ${v}`;
}

/** Runs a script; returns the failures (empty when every expectation holds). */
export function runScript(text: string): ScriptFailure[] {
  const lines = text.split('\n');
  const failures: ScriptFailure[] = [];
  const compat: 2 | 3 = lines.some((l) => /^#\s*compat:\s*2\s*$/.test(l)) ? 2 : 3;
  // `# exact`: values must match bit for bit (files whose expectations came from promtool).
  exact = lines.some((l) => /^#\s*exact\s*$/.test(l));
  // `# experimental`: enable Prometheus's promql-experimental-functions.
  const experimentalFunctions = lines.some((l) => /^#\s*experimental\s*$/.test(l));
  const engine = new Engine({ compat });
  let storage = new MemoryStorage();
  let i = 0;
  const fail = (line: number, message: string): void => { failures.push({ line: line + 1, message }); };
  const body = (): { text: string; line: number }[] => {
    const out: { text: string; line: number }[] = [];
    while (i + 1 < lines.length && /^\s+\S/.test(lines[i + 1]!) && !/^\s*#/.test(lines[i + 1]!)) {
      i++;
      out.push({ text: lines[i]!.trim(), line: i });
    }
    return out;
  };
  for (; i < lines.length; i++) {
    const raw = lines[i]!;
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const start = i;
    try {
      if (line === 'clear') {
        storage = new MemoryStorage();
        continue;
      }
      const load = /^load\s+(\S+)$/.exec(line);
      if (load) {
        const step = parseDuration(load[1]!);
        for (const b of body()) {
          const [series, values] = splitSeriesLine(b.text);
          const desc = parseSeriesDesc(series, values);
          desc.values.forEach((val, k) => {
            if (val.kind === 'value') storage.append(desc.labels, k * step, val.v);
            else if (val.kind === 'stale') storage.appendStale(desc.labels, k * step);
          });
        }
        continue;
      }
      const ev = /^(eval|eval_fail|eval_ordered)\s+(instant\s+at\s+(\S+)|range\s+from\s+(\S+)\s+to\s+(\S+)\s+step\s+(\S+))\s+(.+)$/.exec(line);
      if (!ev) throw new Error(`unknown command: ${line}`);
      let expectFail = ev[1] === 'eval_fail';
      let ordered = ev[1] === 'eval_ordered';
      let failMessage: string | null = null;
      let failRegexp: RegExp | null = null;
      const expected: Expected[] = [];
      for (const b of body()) {
        let m: RegExpExecArray | null;
        if ((m = /^expected_fail_message\s+(.*)$/.exec(b.text))) { failMessage = m[1]!; continue; }
        if ((m = /^expected_fail_regexp\s+(.*)$/.exec(b.text))) { failRegexp = new RegExp(m[1]!); continue; }
        if ((m = /^expect\s+(\w+)(?:\s+(msg|regex):\s*(.*))?$/.exec(b.text))) {
          if (m[1] === 'fail') {
            expectFail = true;
            if (m[2] === 'msg') failMessage = m[3]!;
            if (m[2] === 'regex') failRegexp = new RegExp(m[3]!);
          } else if (m[1] === 'ordered') ordered = true;
          continue;
        }
        if (/^[-+0-9.]|^NaN$|^[-+]?Inf$/.test(b.text) && !b.text.includes('{')) {
          expected.push({ labels: null, values: [parseNumber(b.text)], line: b.line });
          continue;
        }
        const [series, values] = splitSeriesLine(b.text);
        const labels = series === '{}' ? [] : parseSeriesLabels(series);
        const vals = ev[4] !== undefined || /\s/.test(values)
          ? parseSeriesValues(values).map((x) => (x.kind === 'value' ? x.v : null))
          : [parseNumber(values)];
        expected.push({ labels, values: vals, line: b.line });
      }
      let result: Value;
      try {
        const expr = parseExpr(ev[7]!, { compat, experimentalFunctions });
        if (ev[3] !== undefined) {
          result = engine.instantQuery(storage, expr, parseDuration(ev[3]));
        } else {
          result = engine.rangeQuery(storage, expr, parseDuration(ev[4]!), parseDuration(ev[5]!), parseDuration(ev[6]!));
        }
      } catch (e) {
        const msg = (e as Error).message;
        if (!expectFail) fail(start, `unexpected error: ${msg}`);
        else if (failMessage !== null && msg !== failMessage) fail(start, `expected error ${JSON.stringify(failMessage)}, got ${JSON.stringify(msg)}`);
        else if (failRegexp !== null && !failRegexp.test(msg)) fail(start, `expected error matching ${failRegexp}, got ${JSON.stringify(msg)}`);
        continue;
      }
      if (expectFail) {
        fail(start, `expected an error from ${ev[7]}`);
        continue;
      }
      checkResult(result, expected, ordered, ev[4] !== undefined ? parseDuration(ev[4]) : 0,
        ev[6] !== undefined ? parseDuration(ev[6]) : 0, (m) => fail(start, `${ev[7]}: ${m}`));
    } catch (e) {
      fail(start, `bad script line: ${(e as Error).message}`);
    }
  }
  return failures;
}

function checkResult(result: Value, expected: Expected[], ordered: boolean, rangeStart: number, step: number, fail: (m: string) => void): void {
  if (result.type === 'scalar' || result.type === 'string') {
    if (expected.length !== 1 || expected[0]!.labels !== null) {
      fail(`got scalar ${result.v}, expected ${expected.length} series`);
      return;
    }
    if (result.type === 'string' || !almostEqual(result.v, expected[0]!.values[0]!)) fail(`expected ${expected[0]!.values[0]}, got ${result.v}`);
    return;
  }
  if (result.type === 'vector') {
    const got = new Map<string, { s: Sample; idx: number }>();
    result.samples.forEach((s, idx) => got.set(labelsKey(s.metric), { s, idx }));
    if (got.size !== expected.length) {
      fail(`expected ${expected.length} samples, got ${result.samples.length}: ${result.samples.map((s) => formatSample(s.metric, s.v)).join(', ')}`);
      return;
    }
    expected.forEach((exp, k) => {
      const g = exp.labels === null ? undefined : got.get(labelsKey(exp.labels));
      if (g === undefined) {
        fail(`expected series ${exp.labels ? labelsToString(exp.labels) : '<scalar>'} not in result: ${result.samples.map((s) => formatSample(s.metric, s.v)).join(', ')}`);
        return;
      }
      if (!almostEqual(g.s.v, exp.values[0]!)) fail(`${labelsToString(exp.labels!)}: expected ${exp.values[0]}, got ${g.s.v}`);
      if (ordered && g.idx !== k) fail(`${labelsToString(exp.labels!)}: expected at position ${k}, got ${g.idx}`);
    });
    return;
  }
  const got = new Map(result.series.map((s) => [labelsKey(s.metric), s]));
  if (got.size !== expected.length) {
    fail(`expected ${expected.length} series, got ${result.series.length}: ${result.series.map((s) => labelsToString(s.metric)).join(', ')}`);
    return;
  }
  for (const exp of expected) {
    const s = exp.labels === null ? undefined : got.get(labelsKey(exp.labels));
    if (s === undefined) {
      fail(`expected series ${exp.labels ? labelsToString(exp.labels) : '{}'} not in result`);
      continue;
    }
    const want: [number, number][] = [];
    exp.values.forEach((v, k) => { if (v !== null) want.push([rangeStart + k * step, v]); });
    // An instant query's range-vector result is compared by values only.
    const ok = want.length === s.t.length && want.every(([t, v], k) => (step === 0 || s.t[k] === t) && almostEqual(s.v[k]!, v));
    if (!ok) {
      fail(`${labelsToString(exp.labels!)}: expected ${want.map(([t, v]) => `${v}@${t}`).join(' ')}, got ${s.t.map((t, k) => `${s.v[k]}@${t}`).join(' ')}`);
    }
  }
}

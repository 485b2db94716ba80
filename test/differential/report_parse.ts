/**
 * Reads promtool's (and Vigil's) `test rules` report back into per-case results: the `got:`
 * of each failed promql_expr_test and alert_rule_test, or its error. A file written with
 * empty expectations thus yields the tool's answer for every case whose answer is not empty.
 */

/** The result of one case, as the report shows it. */
export type CaseResult =
  | { readonly kind: 'samples'; readonly samples: readonly { labels: string; value: number }[] }
  | { readonly kind: 'alerts'; readonly alerts: readonly { labels: string; annotations: string }[] }
  | { readonly kind: 'error'; readonly message: string }
  | { readonly kind: 'other'; readonly text: string };

/** Results of one file's report, keyed `expr <quoted expr> @ <time>`, `alert <name> @ <time>` or `other <n>`. */
export type FileResults = Map<string, CaseResult>;

/** Splits a multi-file report (stdout and stderr merged in order) into each file's text, by file name. */
export function splitReport(text: string): Map<string, string> {
  const out = new Map<string, string>();
  const re = /^Unit Testing: {2}(.*)$/gm;
  const starts: { name: string; at: number; body: number }[] = [];
  for (let m = re.exec(text); m !== null; m = re.exec(text)) starts.push({ name: m[1]!, at: m.index, body: m.index + m[0].length + 1 });
  starts.forEach((s, i) => out.set(s.name, text.slice(s.body, i + 1 < starts.length ? starts[i + 1]!.at : text.length)));
  return out;
}

/** Reads a Go-quoted string starting at s[i] (a `"`); returns its value and the index after it. */
export function readGoQuoted(s: string, i: number): { value: string; end: number } {
  if (s[i] !== '"') throw new Error(`expected '"' at ${i} in ${s}`);
  let out = '';
  let j = i + 1;
  const simple: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', '"': '"', "'": "'" };
  while (j < s.length && s[j] !== '"') {
    if (s[j] !== '\\') { out += s[j]; j++; continue; }
    const c = s[j + 1]!;
    if (c in simple) { out += simple[c]; j += 2; continue; }
    const width = c === 'x' ? 2 : c === 'u' ? 4 : c === 'U' ? 8 : 0;
    if (width > 0) { out += String.fromCodePoint(parseInt(s.slice(j + 2, j + 2 + width), 16)); j += 2 + width; continue; }
    out += String.fromCharCode(parseInt(s.slice(j + 1, j + 4), 8));
    j += 4;
  }
  return { value: out, end: j + 1 };
}

/** Parses `{a="b", c="d"}` at s[i]; returns the pairs, and the index after the `}`. */
export function readLabelSet(s: string, i: number): { labels: [string, string][]; end: number } {
  if (s[i] !== '{') throw new Error(`expected '{' at ${i} in ${s}`);
  const labels: [string, string][] = [];
  let j = i + 1;
  while (s[j] !== '}') {
    const eq = s.indexOf('=', j);
    const name = s.slice(j, eq);
    const q = readGoQuoted(s, eq + 1);
    labels.push([name, q.value]);
    j = q.end;
    if (s.startsWith(', ', j)) j += 2;
  }
  return { labels, end: j + 1 };
}

/** A value as Go's strconv.FormatFloat(v, 'E', -1, 64) wrote it. */
function parseGoFloat(s: string): number {
  if (s === '+Inf') return Infinity;
  if (s === '-Inf') return -Infinity;
  if (s === 'NaN') return NaN;
  const v = Number(s);
  if (Number.isNaN(v)) throw new Error(`bad float ${JSON.stringify(s)}`);
  return v;
}

/** Parses `{..} 1E+00, {..} 2E+00` (or `nil`). */
function parseSamples(s: string): { labels: string; value: number }[] {
  if (s === 'nil') return [];
  const out: { labels: string; value: number }[] = [];
  let i = 0;
  while (i < s.length) {
    const ls = readLabelSet(s, i);
    const labels = s.slice(i, ls.end);
    let j = s.indexOf(', {', ls.end);
    if (j < 0) j = s.length;
    out.push({ labels, value: parseGoFloat(s.slice(ls.end + 1, j)) });
    i = j + 2;
  }
  return out;
}

const BLOCK_START = /^ {4}(?:expr: "|alertname: |name: )/;

/** Parses one file's report text (as split by splitReport) into per-case results. */
export function parseFileReport(text: string): FileResults {
  const res: FileResults = new Map();
  if (/^ {2}SUCCESS$/m.test(text)) return res;
  const lines = text.split('\n');
  const blocks: string[][] = [];
  for (const line of lines) {
    if (line === '  FAILED:' || (line === '' && blocks.length === 0)) continue;
    if (BLOCK_START.test(line) || blocks.length === 0) blocks.push([line]);
    else blocks[blocks.length - 1]!.push(line);
  }
  let other = 0;
  for (const b of blocks) {
    while (b.length > 0 && b[b.length - 1] === '') b.pop();
    if (b.length === 0) continue;
    const first = b[0]!;
    if (first.startsWith('    expr: "')) {
      const q = readGoQuoted(first, 10);
      const m = /^, time: (\S+),(?: err: (.*))?$/.exec(first.slice(q.end));
      if (m === null) { res.set(`other ${other++}`, { kind: 'other', text: b.join('\n') }); continue; }
      const key = `expr ${first.slice(10, q.end)} @ ${m[1]}`;
      if (m[2] !== undefined) {
        res.set(key, { kind: 'error', message: [m[2], ...b.slice(1)].join('\n') });
        continue;
      }
      const got = b.find((l) => l.startsWith('        got: '));
      res.set(key, got === undefined ? { kind: 'other', text: b.join('\n') } : { kind: 'samples', samples: parseSamples(got.slice(13)) });
      continue;
    }
    const am = /^ {4}(?:name: .*,\n {4})?alertname: (\S+), time: (\S+), $/.exec(b.slice(0, b[0]!.startsWith('    name: ') ? 2 : 1).join('\n'));
    if (am !== null) {
      const gotAt = b.findIndex((l) => l.startsWith('        got:'));
      const alerts: { labels: string; annotations: string }[] = [];
      for (let i = gotAt; i >= 0 && i < b.length; i++) {
        const l = b[i]!.trim();
        if (l.startsWith('Labels:')) alerts.push({ labels: l.slice(7), annotations: '' });
        else if (l.startsWith('Annotations:')) alerts[alerts.length - 1] = { ...alerts[alerts.length - 1]!, annotations: l.slice(12) };
      }
      res.set(`alert ${am[1]} @ ${am[2]}`, { kind: 'alerts', alerts });
      continue;
    }
    res.set(`other ${other++}`, { kind: 'other', text: b.join('\n') });
  }
  return res;
}

/** Label pairs of a printed label set, as a record. */
export function labelRecord(text: string): Record<string, string> {
  return Object.fromEntries(readLabelSet(text, 0).labels);
}

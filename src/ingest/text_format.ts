/**
 * The Prometheus text exposition format (0.0.4), parsed as strictly as expfmt's
 * TextParser: `# HELP` / `# TYPE` lines (once per family, TYPE before its samples),
 * other comments ignored, `name{label="value",...} value [timestamp]` samples with
 * `\\`, `\"` and `\n` escapes, Go float syntax (NaN, +Inf, -Inf) and int64 ms
 * timestamps. Every fault names its line and column.
 */
import type { Label } from '../promql/labels.js';
import { IngestError } from './errors.js';
import type { SeriesSink } from './sink.js';

const METRIC_TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
const FLOAT = /^[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)$/;
const SPECIAL: Record<string, number> = { nan: NaN, inf: Infinity, '+inf': Infinity, '-inf': -Infinity, infinity: Infinity, '+infinity': Infinity, '-infinity': -Infinity, '+nan': NaN, '-nan': NaN };
const INT = /^[+-]?\d+$/;

function isNameStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
}

function isNameChar(c: number): boolean {
  return isNameStart(c) || (c >= 48 && c <= 57);
}

/** Parses a Go float literal as the text format allows, or returns undefined. */
export function parseGoFloat(s: string): number | undefined {
  if (FLOAT.test(s)) return Number(s);
  const special = SPECIAL[s.toLowerCase()];
  return special;
}

/** Parses one text-format body into `sink`; samples without a timestamp get `defaultTime`. */
export function parseTextFormat(text: string, defaultTime: number, sink: SeriesSink): void {
  const help = new Set<string>();
  const types = new Map<string, string>();
  const sampled = new Set<string>();
  let lineNo = 0;
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    lineNo++;
    let line = text.slice(start, end);
    start = end + 1;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    new LineParser(line, lineNo, defaultTime, sink, help, types, sampled).parse();
    if (end === text.length) break;
  }
}

/** One line; `i` is the cursor. */
class LineParser {
  private i = 0;

  constructor(
    private readonly s: string,
    private readonly line: number,
    private readonly defaultTime: number,
    private readonly sink: SeriesSink,
    private readonly help: Set<string>,
    private readonly types: Map<string, string>,
    private readonly sampled: Set<string>,
  ) {}

  private fail(what: string): never {
    throw new IngestError('bad_data', `text format: line ${this.line}:${this.i + 1}: ${what}`);
  }

  private blanks(): void {
    while (this.i < this.s.length && (this.s[this.i] === ' ' || this.s[this.i] === '\t')) this.i++;
  }

  private token(): string {
    const from = this.i;
    while (this.i < this.s.length && this.s[this.i] !== ' ' && this.s[this.i] !== '\t') this.i++;
    return this.s.slice(from, this.i);
  }

  private name(metric: boolean, what: string): string {
    const from = this.i;
    const c0 = this.s.charCodeAt(this.i);
    if (!(isNameStart(c0) || (metric && c0 === 58))) this.fail(`invalid ${what} starting at ${JSON.stringify(this.s.slice(from, from + 10))}`);
    this.i++;
    for (;;) {
      const c = this.s.charCodeAt(this.i);
      if (isNameChar(c) || (metric && c === 58)) this.i++;
      else break;
    }
    return this.s.slice(from, this.i);
  }

  parse(): void {
    this.blanks();
    if (this.i >= this.s.length) return;
    if (this.s[this.i] === '#') return this.comment();
    this.sample();
  }

  private comment(): void {
    this.i++;
    this.blanks();
    const keyword = this.token();
    if (keyword !== 'HELP' && keyword !== 'TYPE') return; // an ordinary comment
    this.blanks();
    if (this.i >= this.s.length) return; // "# HELP" alone is a comment to expfmt too
    const metric = this.name(true, 'metric name');
    if (this.i < this.s.length && this.s[this.i] !== ' ' && this.s[this.i] !== '\t') this.fail(`invalid metric name in ${keyword} line`);
    this.blanks();
    const rest = this.s.slice(this.i);
    if (keyword === 'HELP') {
      if (this.help.has(metric)) this.fail(`second HELP line for metric name ${JSON.stringify(metric)}`);
      this.help.add(metric);
      this.unescapeHelp(rest);
      return;
    }
    const type = rest.trimEnd();
    if (!METRIC_TYPES.has(type)) this.fail(`unknown metric type ${JSON.stringify(type)} (want counter, gauge, histogram, summary or untyped)`);
    if (this.types.has(metric)) this.fail(`second TYPE line for metric name ${JSON.stringify(metric)}`);
    if (this.sampled.has(metric)) this.fail(`TYPE line for ${JSON.stringify(metric)} after its samples`);
    this.types.set(metric, type);
  }

  private unescapeHelp(text: string): void {
    for (let k = 0; k < text.length; k++) {
      if (text[k] !== '\\') continue;
      const next = text[k + 1];
      if (next !== '\\' && next !== 'n') {
        this.i += k;
        this.fail(`invalid escape sequence '\\${next ?? ''}' in HELP text`);
      }
      k++;
    }
  }

  private sample(): void {
    const metric = this.name(true, 'metric name');
    const labels: Label[] = [{ name: '__name__', value: metric }];
    if (this.s[this.i] === '{') this.labels(labels);
    const family = this.family(metric);
    this.sampled.add(family);
    const type = this.types.get(family);
    if (type === 'histogram' && metric === `${family}_bucket` && !labels.some((l) => l.name === 'le')) this.fail(`histogram bucket ${metric} without an "le" label`);
    if (type === 'summary' && metric === family && !labels.some((l) => l.name === 'quantile')) this.fail(`summary ${metric} sample without a "quantile" label`);
    if (this.i < this.s.length && this.s[this.i] !== ' ' && this.s[this.i] !== '\t') this.fail(`unexpected ${JSON.stringify(this.s[this.i])} after ${metric}`);
    this.blanks();
    if (this.i >= this.s.length) this.fail(`missing value for ${metric}`);
    const valueAt = this.i;
    const valueText = this.token();
    const v = parseGoFloat(valueText);
    if (v === undefined) {
      this.i = valueAt;
      this.fail(`invalid value ${JSON.stringify(valueText)} (want a float, NaN, +Inf or -Inf)`);
    }
    this.blanks();
    let t = this.defaultTime;
    if (this.i < this.s.length) {
      const tsAt = this.i;
      const tsText = this.token();
      const ts = INT.test(tsText) ? Number(tsText) : NaN;
      if (!Number.isSafeInteger(ts)) {
        this.i = tsAt;
        this.fail(`invalid timestamp ${JSON.stringify(tsText)} (want integer milliseconds)`);
      }
      t = ts;
      this.blanks();
      if (this.i < this.s.length) this.fail(`unexpected ${JSON.stringify(this.s.slice(this.i, this.i + 20))} after the timestamp`);
    }
    this.sink.series(labels, `line ${this.line}`);
    this.sink.sample(t, v, false);
  }

  /** The family a sample belongs to: histogram and summary samples carry suffixes. */
  private family(metric: string): string {
    if (this.types.has(metric)) return metric;
    for (const suffix of ['_bucket', '_sum', '_count']) {
      if (metric.endsWith(suffix)) {
        const base = metric.slice(0, -suffix.length);
        const t = this.types.get(base);
        if (t === 'histogram' || (t === 'summary' && suffix !== '_bucket')) return base;
      }
    }
    return metric;
  }

  private labels(out: Label[]): void {
    this.i++; // '{'
    for (;;) {
      this.blanks();
      if (this.s[this.i] === '}') {
        this.i++;
        return;
      }
      if (this.i >= this.s.length) this.fail('unterminated label set, expected "}"');
      const name = this.name(false, 'label name');
      if (name === '__name__') this.fail('label name "__name__" is reserved for the metric name');
      if (out.some((l) => l.name === name)) this.fail(`duplicate label name ${JSON.stringify(name)}`);
      this.blanks();
      if (this.s[this.i] !== '=') this.fail(`expected '=' after label name ${JSON.stringify(name)}`);
      this.i++;
      this.blanks();
      if (this.s[this.i] !== '"') this.fail(`expected '"' to open the value of label ${JSON.stringify(name)}`);
      this.i++;
      out.push({ name, value: this.labelValue(name) });
      this.blanks();
      if (this.i >= this.s.length) this.fail('unterminated label set, expected "}"');
      if (this.s[this.i] === ',') this.i++;
      else if (this.s[this.i] !== '}') this.fail(`expected ',' or '}' after the value of label ${JSON.stringify(name)}`);
    }
  }

  private labelValue(name: string): string {
    let out = '';
    let from = this.i;
    for (;;) {
      if (this.i >= this.s.length) this.fail(`unterminated value of label ${JSON.stringify(name)}`);
      const c = this.s[this.i];
      if (c === '"') {
        out += this.s.slice(from, this.i);
        this.i++;
        return out;
      }
      if (c === '\\') {
        out += this.s.slice(from, this.i);
        const e = this.s[this.i + 1];
        if (e === '\\') out += '\\';
        else if (e === '"') out += '"';
        else if (e === 'n') out += '\n';
        else this.fail(`invalid escape sequence '\\${e ?? ''}' in the value of label ${JSON.stringify(name)}`);
        this.i += 2;
        from = this.i;
        continue;
      }
      this.i++;
    }
  }
}

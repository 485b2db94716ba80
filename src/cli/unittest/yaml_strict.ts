/**
 * A strict YAML decoder that behaves, and words its errors, as Go's yaml.v2
 * UnmarshalStrict into promtool's structs: unknown or repeated fields are errors,
 * type mismatches are collected as `line N: cannot unmarshal ...`, and a bad
 * duration aborts with its own message.
 */
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseAllDocuments, Scalar, type Document, type Node } from 'yaml';
import { parseDuration } from '../../promql/duration.js';

/** The Go type a YAML node is decoded into. */
export type Shape =
  | { readonly kind: 'string' }
  | { readonly kind: 'float' }
  | { readonly kind: 'bool' }
  /** model.Duration: a string run through model.ParseDuration; milliseconds. */
  | { readonly kind: 'duration' }
  /** map[string]string, or a type (labels.Labels) that unmarshals through one. */
  | { readonly kind: 'stringMap' }
  | { readonly kind: 'list'; readonly of: Shape; readonly goType: string }
  | { readonly kind: 'struct'; readonly goType: string; readonly fields: Readonly<Record<string, Shape>> };

/** A decoding failure; `message` is what promtool prints. */
export class YamlDecodeError extends Error {
  override name = 'YamlDecodeError';
}

/** Aborts the whole decode, as yaml.v2's fail() does for an Unmarshaler's own error. */
class Fatal extends Error {}

const GO_TYPE: Record<string, string> = { string: 'string', float: 'float64', bool: 'bool', duration: 'string', stringMap: 'map[string]string' };

function goTypeOf(s: Shape): string {
  return s.kind === 'list' || s.kind === 'struct' ? s.goType : GO_TYPE[s.kind]!;
}

const FLOAT_SPECIAL = /^[-+]?\.(inf|Inf|INF|nan|NaN|NAN)$/;

class Decoder {
  readonly terrors: string[] = [];
  constructor(private readonly doc: Document, private readonly lines: LineCounter) {}

  private lineOf(n: Node): number {
    const r = n.range;
    return r ? this.lines.linePos(r[0]).line : 0;
  }

  private resolve(n: unknown): Node | null {
    let cur = n;
    for (let i = 0; i < 100 && isAlias(cur); i++) cur = cur.resolve(this.doc);
    return (cur ?? null) as Node | null;
  }

  private static isNull(n: Node | null): boolean {
    return n === null || (isScalar(n) && n.value === null && n.tag === undefined);
  }

  /** yaml.v2's short tag of a node, e.g. `!!str`, `!!int`, `!!map`. */
  private tagOf(n: Node): string {
    if (isMap(n)) return '!!map';
    if (isSeq(n)) return '!!seq';
    if (n.tag) return n.tag.replace(/^tag:yaml\.org,2002:/, '!!');
    const s = n as Scalar;
    if (s.type !== Scalar.PLAIN) return '!!str';
    if (s.value === null) return '!!null';
    if (typeof s.value === 'boolean') return '!!bool';
    if (typeof s.value === 'number') {
      const src = String(s.source ?? s.value);
      return FLOAT_SPECIAL.test(src) || (!/^[-+]?0[xXoObB]/.test(src) && /[.eE]/.test(src)) ? '!!float' : '!!int';
    }
    return '!!str';
  }

  /** The scalar's text as yaml.v2 keeps it: the source of a plain scalar, the content of a quoted one. */
  private static text(n: Scalar): string {
    if (n.type === Scalar.PLAIN && n.source !== undefined) return String(n.source);
    return n.value === null || n.value === undefined ? '' : n.value instanceof Date ? n.value.toISOString() : String(n.value);
  }

  private terror(n: Node, shape: Shape): void {
    const tag = this.tagOf(n);
    let value = '';
    if (tag !== '!!seq' && tag !== '!!map') {
      const t = isScalar(n) ? Decoder.text(n) : '';
      value = t.length > 10 ? ` \`${t.slice(0, 7)}...\`` : ` \`${t}\``;
    }
    this.terrors.push(`line ${this.lineOf(n)}: cannot unmarshal ${tag}${value} into ${goTypeOf(shape)}`);
  }

  decode(raw: unknown, shape: Shape): unknown {
    const n = this.resolve(raw);
    if (Decoder.isNull(n)) return zeroOf(shape);
    const node = n!;
    switch (shape.kind) {
      case 'string': {
        if (!isScalar(node)) {
          this.terror(node, shape);
          return '';
        }
        return Decoder.text(node);
      }
      case 'float': {
        if (isScalar(node) && typeof node.value === 'number') return node.value;
        this.terror(node, shape);
        return 0;
      }
      case 'bool': {
        if (isScalar(node) && typeof node.value === 'boolean') return node.value;
        this.terror(node, shape);
        return false;
      }
      case 'duration': {
        if (!isScalar(node)) {
          this.terror(node, shape);
          return 0;
        }
        const s = Decoder.text(node);
        try {
          return parseDuration(s);
        } catch (e) {
          throw new Fatal((e as Error).message);
        }
      }
      case 'stringMap': {
        if (!isMap(node)) {
          this.terror(node, shape);
          return {};
        }
        const out: Record<string, string> = {};
        this.mapInto(node, out);
        return out;
      }
      case 'list': {
        if (!isSeq(node)) {
          this.terror(node, shape);
          return [];
        }
        return node.items.map((item) => this.decode(item, shape.of));
      }
      case 'struct': {
        if (!isMap(node)) {
          this.terror(node, shape);
          return zeroOf(shape);
        }
        const out = zeroOf(shape) as Record<string, unknown>;
        this.structInto(node, shape, out);
        return out;
      }
    }
  }

  /** The maps a `<<` merge key's value names (one map, or a list of maps). */
  private mergeSources(value: unknown): Node[] {
    const v = this.resolve(value);
    const sources = isSeq(v) ? v.items.map((i) => this.resolve(i)) : [v];
    return sources.filter((m): m is Node => m !== null && isMap(m));
  }

  private static isMergeKey(k: unknown): boolean {
    return isScalar(k) && k.type === Scalar.PLAIN && k.source === '<<';
  }

  /** Decodes a mapping into a struct in key order; a merge applies where it stands, with its own repeat check. */
  private structInto(node: Node, shape: Extract<Shape, { kind: 'struct' }>, out: Record<string, unknown>): void {
    if (!isMap(node)) return;
    const done = new Set<string>();
    for (const p of node.items) {
      if (Decoder.isMergeKey(p.key)) {
        for (const m of this.mergeSources(p.value)) this.structInto(m, shape, out);
        continue;
      }
      const kn = this.resolve(p.key);
      const key = kn !== null && isScalar(kn) ? Decoder.text(kn) : '';
      const field = shape.fields[key];
      if (field === undefined) {
        this.terrors.push(`line ${this.lineOf(p.key as Node)}: field ${key} not found in type ${shape.goType}`);
        continue;
      }
      if (done.has(key)) {
        this.terrors.push(`line ${this.lineOf(p.key as Node)}: field ${key} already set in type ${shape.goType}`);
        continue;
      }
      done.add(key);
      out[key] = this.decode(p.value, field);
    }
  }

  /** Decodes a mapping into map[string]string; a repeated key is an error, as in strict yaml.v2. */
  private mapInto(node: Node, out: Record<string, string>): void {
    if (!isMap(node)) return;
    const seen = new Set<string>();
    for (const p of node.items) {
      if (Decoder.isMergeKey(p.key)) {
        for (const m of this.mergeSources(p.value)) this.mapInto(m, out);
        continue;
      }
      const key = this.decode(p.key, { kind: 'string' }) as string;
      if (seen.has(key)) this.terrors.push(`line ${this.lineOf(p.key as Node)}: key ${JSON.stringify(key)} already set in map`);
      seen.add(key);
      out[key] = this.decode(p.value, { kind: 'string' }) as string;
    }
  }
}

/** Go's zero value of a shape: "", 0, false, empty list/map, a struct of zeros. */
export function zeroOf(shape: Shape): unknown {
  switch (shape.kind) {
    case 'string': return '';
    case 'float': case 'duration': return 0;
    case 'bool': return false;
    case 'stringMap': return {};
    case 'list': return [];
    case 'struct': {
      const out: Record<string, unknown> = {};
      for (const [k, f] of Object.entries(shape.fields)) out[k] = zeroOf(f);
      return out;
    }
  }
}

/**
 * libyaml's words for the syntax errors the `yaml` package words its own way. A scanner
 * error is reported on its (1-based) line; a parser error on its 0-based line, which is
 * the line before, and without a line at all when that is 0 (yaml.v2's fail()).
 */
const SYNTAX_ERRORS: readonly { re: RegExp; msg: string; parser: boolean }[] = [
  { re: /^Nested mappings are not allowed in compact mappings/, msg: 'mapping values are not allowed in this context', parser: false },
  { re: /^Invalid escape sequence \\[xuU]/, msg: 'did not find expected hexdecimal number', parser: false },
  { re: /^Invalid escape sequence/, msg: 'found unknown escape character', parser: false },
  { re: /^Tabs are not allowed as indentation/, msg: 'found character that cannot start any token', parser: false },
  { re: /^Plain value cannot start with reserved character/, msg: 'found character that cannot start any token', parser: false },
  { re: /^Missing closing ["']quote/, msg: 'found unexpected end of stream', parser: false },
  { re: /^Sequence item without - indicator/, msg: "did not find expected '-' indicator", parser: true },
  { re: /^All mapping items must start at the same column/, msg: 'did not find expected key', parser: true },
  { re: /^Flow sequence in block collection must be sufficiently indented and end with a \]/, msg: "did not find expected ',' or ']'", parser: true },
  { re: /^Flow map in block collection must be sufficiently indented and end with a \}/, msg: "did not find expected ',' or '}'", parser: true },
];

/** A YAML syntax error as yaml.v2 prints it, given the `yaml` package's message and 1-based line. */
function goSyntaxError(message: string, line: number): string {
  const known = SYNTAX_ERRORS.find((k) => k.re.test(message));
  if (known === undefined) return `yaml: line ${line}: ${message}`;
  const at = known.parser ? line - 1 : line;
  return at > 0 ? `yaml: line ${at}: ${known.msg}` : `yaml: ${known.msg}`;
}

/** Decodes the first YAML document of `text` into `shape`; throws YamlDecodeError with Go's wording. */
export function decodeStrict(text: string, shape: Shape): unknown {
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lines, version: '1.1', uniqueKeys: false, prettyErrors: false });
  const doc = Array.isArray(docs) ? docs[0] : undefined;
  if (doc === undefined) return zeroOf(shape);
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    throw new YamlDecodeError(goSyntaxError(e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, ''), lines.linePos(e.pos[0]).line));
  }
  const d = new Decoder(doc, lines);
  let value: unknown;
  try {
    value = d.decode(doc.contents, shape);
  } catch (e) {
    if (e instanceof Fatal) throw new YamlDecodeError(e.message);
    throw e;
  }
  if (d.terrors.length > 0) throw new YamlDecodeError(`yaml: unmarshal errors:\n  ${d.terrors.join('\n  ')}`);
  return value;
}

/**
 * YAML documents as Go's yaml.v3 decodes them into rulefmt's string fields, and the
 * way back from a data path (as zod reports it) to the node's line:col.
 */
import { Alias, Document, isAlias, isMap, isPair, isScalar, isSeq, LineCounter, type Node } from 'yaml';

/** Plain data: every scalar is a string (its source text) or null. */
export type Plain = string | null | Plain[] | { [k: string]: Plain };

function scalarText(n: Node): string | null {
  if (!isScalar(n)) return null;
  if (n.value === null || n.value === undefined) return null;
  if (typeof n.value === 'string') return n.value;
  // Numbers and booleans keep their source text, as yaml.v3 does for a string field.
  return typeof n.source === 'string' ? n.source : String(n.value);
}

/** Converts a parsed node to plain data, resolving aliases. */
export function toPlain(doc: Document, node: unknown, depth = 0): Plain {
  if (depth > 100) return null;
  if (node === null || node === undefined) return null;
  if (isAlias(node)) return toPlain(doc, (node as Alias).resolve(doc), depth + 1);
  if (isScalar(node)) return scalarText(node);
  if (isMap(node)) {
    const out: { [k: string]: Plain } = {};
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? scalarText(pair.key) ?? '' : String(pair.key);
      out[key] = toPlain(doc, pair.value, depth + 1);
    }
    return out;
  }
  if (isSeq(node)) return node.items.map((i) => toPlain(doc, i, depth + 1));
  return null;
}

/** Source position, 1-based. */
export interface LineCol {
  line: number;
  col: number;
}

/** Resolves data paths to positions in one document. */
export class NodeLocator {
  constructor(
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  private pos(offset: number): LineCol {
    const p = this.lines.linePos(offset);
    return { line: p.line, col: p.col };
  }

  /**
   * Position of the node at `path`. With `key`, the position of that key inside the
   * map at `path`. Falls back to the deepest node found, so an error about a missing
   * field points at the map that lacks it.
   */
  locate(path: readonly (string | number)[], key?: string): LineCol {
    let node: unknown = this.doc.contents;
    let best = 0;
    const segs: (string | number)[] = key === undefined ? [...path] : [...path, key];
    for (let i = 0; i < segs.length; i++) {
      const seg = segs[i]!;
      if (isAlias(node)) node = (node as Alias).resolve(this.doc);
      const range = (node as Node | null)?.range;
      if (range) best = range[0];
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(scalarText(p.key)) === String(seg));
        if (pair === undefined) return this.pos(best);
        const last = i === segs.length - 1;
        const keyRange = (pair.key as Node | null)?.range;
        // The key itself when asked for a key, or when the value is empty.
        if ((last && key !== undefined) || pair.value === null || pair.value === undefined) {
          return this.pos(keyRange ? keyRange[0] : best);
        }
        node = pair.value;
      } else if (isSeq(node) && typeof seg === 'number') {
        const item = node.items[seg];
        if (item === undefined || item === null) return this.pos(best);
        node = item;
      } else {
        return this.pos(best);
      }
    }
    const range = (node as Node | null)?.range;
    return this.pos(range ? range[0] : best);
  }
}

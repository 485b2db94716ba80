/**
 * Label interning: every distinct string gets a symbol id and every distinct
 * (name, value) pair a pair id, so a series' labels are a handful of small integers
 * and postings are keyed by one number.
 */
import type { Label } from '../promql/labels.js';

/** Bounds the symbol count, so a runaway label generator fails loudly. */
const SYMBOL_LIMIT = 2 ** 26;

/** Strings and label pairs of one window. */
export class SymbolTable {
  private readonly ids = new Map<string, number>();
  private readonly strings: string[] = [];
  /** Pair ids by name, then value: string keys, whose hashes V8 caches in the strings. */
  private readonly pairIds = new Map<string, Map<string, number>>();
  /** Name symbol of each pair. */
  readonly pairName: number[] = [];
  /** Value symbol of each pair. */
  readonly pairValue: number[] = [];
  /** One shared, frozen Label object per pair, so results allocate no label objects. */
  readonly pairLabel: Label[] = [];
  /** Pair ids of each label name (by name symbol). */
  private readonly byName = new Map<number, number[]>();
  private stringBytes = 0;

  /** Symbol id of `s`, or -1 when unknown. */
  lookup(s: string): number {
    const id = this.ids.get(s);
    return id === undefined ? -1 : id;
  }

  /** The string of symbol `id`. */
  string(id: number): string {
    return this.strings[id]!;
  }

  /** Symbol id of `s`, interning it. */
  intern(s: string): number {
    let id = this.ids.get(s);
    if (id === undefined) {
      id = this.strings.length;
      if (id >= SYMBOL_LIMIT) throw new Error(`window: more than ${SYMBOL_LIMIT} distinct label strings`);
      this.strings.push(s);
      this.ids.set(s, id);
      this.stringBytes += s.length;
    }
    return id;
  }

  /** Pair id of (name, value) symbols, or -1 when unknown. */
  lookupPair(name: number, value: number): number {
    return this.findPair(this.strings[name]!, this.strings[value]!);
  }

  /** Pair id of a label, or -1 when unknown: two lookups, nothing interned. */
  findPair(name: string, value: string): number {
    const id = this.pairIds.get(name)?.get(value);
    return id === undefined ? -1 : id;
  }

  /** Pair id of a label, interning it. */
  internPair(name: string, value: string): number {
    let values = this.pairIds.get(name);
    if (values === undefined) this.pairIds.set(name, (values = new Map()));
    let id = values.get(value);
    if (id === undefined) {
      const n = this.intern(name);
      const v = this.intern(value);
      id = this.pairName.length;
      values.set(value, id);
      this.pairName.push(n);
      this.pairValue.push(v);
      this.pairLabel.push(Object.freeze({ name: this.strings[n]!, value: this.strings[v]! }));
      let list = this.byName.get(n);
      if (list === undefined) this.byName.set(n, (list = []));
      list.push(id);
    }
    return id;
  }

  /** Pair ids having label name symbol `name`. */
  pairsOfName(name: number): readonly number[] {
    return this.byName.get(name) ?? [];
  }

  /** Number of pairs. */
  get pairCount(): number {
    return this.pairName.length;
  }

  /** Rough heap bytes: string payloads plus map and array entries. */
  get bytes(): number {
    return this.stringBytes + this.strings.length * 60 + this.pairName.length * 110;
  }
}

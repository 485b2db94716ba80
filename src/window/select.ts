/**
 * Resolving label matchers to series slots, as Prometheus's PostingsForMatchers:
 * matchers that reject the empty value intersect postings; the others (`!=`, `=""`,
 * `!~`, `=~".*"`) only exclude series carrying a pair they reject, so a missing label
 * passes them.
 */
import type { Matcher } from '../promql/matcher.js';
import type { LabelSets } from './labelsets.js';
import { intersect, type Postings, unionDisjoint } from './postings.js';
import type { SymbolTable } from './symbols.js';

/** Slots (ascending) of series matching all matchers; `alive(slot)` filters removed series. */
export function resolveMatchers(
  matchers: readonly Matcher[],
  symbols: SymbolTable,
  postings: Postings,
  sets: LabelSets,
  slotCount: number,
  alive: (slot: number) => boolean,
): Int32Array {
  const lists: Int32Array[] = [];
  const excluders: Matcher[] = [];
  for (const m of matchers) {
    if (m.matches('')) excluders.push(m);
    else lists.push(postingsFor(m, symbols, postings));
  }
  let cand: Int32Array;
  if (lists.length === 0) {
    // Only reachable for selectors the parser rejects; answer them by scanning.
    cand = new Int32Array(slotCount);
    for (let i = 0; i < slotCount; i++) cand[i] = i;
  } else {
    lists.sort((a, b) => a.length - b.length);
    cand = lists[0]!;
    for (let i = 1; i < lists.length && cand.length > 0; i++) cand = intersect(cand, lists[i]!);
  }
  const reject = rejectedPairs(excluders, symbols);
  const out = new Int32Array(cand.length);
  let k = 0;
  for (let i = 0; i < cand.length; i++) {
    const slot = cand[i]!;
    if (!alive(slot)) continue;
    if (reject !== null && hasRejected(sets.pairs(slot), reject)) continue;
    out[k++] = slot;
  }
  return out.subarray(0, k);
}

/** Slots carrying a pair the (empty-rejecting) matcher accepts. */
function postingsFor(m: Matcher, symbols: SymbolTable, postings: Postings): Int32Array {
  const name = symbols.lookup(m.name);
  if (name < 0) return new Int32Array(0);
  if (m.type === '=') {
    const value = symbols.lookup(m.value);
    const pair = value < 0 ? -1 : symbols.lookupPair(name, value);
    return pair < 0 ? new Int32Array(0) : postings.get(pair);
  }
  const lists: Int32Array[] = [];
  for (const p of symbols.pairsOfName(name)) {
    if (m.matches(symbols.string(symbols.pairValue[p]!))) lists.push(postings.get(p));
  }
  return lists.length === 0 ? new Int32Array(0) : unionDisjoint(lists);
}

/** Flags, by pair id, the pairs some empty-accepting matcher rejects; null when none. */
function rejectedPairs(ms: readonly Matcher[], symbols: SymbolTable): Uint8Array | null {
  if (ms.length === 0) return null;
  let flags: Uint8Array | null = null;
  for (const m of ms) {
    const name = symbols.lookup(m.name);
    if (name < 0) continue;
    for (const p of symbols.pairsOfName(name)) {
      if (!m.matches(symbols.string(symbols.pairValue[p]!))) {
        flags ??= new Uint8Array(symbols.pairCount);
        flags[p] = 1;
      }
    }
  }
  return flags;
}

function hasRejected(pairs: readonly number[], reject: Uint8Array): boolean {
  for (const p of pairs) if (reject[p] === 1) return true;
  return false;
}

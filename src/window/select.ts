/**
 * Resolving label matchers to series slots, as Prometheus's PostingsForMatchers:
 * matchers that reject the empty value select series by postings; the others (`!=`,
 * `=""`, `!~`, `=~".*"`) only exclude series carrying a pair they reject, so a missing
 * label passes them.
 *
 * Only the smallest postings list is materialized. Rule selectors pair a small list (a
 * metric name) with huge ones (`job="node"` holds every series of the partition), and
 * decoding and intersecting those cost far more than checking each candidate's own
 * pairs against per-pair flags: one bit per positive matcher, one for rejection.
 */
import type { Matcher } from '../promql/matcher.js';
import type { LabelSets } from './labelsets.js';
import { intersect, type Postings, unionDisjoint } from './postings.js';
import type { SymbolTable } from './symbols.js';

/** Flag bit of a pair an excluding matcher rejects. */
const REJECT = 1;
/** Positive matchers checked by flags; further ones (never seen in practice) intersect postings. */
const MAX_FLAGGED = 30;

/** Per-pair flags, reused across selects: only the pairs set are cleared afterwards. */
let flags = new Int32Array(1024);

/** Slots (ascending) of series matching all matchers; `alive(slot)` filters removed series. */
export function resolveMatchers(
  matchers: readonly Matcher[],
  symbols: SymbolTable,
  postings: Postings,
  sets: LabelSets,
  slotCount: number,
  alive: (slot: number) => boolean,
): Int32Array {
  // Accepted pairs of each empty-rejecting matcher, with the slot count they cover.
  const positive: { pairs: number[]; count: number }[] = [];
  const excluders: Matcher[] = [];
  for (const m of matchers) {
    if (m.matches('')) excluders.push(m);
    else {
      const pairs = acceptedPairs(m, symbols);
      if (pairs.length === 0) return new Int32Array(0);
      let count = 0;
      for (const p of pairs) count += postings.count(p);
      positive.push({ pairs, count });
    }
  }
  let cand: Int32Array;
  if (positive.length === 0) {
    // Only reachable for selectors the parser rejects; answer them by scanning.
    cand = new Int32Array(slotCount);
    for (let i = 0; i < slotCount; i++) cand[i] = i;
  } else {
    positive.sort((a, b) => a.count - b.count);
    cand = listOf(positive[0]!.pairs, postings);
    for (let i = MAX_FLAGGED + 1; i < positive.length && cand.length > 0; i++) cand = intersect(cand, listOf(positive[i]!.pairs, postings));
  }
  if (flags.length < symbols.pairCount) flags = new Int32Array(symbols.pairCount * 2);
  const touched: number[] = [];
  const set = (p: number, bit: number) => {
    if (flags[p] === 0) touched.push(p);
    flags[p]! |= bit;
  };
  let required = 0;
  for (let i = 1; i < positive.length && i <= MAX_FLAGGED; i++) {
    const bit = 1 << i;
    required |= bit;
    for (const p of positive[i]!.pairs) set(p, bit);
  }
  for (const m of excluders) {
    const name = symbols.lookup(m.name);
    if (name < 0) continue;
    for (const p of symbols.pairsOfName(name)) if (!m.matches(symbols.string(symbols.pairValue[p]!))) set(p, REJECT);
  }
  const out = new Int32Array(cand.length);
  let k = 0;
  try {
    const check = touched.length > 0;
    for (let i = 0; i < cand.length; i++) {
      const slot = cand[i]!;
      if (!alive(slot)) continue;
      if (check && (sets.flagsOf(slot, flags) & (required | REJECT)) !== required) continue;
      out[k++] = slot;
    }
  } finally {
    for (const p of touched) flags[p] = 0;
  }
  return out.subarray(0, k);
}

/** Pair ids the (empty-rejecting) matcher accepts. */
function acceptedPairs(m: Matcher, symbols: SymbolTable): number[] {
  const name = symbols.lookup(m.name);
  if (name < 0) return [];
  if (m.type === '=') {
    const value = symbols.lookup(m.value);
    const pair = value < 0 ? -1 : symbols.lookupPair(name, value);
    return pair < 0 ? [] : [pair];
  }
  const out: number[] = [];
  for (const p of symbols.pairsOfName(name)) if (m.matches(symbols.string(symbols.pairValue[p]!))) out.push(p);
  return out;
}

/** The ascending slots carrying any of `pairs` (one label name's pairs never share a slot). */
function listOf(pairs: readonly number[], postings: Postings): Int32Array {
  return pairs.length === 1 ? postings.get(pairs[0]!) : unionDisjoint(pairs.map((p) => postings.get(p)));
}

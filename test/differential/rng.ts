import { mulberry32 } from '../../src/util/prng.js';

/** A small seeded PRNG (mulberry32), so a seed names one generated case set forever. */
export class Rng {
  /** A float in [0, 1). */
  readonly next: () => number;

  constructor(seed: number) {
    this.next = mulberry32(seed);
  }

  /** An integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** One element of a non-empty list. */
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)]!;
  }

  /** A random subset of xs, in its original order, with at least `min` elements. */
  subset<T>(xs: readonly T[], min = 0): T[] {
    for (;;) {
      const out = xs.filter(() => this.chance(0.5));
      if (out.length >= min) return out;
    }
  }

  /** An element picked with the given relative weights. */
  weighted<T>(choices: readonly (readonly [number, T])[]): T {
    const total = choices.reduce((s, [w]) => s + w, 0);
    let x = this.next() * total;
    for (const [w, v] of choices) {
      x -= w;
      if (x < 0) return v;
    }
    return choices[choices.length - 1]![1];
  }
}

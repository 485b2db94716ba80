/**
 * Exactly-sized storage for sealed chunks. A chunk that will not grow again is copied
 * out of its head blocks into a run of words here, so it pays neither the half-empty
 * last block nor block links. Runs are bump-allocated in pages; a page is recycled once
 * every chunk in it is freed. Chunks die in roughly the order they were sealed (the
 * window truncates by time), so pages empty out whole and no compaction is needed, as
 * long as a page holds chunks of one retention: each retention class writes through its
 * own lane (its own current page), or a few long-kept chunks would pin every page.
 */

const PAGE_SHIFT = 15;
/** Words per page (128 KiB). */
export const SEALED_PAGE_WORDS = 1 << PAGE_SHIFT;
const PAGE_MASK = SEALED_PAGE_WORDS - 1;

/** Pages of word runs; an address is page << 15 | word offset. */
export class SealedStore {
  /** Pages by index; a recycled page's slot holds null. */
  readonly pages: (Uint32Array | null)[] = [];
  private live: number[] = [];
  private spare: Uint32Array[] = [];
  private freeSlots: number[] = [];
  /** Per lane: its current page (-1 for none; never recycled while written to) and the next free word in it. */
  private cur: number[] = [];
  private top: number[] = [];
  private liveWords = 0;

  /**
   * A run of `words` words (contents undefined) (1 <= words <= SEALED_PAGE_WORDS) in
   * `lane`'s pages; returns its address.
   */
  alloc(words: number, lane = 0): number {
    while (this.cur.length <= lane) {
      this.cur.push(-1);
      this.top.push(SEALED_PAGE_WORDS);
    }
    if (this.top[lane]! + words > SEALED_PAGE_WORDS) this.newPage(lane);
    const page = this.cur[lane]!;
    const addr = (page << PAGE_SHIFT) | this.top[lane]!;
    this.top[lane]! += words;
    this.live[page]! += words;
    this.liveWords += words;
    return addr;
  }

  /** Frees the run at `addr` of `words` words. */
  free(addr: number, words: number): void {
    const p = addr >>> PAGE_SHIFT;
    const left = (this.live[p]! -= words);
    this.liveWords -= words;
    if (left === 0 && !this.cur.includes(p)) {
      // One spare page absorbs the churn at the write front; the rest go back to the GC.
      if (this.spare.length === 0) this.spare.push(this.pages[p]!);
      this.pages[p] = null;
      this.freeSlots.push(p);
    }
  }

  /** The page holding `addr`. */
  page(addr: number): Uint32Array {
    return this.pages[addr >>> PAGE_SHIFT]!;
  }

  /** Word offset of `addr` in its page. */
  offset(addr: number): number {
    return addr & PAGE_MASK;
  }

  /** Bytes of the pages held (live and spare). */
  get bytes(): number {
    let n = this.spare.length;
    for (const p of this.pages) if (p !== null) n++;
    return n * SEALED_PAGE_WORDS * 4;
  }

  /** Words in live runs. */
  get used(): number {
    return this.liveWords;
  }

  private newPage(lane: number): void {
    const old = this.cur[lane]!;
    const page = this.spare.pop() ?? new Uint32Array(SEALED_PAGE_WORDS);
    let slot = this.freeSlots.pop();
    if (slot === undefined) {
      slot = this.pages.length;
      this.pages.push(page);
      this.live.push(0);
    } else {
      this.pages[slot] = page;
      this.live[slot] = 0;
    }
    this.cur[lane] = slot;
    this.top[lane] = 0;
    // The page being left may already be empty: recycle it now, as free() would have.
    if (old >= 0 && this.live[old] === 0) this.free(old << PAGE_SHIFT, 0);
  }
}

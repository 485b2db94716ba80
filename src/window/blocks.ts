/**
 * A shared arena of fixed-size bit blocks. Every chunk of every series is a chain of
 * blocks in a few large pages, so a series costs no JS object per chunk and freed
 * blocks are reused exactly (one size, one free list, no fragmentation). Pages rather
 * than one growing array: growth then never copies nor leaves half an array unused.
 */

/** Words per block: 16-byte blocks waste least on chunks of tens of bytes (links included). */
export const BLOCK_WORDS = 4;
/** Bits per block. */
export const BLOCK_BITS = BLOCK_WORDS * 32;
const PAGE_SHIFT = 12;
const PAGE_BLOCKS = 1 << PAGE_SHIFT;
const PAGE_MASK = PAGE_BLOCKS - 1;

/** The block arena: payload words plus a parallel "next block" link per block. */
export class BlockArena {
  /** Payload pages of PAGE_BLOCKS blocks, BLOCK_WORDS words each, most significant bit first. */
  readonly pages: Uint32Array[] = [];
  /** Next block of the same chunk, or -1; for a free block, the next free block. */
  next = new Int32Array(PAGE_BLOCKS);
  private top = 0;
  private freeHead = -1;
  private freeCount = 0;

  /** A zeroed block with no successor. */
  alloc(): number {
    let b: number;
    if (this.freeHead >= 0) {
      b = this.freeHead;
      this.freeHead = this.next[b]!;
      this.freeCount--;
      const base = (b & PAGE_MASK) * BLOCK_WORDS;
      this.pages[b >>> PAGE_SHIFT]!.fill(0, base, base + BLOCK_WORDS);
    } else {
      if (this.top === this.pages.length * PAGE_BLOCKS) this.addPage();
      b = this.top++;
    }
    this.next[b] = -1;
    return b;
  }

  /** Frees a whole chain starting at `first`. */
  freeChain(first: number): void {
    let b = first;
    while (b >= 0) {
      const n = this.next[b]!;
      this.next[b] = this.freeHead;
      this.freeHead = b;
      this.freeCount++;
      b = n;
    }
  }

  /** Blocks in use. */
  get used(): number {
    return this.top - this.freeCount;
  }

  /** Bytes held by the arena's arrays. */
  get bytes(): number {
    return this.pages.length * PAGE_BLOCKS * BLOCK_WORDS * 4 + this.next.byteLength;
  }

  /** Blocks ever handed out: pages beyond this are not yet touched. */
  get allocated(): number {
    return this.top;
  }

  private addPage(): void {
    this.pages.push(new Uint32Array(PAGE_BLOCKS * BLOCK_WORDS));
    const need = this.pages.length * PAGE_BLOCKS;
    if (need > this.next.length) {
      // Exactly one page more: copying is cheap next to the payload, slack is not.
      const n = new Int32Array(need);
      n.set(this.next);
      this.next = n;
    }
  }
}

/**
 * Appends bits to a block chain. Position state is public so the owner can park it in
 * per-series columns between appends without allocating a writer per series.
 */
export class BitWriter {
  /** Current block; set it through seek(). */
  block = -1;
  /** Bit offset inside `block`, 0..BLOCK_BITS. */
  off = 0;
  /** Bits written to the chain so far. */
  bits = 0;
  private words: Uint32Array = new Uint32Array(0);
  private base = 0;

  constructor(private readonly arena: BlockArena) {}

  /** Positions the writer at bit `off` of `block`, `bits` into its chain. */
  seek(block: number, off: number, bits: number): void {
    this.bits = bits;
    this.setBlock(block, off);
  }

  private setBlock(block: number, off: number): void {
    this.block = block;
    this.off = off;
    this.words = this.arena.pages[block >>> PAGE_SHIFT]!;
    this.base = (block & PAGE_MASK) * BLOCK_WORDS;
  }

  /** Writes the low `n` bits of `x` (1 <= n <= 32). */
  write(x: number, n: number): void {
    if (this.off === BLOCK_BITS) this.nextBlock();
    const free = BLOCK_BITS - this.off;
    if (n > free) {
      // Split across the block boundary: high part here, low part in the next block.
      const rest = n - free;
      this.write(x >>> rest, free);
      this.write(x, rest);
      return;
    }
    const words = this.words;
    const w = this.base + (this.off >>> 5);
    const used = this.off & 31;
    const room = 32 - used;
    const v = n === 32 ? x >>> 0 : (x & ((1 << n) - 1)) >>> 0;
    if (n <= room) {
      words[w] = (words[w]! | ((v << (room - n)) >>> 0)) >>> 0;
    } else {
      const spill = n - room;
      words[w] = (words[w]! | (v >>> spill)) >>> 0;
      words[w + 1] = (v << (32 - spill)) >>> 0;
    }
    this.off += n;
    this.bits += n;
  }

  /** Writes one bit. */
  bit(b: number): void {
    this.write(b, 1);
  }

  /** Writes the 32 bits of `x`: write(x, 32) without its recursive split at a block's end. */
  word(x: number): void {
    if (this.off === BLOCK_BITS) this.nextBlock();
    const off = this.off;
    const used = off & 31;
    const w = this.base + (off >>> 5);
    this.bits += 32;
    if (used === 0) {
      this.words[w] = x;
      this.off = off + 32;
      return;
    }
    this.words[w] = (this.words[w]! | (x >>> used)) >>> 0;
    const low = (x << (32 - used)) >>> 0;
    if (off + 32 <= BLOCK_BITS) {
      this.words[w + 1] = low;
      this.off = off + 32;
    } else {
      // The low `used` bits open the next block.
      this.nextBlock();
      this.words[this.base] = low;
      this.off = used;
    }
  }

  private nextBlock(): void {
    const nb = this.arena.alloc();
    this.arena.next[this.block] = nb;
    this.setBlock(nb, 0);
  }
}

/** Reads bits back from a block chain, or from one contiguous run of words. */
export class BitReader {
  private block = -1;
  private off = 0;
  /** Bits readable before the next block must be fetched; unbounded for contiguous runs. */
  private limit = BLOCK_BITS;
  private words: Uint32Array = new Uint32Array(0);
  private base = 0;
  /** Bits of the chain's blocks already left behind. */
  private passed = 0;

  constructor(private readonly arena: BlockArena) {}

  /** Positions the reader at the start of a chain. */
  reset(block: number): void {
    this.passed = 0;
    this.enter(block);
  }

  private enter(block: number): void {
    this.block = block;
    this.off = 0;
    this.limit = BLOCK_BITS;
    this.words = this.arena.pages[block >>> PAGE_SHIFT]!;
    this.base = (block & PAGE_MASK) * BLOCK_WORDS;
  }

  /** Positions the reader at word `base` of `words`, reading on without block boundaries. */
  resetFlat(words: Uint32Array, base: number): void {
    this.passed = 0;
    this.block = -1;
    this.off = 0;
    this.limit = 0x7fffffff;
    this.words = words;
    this.base = base;
  }

  /** Bits read since the last reset or resetFlat. */
  get position(): number {
    return this.passed + this.off;
  }

  /** Reads `n` bits (1 <= n <= 32) as an unsigned number. */
  read(n: number): number {
    const off = this.off;
    if (off + n > this.limit) return this.readAcross(n);
    const used = off & 31;
    const w = this.base + (off >>> 5);
    this.off = off + n;
    const cur = (this.words[w]! << used) >>> 0; // bits of this word left-aligned
    if (used + n <= 32) return cur >>> (32 - n);
    return ((cur >>> (32 - n)) | (this.words[w + 1]! >>> (64 - used - n))) >>> 0;
  }

  /**
   * Copies the next `n` bits to `w`, a word at a time: the bulk of a trimmed chunk. The
   * words up to the block's end (all of them, for a contiguous run) are shifted into
   * place in one loop; only a word across a block's end takes word()'s path.
   */
  copyTo(w: BitWriter, n: number): void {
    let left = n;
    while (left >= 32) {
      const off = this.off;
      let k = Math.min(left, this.limit - off) >>> 5;
      if (k === 0) {
        w.word(this.word());
        left -= 32;
        continue;
      }
      const words = this.words;
      const used = off & 31;
      let at = this.base + (off >>> 5);
      this.off = off + k * 32;
      left -= k * 32;
      if (used === 0) {
        for (; k > 0; k--) w.word(words[at++]!);
      } else {
        for (; k > 0; k--, at++) w.word(((words[at]! << used) | (words[at + 1]! >>> (32 - used))) >>> 0);
      }
    }
    if (left > 0) w.write(this.read(left), left);
  }

  /** Reads 32 bits: read(32) without its recursive path across a block's end. */
  word(): number {
    if (this.off === this.limit) {
      this.passed += BLOCK_BITS;
      this.enter(this.arena.next[this.block]!);
    }
    const off = this.off;
    const used = off & 31;
    const w = this.base + (off >>> 5);
    if (used === 0) {
      this.off = off + 32;
      return this.words[w]!;
    }
    const high = (this.words[w]! << used) >>> 0;
    if (off + 32 <= this.limit) {
      this.off = off + 32;
      return (high | (this.words[w + 1]! >>> (32 - used))) >>> 0;
    }
    // The low `used` bits open the next block.
    this.passed += BLOCK_BITS;
    this.enter(this.arena.next[this.block]!);
    this.off = used;
    return (high | (this.words[this.base]! >>> (32 - used))) >>> 0;
  }

  /** Reads one bit. */
  bit(): number {
    const off = this.off;
    if (off === this.limit) return this.readAcross(1);
    this.off = off + 1;
    return (this.words[this.base + (off >>> 5)]! >>> (31 - (off & 31))) & 1;
  }

  /** The slow path of read: the bits continue in the next block. */
  private readAcross(n: number): number {
    const avail = BLOCK_BITS - this.off;
    const hi = avail > 0 ? this.read(avail) : 0;
    this.passed += BLOCK_BITS;
    this.enter(this.arena.next[this.block]!);
    const rest = n - avail;
    return rest === 32 ? this.read(32) : ((hi << rest) | this.read(rest)) >>> 0;
  }
}

/**
 * Copies the first `words` words of the chain at `first` into `dst` at `at`: how a
 * sealed chunk leaves its blocks for exactly-sized storage.
 */
export function copyChain(arena: BlockArena, first: number, words: number, dst: Uint32Array, at: number): void {
  let b = first;
  let left = words;
  while (left > 0) {
    const n = Math.min(left, BLOCK_WORDS);
    const src = arena.pages[b >>> PAGE_SHIFT]!;
    const base = (b & PAGE_MASK) * BLOCK_WORDS;
    // Word by word: a subarray per block to set() from cost more than the copy (and fed the GC).
    for (let i = 0; i < n; i++) dst[at + i] = src[base + i]!;
    at += n;
    left -= n;
    if (left > 0) b = arena.next[b]!;
  }
}

/*
 * Buffers for large RPC replies (READ data), used again once their reader gives them back.
 * A fresh buffer of a few hundred KiB is memory the kernel maps and faults in page by page, and
 * that the allocator hands back to it when freed: reading a 1 GiB file into fresh buffers cost a
 * quarter of a million page faults, ~14% of the transfer thread's CPU. A buffer used again has
 * its pages already.
 */

/**
 * A pool of equal buffers of `bufferBytes`. `take` lends one (a view of the length asked for);
 * `release` gives it back, by any view into it: only the last holder of every view into a
 * buffer may release it, and a buffer nobody releases is simply collected (the pool keeps no
 * strong reference to what it lent). At most `maxIdleBytes` wait in the pool.
 */
export class ReplyBufferPool {
  private readonly idle: ArrayBuffer[] = [];
  private readonly lent = new WeakSet<ArrayBuffer>();
  private readonly maxIdle: number;

  constructor(
    /** The size of every buffer: the largest reply the pool serves. */
    readonly bufferBytes: number,
    maxIdleBytes: number,
  ) {
    this.maxIdle = Math.max(1, Math.floor(maxIdleBytes / bufferBytes));
  }

  /**
   * Whether a reply of `length` bytes is taken from the pool: only those that fill most of a
   * buffer (READ replies), so that small replies do not each hold a large buffer.
   */
  serves(length: number): boolean {
    return length <= this.bufferBytes && length > this.bufferBytes / 2;
  }

  /** A buffer of `length` bytes (at most bufferBytes), a reused one when one is idle. */
  take(length: number): Buffer {
    if (length > this.bufferBytes) throw new RangeError(`${length} bytes: larger than the pool's`);
    const memory = this.idle.pop() ?? new ArrayBuffer(this.bufferBytes);
    this.lent.add(memory);
    return Buffer.from(memory, 0, length);
  }

  /**
   * Gives back the buffer `view` lies in, for `take` to lend again: the caller promises that
   * nothing reads or writes any view into it any more. A view of memory the pool did not lend,
   * or already given back, is ignored.
   */
  release(view: Uint8Array): void {
    const memory = view.buffer;
    if (!(memory instanceof ArrayBuffer) || !this.lent.delete(memory)) return;
    if (this.idle.length < this.maxIdle) this.idle.push(memory);
  }

  /** Buffers waiting to be lent again (for tests). */
  get idleCount(): number {
    return this.idle.length;
  }
}

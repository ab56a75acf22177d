/**
 * A queue of byte chunks that hands out views, copying only when a read spans chunks.
 * @module
 */

/**
 * Accumulates pushed chunks; `read(n)` returns the next `n` bytes as a view into one chunk
 * when possible, a copy otherwise.
 *
 * @example
 * ```ts
 * const q = new ChunkQueue();
 * q.push(new Uint8Array([1, 2]));
 * q.push(new Uint8Array([3]));
 * q.read(3); // Uint8Array [1, 2, 3] (copied: spans two chunks)
 * ```
 */
export class ChunkQueue {
  #chunks: Uint8Array[] = [];
  /** Index of the first live chunk in `#chunks` (advanced instead of shift(): linear time). */
  #first = 0;
  /** Bytes of the first live chunk already consumed. */
  #head = 0;
  #length = 0;

  /** Bytes available to read. */
  get length(): number {
    return this.#length;
  }

  /** Appends a chunk (kept by reference, not copied). Empty chunks are ignored. */
  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.#chunks.push(chunk);
    this.#length += chunk.length;
  }

  /**
   * Returns the next `n` bytes without consuming them.
   * @param n bytes wanted; must be ≤ `length`
   * @throws {RangeError} when fewer than `n` bytes are available
   */
  peek(n: number): Uint8Array {
    if (n > this.#length) throw new RangeError(`Cannot peek ${n} bytes: ${this.#length} queued`);
    const first = this.#chunks[this.#first];
    if (n === 0 || first === undefined) return new Uint8Array(0);
    if (first.length - this.#head >= n) return first.subarray(this.#head, this.#head + n);
    const out = new Uint8Array(n);
    let filled = 0;
    let at = this.#head;
    for (let i = this.#first; i < this.#chunks.length; i++) {
      const c = this.#chunks[i]!;
      const take = Math.min(c.length - at, n - filled);
      out.set(c.subarray(at, at + take), filled);
      filled += take;
      at = 0;
      if (filled === n) break;
    }
    return out;
  }

  /** Drops the next `n` bytes. @throws {RangeError} when fewer are queued */
  consume(n: number): void {
    if (n > this.#length) throw new RangeError(`Cannot consume ${n} bytes: ${this.#length} queued`);
    this.#length -= n;
    let left = n;
    while (left > 0) {
      const first = this.#chunks[this.#first]!;
      const avail = first.length - this.#head;
      if (avail > left) {
        this.#head += left;
        break;
      }
      left -= avail;
      this.#first++;
      this.#head = 0;
    }
    if (this.#first > 64 && this.#first * 2 > this.#chunks.length) {
      this.#chunks = this.#chunks.slice(this.#first);
      this.#first = 0;
    }
  }

  /** Returns and consumes the next `n` bytes (a view when they lie in one chunk). */
  read(n: number): Uint8Array {
    const out = this.peek(n);
    this.consume(n);
    return out;
  }
}

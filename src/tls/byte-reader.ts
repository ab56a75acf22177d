import { ParseError } from "../errors.ts";

/**
 * A bounds-checked, zero-copy reader over a byte array, big-endian by default (network
 * order, RFC 8446 §3.3) with little-endian variants for pcap.
 *
 * Two promises, pinned by tests: reads return views into the original buffer, never
 * copies; a read that fails throws {@link ParseError} and consumes nothing.
 *
 * Integers are read by indexing the `Uint8Array`, not through a `DataView`: a reader is
 * made per vector, and creating a `DataView` for each was the largest single cost of
 * dissecting a large capture. Error texts are built only when a read fails.
 *
 * @example
 * ```ts
 * const r = new ByteReader(bytes);
 * const type = r.u8();
 * const body = r.vector(3); // opaque body<0..2^24-1>
 * ```
 */
export class ByteReader {
  readonly bytes: Uint8Array;
  /** Offset of `bytes[0]` within the outermost unit, for error offsets. */
  readonly base: number;
  #pos = 0;

  /**
   * @param bytes the bytes to read (not copied)
   * @param base offset of `bytes[0]` in the enclosing unit, added to error offsets; default 0
   */
  constructor(bytes: Uint8Array, base = 0) {
    this.bytes = bytes;
    this.base = base;
  }

  /** Current position, in bytes from the start of this reader. */
  get position(): number {
    return this.#pos;
  }

  /** Bytes left to read. */
  get remaining(): number {
    return this.bytes.length - this.#pos;
  }

  /** True when every byte has been read. */
  get done(): boolean {
    return this.#pos >= this.bytes.length;
  }

  #need(n: number, what: string): number {
    if (n > this.remaining) {
      throw new ParseError(
        `Cannot read ${what}: needs ${n} bytes, ${this.remaining} remaining`,
        this.base + this.#pos,
      );
    }
    const at = this.#pos;
    this.#pos += n;
    return at;
  }

  /** Reads an unsigned 8-bit integer. @throws {ParseError} at end of input */
  u8(what = "uint8"): number {
    return this.bytes[this.#need(1, what)]!;
  }

  /** Reads a big-endian unsigned 16-bit integer. @throws {ParseError} */
  u16(what = "uint16"): number {
    const at = this.#need(2, what);
    return (this.bytes[at]! << 8) | this.bytes[at + 1]!;
  }

  /** Reads a big-endian unsigned 24-bit integer. @throws {ParseError} */
  u24(what = "uint24"): number {
    const at = this.#need(3, what);
    const b = this.bytes;
    return (b[at]! << 16) | (b[at + 1]! << 8) | b[at + 2]!;
  }

  /** Reads a big-endian unsigned 32-bit integer. @throws {ParseError} */
  u32(what = "uint32"): number {
    const at = this.#need(4, what);
    const b = this.bytes;
    return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
  }

  /** Reads a little-endian unsigned 16-bit integer. @throws {ParseError} */
  u16le(what = "uint16"): number {
    const at = this.#need(2, what);
    return this.bytes[at]! | (this.bytes[at + 1]! << 8);
  }

  /** Reads a little-endian unsigned 32-bit integer. @throws {ParseError} */
  u32le(what = "uint32"): number {
    const at = this.#need(4, what);
    const b = this.bytes;
    return (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;
  }

  /** Returns a view of the next `n` bytes. @throws {ParseError} */
  bytesView(n: number, what = "bytes"): Uint8Array {
    const at = this.#need(n, what);
    return this.bytes.subarray(at, at + n);
  }

  /** Returns a view of everything left. */
  rest(): Uint8Array {
    return this.bytesView(this.remaining);
  }

  /** Skips `n` bytes. @throws {ParseError} */
  skip(n: number, what = "bytes"): void {
    this.#need(n, what);
  }

  /**
   * Reads a length-prefixed vector (`opaque x<0..2^(8*lengthBytes)-1>`, RFC 8446 §3.4)
   * and returns a child reader over its body. Consumes nothing on failure.
   * @param lengthBytes size of the length prefix: 1, 2, 3 or 4
   * @throws {ParseError} when the prefix or body runs past the end
   */
  vector(lengthBytes: 1 | 2 | 3 | 4, what = "vector"): ByteReader {
    const start = this.#pos;
    const b = this.bytes;
    if (lengthBytes > b.length - start) this.#need(lengthBytes, `${what} length`); // throws
    let length = 0;
    for (let i = 0; i < lengthBytes; i++) length = length * 256 + b[start + i]!;
    const bodyAt = start + lengthBytes;
    const available = b.length - bodyAt;
    if (length > available) {
      throw new ParseError(
        `Cannot read ${what}: length ${length} exceeds the ${available} bytes remaining`,
        this.base + start,
      );
    }
    this.#pos = bodyAt + length;
    return new ByteReader(b.subarray(bodyAt, bodyAt + length), this.base + bodyAt);
  }
}

import { ParseError } from "../errors.ts";

/**
 * A bounds-checked, zero-copy reader over a byte array, big-endian by default (network
 * order, RFC 8446 §3.3) with little-endian variants for pcap.
 *
 * Two promises, pinned by tests: reads return views into the original buffer, never
 * copies; a read that fails throws {@link ParseError} and consumes nothing.
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
  readonly #view: DataView;
  /** Offset of `bytes[0]` within the outermost unit, for error offsets. */
  readonly base: number;
  #pos = 0;

  /**
   * @param bytes the bytes to read (not copied)
   * @param base offset of `bytes[0]` in the enclosing unit, added to error offsets; default 0
   */
  constructor(bytes: Uint8Array, base = 0) {
    this.bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
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
    return this.#view.getUint8(this.#need(1, what));
  }

  /** Reads a big-endian unsigned 16-bit integer. @throws {ParseError} */
  u16(what = "uint16"): number {
    return this.#view.getUint16(this.#need(2, what));
  }

  /** Reads a big-endian unsigned 24-bit integer. @throws {ParseError} */
  u24(what = "uint24"): number {
    const at = this.#need(3, what);
    return (this.#view.getUint8(at) << 16) | this.#view.getUint16(at + 1);
  }

  /** Reads a big-endian unsigned 32-bit integer. @throws {ParseError} */
  u32(what = "uint32"): number {
    return this.#view.getUint32(this.#need(4, what));
  }

  /** Reads a little-endian unsigned 16-bit integer. @throws {ParseError} */
  u16le(what = "uint16"): number {
    return this.#view.getUint16(this.#need(2, what), true);
  }

  /** Reads a little-endian unsigned 32-bit integer. @throws {ParseError} */
  u32le(what = "uint32"): number {
    return this.#view.getUint32(this.#need(4, what), true);
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
    const length =
      lengthBytes === 1
        ? this.u8(`${what} length`)
        : lengthBytes === 2
          ? this.u16(`${what} length`)
          : lengthBytes === 3
            ? this.u24(`${what} length`)
            : this.u32(`${what} length`);
    const available = this.remaining;
    if (length > available) {
      this.#pos = start;
      throw new ParseError(
        `Cannot read ${what}: length ${length} exceeds the ${available} bytes remaining`,
        this.base + start,
      );
    }
    const bodyAt = this.#pos;
    this.#pos += length;
    return new ByteReader(this.bytes.subarray(bodyAt, bodyAt + length), this.base + bodyAt);
  }
}

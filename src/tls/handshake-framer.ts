import { ParseError } from "../errors.ts";

/** Size of the handshake message header: msg_type (1) and length (3), in bytes. */
export const HANDSHAKE_HEADER_SIZE = 4;

/** Default largest handshake message body accepted, in bytes: 2^24 - 1 (the uint24 maximum). */
export const DEFAULT_MAX_HANDSHAKE_SIZE = 2 ** 24 - 1;

/**
 * One handshake message, framed but not parsed.
 *
 * ```
 * struct {
 *     HandshakeType msg_type;    // handshake type
 *     uint24 length;             // remaining bytes in message
 *     select (Handshake.msg_type) { ... };
 * } Handshake;                   // RFC 8446 §4, RFC 5246 §7.4
 * ```
 */
export interface HandshakeFrame {
  /** `msg_type`: a HandshakeType value (1 = client_hello...). */
  readonly msgType: number;
  /** `length`: body size in bytes. */
  readonly length: number;
  /** The message body (a view, or a copy when the message spanned records). */
  readonly body: Uint8Array;
  /** Header and body. */
  readonly raw: Uint8Array;
}

/** Options for {@link HandshakeFramer}. */
export interface HandshakeFramerOptions {
  /** Largest body accepted, in bytes; default {@link DEFAULT_MAX_HANDSHAKE_SIZE} (2^24 - 1). */
  readonly maxMessageSize?: number;
}

/**
 * Reassembles handshake messages from the fragments of successive handshake records:
 * messages may be coalesced (several per record) or fragmented (one across several
 * records), RFC 8446 §5.1. Feed it the `fragment` of each plaintext handshake record of
 * one direction, in order.
 *
 * A message inside one fragment is returned as a view; only a message that spans
 * fragments is copied. After a {@link ParseError} the framer is poisoned.
 *
 * @see RFC 8446 §5.1, RFC 5246 §6.2.1
 * @example
 * ```ts
 * const hs = new HandshakeFramer();
 * for (const frame of hs.push(record.fragment)) console.log(frame.msgType, frame.length);
 * ```
 */
export class HandshakeFramer {
  readonly #max: number;
  #pending: Uint8Array[] = [];
  #pendingSize = 0;
  #consumed = 0;
  #error: ParseError | undefined;
  /** The last entry of `#pending` is a view of the caller's fragment (see {@link HandshakeFramer.own}). */
  #borrowed = false;

  /** @param options `maxMessageSize` in bytes, default 2^24 - 1 */
  constructor(options: HandshakeFramerOptions = {}) {
    this.#max = options.maxMessageSize ?? DEFAULT_MAX_HANDSHAKE_SIZE;
    if (!Number.isInteger(this.#max) || this.#max < 0) {
      throw new RangeError(`Invalid maxMessageSize: ${this.#max}, expected a non-negative integer`);
    }
  }

  /** Bytes held for a message not yet complete. */
  get buffered(): number {
    return this.#pendingSize;
  }

  /**
   * Adds a handshake record fragment and returns the messages it completes, in order.
   * @param fragment the plaintext fragment of a handshake record (not modified)
   * @returns the completed messages (possibly none)
   * @throws {ParseError} when a message declares a length above the limit; `offset` is
   *   from the start of the handshake stream of this direction
   */
  push(fragment: Uint8Array): HandshakeFrame[] {
    if (this.#error) throw this.#error;
    const out: HandshakeFrame[] = [];
    let data = fragment;
    let pos = 0;
    try {
      if (this.#pendingSize > 0) {
        if (data.length === 0) return out;
        this.#pending.push(data);
        this.#pendingSize += data.length;
        this.#borrowed = true;
        // Copy only once the whole pending message is here (linear, not quadratic).
        if (this.#pendingSize < HANDSHAKE_HEADER_SIZE) return out;
        const header = concat(this.#pending, HANDSHAKE_HEADER_SIZE);
        const length = (header[1]! << 16) | (header[2]! << 8) | header[3]!;
        this.#check(header[0]!, length);
        if (this.#pendingSize < HANDSHAKE_HEADER_SIZE + length) return out;
        data = concat(this.#pending, this.#pendingSize);
        this.#pending = [];
        this.#pendingSize = 0;
        this.#borrowed = false;
      }
      while (data.length - pos >= HANDSHAKE_HEADER_SIZE) {
        const msgType = data[pos]!;
        const length = (data[pos + 1]! << 16) | (data[pos + 2]! << 8) | data[pos + 3]!;
        this.#check(msgType, length);
        const size = HANDSHAKE_HEADER_SIZE + length;
        if (data.length - pos < size) break;
        const raw = data.subarray(pos, pos + size);
        out.push({ msgType, length, body: raw.subarray(HANDSHAKE_HEADER_SIZE), raw });
        pos += size;
        this.#consumed += size;
      }
    } catch (e) {
      if (e instanceof ParseError) this.#error = e;
      throw e;
    }
    if (pos < data.length) {
      this.#pending = [data.subarray(pos)];
      this.#pendingSize = data.length - pos;
      this.#borrowed = data === fragment;
    }
    return out;
  }

  /**
   * Copies the bytes kept of an unfinished message out of the fragment last pushed, so the
   * caller may release it. Call it after each {@link HandshakeFramer.push}: then only the
   * bytes of messages that span records are copied, each once.
   */
  own(): void {
    if (!this.#borrowed) return;
    this.#borrowed = false;
    const last = this.#pending.length - 1;
    if (last >= 0) this.#pending[last] = this.#pending[last]!.slice();
  }

  #check(msgType: number, length: number): void {
    if (length > this.#max) {
      throw new ParseError(
        `Handshake message too large: type ${msgType} declares ${length} bytes, limit ${this.#max}`,
        this.#consumed + 1,
      );
    }
  }
}

/** Copies the first `size` bytes of `parts` into one array. */
function concat(parts: readonly Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    const take = Math.min(p.length, size - at);
    out.set(p.subarray(0, take), at);
    at += take;
    if (at === size) break;
  }
  return out;
}

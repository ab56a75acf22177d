import { ParseError } from "../errors.ts";

/**
 * TLS record content types (IANA "TLS ContentType" registry; RFC 8446 §5.1, RFC 6520).
 *
 * @example
 * ```ts
 * if (record.contentType === ContentType.handshake) framer.push(record.fragment);
 * ```
 */
export const ContentType = {
  change_cipher_spec: 20,
  alert: 21,
  handshake: 22,
  application_data: 23,
  heartbeat: 24,
} as const;

/** One of the {@link ContentType} values. */
export type ContentType = (typeof ContentType)[keyof typeof ContentType];

/** The registry name of a content type (`handshake`), or `unknown(N)`. */
export function contentTypeName(type: number): string {
  for (const [name, value] of Object.entries(ContentType)) if (value === type) return name;
  return `unknown(${type})`;
}

/** Size of the record header: type (1), legacy_record_version (2), length (2), in bytes. */
export const RECORD_HEADER_SIZE = 5;

/**
 * Largest record fragment accepted, in bytes: 2^14 + 2048, the `TLSCiphertext` bound of
 * RFC 5246 §6.2.3 (RFC 8446 §5.2 allows only 2^14 + 256; we accept the looser one).
 */
export const MAX_RECORD_FRAGMENT = 2 ** 14 + 2048;

/**
 * One TLS record as it appears on the wire.
 *
 * ```
 * struct {
 *     ContentType type;
 *     ProtocolVersion legacy_record_version;
 *     uint16 length;
 *     opaque fragment[TLSPlaintext.length];
 * } TLSPlaintext;            // RFC 8446 §5.1, RFC 5246 §6.2.1
 * ```
 */
export interface TlsRecord {
  /** `type`: a {@link ContentType} value. */
  readonly contentType: number;
  /** `legacy_record_version`, e.g. 0x0303. */
  readonly version: number;
  /** The `length` bytes after the header (a view, possibly encrypted). */
  readonly fragment: Uint8Array;
  /** Header and fragment, a view of the wire bytes. */
  readonly raw: Uint8Array;
}

/** What {@link readRecord} returns: the record and how many bytes it took. */
export interface ReadRecordResult {
  readonly record: TlsRecord;
  /** Bytes consumed: header plus fragment. */
  readonly size: number;
}

const KNOWN_TYPES: ReadonlySet<number> = new Set(Object.values(ContentType));

/**
 * Checks a 5-byte record header and returns the fragment length.
 * @throws {ParseError} when the header cannot be a TLS record
 */
function checkHeader(type: number, version: number, length: number, offset: number): void {
  if (!KNOWN_TYPES.has(type)) {
    throw new ParseError(
      `Invalid TLS record header: content type ${type}, expected one of 20-24`,
      offset,
    );
  }
  if (version >> 8 !== 3) {
    throw new ParseError(
      `Invalid TLS record header: version 0x${version.toString(16).padStart(4, "0")}, expected major version 3`,
      offset + 1,
    );
  }
  if (length > MAX_RECORD_FRAGMENT) {
    throw new ParseError(
      `Invalid TLS record header: length ${length} exceeds the ${MAX_RECORD_FRAGMENT}-byte limit`,
      offset + 3,
    );
  }
}

/**
 * Reads one TLS record from `bytes` at `offset`, without copying.
 *
 * @param bytes the stream bytes
 * @param offset where the record starts, in bytes; default 0
 * @returns `{ record, size }`, or `null` when `bytes` ends before the record does
 * @throws {ParseError} when the header cannot be TLS: unknown content type, major version
 *   other than 3, or length above {@link MAX_RECORD_FRAGMENT}
 * @see RFC 8446 §5.1, RFC 5246 §6.2.1
 * @example
 * ```ts
 * const got = readRecord(bytes);
 * if (got) console.log(got.record.contentType, got.size);
 * ```
 */
export function readRecord(bytes: Uint8Array, offset = 0): ReadRecordResult | null {
  if (offset < 0 || offset > bytes.length) {
    throw new RangeError(`Invalid offset: ${offset}, expected 0..${bytes.length}`);
  }
  const available = bytes.length - offset;
  if (available < 1) return null;
  const type = bytes[offset]!;
  if (!KNOWN_TYPES.has(type)) checkHeader(type, 0x0300, 0, offset);
  if (available >= 2 && bytes[offset + 1] !== 3) {
    checkHeader(type, (bytes[offset + 1]! << 8) | (bytes[offset + 2] ?? 0), 0, offset);
  }
  if (available < RECORD_HEADER_SIZE) return null;
  const version = (bytes[offset + 1]! << 8) | bytes[offset + 2]!;
  const length = (bytes[offset + 3]! << 8) | bytes[offset + 4]!;
  checkHeader(type, version, length, offset);
  const size = RECORD_HEADER_SIZE + length;
  if (available < size) return null;
  const raw = bytes.subarray(offset, offset + size);
  return {
    record: { contentType: type, version, fragment: raw.subarray(RECORD_HEADER_SIZE), raw },
    size,
  };
}

/**
 * Frames a byte stream (one direction of a TLS connection) into records.
 *
 * Keeps a queue of the chunks pushed so far; a record that lies inside one chunk is
 * returned as a view of it, and bytes are copied only when a record (or its 5-byte
 * header) spans chunks. After a {@link ParseError} the framer is poisoned: later pushes
 * throw the same error.
 *
 * @see RFC 8446 §5.1
 * @example
 * ```ts
 * const framer = new RecordFramer();
 * socket.on("data", (chunk) => {
 *   for (const record of framer.push(chunk)) console.log(record.contentType);
 * });
 * ```
 */
export class RecordFramer {
  #chunks: Uint8Array[] = [];
  /** Index of the first unconsumed chunk (avoids `shift()`, which is linear). */
  #first = 0;
  /** Bytes of `#chunks[#first]` already consumed. */
  #head = 0;
  #buffered = 0;
  #consumed = 0;
  #error: ParseError | undefined;
  /** The last chunk pushed is still the caller's (see {@link RecordFramer.own}). */
  #borrowed = false;

  /** Bytes received but not yet returned as part of a record. */
  get buffered(): number {
    return this.#buffered;
  }

  /** Bytes returned as records so far (the stream offset of the next record). */
  get consumed(): number {
    return this.#consumed;
  }

  /**
   * Adds bytes and returns every record they complete, in order.
   * @param chunk the next bytes of the stream (kept by reference until consumed; not modified)
   * @returns the completed records (possibly none)
   * @throws {ParseError} when a header cannot be TLS; `offset` is from the stream start
   */
  push(chunk: Uint8Array): TlsRecord[] {
    if (this.#error) throw this.#error;
    if (chunk.length > 0) {
      this.#chunks.push(chunk);
      this.#buffered += chunk.length;
      this.#borrowed = true;
    }
    const out: TlsRecord[] = [];
    try {
      for (;;) {
        const record = this.#next();
        if (!record) break;
        out.push(record);
      }
    } catch (e) {
      if (e instanceof ParseError) {
        e.offset += this.#consumed;
        this.#error = e;
      }
      throw e;
    }
    return out;
  }

  /**
   * Copies the bytes kept of an unfinished record out of the chunk last pushed, so the
   * caller may reuse or release it (a view into a large capture buffer is not pinned by an
   * idle connection). Call it after each {@link RecordFramer.push}: then only the bytes of
   * records that span pushes are ever copied, each once.
   */
  own(): void {
    if (!this.#borrowed) return;
    this.#borrowed = false;
    if (this.#buffered === 0) return;
    const last = this.#chunks.length - 1;
    const from = last === this.#first ? this.#head : 0;
    this.#chunks[last] = this.#chunks[last]!.slice(from);
    if (last === this.#first) this.#head = 0;
  }

  #next(): TlsRecord | null {
    const first = this.#chunks[this.#first];
    if (!first) return null;
    // Fast path: the whole record is inside the first chunk.
    const got = readRecord(first, this.#head);
    if (got) {
      this.#advance(got.size);
      return got.record;
    }
    if (this.#buffered < RECORD_HEADER_SIZE) {
      // Validate what we have of the header so garbage fails early.
      readRecord(this.#peek(this.#buffered), 0);
      return null;
    }
    const header = this.#peek(RECORD_HEADER_SIZE);
    const length = (header[3]! << 8) | header[4]!;
    readRecord(header, 0); // throws on a bad header
    const size = RECORD_HEADER_SIZE + length;
    if (this.#buffered < size) return null;
    const raw = this.#peek(size);
    this.#advance(size);
    return readRecord(raw, 0)!.record;
  }

  /** Returns the next `n` buffered bytes: a view if inside one chunk, else a copy. */
  #peek(n: number): Uint8Array {
    const first = this.#chunks[this.#first]!;
    if (first.length - this.#head >= n) return first.subarray(this.#head, this.#head + n);
    const out = new Uint8Array(n);
    let filled = 0;
    let start = this.#head;
    for (let i = this.#first; i < this.#chunks.length; i++) {
      const chunk = this.#chunks[i]!;
      const take = Math.min(n - filled, chunk.length - start);
      out.set(chunk.subarray(start, start + take), filled);
      filled += take;
      start = 0;
      if (filled === n) break;
    }
    return out;
  }

  #advance(n: number): void {
    this.#buffered -= n;
    this.#consumed += n;
    let left = n;
    while (left > 0) {
      const first = this.#chunks[this.#first]!;
      const avail = first.length - this.#head;
      if (left >= avail) {
        this.#first++;
        this.#head = 0;
        left -= avail;
      } else {
        this.#head += left;
        left = 0;
      }
    }
    const current = this.#chunks[this.#first];
    if (current && this.#head === current.length) {
      this.#first++;
      this.#head = 0;
    }
    if (this.#first === this.#chunks.length) {
      this.#chunks = [];
      this.#first = 0;
    } else if (this.#first > 1024) {
      this.#chunks = this.#chunks.slice(this.#first);
      this.#first = 0;
    }
  }
}

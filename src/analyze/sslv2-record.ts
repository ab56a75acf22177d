/**
 * SSL 2.0 record framing, for the SSLv2 and SSLv2-compatible hellos still met in captures.
 *
 * Header: 2 bytes when the high bit of the first is set (length = 15 bits), else 3 bytes
 * (length = 14 bits, then a padding length byte). Source: draft-hickman-netscape-ssl-00
 * "SSL Record Header Format"; RFC 6101 Appendix E.2 for the compatible CLIENT-HELLO.
 * @module
 */

/** An SSL 2.0 record. */
export interface Sslv2Record {
  /** Header length in bytes: 2 or 3. */
  readonly headerLength: number;
  /** The record data (message, possibly encrypted), padding included. */
  readonly data: Uint8Array;
  /** Header and data. */
  readonly raw: Uint8Array;
}

/**
 * Reads one SSL 2.0 record.
 * @param bytes the stream bytes
 * @param offset where the record starts; default 0
 * @returns the record and its size in bytes, or null when `bytes` ends first
 */
export function readSslv2Record(
  bytes: Uint8Array,
  offset = 0,
): { readonly record: Sslv2Record; readonly size: number } | null {
  const b0 = bytes[offset];
  const b1 = bytes[offset + 1];
  if (b0 === undefined || b1 === undefined) return null;
  const two = (b0 & 0x80) !== 0;
  const headerLength = two ? 2 : 3;
  const length = two ? ((b0 & 0x7f) << 8) | b1 : ((b0 & 0x3f) << 8) | b1;
  const size = headerLength + length;
  if (bytes.length - offset < size) return null;
  const raw = bytes.subarray(offset, offset + size);
  return { record: { headerLength, data: raw.subarray(headerLength), raw }, size };
}

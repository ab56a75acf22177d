/**
 * Recognises TLS by record structure, on any port: the first bytes of a direction must be
 * a TLS record header (content type 20..24, major version 3, length ≤ 2^14 + 2048;
 * RFC 8446 §5.1, RFC 5246 §6.2.1) or an SSL 2.0 CLIENT-HELLO (RFC 6101 Appendix E.2,
 * draft-hickman-netscape-ssl-00).
 * @module
 */
import { MAX_RECORD_FRAGMENT } from "../tls/record.ts";

/** What the first bytes of a direction look like. */
export type TlsGuess = "tls" | "sslv2" | "not-tls";

/**
 * Guesses whether a direction carries TLS from its first bytes.
 * @param first the first bytes of one direction (1..n bytes; more gives a firmer answer)
 * @returns "tls", "sslv2" (an SSL 2.0 record holding a CLIENT-HELLO) or "not-tls"
 * @example
 * ```ts
 * guessTls(Uint8Array.of(0x16, 0x03, 0x01, 0x02, 0x00)); // "tls"
 * ```
 */
export function guessTls(first: Uint8Array): TlsGuess {
  const type = first[0];
  if (type === undefined) return "not-tls";
  if (type >= 20 && type <= 24) {
    if (first.length >= 2 && first[1] !== 3) return "not-tls";
    if (first.length >= 3 && first[2]! > 4) return "not-tls";
    if (first.length >= 5 && ((first[3]! << 8) | first[4]!) > MAX_RECORD_FRAGMENT) return "not-tls";
    return "tls";
  }
  // SSL 2.0 record with a 2-byte header (high bit set) whose message is CLIENT-HELLO (1)
  // with version 0x0002 or 3.x.
  if (type & 0x80 && first.length >= 5) {
    const msg = first[2];
    const major = first[3];
    if (msg === 1 && (major === 0 || major === 3)) return "sslv2";
  }
  return "not-tls";
}

/**
 * Finds where the first whole TLS record starts in bytes that may begin inside a record (a
 * capture started mid-connection). A candidate header (RFC 8446 §5.1: type 20–24, major
 * version 3, minor ≤ 4, length ≤ 2^14 + 2048) counts when its record ends exactly at the end
 * of `data`, or is followed by another plausible header, or is an application_data record
 * of version 0x0301–0x0304 running past the end (a partial record is the common case on a
 * busy connection).
 * @param data reassembled bytes of one direction
 * @returns the offset of the header, or -1
 * @example
 * ```ts
 * findRecordBoundary(Uint8Array.of(0xaa, 0xbb, 0x17, 0x03, 0x03, 0x00, 0x01, 0x00)); // 2
 * ```
 */
export function findRecordBoundary(data: Uint8Array): number {
  for (let i = 0; i + 5 <= data.length; i++) {
    const type = data[i]!;
    if (type < 20 || type > 24 || data[i + 1] !== 3 || data[i + 2]! > 4) continue;
    const length = (data[i + 3]! << 8) | data[i + 4]!;
    if (length > MAX_RECORD_FRAGMENT) continue;
    const next = i + 5 + length;
    if (next === data.length) return i;
    if (next + 5 <= data.length) {
      if (guessTls(data.subarray(next, next + 5)) === "tls") return i;
    } else if (next > data.length && type === 23 && data[i + 2]! >= 1) return i;
  }
  return -1;
}

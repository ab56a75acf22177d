/**
 * Recognises a PROXY protocol header (v1 text line or v2 binary header) at the start of the
 * client's direction of a captured connection, so the TLS records after it can be dissected
 * (tshark 4.0 does the same with its `proxy` heuristic dissector).
 *
 * Source: haproxy `doc/proxy-protocol.txt` §2.1 (v1: `PROXY ...\r\n`, at most 107 bytes),
 * §2.2 (v2: 12-byte signature, ver_cmd, fam, 16-bit `len`).
 * @module
 */
import { ParseError } from "../errors.ts";
import {
  PP1_MAX_LENGTH,
  PP1_PREFIX,
  PP2_HEADER_LENGTH,
  PP2_SIGNATURE,
} from "../proxy-protocol/constants.ts";
import { decodeProxyHeader, type ProxyHeader } from "../proxy-protocol/decode.ts";

/** What {@link readProxyPrefix} finds at the start of a direction. */
export type ProxyPrefix =
  /** A complete header that took the first `size` bytes. */
  | { readonly kind: "header"; readonly header: ProxyHeader; readonly size: number }
  /**
   * A header framed as one (a v1 line ending in CRLF within 107 bytes, or a v2 signature and
   * `len`) whose content is invalid (`message` says why, in the decoder's words): tshark
   * skips it all the same, and so does the analyzer.
   */
  | {
      readonly kind: "invalid";
      readonly version: 1 | 2;
      readonly size: number;
      readonly message: string;
    }
  /** The bytes so far are a valid beginning of a header: wait for more. */
  | { readonly kind: "more" }
  /** Not a PROXY protocol header (or a broken one): dissect the bytes as they are. */
  | { readonly kind: "none" };

/** True when `bytes` begins like `prefix` (as far as either goes). */
function startsLike(bytes: Uint8Array, prefix: ArrayLike<number>): boolean {
  const n = Math.min(bytes.length, prefix.length);
  for (let i = 0; i < n; i++) if (bytes[i] !== prefix[i]) return false;
  return true;
}

const V1_PREFIX: readonly number[] = [...PP1_PREFIX].map((c) => c.charCodeAt(0));

/**
 * Reads a PROXY protocol header at the start of a direction's bytes.
 * @param bytes the first bytes of the client's direction (1..n bytes)
 * @returns `{ kind: "header", header, size }` (`size` bytes, at most 107 for v1 and
 *   16 + 65535 for v2), `{ kind: "more" }` when the bytes are a valid but incomplete header,
 *   or `{ kind: "none" }`
 * @throws nothing: a broken header reads as `none`
 * @example
 * ```ts
 * const r = readProxyPrefix(new TextEncoder().encode("PROXY TCP4 192.0.2.1 192.0.2.2 5000 443\r\n"));
 * if (r.kind === "header") r.size; // 41
 * ```
 */
export function readProxyPrefix(bytes: Uint8Array): ProxyPrefix {
  if (bytes.length === 0) return { kind: "more" };
  if (!startsLike(bytes, V1_PREFIX) && !startsLike(bytes, PP2_SIGNATURE)) return { kind: "none" };
  try {
    const r = decodeProxyHeader(bytes);
    return r.kind === "header" ? r : { kind: "more" };
  } catch (e) {
    if (!(e instanceof ParseError)) throw e;
    return framedOnly(bytes, e.message);
  }
}

/** Frames a header the decoder rejected by its delimiters alone (see `invalid`). */
function framedOnly(bytes: Uint8Array, message: string): ProxyPrefix {
  if (bytes[0] === V1_PREFIX[0]) {
    if (!startsLike(bytes, V1_PREFIX) || bytes.length < V1_PREFIX.length) return { kind: "none" };
    const limit = Math.min(bytes.length, PP1_MAX_LENGTH);
    for (let i = V1_PREFIX.length; i + 1 < limit; i++) {
      if (bytes[i] === 0x0d && bytes[i + 1] === 0x0a) {
        return { kind: "invalid", version: 1, size: i + 2, message };
      }
    }
    return bytes.length < PP1_MAX_LENGTH ? { kind: "more" } : { kind: "none" };
  }
  if (bytes.length < PP2_SIGNATURE.length || !startsLike(bytes, PP2_SIGNATURE)) {
    return { kind: "none" };
  }
  if (bytes.length < PP2_HEADER_LENGTH) return { kind: "more" };
  const size = PP2_HEADER_LENGTH + ((bytes[14]! << 8) | bytes[15]!);
  if (bytes.length < size) return { kind: "more" };
  return { kind: "invalid", version: 2, size, message };
}

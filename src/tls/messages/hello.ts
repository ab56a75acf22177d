import { ByteReader } from "../byte-reader.ts";
import { type Extension, parseExtensions } from "../extensions.ts";
import { expectDone } from "./common.ts";

/**
 * The `random` of a HelloRetryRequest: SHA-256("HelloRetryRequest") (RFC 8446 §4.1.3).
 */
export const HELLO_RETRY_REQUEST_RANDOM: Uint8Array = Uint8Array.from([
  0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
  0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
]);

/**
 * ```
 * struct {
 *     ProtocolVersion legacy_version = 0x0303;    // TLS v1.2
 *     Random random;
 *     opaque legacy_session_id<0..32>;
 *     CipherSuite cipher_suites<2..2^16-2>;
 *     opaque legacy_compression_methods<1..2^8-1>;
 *     Extension extensions<8..2^16-1>;
 * } ClientHello;                                  // RFC 8446 §4.1.2, RFC 5246 §7.4.1.2
 * ```
 */
export interface ClientHello {
  readonly type: "ClientHello";
  readonly legacy_version: number;
  readonly random: Uint8Array;
  readonly legacy_session_id: Uint8Array;
  readonly cipher_suites: readonly number[];
  readonly legacy_compression_methods: readonly number[];
  /** Empty when the hello has no extension block (pre-TLS 1.2 clients). */
  readonly extensions: readonly Extension[];
  readonly raw: Uint8Array;
}

/**
 * ```
 * struct {
 *     ProtocolVersion legacy_version = 0x0303;
 *     Random random;
 *     opaque legacy_session_id_echo<0..32>;
 *     CipherSuite cipher_suite;
 *     uint8 legacy_compression_method = 0;
 *     Extension extensions<6..2^16-1>;
 * } ServerHello;                                  // RFC 8446 §4.1.3, RFC 5246 §7.4.1.3
 * ```
 * A HelloRetryRequest is a ServerHello whose `random` is {@link HELLO_RETRY_REQUEST_RANDOM}.
 */
export interface ServerHello {
  readonly type: "ServerHello" | "HelloRetryRequest";
  readonly legacy_version: number;
  readonly random: Uint8Array;
  readonly legacy_session_id_echo: Uint8Array;
  readonly cipher_suite: number;
  readonly legacy_compression_method: number;
  readonly extensions: readonly Extension[];
  /** The negotiated version: `supported_versions.selected_version`, else `legacy_version`. */
  readonly version: number;
  readonly raw: Uint8Array;
}

/** A HelloRetryRequest (RFC 8446 §4.1.4): the ServerHello structure with the special random. */
export type HelloRetryRequest = ServerHello & { readonly type: "HelloRetryRequest" };

function u16List(r: ByteReader, what: string): number[] {
  const v = r.vector(2, what);
  const out: number[] = [];
  while (!v.done) out.push(v.u16(what));
  return out;
}

function sessionId(r: ByteReader, what: string): Uint8Array {
  const v = r.vector(1, what);
  return v.rest();
}

/**
 * Parses a ClientHello body.
 * @param body the handshake message body (after the 4-byte header)
 * @param raw the whole message, kept as `raw`
 * @throws {ParseError} when the body is malformed
 * @see RFC 8446 §4.1.2
 */
export function parseClientHello(body: Uint8Array, raw: Uint8Array): ClientHello {
  const r = new ByteReader(body, 4);
  const legacy_version = r.u16("legacy_version");
  const random = r.bytesView(32, "random");
  const legacy_session_id = sessionId(r, "legacy_session_id");
  const cipher_suites = u16List(r, "cipher_suites");
  const legacy_compression_methods = Array.from(r.vector(1, "legacy_compression_methods").rest());
  const extensions = r.done ? [] : parseExtensions(r, "client_hello");
  expectDone(r, "ClientHello");
  return {
    type: "ClientHello",
    legacy_version,
    random,
    legacy_session_id,
    cipher_suites,
    legacy_compression_methods,
    extensions,
    raw,
  };
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * Parses a ServerHello body; returns `type: "HelloRetryRequest"` for the special random.
 * @param body the handshake message body (after the 4-byte header)
 * @param raw the whole message, kept as `raw`
 * @throws {ParseError} when the body is malformed
 * @see RFC 8446 §4.1.3, §4.1.4
 */
export function parseServerHello(body: Uint8Array, raw: Uint8Array): ServerHello {
  const r = new ByteReader(body, 4);
  const legacy_version = r.u16("legacy_version");
  const random = r.bytesView(32, "random");
  const hrr = equalBytes(random, HELLO_RETRY_REQUEST_RANDOM);
  const legacy_session_id_echo = sessionId(r, "legacy_session_id_echo");
  const cipher_suite = r.u16("cipher_suite");
  const legacy_compression_method = r.u8("legacy_compression_method");
  const extensions = r.done ? [] : parseExtensions(r, hrr ? "hello_retry_request" : "server_hello");
  expectDone(r, "ServerHello");
  let version = legacy_version;
  for (const e of extensions) {
    if (e.value?.kind === "supported_versions" && e.value.selected_version !== undefined)
      version = e.value.selected_version;
  }
  return {
    type: hrr ? "HelloRetryRequest" : "ServerHello",
    legacy_version,
    random,
    legacy_session_id_echo,
    cipher_suite,
    legacy_compression_method,
    extensions,
    version,
    raw,
  };
}

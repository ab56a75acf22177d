/**
 * Reads the few ClientHello / ServerHello / Certificate fields the record-level renderers
 * need: cipher suites, the selected version, HelloRetryRequest, certificate count.
 * The message is parsed with `parseHandshake` (src/tls); when it is malformed (hostile or
 * odd captures), a tolerant reader still takes what tshark would show (the cipher suites
 * before a broken extension block). Never throws a ParseError.
 *
 * Sources: RFC 8446 §4.1.2 (ClientHello), §4.1.3 (ServerHello, HelloRetryRequest random),
 * §4.2.1 (supported_versions), §4.4.2 (Certificate); RFC 5246 §7.4.1.2, §7.4.2.
 * @module
 */
import { ParseError } from "../errors.ts";
import { ByteReader } from "../tls/byte-reader.ts";
import { type HandshakeMessage, parseHandshake } from "../tls/handshake.ts";
import type { HandshakeFrame } from "../tls/handshake-framer.ts";

/** SHA-256("HelloRetryRequest"): the ServerHello.random of a HelloRetryRequest (RFC 8446 §4.1.3). */
const HRR_RANDOM = "cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c";

const SUPPORTED_VERSIONS = 43;

/** The fields {@link readHelloFields} extracts. */
export interface HelloFields {
  /** The message parsed by `parseHandshake`, or undefined when it does not parse. */
  readonly message: HandshakeMessage | undefined;
  readonly cipherSuites: readonly number[];
  readonly selectedVersion: number | undefined;
  readonly helloRetryRequest: boolean;
  readonly certificateCount: number | undefined;
}

/**
 * Parses a handshake message and extracts the renderer fields.
 * @param frame the framed message (from `HandshakeFramer`)
 * @param options `direction` of the sender; `tls13`: whether TLS 1.3 was negotiated (the
 *   Certificate message then has a certificate_request_context); default false
 * @returns the parsed message (when it parses) and the fields
 */
export function readHandshakeFields(
  frame: HandshakeFrame,
  options: { readonly direction: "client" | "server"; readonly tls13?: boolean },
): HelloFields {
  let message: HandshakeMessage | undefined;
  try {
    message = parseHandshake(frame, {
      direction: options.direction,
      version: options.tls13 ? 0x0304 : 0x0303,
    });
  } catch (e) {
    if (!(e instanceof ParseError)) throw e;
  }
  switch (message?.type) {
    case "ClientHello":
      return { ...EMPTY, message, cipherSuites: message.cipher_suites };
    case "ServerHello":
    case "HelloRetryRequest":
      return {
        ...EMPTY,
        message,
        cipherSuites: [message.cipher_suite],
        selectedVersion: message.version,
        helloRetryRequest: message.type === "HelloRetryRequest",
      };
    case "Certificate":
      return { ...EMPTY, message, certificateCount: message.certificate_list.length };
    case undefined:
      return { ...readHelloFields(frame.msgType, frame.body, options), message };
    default:
      return { ...EMPTY, message };
  }
}

const EMPTY: HelloFields = {
  message: undefined,
  cipherSuites: [],
  selectedVersion: undefined,
  helloRetryRequest: false,
  certificateCount: undefined,
};

/**
 * Extracts renderer fields from a handshake message body, tolerantly: reads as far as the
 * body allows and keeps what it got.
 * @param msgType the HandshakeType (1 client_hello, 2 server_hello, 11 certificate)
 * @param body the message body (after the 4-byte header)
 * @param options `tls13`: whether the connection negotiated TLS 1.3 (Certificate has a
 *   certificate_request_context and per-entry extensions); default false
 * @returns the fields; those that did not parse are empty or undefined; `message` undefined
 */
export function readHelloFields(
  msgType: number,
  body: Uint8Array,
  options: { readonly tls13?: boolean } = {},
): HelloFields {
  const fields = {
    message: undefined,
    cipherSuites: [] as number[],
    selectedVersion: undefined as number | undefined,
    helloRetryRequest: false,
    certificateCount: undefined as number | undefined,
  };
  const r = new ByteReader(body);
  try {
    if (msgType === 1) {
      r.u16("legacy_version");
      r.skip(32, "random");
      r.vector(1, "legacy_session_id");
      const suites = r.vector(2, "cipher_suites");
      while (suites.remaining >= 2) fields.cipherSuites.push(suites.u16());
    } else if (msgType === 2) {
      const legacyVersion = r.u16("legacy_version");
      fields.selectedVersion = legacyVersion;
      const random = r.bytesView(32, "random");
      fields.helloRetryRequest = hex(random) === HRR_RANDOM;
      if (legacyVersion >> 8 === 3) r.vector(1, "legacy_session_id");
      fields.cipherSuites.push(r.u16("cipher_suite"));
      r.u8("legacy_compression_method");
      if (r.remaining >= 2) {
        const exts = r.vector(2, "extensions");
        while (exts.remaining >= 4) {
          const type = exts.u16();
          const data = exts.vector(2, "extension_data");
          if (type === SUPPORTED_VERSIONS && data.remaining >= 2)
            fields.selectedVersion = data.u16();
        }
      }
    } else if (msgType === 11) {
      if (options.tls13) r.vector(1, "certificate_request_context");
      const list = r.vector(3, "certificate_list");
      let n = 0;
      while (list.remaining > 0) {
        list.vector(3, "cert_data");
        if (options.tls13) list.vector(2, "extensions");
        n++;
      }
      fields.certificateCount = n;
    }
  } catch (e) {
    if (!(e instanceof ParseError)) throw e;
  }
  return fields;
}

function hex(b: Uint8Array): string {
  let s = "";
  for (const x of b) s += x.toString(16).padStart(2, "0");
  return s;
}

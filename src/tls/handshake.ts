import { ParseError } from "../errors.ts";
import { ByteReader } from "./byte-reader.ts";
import type { HandshakeFrame } from "./handshake-framer.ts";
import {
  type Certificate,
  type CertificateRequest,
  type CertificateVerify,
  parseCertificate,
  parseCertificateRequest,
  parseCertificateVerify,
} from "./messages/certificate.ts";
import { expectDone } from "./messages/common.ts";
import {
  type ClientHello,
  parseClientHello,
  parseServerHello,
  type ServerHello,
} from "./messages/hello.ts";
import {
  type ClientKeyExchange,
  parseClientKeyExchange,
  parseServerKeyExchange,
  type ServerKeyExchange,
} from "./messages/key-exchange.ts";
import {
  type CertificateStatus,
  type EmptyMessage,
  type EncryptedExtensions,
  type Finished,
  type KeyUpdate,
  type NewSessionTicket,
  parseCertificateStatus,
  parseEncryptedExtensions,
  parseKeyUpdate,
  parseNewSessionTicket,
} from "./messages/session.ts";
import { handshakeTypeName } from "./names.ts";

export type {
  Certificate,
  CertificateEntry,
  CertificateRequest,
  CertificateVerify,
} from "./messages/certificate.ts";
export type { ClientHello, HelloRetryRequest, ServerHello } from "./messages/hello.ts";
export { HELLO_RETRY_REQUEST_RANDOM } from "./messages/hello.ts";
export type { ClientKeyExchange, ServerKeyExchange } from "./messages/key-exchange.ts";
export type {
  CertificateStatus,
  EmptyMessage,
  EncryptedExtensions,
  Finished,
  KeyUpdate,
  NewSessionTicket,
} from "./messages/session.ts";

/** Handshake message types (IANA HandshakeType; RFC 8446 §4, RFC 5246 §7.4). */
export const HandshakeType = {
  hello_request: 0,
  client_hello: 1,
  server_hello: 2,
  new_session_ticket: 4,
  end_of_early_data: 5,
  encrypted_extensions: 8,
  certificate: 11,
  server_key_exchange: 12,
  certificate_request: 13,
  server_hello_done: 14,
  certificate_verify: 15,
  client_key_exchange: 16,
  finished: 20,
  certificate_status: 22,
  key_update: 24,
  message_hash: 254,
} as const;

/** A handshake message the parser does not decode; `name` is the IANA name or `unknown(N)`. */
export interface UnknownHandshake {
  readonly type: "Unknown";
  readonly msgType: number;
  readonly name: string;
  readonly body: Uint8Array;
  readonly raw: Uint8Array;
}

/** Any parsed handshake message, discriminated on `type` (RFC 8446 §4 message names). */
export type HandshakeMessage =
  | ClientHello
  | ServerHello
  | NewSessionTicket
  | EncryptedExtensions
  | Certificate
  | ServerKeyExchange
  | CertificateRequest
  | CertificateVerify
  | ClientKeyExchange
  | Finished
  | CertificateStatus
  | KeyUpdate
  | EmptyMessage
  | UnknownHandshake;

/** What {@link parseHandshake} needs to know about the connection. */
export interface HandshakeContext {
  /** Who sent the message. */
  readonly direction: "client" | "server";
  /**
   * The negotiated version (ServerHello `version`), e.g. 0x0304; selects the TLS 1.3
   * layouts of Certificate, CertificateRequest and NewSessionTicket. Default 0x0303.
   */
  readonly version?: number;
}

function empty(type: EmptyMessage["type"], body: Uint8Array, raw: Uint8Array): EmptyMessage {
  expectDone(new ByteReader(body, 4), type);
  return { type, raw };
}

function dispatch(frame: HandshakeFrame, version: number): HandshakeMessage {
  const { body, raw } = frame;
  switch (frame.msgType) {
    case HandshakeType.hello_request:
      return empty("HelloRequest", body, raw);
    case HandshakeType.client_hello:
      return parseClientHello(body, raw);
    case HandshakeType.server_hello:
      return parseServerHello(body, raw);
    case HandshakeType.new_session_ticket:
      return parseNewSessionTicket(body, raw, version);
    case HandshakeType.end_of_early_data:
      return empty("EndOfEarlyData", body, raw);
    case HandshakeType.encrypted_extensions:
      return parseEncryptedExtensions(body, raw);
    case HandshakeType.certificate:
      return parseCertificate(body, raw, version);
    case HandshakeType.server_key_exchange:
      return parseServerKeyExchange(body, raw);
    case HandshakeType.certificate_request:
      return parseCertificateRequest(body, raw, version);
    case HandshakeType.server_hello_done:
      return empty("ServerHelloDone", body, raw);
    case HandshakeType.certificate_verify:
      return parseCertificateVerify(body, raw);
    case HandshakeType.client_key_exchange:
      return parseClientKeyExchange(body, raw);
    case HandshakeType.finished:
      return { type: "Finished", verify_data: body, raw };
    case HandshakeType.certificate_status:
      return parseCertificateStatus(body, raw);
    case HandshakeType.key_update:
      return parseKeyUpdate(body, raw);
    default:
      return {
        type: "Unknown",
        msgType: frame.msgType,
        name: handshakeTypeName(frame.msgType),
        body,
        raw,
      };
  }
}

/** The RFC name of a handshake type as used in `HandshakeMessage.type` and error paths. */
export function handshakeMessageName(msgType: number): string {
  switch (msgType) {
    case HandshakeType.client_hello:
      return "ClientHello";
    case HandshakeType.server_hello:
      return "ServerHello";
    case HandshakeType.new_session_ticket:
      return "NewSessionTicket";
    case HandshakeType.encrypted_extensions:
      return "EncryptedExtensions";
    case HandshakeType.certificate:
      return "Certificate";
    case HandshakeType.server_key_exchange:
      return "ServerKeyExchange";
    case HandshakeType.certificate_request:
      return "CertificateRequest";
    case HandshakeType.server_hello_done:
      return "ServerHelloDone";
    case HandshakeType.certificate_verify:
      return "CertificateVerify";
    case HandshakeType.client_key_exchange:
      return "ClientKeyExchange";
    case HandshakeType.finished:
      return "Finished";
    case HandshakeType.certificate_status:
      return "CertificateStatus";
    case HandshakeType.key_update:
      return "KeyUpdate";
    case HandshakeType.hello_request:
      return "HelloRequest";
    case HandshakeType.end_of_early_data:
      return "EndOfEarlyData";
    default:
      return handshakeTypeName(msgType);
  }
}

/**
 * Parses one framed handshake message into readonly data with RFC field names.
 *
 * @param frame a message from {@link HandshakeFramer} (its `body` and `raw` are kept as views)
 * @param context who sent it and the negotiated `version` (default 0x0303)
 * @returns a {@link HandshakeMessage} discriminated on `type`; unknown types give `"Unknown"`
 * @throws {ParseError} when the body is malformed; `path` starts with `handshake <Name>`
 *   and `offset` counts from the start of the message header
 * @see RFC 8446 §4, RFC 5246 §7.4
 * @example
 * ```ts
 * for (const frame of framer.push(record.fragment)) {
 *   const msg = parseHandshake(frame, { direction: "server" });
 *   if (msg.type === "ServerHello") console.log(msg.cipher_suite.toString(16));
 * }
 * ```
 */
export function parseHandshake(frame: HandshakeFrame, context: HandshakeContext): HandshakeMessage {
  try {
    return dispatch(frame, context.version ?? 0x0303);
  } catch (e) {
    if (e instanceof ParseError) throw e.within(`handshake ${handshakeMessageName(frame.msgType)}`);
    throw e;
  }
}

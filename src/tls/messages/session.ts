import { ByteReader } from "../byte-reader.ts";
import { type Extension, parseExtensions } from "../extensions.ts";
import { expectDone } from "./common.ts";

/**
 * ```
 * struct { uint32 ticket_lifetime_hint; opaque ticket<0..2^16-1>; } NewSessionTicket;  // RFC 5077 §3.3
 * struct {
 *     uint32 ticket_lifetime; uint32 ticket_age_add; opaque ticket_nonce<0..255>;
 *     opaque ticket<1..2^16-1>; Extension extensions<0..2^16-2>;
 * } NewSessionTicket;                                                                   // RFC 8446 §4.6.1
 * ```
 */
export interface NewSessionTicket {
  readonly type: "NewSessionTicket";
  /** Seconds: `ticket_lifetime_hint` (1.2) or `ticket_lifetime` (1.3). */
  readonly ticket_lifetime: number;
  readonly ticket_age_add: number | undefined;
  readonly ticket_nonce: Uint8Array | undefined;
  readonly ticket: Uint8Array;
  readonly extensions: readonly Extension[];
  readonly raw: Uint8Array;
}

/** `struct { Extension extensions<0..2^16-1>; } EncryptedExtensions;` (RFC 8446 §4.3.1). */
export interface EncryptedExtensions {
  readonly type: "EncryptedExtensions";
  readonly extensions: readonly Extension[];
  readonly raw: Uint8Array;
}

/** `struct { opaque verify_data[Hash.length]; } Finished;` (RFC 8446 §4.4.4, RFC 5246 §7.4.9). */
export interface Finished {
  readonly type: "Finished";
  readonly verify_data: Uint8Array;
  readonly raw: Uint8Array;
}

/** `struct { CertificateStatusType status_type; opaque OCSPResponse<1..2^24-1>; }` (RFC 6066 §8). */
export interface CertificateStatus {
  readonly type: "CertificateStatus";
  readonly status_type: number;
  readonly response: Uint8Array;
  readonly raw: Uint8Array;
}

/** `struct { KeyUpdateRequest request_update; } KeyUpdate;` (RFC 8446 §4.6.3). */
export interface KeyUpdate {
  readonly type: "KeyUpdate";
  /** 0 = update_not_requested, 1 = update_requested. */
  readonly request_update: number;
  readonly raw: Uint8Array;
}

/** Messages with an empty body: ServerHelloDone, HelloRequest, EndOfEarlyData. */
export interface EmptyMessage {
  readonly type: "ServerHelloDone" | "HelloRequest" | "EndOfEarlyData";
  readonly raw: Uint8Array;
}

/**
 * Parses a NewSessionTicket body (TLS 1.3 layout when `version` is 0x0304).
 * @throws {ParseError} when the body is malformed
 */
export function parseNewSessionTicket(
  body: Uint8Array,
  raw: Uint8Array,
  version: number,
): NewSessionTicket {
  const r = new ByteReader(body, 4);
  const ticket_lifetime = r.u32("ticket_lifetime");
  if (version >= 0x0304) {
    const ticket_age_add = r.u32("ticket_age_add");
    const ticket_nonce = r.vector(1, "ticket_nonce").rest();
    const ticket = r.vector(2, "ticket").rest();
    const extensions = parseExtensions(r, "new_session_ticket");
    expectDone(r, "NewSessionTicket");
    return {
      type: "NewSessionTicket",
      ticket_lifetime,
      ticket_age_add,
      ticket_nonce,
      ticket,
      extensions,
      raw,
    };
  }
  const ticket = r.vector(2, "ticket").rest();
  expectDone(r, "NewSessionTicket");
  return {
    type: "NewSessionTicket",
    ticket_lifetime,
    ticket_age_add: undefined,
    ticket_nonce: undefined,
    ticket,
    extensions: [],
    raw,
  };
}

/** Parses an EncryptedExtensions body. @throws {ParseError} when malformed */
export function parseEncryptedExtensions(body: Uint8Array, raw: Uint8Array): EncryptedExtensions {
  const r = new ByteReader(body, 4);
  const extensions = parseExtensions(r, "encrypted_extensions");
  expectDone(r, "EncryptedExtensions");
  return { type: "EncryptedExtensions", extensions, raw };
}

/** Parses a CertificateStatus body. @throws {ParseError} when malformed */
export function parseCertificateStatus(body: Uint8Array, raw: Uint8Array): CertificateStatus {
  const r = new ByteReader(body, 4);
  const status_type = r.u8("status_type");
  const response = r.vector(3, "OCSPResponse").rest();
  expectDone(r, "CertificateStatus");
  return { type: "CertificateStatus", status_type, response, raw };
}

/** Parses a KeyUpdate body. @throws {ParseError} when malformed */
export function parseKeyUpdate(body: Uint8Array, raw: Uint8Array): KeyUpdate {
  const r = new ByteReader(body, 4);
  const request_update = r.u8("request_update");
  expectDone(r, "KeyUpdate");
  return { type: "KeyUpdate", request_update, raw };
}

import type { Alert } from "../tls/alert.ts";
import type { HandshakeMessage } from "../tls/handshake.ts";
import type { Direction } from "./tap.ts";

export type { Direction } from "./tap.ts";

/** The record an event came from. */
export interface TraceRecord {
  /** 1-based record number within its direction. */
  readonly index: number;
  /** ContentType (22 = handshake...). */
  readonly contentType: number;
  /** `legacy_record_version`. */
  readonly version: number;
  /** Fragment length in bytes (the record is 5 bytes more). */
  readonly length: number;
}

/** Subject and issuer of a certificate in a Certificate message, as RFC 4514 strings. */
export interface CertificateSummary {
  readonly subject: string;
  readonly issuer: string;
  /** Validity end, ISO 8601, when the certificate decoded. */
  readonly notAfter?: string;
}

/** How an encrypted record is labelled without keys, as Wireshark does. */
export type EncryptedLabel = "Encrypted Handshake Message" | "Application Data" | "Encrypted Alert";

/**
 * One step of a TLS connection as seen on the wire, in the order the bytes passed:
 * a handshake message, a ChangeCipherSpec, a plaintext alert, an encrypted record,
 * another record, or a trace error (the tracer stops following that direction).
 */
export type TraceEvent =
  | {
      readonly kind: "handshake";
      readonly direction: Direction;
      readonly record: TraceRecord;
      readonly message: HandshakeMessage;
      /** For Certificate messages: each certificate decoded, leaf first. */
      readonly certificates?: readonly CertificateSummary[];
      /** True when the message was read by decrypting a TLS 1.3 record with the key log. */
      readonly decrypted?: boolean;
    }
  | {
      readonly kind: "change_cipher_spec";
      readonly direction: Direction;
      readonly record: TraceRecord;
    }
  | {
      readonly kind: "alert";
      readonly direction: Direction;
      readonly record: TraceRecord;
      readonly alert: Alert;
      /** True when the alert was read by decrypting a TLS 1.3 record with the key log. */
      readonly decrypted?: boolean;
    }
  | {
      readonly kind: "encrypted";
      readonly direction: Direction;
      readonly record: TraceRecord;
      readonly label: EncryptedLabel;
      /** The whole record (header and ciphertext), kept for decryption with a key log. */
      readonly raw?: Uint8Array;
      /** True when the record was decrypted and held application data. */
      readonly decrypted?: boolean;
    }
  | { readonly kind: "record"; readonly direction: Direction; readonly record: TraceRecord }
  | { readonly kind: "error"; readonly direction: Direction; readonly message: string };

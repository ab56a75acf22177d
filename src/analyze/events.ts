/**
 * What the analyzer reports while it reads a capture: one event per TLS record, plus
 * connection and warning events.
 * @module
 */
import type { Direction, Endpoint } from "../capture/tcp-reassembler.ts";
import type { HandshakeMessage } from "../tls/handshake.ts";

/** A handshake message seen in plaintext, with the fields the renderers need. */
export interface HandshakeEvent {
  /** The message parsed by `parseHandshake` (src/tls), or undefined when it does not parse. */
  readonly message: HandshakeMessage | undefined;
  /** `msg_type` (RFC 8446 §4; SSL 2.0 message types for SSLv2 records). */
  readonly msgType: number;
  /** Body length in bytes. */
  readonly length: number;
  /**
   * ClientHello: every `cipher_suites` entry in order (GREASE included);
   * ServerHello: the selected `cipher_suite`; empty otherwise.
   */
  readonly cipherSuites: readonly number[];
  /** ServerHello: the `supported_versions` selection, else `legacy_version` (RFC 8446 §4.2.1). */
  readonly selectedVersion: number | undefined;
  /** True for a HelloRetryRequest (a ServerHello with the special random, RFC 8446 §4.1.3). */
  readonly helloRetryRequest: boolean;
  /** Certificate: number of certificates in `certificate_list` (TLS 1.2 or 1.3), else undefined. */
  readonly certificateCount: number | undefined;
  /** The message, header included (a view or a copy). */
  readonly raw: Uint8Array;
}

/** One TLS (or SSL 2.0) record, reported in the frame where its last byte arrived. */
export interface RecordEvent {
  readonly kind: "record";
  /** Frame in which the record completed (tshark's `frame.number` for the record). */
  readonly frame: number;
  /** TCP stream index (tshark's `tcp.stream`). */
  readonly stream: number;
  /** 0 = client to server, 1 = server to client. */
  readonly direction: Direction;
  /** `legacy_record_version` (SSLv2 records: the version of the session, 0x0002). */
  readonly version: number;
  /**
   * The record's content type; undefined for SSLv2 records and for TLS 1.3 protected
   * records, whose outer `opaque_type` (always 23) hides the real type (RFC 8446 §5.2).
   */
  readonly contentType: number | undefined;
  /** The outer type byte of a TLS 1.3 protected record (`opaque_type`), else undefined. */
  readonly opaqueType: number | undefined;
  /** True when the fragment is protected (after ChangeCipherSpec, or TLS 1.3 application_data). */
  readonly encrypted: boolean;
  /** Fragment length in bytes. */
  readonly length: number;
  /** The handshake messages this record completed (plaintext only). */
  readonly handshakes: readonly HandshakeEvent[];
  /** A plaintext alert's level and description (RFC 8446 §6), else undefined. */
  readonly alert: { readonly level: number; readonly description: number } | undefined;
  /** The record as on the wire, header included (a view; copy it to keep it past the event). */
  readonly raw: Uint8Array;
  /**
   * True when the record was read by decrypting it with the key log (`--keylog`): then
   * `contentType` is the inner type, `handshakes` / `alert` what it held, and `encrypted`
   * stays false. Absent (false) otherwise.
   */
  readonly decrypted?: boolean;
}

/**
 * A record begins in this frame (at a record boundary) but does not end in it. tshark lists
 * such a frame under `-Y tls` with every TLS field empty.
 */
export interface RecordStartEvent {
  readonly kind: "record-start";
  readonly frame: number;
  readonly stream: number;
  readonly direction: Direction;
}

/**
 * TLS handshake messages read from QUIC Initial packets (RFC 9001 §4): no TCP stream, no
 * record layer.
 */
export interface QuicHandshakeEvent {
  readonly kind: "quic-handshake";
  readonly frame: number;
  /** QUIC connection index: order of the connection's first Initial packet in the capture. */
  readonly connection: number;
  /** The endpoint that sent the first Initial packet. */
  readonly client: Endpoint;
  readonly server: Endpoint;
  /** 0 = client to server, 1 = server to client. */
  readonly direction: Direction;
  readonly handshakes: readonly HandshakeEvent[];
}

/** A TCP connection seen for the first time, or closed. */
export interface ConnectionEvent {
  readonly kind: "connection-open" | "connection-close";
  readonly frame: number;
  readonly stream: number;
  readonly client: Endpoint | undefined;
  readonly server: Endpoint | undefined;
}

/** Something the analyzer could not follow; the CLI prints it to stderr. */
export interface WarningEvent {
  readonly kind: "warning";
  /** The frame it is about; 0 when it is about the file rather than a frame. */
  readonly frame: number;
  readonly stream: number | undefined;
  readonly message: string;
  /**
   * Set when bytes of the connection are missing: a hole, or the end of the capture before
   * the end of a record. The direction (0 client to server, 1 server to client) or `both`;
   * with `stream` undefined it applies to every connection still open (the file was cut
   * short). Verdicts then say "unknown" rather than infer that a message was not sent.
   */
  readonly cut?: Direction | "both";
}

/**
 * A PROXY protocol header (v1 text line or v2 binary header) at the start of the client's
 * direction, skipped before the TLS records it precedes (haproxy proxy-protocol.txt §2.1,
 * §2.2): a load balancer passing on the original connection's addresses.
 */
export interface ProxyProtocolEvent {
  readonly kind: "proxy-protocol";
  /** Frame in which the header completed. */
  readonly frame: number;
  readonly stream: number;
  /** Always 0: the header is sent by the client side (the proxy) first. */
  readonly direction: Direction;
  readonly version: 1 | 2;
  /** `PROXY`, or `LOCAL` (v2: a connection of the proxy's own; no addresses). */
  readonly command: "PROXY" | "LOCAL";
  /** `TCP4`, `TCP6`, `UNKNOWN`... (v1 words; v2 adds `UDP4`, `UNIX_STREAM`...). */
  readonly family: string;
  /** The original client the header carries, absent for LOCAL / UNKNOWN / UNIX. */
  readonly source: Endpoint | undefined;
  /** The address the original client connected to, absent like `source`. */
  readonly destination: Endpoint | undefined;
  /** Header size in bytes (v1 line with its CRLF; v2 16 + `len`). */
  readonly length: number;
  /**
   * Why the header is invalid (a bad address, port, version...), when it is framed as a
   * header but its content is not valid; then `family` is `UNKNOWN` and no addresses are
   * given. Absent for a valid header.
   */
  readonly invalid?: string;
}

/** Every event the analyzer emits. */
export type AnalyzerEvent =
  | RecordEvent
  | RecordStartEvent
  | ProxyProtocolEvent
  | QuicHandshakeEvent
  | ConnectionEvent
  | WarningEvent;

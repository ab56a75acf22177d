import { parseAlert } from "../tls/alert.ts";
import { parseHandshake } from "../tls/handshake.ts";
import { HandshakeFramer } from "../tls/handshake-framer.ts";
import { cipherSuiteName } from "../tls/names.ts";
import { ContentType, RecordFramer, type TlsRecord } from "../tls/record.ts";
import { summarizeCertificate } from "./certificate-summary.ts";
import type { Direction } from "./tap.ts";
import type { CertificateSummary, EncryptedLabel, TraceEvent, TraceRecord } from "./trace-event.ts";

/** Options of {@link HandshakeTracer}. */
export interface HandshakeTracerOptions {
  /** Decodes certificates of Certificate messages; default {@link summarizeCertificate}. */
  readonly describeCertificate?: (der: Uint8Array) => CertificateSummary;
}

interface Side {
  readonly records: RecordFramer;
  readonly handshake: HandshakeFramer;
  recordCount: number;
  /** TLS 1.2: this side sent ChangeCipherSpec, so its records are encrypted. */
  encrypted: boolean;
  /** TLS 1.3: this side's Finished has been seen (by its record size). */
  finished: boolean;
  failed: boolean;
}

function side(): Side {
  return {
    records: new RecordFramer(),
    handshake: new HandshakeFramer(),
    recordCount: 0,
    encrypted: false,
    finished: false,
    failed: false,
  };
}

/**
 * Follows both directions of one TLS connection and turns the bytes into
 * {@link TraceEvent}s: plaintext handshake messages parsed, ChangeCipherSpec, alerts, and
 * encrypted records labelled as Wireshark labels them without keys.
 *
 * Encryption rules: in TLS 1.2 a side's records are encrypted after its ChangeCipherSpec
 * (its Finished is the "Encrypted Handshake Message"). In TLS 1.3 (RFC 8446 §5) every
 * record after the ServerHello is `application_data` outwardly; without keys the tracer
 * labels a side's records "Encrypted Handshake Message" up to and including the record
 * whose size is that of an unpadded Finished (4 + Hash.length + 1 + 16 bytes of AEAD tag:
 * 53 for SHA-256 suites, 69 for SHA-384), then "Application Data". That is a heuristic:
 * record padding defeats it, and a NewSessionTicket or an encrypted alert inside
 * application data stays "Application Data", as in Wireshark without keys.
 *
 * Never throws on bad bytes: a parse failure adds an `error` event and stops following
 * that direction.
 *
 * @example
 * ```ts
 * const tracer = new HandshakeTracer();
 * const tap = new TapDuplex(socket, (dir, chunk) => tracer.push(dir, chunk));
 * // ... after the exchange:
 * console.log(renderTrace(tracer.events).join("\n"));
 * ```
 */
export class HandshakeTracer {
  readonly #events: TraceEvent[] = [];
  readonly #sides: Record<Direction, Side> = { client: side(), server: side() };
  readonly #describe: (der: Uint8Array) => CertificateSummary;
  #version = 0x0303;
  #serverHelloSeen = false;
  /** TLS 1.3 Finished record size for the negotiated suite, in bytes. */
  #finishedRecordSize = 53;

  /** @param options `describeCertificate`, default {@link summarizeCertificate} */
  constructor(options: HandshakeTracerOptions = {}) {
    this.#describe = options.describeCertificate ?? summarizeCertificate;
  }

  /** The events so far, in wire order. */
  get events(): readonly TraceEvent[] {
    return this.#events;
  }

  /** The negotiated version once the ServerHello was seen (0x0303 before). */
  get version(): number {
    return this.#version;
  }

  /**
   * Feeds one chunk that passed in `direction` (one socket write or read).
   * @param direction `client` for bytes we sent, `server` for bytes received
   * @param chunk the bytes (not modified; views are kept in events)
   */
  push(direction: Direction, chunk: Uint8Array): void {
    const s = this.#sides[direction];
    if (s.failed) return;
    let records: TlsRecord[];
    try {
      records = s.records.push(chunk);
    } catch (e) {
      this.#fail(direction, e);
      return;
    }
    for (const record of records) {
      if (s.failed) return;
      s.recordCount++;
      const info: TraceRecord = {
        index: s.recordCount,
        contentType: record.contentType,
        version: record.version,
        length: record.fragment.length,
      };
      const tls13Encrypted =
        this.#version >= 0x0304 &&
        this.#serverHelloSeen &&
        record.contentType === ContentType.application_data;
      try {
        this.#record(direction, s, record, info, tls13Encrypted);
      } catch (e) {
        this.#fail(direction, e);
      }
    }
  }

  #record(
    direction: Direction,
    s: Side,
    record: TlsRecord,
    info: TraceRecord,
    tls13Encrypted: boolean,
  ): void {
    if (tls13Encrypted) {
      const label: EncryptedLabel = s.finished ? "Application Data" : "Encrypted Handshake Message";
      if (info.length === this.#finishedRecordSize) s.finished = true;
      this.#events.push({ kind: "encrypted", direction, record: info, label, raw: record.raw });
      return;
    }
    switch (record.contentType) {
      case ContentType.change_cipher_spec:
        // TLS 1.3 middlebox-compatibility CCS changes nothing (RFC 8446 §D.4).
        if (this.#version < 0x0304) s.encrypted = true;
        this.#events.push({ kind: "change_cipher_spec", direction, record: info });
        return;
      case ContentType.alert:
        if (s.encrypted) this.#encrypted(direction, info, "Encrypted Alert");
        else
          this.#events.push({
            kind: "alert",
            direction,
            record: info,
            alert: parseAlert(record.fragment),
          });
        return;
      case ContentType.handshake:
        if (s.encrypted) this.#encrypted(direction, info, "Encrypted Handshake Message");
        else this.#handshake(direction, s, record, info);
        return;
      case ContentType.application_data:
        this.#encrypted(direction, info, "Application Data");
        return;
      default:
        this.#events.push({ kind: "record", direction, record: info });
    }
  }

  #encrypted(direction: Direction, record: TraceRecord, label: EncryptedLabel): void {
    this.#events.push({ kind: "encrypted", direction, record, label });
  }

  #handshake(direction: Direction, s: Side, record: TlsRecord, info: TraceRecord): void {
    for (const frame of s.handshake.push(record.fragment)) {
      const message = parseHandshake(frame, { direction, version: this.#version });
      if (message.type === "ServerHello" || message.type === "HelloRetryRequest") {
        this.#version = message.version;
        if (message.type === "ServerHello") {
          this.#serverHelloSeen = true;
          this.#finishedRecordSize = cipherSuiteName(message.cipher_suite).endsWith("SHA384")
            ? 69
            : 53;
        }
      }
      if (message.type === "Certificate") {
        const certificates = message.certificate_list.map((c) => this.#describe(c.cert_data));
        this.#events.push({ kind: "handshake", direction, record: info, message, certificates });
      } else {
        this.#events.push({ kind: "handshake", direction, record: info, message });
      }
    }
  }

  #fail(direction: Direction, e: unknown): void {
    this.#sides[direction].failed = true;
    this.#events.push({
      kind: "error",
      direction,
      message: e instanceof Error ? e.message : String(e),
    });
  }
}

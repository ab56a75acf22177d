/**
 * The walk-through of one TLS connection: every message in wire order with the frame it
 * completed in, its fields, the fingerprints and the mutual-TLS verdict. Built from analyzer
 * events and handed out when the connection closes (or at the end of the capture), then
 * forgotten, so memory follows the open connections only.
 * @module
 */
import type { Direction } from "../capture/tcp-reassembler.ts";
import { alertLevelName } from "../tls/alert.ts";
import { alertDescriptionName, handshakeTypeName } from "../tls/names.ts";
import { ConnectionSummarizer, type ConnectionSummary } from "./connection-summary.ts";
import type { AnalyzerEvent, HandshakeEvent, ProxyProtocolEvent, RecordEvent } from "./events.ts";
import { type Fingerprint, ja3, ja3s, ja4 } from "./fingerprints.ts";
import { type FieldTree, messageFields } from "./message-fields.ts";
import { QuicTranscriber } from "./quic-transcript.ts";

/** Messages listed per connection; later ones are counted in `messagesNotListed`. */
export const MAX_TRANSCRIPT_MESSAGES = 10_000;

/** What kind of step a {@link TranscriptMessage} is. */
export type TranscriptKind = "handshake" | "change_cipher_spec" | "alert" | "encrypted" | "other";

/** One step of the ladder. */
export interface TranscriptMessage {
  /** Frame in which the message (or the first record of a run) completed. */
  readonly frame: number;
  /** Last frame of a run of identical encrypted records (same as `frame` for one). */
  readonly lastFrame: number;
  /** Records in the run (1 unless consecutive encrypted records were folded). */
  readonly count: number;
  readonly from: "client" | "server";
  readonly kind: TranscriptKind;
  /**
   * `ClientHello`, `Certificate`... (RFC 8446 names), `ChangeCipherSpec`, `Alert`, or the
   * Wireshark labels of encrypted records: `Encrypted Handshake Message`, `Application Data`,
   * `Encrypted Alert`.
   */
  readonly name: string;
  /** Handshake message body length, or the record fragment length (sum over a run), bytes. */
  readonly length: number;
  /** `legacy_record_version` of the record; undefined for QUIC (no record layer). */
  readonly recordVersion: number | undefined;
  /** True when the record was read by decrypting it with the key log. */
  readonly decrypted: boolean;
  /** The message's fields (handshake messages and alerts), else undefined. */
  readonly fields: FieldTree | undefined;
}

/** The whole story of one TLS connection. */
export interface Transcript {
  readonly summary: ConnectionSummary;
  readonly messages: readonly TranscriptMessage[];
  /** Messages beyond {@link MAX_TRANSCRIPT_MESSAGES}. */
  readonly messagesNotListed: number;
  /** JA3 of the first ClientHello. */
  readonly ja3: Fingerprint | undefined;
  /** JA3S of the first ServerHello (or HelloRetryRequest). */
  readonly ja3s: Fingerprint | undefined;
  /** JA4 of the first ClientHello. */
  readonly ja4: Fingerprint | undefined;
  /** Alerts in wire order: plaintext, decrypted, or `encrypted` (description unknown). */
  readonly alerts: readonly TranscriptAlert[];
  /** The PROXY protocol header the client's direction began with, if any. */
  readonly proxyProtocol?: ProxyProtocolEvent;
}

/** An alert and who sent it. */
export interface TranscriptAlert {
  readonly frame: number;
  readonly from: "client" | "server";
  /** `warning` / `fatal`, or null when the alert is encrypted. */
  readonly level: string | null;
  /** IANA description name, or null when encrypted. */
  readonly description: string | null;
}

interface State {
  messages: TranscriptMessage[];
  dropped: number;
  ja3: Fingerprint | undefined;
  ja3s: Fingerprint | undefined;
  ja4: Fingerprint | undefined;
  alerts: TranscriptAlert[];
}

function side(d: Direction): "client" | "server" {
  return d === 0 ? "client" : "server";
}

const SSL2_NAMES: ReadonlyMap<number, string> = new Map([
  [1, "SSLv2 CLIENT-HELLO"],
  [2, "SSLv2 CLIENT-MASTER-KEY"],
  [3, "SSLv2 CLIENT-FINISHED"],
  [4, "SSLv2 SERVER-HELLO"],
  [5, "SSLv2 SERVER-VERIFY"],
  [6, "SSLv2 SERVER-FINISHED"],
]);

function handshakeName(h: HandshakeEvent, ssl2: boolean): string {
  if (ssl2) return SSL2_NAMES.get(h.msgType) ?? `SSLv2 message ${h.msgType}`;
  if (h.message) return h.message.type === "Unknown" ? h.message.name : h.message.type;
  return handshakeTypeName(h.msgType);
}

/** A ladder step of one record (one object shape for all, for speed). */
function entry(
  ev: RecordEvent,
  kind: TranscriptKind,
  name: string,
  length: number,
  fields: FieldTree | undefined,
): TranscriptMessage {
  return {
    frame: ev.frame,
    lastFrame: ev.frame,
    count: 1,
    from: ev.direction === 0 ? "client" : "server",
    kind,
    name,
    length,
    recordVersion: ev.version,
    decrypted: ev.decrypted === true,
    fields,
  };
}

function encryptedLabel(contentType: number | undefined): string {
  switch (contentType) {
    case 22:
      return "Encrypted Handshake Message";
    case 21:
      return "Encrypted Alert";
    case 24:
      return "Encrypted Heartbeat";
    default:
      return "Application Data";
  }
}

/**
 * Collects events and returns a {@link Transcript} per TLS connection when it closes.
 *
 * @example
 * ```ts
 * const t = new ConnectionTranscriber();
 * for (const transcript of t.add(analyzer.push(chunk))) print(transcript);
 * for (const transcript of t.finish()) print(transcript);
 * ```
 */
export class ConnectionTranscriber {
  readonly #summaries = new ConnectionSummarizer();
  readonly #open = new Map<number, State>();
  readonly #quic = new QuicTranscriber();
  /** PROXY protocol headers of open streams (dropped when the stream closes). */
  readonly #proxy = new Map<number, ProxyProtocolEvent>();

  /**
   * Adds events.
   * @returns the transcripts of the TLS connections these events closed
   */
  add(events: readonly AnalyzerEvent[]): Transcript[] {
    for (const ev of events) {
      if (ev.kind === "record") this.#record(ev);
      else if (ev.kind === "quic-handshake") this.#quic.add(ev);
      else if (ev.kind === "proxy-protocol") this.#proxy.set(ev.stream, ev);
    }
    const done = this.#done(this.#summaries.add(events));
    for (const ev of events) if (ev.kind === "connection-close") this.#proxy.delete(ev.stream);
    return done;
  }

  /**
   * @returns the transcripts of the TCP connections still open, in stream order, then those
   *   of the QUIC connections, in connection order
   */
  finish(): Transcript[] {
    const tcp = this.#done(this.#summaries.finish());
    this.#proxy.clear();
    return [...tcp, ...this.#quic.finish()];
  }

  #done(summaries: readonly ConnectionSummary[]): Transcript[] {
    return summaries.map((summary) => {
      const st = this.#open.get(summary.stream);
      this.#open.delete(summary.stream);
      const proxy = this.#proxy.get(summary.stream);
      return {
        ...(proxy ? { proxyProtocol: proxy } : {}),
        summary,
        messages: st?.messages ?? [],
        messagesNotListed: st?.dropped ?? 0,
        ja3: st?.ja3,
        ja3s: st?.ja3s,
        ja4: st?.ja4,
        alerts: st?.alerts ?? [],
      };
    });
  }

  #record(ev: RecordEvent): void {
    let st = this.#open.get(ev.stream);
    if (!st) {
      st = {
        messages: [],
        dropped: 0,
        ja3: undefined,
        ja3s: undefined,
        ja4: undefined,
        alerts: [],
      };
      this.#open.set(ev.stream, st);
    }
    const from = side(ev.direction);
    const ssl2 = ev.contentType === undefined && ev.opaqueType === undefined;
    for (const h of ev.handshakes) {
      const m = h.message;
      if (m?.type === "ClientHello" && !st.ja3) {
        st.ja3 = ja3(m);
        st.ja4 = ja4(m);
      }
      if ((m?.type === "ServerHello" || m?.type === "HelloRetryRequest") && !st.ja3s)
        st.ja3s = ja3s(m);
      this.#push(
        st,
        entry(ev, "handshake", handshakeName(h, ssl2), h.length, m ? messageFields(m) : undefined),
      );
    }
    if (ev.handshakes.length > 0) return;
    if (ev.encrypted) {
      const name = encryptedLabel(ev.contentType);
      if (name === "Encrypted Alert")
        st.alerts.push({ frame: ev.frame, from, level: null, description: null });
      this.#push(st, entry(ev, "encrypted", name, ev.length, undefined));
      return;
    }
    switch (ev.contentType) {
      case 20:
        this.#push(st, entry(ev, "change_cipher_spec", "ChangeCipherSpec", ev.length, undefined));
        return;
      case 21: {
        const a = ev.alert;
        const level = a ? alertLevelName(a.level) : null;
        const description = a ? alertDescriptionName(a.description) : null;
        st.alerts.push({ frame: ev.frame, from, level, description });
        this.#push(
          st,
          entry(
            ev,
            "alert",
            "Alert",
            ev.length,
            a
              ? { level: `${level} (${a.level})`, description: `${description} (${a.description})` }
              : { fragment: `${ev.length} bytes` },
          ),
        );
        return;
      }
      case 22:
        // A fragment of a handshake message completed by a later record: the message is
        // listed in the frame where it completes (as Wireshark's reassembled view does).
        return;
      default:
        this.#push(
          st,
          entry(
            ev,
            "other",
            ev.contentType === 24 ? "Heartbeat" : `Record of content type ${ev.contentType ?? "?"}`,
            ev.length,
            undefined,
          ),
        );
    }
  }

  #push(st: State, m: TranscriptMessage): void {
    const last = st.messages.at(-1);
    if (
      m.kind === "encrypted" &&
      last?.kind === "encrypted" &&
      last.name === m.name &&
      last.from === m.from &&
      last.decrypted === m.decrypted &&
      m.name !== "Encrypted Alert"
    ) {
      st.messages[st.messages.length - 1] = {
        frame: last.frame,
        lastFrame: m.frame,
        count: last.count + 1,
        from: last.from,
        kind: last.kind,
        name: last.name,
        length: last.length + m.length,
        recordVersion: last.recordVersion,
        decrypted: last.decrypted,
        fields: undefined,
      };
      return;
    }
    if (st.messages.length >= MAX_TRANSCRIPT_MESSAGES) st.dropped++;
    else st.messages.push(m);
  }
}

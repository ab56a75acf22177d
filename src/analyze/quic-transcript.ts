/**
 * The walk-through of QUIC connections: the TLS handshake messages carried in CRYPTO frames
 * of Initial packets (RFC 9001 §4), which anyone can decrypt (their keys derive from the
 * client's Destination Connection ID, RFC 9001 §5.2): the ClientHello and the ServerHello
 * (or HelloRetryRequest). The rest of the handshake travels in Handshake packets, encrypted
 * with keys that are not in the capture, so client authentication stays unknown.
 * @module
 */
import type { ConnectionSummary } from "./connection-summary.ts";
import type { Transcript, TranscriptMessage } from "./connection-transcript.ts";
import type { QuicHandshakeEvent } from "./events.ts";
import { type Fingerprint, ja3, ja3s, ja4 } from "./fingerprints.ts";
import { messageFields } from "./message-fields.ts";

/** Handshake messages listed per QUIC connection (Initial packets hold a handful). */
const MAX_QUIC_MESSAGES = 64;

/** QUIC connections listed; later ones are not (their Initial packets still count in tshark-fields). */
const MAX_QUIC_CONNECTIONS = 65536;

/** Why a QUIC connection's outcome is `incomplete` (see {@link mtlsVerdict}). */
export const QUIC_INITIAL_ONLY =
  "QUIC: only Initial packets (ClientHello, ServerHello) can be read without the connection's keys";

interface State {
  readonly event: QuicHandshakeEvent;
  readonly messages: TranscriptMessage[];
  ja3: Fingerprint | undefined;
  ja3s: Fingerprint | undefined;
  ja4: Fingerprint | undefined;
  version: number | undefined;
  cipherSuite: number | undefined;
  hrr: boolean;
  resumed: boolean;
}

/**
 * Collects `quic-handshake` events into one {@link Transcript} per QUIC connection, handed
 * out at the end of the capture (QUIC has no FIN a capture shows).
 *
 * @example
 * ```ts
 * const q = new QuicTranscriber();
 * for (const ev of events) if (ev.kind === "quic-handshake") q.add(ev);
 * for (const t of q.finish()) print(t);
 * ```
 */
export class QuicTranscriber {
  readonly #open = new Map<number, State>();

  /** Adds the handshake messages of one datagram's Initial packets. */
  add(ev: QuicHandshakeEvent): void {
    let st = this.#open.get(ev.connection);
    if (!st) {
      if (this.#open.size >= MAX_QUIC_CONNECTIONS) return;
      st = {
        event: ev,
        messages: [],
        ja3: undefined,
        ja3s: undefined,
        ja4: undefined,
        version: undefined,
        cipherSuite: undefined,
        hrr: false,
        resumed: false,
      };
      this.#open.set(ev.connection, st);
    }
    for (const h of ev.handshakes) {
      const m = h.message;
      if (m?.type === "ClientHello" && !st.ja3) {
        st.ja3 = ja3(m);
        st.ja4 = ja4(m, { quic: true });
      }
      if (m?.type === "ServerHello" || m?.type === "HelloRetryRequest") {
        st.ja3s ??= ja3s(m);
        st.version = h.selectedVersion;
        st.cipherSuite = m.cipher_suite;
        st.hrr ||= m.type === "HelloRetryRequest";
        // A ServerHello with pre_shared_key accepted a PSK (RFC 8446 §4.2.11).
        st.resumed = m.type === "ServerHello" && m.extensions.some((e) => e.type === 41);
      }
      if (st.messages.length >= MAX_QUIC_MESSAGES) continue;
      st.messages.push({
        frame: ev.frame,
        lastFrame: ev.frame,
        count: 1,
        from: ev.direction === 0 ? "client" : "server",
        kind: "handshake",
        name: m ? (m.type === "Unknown" ? m.name : m.type) : `handshake type ${h.msgType}`,
        length: h.length,
        recordVersion: undefined,
        decrypted: false,
        fields: m ? messageFields(m) : undefined,
      });
    }
  }

  /** @returns one transcript per QUIC connection, in connection order */
  finish(): Transcript[] {
    const out = [...this.#open.values()].map(transcript);
    this.#open.clear();
    return out;
  }
}

function transcript(st: State): Transcript {
  const summary: ConnectionSummary = {
    stream: st.event.connection,
    client: st.event.client,
    server: st.event.server,
    version: st.version,
    cipherSuite: st.cipherSuite,
    helloRetryRequest: st.hrr,
    resumed: st.resumed,
    clientCertRequested: "encrypted",
    clientCertSent: "encrypted",
    clientCertCount: undefined,
    clientCertificates: [],
    serverCertificate: undefined,
    acceptableCas: [],
    alert: undefined,
    applicationData: [0, 0],
    outcome: "incomplete",
    diagnosis: undefined,
    clientCertCut: false,
    transport: "quic",
  };
  return {
    summary,
    messages: st.messages,
    messagesNotListed: 0,
    ja3: st.ja3,
    ja3s: st.ja3s,
    ja4: st.ja4,
    alerts: [],
  };
}

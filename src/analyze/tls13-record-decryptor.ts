/**
 * Decrypts TLS 1.3 protected records with a key log: the encrypted handshake
 * (EncryptedExtensions, CertificateRequest, Certificate, CertificateVerify, Finished), the
 * alerts that tell why a mutual-TLS handshake failed (certificate_required, unknown_ca), and
 * NewSessionTicket. An event transformer between the analyzer and the renderers: protected
 * record events it can open come out as plaintext record events marked `decrypted`.
 *
 * Handshake traffic keys until each side's Finished, then application traffic keys
 * (RFC 8446 §7.1-§7.3); record nonces per RFC 8446 §5.3. A record that does not
 * authenticate stops decryption of that direction (events then pass unchanged) and yields one
 * warning event for the connection.
 * @module
 */
import { openTls13Record, type Tls13RecordKeys, tls13RecordKeys } from "../client/tls13-decrypt.ts";
import { ParseError } from "../errors.ts";
import { HandshakeFramer } from "../tls/handshake-framer.ts";
import { ContentType } from "../tls/record.ts";
import type { AnalyzerEvent, HandshakeEvent, RecordEvent } from "./events.ts";
import { readHandshakeFields } from "./hello-fields.ts";
import type { KeyLog } from "./key-log.ts";

interface Half {
  keys: Tls13RecordKeys | undefined;
  stage: "none" | "handshake" | "application" | "failed";
  readonly framer: HandshakeFramer;
}

interface Stream {
  clientRandom: string | undefined;
  cipherSuite: number | undefined;
  tls13: boolean;
  /** A record failed to authenticate (warned once). */
  failed: boolean;
  readonly halves: [Half, Half];
}

const LABELS = {
  handshake: ["CLIENT_HANDSHAKE_TRAFFIC_SECRET", "SERVER_HANDSHAKE_TRAFFIC_SECRET"],
  application: ["CLIENT_TRAFFIC_SECRET_0", "SERVER_TRAFFIC_SECRET_0"],
} as const;

/** Largest decrypted handshake message followed, in bytes (as the dissector's limit). */
const MAX_HANDSHAKE_MESSAGE = 1024 * 1024;

function hex(b: Uint8Array): string {
  let s = "";
  for (const x of b) s += x.toString(16).padStart(2, "0");
  return s;
}

function newHalf(): Half {
  return {
    keys: undefined,
    stage: "none",
    framer: new HandshakeFramer({ maxMessageSize: MAX_HANDSHAKE_MESSAGE }),
  };
}

/**
 * Decrypts the TLS 1.3 records of every connection whose secrets the key log holds.
 *
 * @example
 * ```ts
 * const log = new KeyLog();
 * log.add(keyLogText);
 * const d = new Tls13RecordDecryptor(log);
 * renderer.add(d.apply(analyzer.push(chunk)));
 * ```
 */
export class Tls13RecordDecryptor {
  readonly #log: KeyLog;
  readonly #streams = new Map<number, Stream>();
  #decrypted = 0;
  #tls13Connections = 0;
  #matchedConnections = 0;

  /** @param log the key log (may grow while the capture is read: pcapng DSBs) */
  constructor(log: KeyLog) {
    this.#log = log;
  }

  /** Records decrypted so far. */
  get decrypted(): number {
    return this.#decrypted;
  }

  /** Connections seen whose ServerHello selected TLS 1.3 (and whose ClientHello was seen). */
  get tls13Connections(): number {
    return this.#tls13Connections;
  }

  /** TLS 1.3 connections whose client random the key log holds secrets for. */
  get matchedConnections(): number {
    return this.#matchedConnections;
  }

  /**
   * @param events analyzer events, in order
   * @returns the same events, protected records replaced by what they hold where possible
   */
  apply(events: AnalyzerEvent[]): AnalyzerEvent[] {
    const out: AnalyzerEvent[] = [];
    for (const ev of events) {
      if (ev.kind === "connection-close") this.#streams.delete(ev.stream);
      if (ev.kind !== "record") {
        out.push(ev);
        continue;
      }
      const st = this.#streams.get(ev.stream);
      const failedBefore = st?.failed ?? false;
      out.push(this.#record(ev));
      const after = this.#streams.get(ev.stream);
      if (after?.failed && !failedBefore) {
        out.push({
          kind: "warning",
          frame: ev.frame,
          stream: ev.stream,
          message:
            "The key log's secrets for this connection do not decrypt its records (wrong or corrupted key log?)",
        });
      }
    }
    return out;
  }

  #record(ev: RecordEvent): RecordEvent {
    let st = this.#streams.get(ev.stream);
    if (!st) {
      st = {
        clientRandom: undefined,
        cipherSuite: undefined,
        tls13: false,
        failed: false,
        halves: [newHalf(), newHalf()],
      };
      this.#streams.set(ev.stream, st);
    }
    for (const h of ev.handshakes) {
      const m = h.message;
      if (m?.type === "ClientHello" && ev.direction === 0 && !st.clientRandom) {
        st.clientRandom = hex(m.random);
      }
      if (m?.type === "ServerHello" && ev.direction === 1) {
        st.cipherSuite = m.cipher_suite;
        st.tls13 = m.version === 0x0304;
        const random = st.clientRandom;
        if (st.tls13 && random) {
          this.#tls13Connections++;
          if (LABELS.handshake.some((l) => this.#log.secret(random, l))) {
            this.#matchedConnections++;
          }
        }
      }
    }
    if (
      ev.opaqueType === undefined ||
      !st.tls13 ||
      !st.clientRandom ||
      st.cipherSuite === undefined
    ) {
      return ev;
    }
    const half = st.halves[ev.direction];
    if (half.stage === "failed") return ev;
    if (half.stage === "none" && !this.#switch(st, ev.direction, "handshake")) return ev;
    if (!half.keys) return ev;
    let plain: { type: number; content: Uint8Array };
    try {
      plain = openTls13Record(half.keys, ev.raw);
    } catch {
      half.stage = "failed";
      st.failed = true;
      return ev;
    }
    this.#decrypted++;
    const handshakes: HandshakeEvent[] = [];
    let alert: RecordEvent["alert"];
    if (plain.type === ContentType.handshake) {
      let frames: ReturnType<HandshakeFramer["push"]> = [];
      try {
        frames = half.framer.push(plain.content);
      } catch (e) {
        if (!(e instanceof ParseError)) throw e;
        half.stage = "failed";
      }
      for (const f of frames) {
        const fields = readHandshakeFields(f, {
          direction: ev.direction === 0 ? "client" : "server",
          tls13: true,
        });
        handshakes.push({ msgType: f.msgType, length: f.length, raw: f.raw, ...fields });
        if (f.msgType === 20) this.#switch(st, ev.direction, "application");
      }
    } else if (plain.type === ContentType.alert && plain.content.length >= 2) {
      alert = { level: plain.content[0]!, description: plain.content[1]! };
    }
    return {
      ...ev,
      contentType: plain.type,
      opaqueType: undefined,
      encrypted: plain.type === ContentType.application_data,
      length: plain.content.length,
      handshakes,
      alert,
      decrypted: true,
    };
  }

  /** Loads the next traffic keys of one direction; false when the key log lacks them. */
  #switch(st: Stream, direction: 0 | 1, stage: "handshake" | "application"): boolean {
    const half = st.halves[direction];
    const secret = st.clientRandom
      ? this.#log.secret(st.clientRandom, LABELS[stage][direction])
      : undefined;
    const keys =
      secret && st.cipherSuite !== undefined ? tls13RecordKeys(st.cipherSuite, secret) : undefined;
    if (!keys) {
      // Without this stage's secrets the direction cannot be followed any further.
      if (stage === "application") half.stage = "failed";
      return false;
    }
    half.keys = keys;
    half.stage = stage;
    return true;
  }
}

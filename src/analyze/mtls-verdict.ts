/**
 * The mutual-TLS verdict of a connection: did the server ask for a client certificate
 * (CertificateRequest, RFC 5246 §7.4.4 / RFC 8446 §4.3.2), which CAs it named, did the client
 * send one (Certificate, RFC 5246 §7.4.6 / RFC 8446 §4.4.2), and how the connection ended.
 * @module
 */

import { CLIENT_CERT_CUT, type Visibility } from "./connection-summary.ts";
import type { Transcript } from "./connection-transcript.ts";
import { QUIC_INITIAL_ONLY } from "./quic-transcript.ts";

/** `clientAuth` of the JSON schema. */
export interface ClientAuth {
  /** The server sent a CertificateRequest; null when hidden by encryption or not seen. */
  readonly requested: boolean | null;
  /** `certificate_authorities` of the CertificateRequest (RFC 4514 DNs). */
  readonly acceptableCAs: readonly string[];
  /** The client sent a non-empty Certificate; null when hidden by encryption or not seen. */
  readonly sent: boolean | null;
  /** Subjects of the certificates the client sent, leaf first. */
  readonly certificates: readonly string[];
}

/** How the connection ended. */
export type Outcome = "established" | "failed" | "incomplete";

/** The verdict. */
export interface MtlsVerdict {
  readonly clientAuth: ClientAuth;
  readonly outcome: Outcome;
  /** One phrase saying why (`fatal alert unknown_ca from server`). */
  readonly reason: string;
}

function visible(v: Visibility): boolean | null {
  return v === "yes" ? true : v === "no" ? false : null;
}

/**
 * Computes the verdict from a transcript.
 *
 * - `failed`: a plaintext or decrypted alert other than close_notify / user_canceled, or no
 *   TLS 1.2 Finished from a side that sent an encrypted alert instead.
 * - `established`: both sides finished the handshake (TLS ≤ 1.2: Finished after
 *   ChangeCipherSpec each way; TLS 1.3: protected records each way after the ServerHello,
 *   or the client Finished when decrypted). Without the key log a TLS 1.3 rejection sent
 *   after the server Finished (RFC 8446 §4.4.2.4) looks established: use `--keylog`.
 * - `incomplete`: anything else (no ServerHello, capture cut short); in particular when the
 *   capture ends or has a hole before the client's Certificate could be seen (`sent` null).
 * @param t the transcript
 * @returns the verdict
 */
export function mtlsVerdict(t: Transcript): MtlsVerdict {
  const s = t.summary;
  const clientAuth: ClientAuth = {
    requested: visible(s.clientCertRequested),
    acceptableCAs: s.acceptableCas,
    sent: visible(s.clientCertSent),
    certificates: s.clientCertificates.map((c) => c.subject),
  };
  const bad = t.alerts.find(
    (a) =>
      a.description !== null &&
      a.description !== "close_notify" &&
      a.description !== "user_canceled",
  );
  if (bad) {
    return {
      clientAuth,
      outcome: "failed",
      reason: `${bad.level ?? ""} alert ${bad.description} from ${bad.from}`.trim(),
    };
  }
  if (s.transport === "quic")
    return { clientAuth, outcome: "incomplete", reason: QUIC_INITIAL_ONLY };
  const finished = (from: "client" | "server") =>
    t.messages.some(
      (m) =>
        m.from === from &&
        (m.name === "Finished" ||
          m.name === "Encrypted Handshake Message" ||
          (s.version === 0x0304 && m.name === "Application Data")),
    );
  if (s.version === undefined || (s.cipherSuite === undefined && s.version !== 0x0002)) {
    return { clientAuth, outcome: "incomplete", reason: "no ServerHello" };
  }
  if (s.clientCertCut) return { clientAuth, outcome: "incomplete", reason: CLIENT_CERT_CUT };
  const client = finished("client");
  const server = finished("server");
  if (client && server) {
    const note =
      s.version === 0x0304 && !t.messages.some((m) => m.decrypted)
        ? " (TLS 1.3 without key log: a rejection after the server Finished would look the same)"
        : "";
    return { clientAuth, outcome: "established", reason: `handshake completed${note}` };
  }
  const encryptedAlert = t.alerts.find((a) => a.description === null);
  if (encryptedAlert) {
    return {
      clientAuth,
      outcome: "failed",
      reason: `encrypted alert from ${encryptedAlert.from} before the handshake completed`,
    };
  }
  return {
    clientAuth,
    outcome: "incomplete",
    reason: client
      ? "no server Finished"
      : server
        ? "no client Finished"
        : "handshake not finished",
  };
}

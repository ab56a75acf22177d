/**
 * Folds the record events of each connection into a one-line mutual-TLS verdict: who
 * talked to whom, the version and cipher suite, whether the server asked for a client
 * certificate (CertificateRequest, RFC 8446 §4.3.2 / RFC 5246 §7.4.4), whether the client
 * sent one (Certificate, RFC 8446 §4.4.2 / RFC 5246 §7.4.6), and how it ended.
 * @module
 */
import type { Endpoint } from "../capture/tcp-reassembler.ts";
import { alertDescriptionName, cipherSuiteName, versionName } from "../tls/names.ts";
import { type CertificateNames, certificateNames } from "./certificate-names.ts";
import type { AnalyzerEvent, HandshakeEvent, RecordEvent, WarningEvent } from "./events.ts";

/** A yes/no that may be hidden by encryption (TLS 1.3 sends both messages encrypted). */
export type Visibility = "yes" | "no" | "encrypted" | "unknown";

/** The verdict for one TLS connection. */
export interface ConnectionSummary {
  readonly stream: number;
  readonly client: Endpoint | undefined;
  readonly server: Endpoint | undefined;
  /** Negotiated version (ServerHello `supported_versions` or `legacy_version`), if seen. */
  readonly version: number | undefined;
  /** Selected cipher suite, if a ServerHello was seen. */
  readonly cipherSuite: number | undefined;
  /** True when the ServerHello was preceded by a HelloRetryRequest. */
  readonly helloRetryRequest: boolean;
  /** True for an abbreviated TLS ≤ 1.2 handshake (ServerHello then ChangeCipherSpec). */
  readonly resumed: boolean;
  /** Did the server send a CertificateRequest? */
  readonly clientCertRequested: Visibility;
  /** Did the client send a non-empty Certificate? */
  readonly clientCertSent: Visibility;
  /** Number of certificates the client sent, when visible. */
  readonly clientCertCount: number | undefined;
  /** Subject and issuer of each certificate the client sent (leaf first), when visible. */
  readonly clientCertificates: readonly CertificateNames[];
  /** The server's leaf certificate names, when visible (TLS ≤ 1.2). */
  readonly serverCertificate: CertificateNames | undefined;
  /** CertificateRequest `certificate_authorities` (RFC 4514 strings), when visible. */
  readonly acceptableCas: readonly string[];
  /** The first alert seen, with the side that sent it. */
  readonly alert:
    | {
        readonly from: "client" | "server";
        /** Description (RFC 8446 §6.2), undefined when the alert was encrypted. */
        readonly description: number | undefined;
        readonly level: number | undefined;
      }
    | undefined;
  /** Application data records seen per direction [client→server, server→client]. */
  readonly applicationData: readonly [number, number];
  /** Short outcome: `ok`, `alert unknown_ca (fatal) from server`, `incomplete`... */
  readonly outcome: string;
  /** A likely cause for a failed mutual-TLS handshake, when the visible messages show one. */
  readonly diagnosis: string | undefined;
  /**
   * True when the capture ends (or has a hole) before the client's Certificate could be seen:
   * `clientCertSent` is then "unknown", never an inferred "no".
   */
  readonly clientCertCut: boolean;
  /**
   * `quic` for a QUIC connection (then `stream` is the QUIC connection index, not a TCP
   * stream); absent for TLS over TCP.
   */
  readonly transport?: "quic";
}

/** The outcome (and verdict reason) of a connection whose client Certificate was cut off. */
export const CLIENT_CERT_CUT = "capture ends before the client's Certificate could be seen";

interface State {
  stream: number;
  client: Endpoint | undefined;
  server: Endpoint | undefined;
  tls: boolean;
  version: number | undefined;
  cipherSuite: number | undefined;
  hrr: boolean;
  serverHello: boolean;
  serverCertificate: boolean;
  serverCcsAfterHello: boolean;
  tls13: boolean;
  requested: boolean;
  serverHelloDone: boolean;
  clientCertCount: number | undefined;
  clientCertificates: CertificateNames[];
  serverLeaf: CertificateNames | undefined;
  acceptableCas: string[];
  finishedLike: [boolean, boolean];
  alert: ConnectionSummary["alert"];
  appData: [number, number];
  /** Some TLS 1.3 records were decrypted with the key log. */
  decrypted: boolean;
  /** Finished seen in plaintext or decrypted, per direction. */
  finished: [boolean, boolean];
  /** The client sent what follows its Certificate (ClientKeyExchange, CertificateVerify, ChangeCipherSpec, Finished). */
  clientPastCertificate: boolean;
  /** Bytes from the client went missing before its Certificate could be seen. */
  clientCertCut: boolean;
  /** Bytes from the server went missing before its CertificateRequest or ServerHelloDone. */
  requestCut: boolean;
}

/**
 * Collects events and returns a {@link ConnectionSummary} when a TLS connection closes
 * (or at the end of the capture).
 *
 * @example
 * ```ts
 * const s = new ConnectionSummarizer();
 * for (const summary of s.add(events)) console.log(formatSummary(summary));
 * for (const summary of s.finish()) console.log(formatSummary(summary));
 * ```
 */
export class ConnectionSummarizer {
  readonly #open = new Map<number, State>();

  /**
   * Adds events.
   * @returns summaries of the TLS connections these events closed, in stream order
   */
  add(events: readonly AnalyzerEvent[]): ConnectionSummary[] {
    const out: ConnectionSummary[] = [];
    for (const ev of events) {
      switch (ev.kind) {
        case "connection-open":
          this.#open.set(ev.stream, newState(ev.stream, ev.client, ev.server));
          break;
        case "record": {
          const st = this.#open.get(ev.stream) ?? newState(ev.stream, undefined, undefined);
          this.#open.set(ev.stream, st);
          record(st, ev);
          break;
        }
        case "warning":
          this.#cut(ev);
          break;
        case "connection-close": {
          const st = this.#open.get(ev.stream);
          this.#open.delete(ev.stream);
          if (st?.tls) out.push(summarize(st));
          break;
        }
        default:
          break;
      }
    }
    return out;
  }

  #cut(ev: WarningEvent): void {
    if (ev.cut === undefined) return;
    const states = ev.stream === undefined ? this.#open.values() : [this.#open.get(ev.stream)];
    for (const st of states) {
      if (!st) continue;
      if (ev.cut !== 1 && st.clientCertCount === undefined && !st.clientPastCertificate) {
        st.clientCertCut = true;
      }
      if (ev.cut !== 0 && !st.requested && !st.serverHelloDone) st.requestCut = true;
    }
  }

  /** @returns summaries of the TLS connections still open, in stream order */
  finish(): ConnectionSummary[] {
    const out = [...this.#open.values()].filter((s) => s.tls).map(summarize);
    this.#open.clear();
    return out.sort((a, b) => a.stream - b.stream);
  }
}

function newState(
  stream: number,
  client: Endpoint | undefined,
  server: Endpoint | undefined,
): State {
  return {
    stream,
    client,
    server,
    tls: false,
    version: undefined,
    cipherSuite: undefined,
    hrr: false,
    serverHello: false,
    serverCertificate: false,
    serverCcsAfterHello: false,
    tls13: false,
    requested: false,
    serverHelloDone: false,
    clientCertCount: undefined,
    clientCertificates: [],
    serverLeaf: undefined,
    acceptableCas: [],
    finishedLike: [false, false],
    alert: undefined,
    appData: [0, 0],
    decrypted: false,
    finished: [false, false],
    clientPastCertificate: false,
    clientCertCut: false,
    requestCut: false,
  };
}

function record(st: State, ev: RecordEvent): void {
  st.tls = true;
  const fromServer = ev.direction === 1;
  if (ev.decrypted) st.decrypted = true;
  for (const h of ev.handshakes) {
    if (h.msgType === 20) st.finished[ev.direction] = true;
    if (ev.contentType === undefined) {
      // SSL 2.0: SERVER-HELLO (4) fixes the version
      if (h.msgType === 4) st.version = 0x0002;
      continue;
    }
    if (fromServer && h.msgType === 2) {
      if (h.helloRetryRequest) st.hrr = true;
      else st.serverHello = true;
      st.version = h.selectedVersion;
      st.cipherSuite = h.cipherSuites[0];
      if (h.selectedVersion === 0x0304) st.tls13 = true;
    }
    if (fromServer && h.msgType === 11) {
      st.serverCertificate = true;
      st.serverLeaf = names(h)[0];
    }
    if (fromServer && h.msgType === 13) {
      st.requested = true;
      if (h.message?.type === "CertificateRequest") {
        st.acceptableCas = [...h.message.certificate_authorities];
      }
    }
    if (fromServer && h.msgType === 14) st.serverHelloDone = true;
    if (!fromServer && h.msgType === 11) {
      st.clientCertCount = h.certificateCount ?? 0;
      st.clientCertificates = names(h);
    }
    if (!fromServer && (h.msgType === 15 || h.msgType === 16 || h.msgType === 20)) {
      st.clientPastCertificate = true;
    }
  }
  // TLS ≤ 1.2: the client's ChangeCipherSpec follows its Certificate (RFC 5246 §7.3); in
  // TLS 1.3 it is the compatibility dummy sent before it (RFC 8446 Appendix D.4).
  if (!fromServer && ev.contentType === 20 && !st.tls13) st.clientPastCertificate = true;
  if (fromServer && ev.contentType === 20 && st.serverHello && !st.serverCertificate && !st.tls13) {
    st.serverCcsAfterHello = true;
  }
  if (ev.contentType === 21 || (ev.alert !== undefined && !st.alert)) {
    if (!st.alert || (st.alert.level !== 2 && ev.alert?.level === 2)) {
      st.alert = {
        from: fromServer ? "server" : "client",
        description: ev.alert?.description,
        level: ev.alert?.level,
      };
    }
  }
  if (ev.contentType === 23 || ev.opaqueType === 23) st.appData[ev.direction]++;
}

function names(h: HandshakeEvent): CertificateNames[] {
  if (h.message?.type !== "Certificate") return [];
  const out: CertificateNames[] = [];
  for (const entry of h.message.certificate_list) {
    const n = certificateNames(entry.cert_data);
    if (n) out.push(n);
  }
  return out;
}

function summarize(st: State): ConnectionSummary {
  const resumed = st.serverCcsAfterHello;
  let clientCertRequested: Visibility;
  let clientCertSent: Visibility;
  if (st.tls13 && st.decrypted) {
    // Decrypted with the key log: the CertificateRequest comes before the server Finished,
    // the client Certificate before the client Finished (RFC 8446 §4.3.2, §4.4).
    clientCertRequested = st.requested ? "yes" : st.finished[1] ? "no" : "unknown";
    clientCertSent =
      st.clientCertCount !== undefined
        ? st.clientCertCount > 0
          ? "yes"
          : "no"
        : clientCertRequested === "no" || st.finished[0]
          ? "no"
          : "unknown";
  } else if (st.tls13) {
    clientCertRequested = "encrypted";
    clientCertSent = "encrypted";
  } else if (resumed) {
    clientCertRequested = "no";
    clientCertSent = "no";
  } else {
    clientCertRequested = st.requested ? "yes" : st.serverHelloDone ? "no" : "unknown";
    clientCertSent =
      st.clientCertCount !== undefined
        ? st.clientCertCount > 0
          ? "yes"
          : "no"
        : st.serverHelloDone
          ? "no"
          : "unknown";
  }
  // A missing stretch of bytes may hide the message: say unknown, do not infer "no".
  const certCut = !resumed && st.clientCertCut && st.clientCertCount === undefined;
  if (certCut && clientCertSent === "no") clientCertSent = "unknown";
  if (!resumed && st.requestCut && clientCertRequested === "no") clientCertRequested = "unknown";
  return {
    stream: st.stream,
    client: st.client,
    server: st.server,
    version: st.version,
    cipherSuite: st.cipherSuite,
    helloRetryRequest: st.hrr,
    resumed,
    clientCertRequested,
    clientCertSent,
    clientCertCount: st.tls13 && !st.decrypted ? undefined : st.clientCertCount,
    clientCertificates: st.clientCertificates,
    serverCertificate: st.serverLeaf,
    acceptableCas: st.acceptableCas,
    alert: st.alert,
    applicationData: [st.appData[0], st.appData[1]],
    outcome: outcome(st, certCut && clientCertSent === "unknown"),
    diagnosis: diagnosis(st, clientCertSent),
    clientCertCut: certCut && clientCertSent === "unknown",
  };
}

/**
 * Explains a client-certificate failure from what the handshake shows: no certificate sent
 * although requested, or a chain none of whose issuers the server named in
 * `certificate_authorities` (RFC 5246 §7.4.4, RFC 8446 §4.2.4).
 */
function diagnosis(st: State, sent: Visibility): string | undefined {
  if (st.requested && sent === "no") {
    return "the server asked for a client certificate and the client sent none";
  }
  if (st.clientCertificates.length > 0 && st.acceptableCas.length > 0) {
    const issuers = st.clientCertificates.map((c) => c.issuer);
    const subjects = st.clientCertificates.map((c) => c.subject);
    const known = [...issuers, ...subjects].some((n) => st.acceptableCas.includes(n));
    if (!known) {
      return `client certificate issuer ${issuers.at(-1)} is not among the CAs the server named (${st.acceptableCas.join("; ")})`;
    }
  }
  return undefined;
}

function outcome(st: State, clientCertCut: boolean): string {
  const a = st.alert;
  const both = st.appData[0] > 0 && st.appData[1] > 0;
  if (a && a.description !== undefined && a.description !== 0) {
    const level = a.level === 2 ? " (fatal)" : a.level === 1 ? " (warning)" : "";
    return `alert ${alertDescriptionName(a.description)}${level} from ${a.from}`;
  }
  if (a && a.description === undefined && !both) return `alert (encrypted) from ${a.from}`;
  if (!st.serverHello && st.version !== 0x0002) return "incomplete: no ServerHello";
  if (clientCertCut) return `incomplete: ${CLIENT_CERT_CUT}`;
  if (st.tls13 && !st.decrypted) {
    // Alerts after the ServerHello are protected records: without the key log, a
    // close_notify and a certificate_required look the same (RFC 8446 §5.2, §6).
    return `encrypted: ${st.appData[0]} client and ${st.appData[1]} server records after ServerHello`;
  }
  if (both) return "ok";
  if (st.appData[0] + st.appData[1] > 0) return "ok (application data one way)";
  return "handshake only";
}

/**
 * Formats a summary as one line:
 * `0 127.0.0.1:40000 -> 127.0.0.1:443 TLS 1.2 TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384
 * cert-requested=yes client-cert=yes(2, CN=client-1) outcome=ok` (tab-separated).
 * @param s the summary
 * @returns the line, without a newline
 */
export function formatSummary(s: ConnectionSummary): string {
  const ep = (e: Endpoint | undefined) =>
    e ? (e.address.includes(":") ? `[${e.address}]:${e.port}` : `${e.address}:${e.port}`) : "?";
  const version = s.version === undefined ? "?" : versionName(s.version);
  const suite = s.cipherSuite === undefined ? "?" : cipherSuiteName(s.cipherSuite);
  const leaf = s.clientCertificates[0]?.subject;
  const count =
    s.clientCertCount !== undefined && s.clientCertSent === "yes"
      ? `(${s.clientCertCount}${leaf ? `, ${leaf}` : ""})`
      : "";
  const flags = [s.helloRetryRequest ? " hrr" : "", s.resumed ? " resumed" : ""].join("");
  const stream = s.transport === "quic" ? `quic:${s.stream}` : `${s.stream}`;
  return `${stream}\t${ep(s.client)} -> ${ep(s.server)}\t${version}\t${suite}${flags}\tcert-requested=${s.clientCertRequested}\tclient-cert=${s.clientCertSent}${count}\toutcome=${s.outcome}${s.diagnosis ? `\tdiagnosis=${s.diagnosis}` : ""}`;
}

/**
 * Strict mode (mtlskit extension: `mtls_reject_in_handshake on`, native
 * `tls.rejectInHandshake: true`): a client without a valid certificate fails the TLS
 * handshake with the alert OpenSSL would send, instead of completing it and getting nginx's
 * `400` page.
 *
 * - No certificate: OpenSSL refuses it itself (`rejectUnauthorized` sets
 *   `SSL_VERIFY_FAIL_IF_NO_PEER_CERT`): TLS 1.3 `certificate_required` (116), TLS 1.2
 *   `handshake_failure` (40).
 * - A certificate that fails verification (OpenSSL's, or the gateway's own
 *   `ssl_verify_depth` check, or its OCSP check `ssl_ocsp`, awaited before the verdict):
 *   Node lets the handshake finish inside OpenSSL, so the
 *   {@link HandshakeGate} holds the server's last flight and sends, instead, the alert
 *   OpenSSL maps the verify error to ({@link verifyErrorAlert}: `unknown_ca`,
 *   `certificate_expired`, `certificate_revoked`, `unsupported_certificate`...).
 * - Every refusal is logged at `info` (`client SSL certificate verify error: (10:certificate
 *   has expired) while SSL handshaking, alert: certificate_expired, client: ..., server: ...`
 *   or `client sent no required SSL certificate while SSL handshaking, ...`) and counted in
 *   `mtls_gateway_handshakes_total{result="failed",reason}` (`no certificate`, or the verify
 *   error text).
 * - Sessions: a refused client never receives its session ticket (held, then dropped), and
 *   its TLS 1.2 session ID is removed from the cache; a resumed session carries the verify
 *   result of its full handshake, and is judged again like a full one (fails closed).
 *
 * Source: OpenSSL 3.0 `ssl/statem/statem_lib.c` (`ssl_x509err2alert`), RFC 8446 §4.4.2.4,
 * §6.2; Node `_tls_wrap.js` (`onServerSocketSecure`).
 * @module
 */
import type { Socket } from "node:net";
import type { Server, TLSSocket } from "node:tls";
import { ErrorCode } from "../errors.ts";
import { alertDescriptionName } from "../tls/names.ts";
import { VERIFY_ERROR_NUMBER, verifyErrorText } from "./client-certificate.ts";
import type { ServerConfig } from "./config.ts";
import type { Diagnostic } from "./diagnostic.ts";
import type { ErrorLog } from "./error-log.ts";
import { HandshakeGate } from "./handshake-gate.ts";
import type { GatewayMetrics } from "./metrics.ts";
import type { ClientCertState } from "./policy.ts";

/** TLS AlertDescription values used here (RFC 8446 §6.2). */
export const Alert = {
  handshake_failure: 40,
  bad_certificate: 42,
  unsupported_certificate: 43,
  certificate_revoked: 44,
  certificate_expired: 45,
  certificate_unknown: 46,
  unknown_ca: 48,
  decrypt_error: 51,
  internal_error: 80,
  certificate_required: 116,
} as const;

/** OpenSSL 3.0's `ssl_x509err2alert` table, by the `X509_V_ERR_` name Node reports. */
const X509_ERROR_ALERT: Readonly<Record<string, number>> = {
  APPLICATION_VERIFICATION: Alert.handshake_failure,
  CA_KEY_TOO_SMALL: Alert.bad_certificate,
  CA_MD_TOO_WEAK: Alert.bad_certificate,
  CERT_CHAIN_TOO_LONG: Alert.unknown_ca,
  CERT_HAS_EXPIRED: Alert.certificate_expired,
  CERT_NOT_YET_VALID: Alert.bad_certificate,
  CERT_REJECTED: Alert.bad_certificate,
  CERT_REVOKED: Alert.certificate_revoked,
  CERT_SIGNATURE_FAILURE: Alert.decrypt_error,
  CERT_UNTRUSTED: Alert.bad_certificate,
  CRL_HAS_EXPIRED: Alert.certificate_expired,
  CRL_NOT_YET_VALID: Alert.bad_certificate,
  CRL_SIGNATURE_FAILURE: Alert.decrypt_error,
  DEPTH_ZERO_SELF_SIGNED_CERT: Alert.unknown_ca,
  EE_KEY_TOO_SMALL: Alert.bad_certificate,
  EMAIL_MISMATCH: Alert.bad_certificate,
  ERROR_IN_CERT_NOT_AFTER_FIELD: Alert.bad_certificate,
  ERROR_IN_CERT_NOT_BEFORE_FIELD: Alert.bad_certificate,
  ERROR_IN_CRL_LAST_UPDATE_FIELD: Alert.bad_certificate,
  ERROR_IN_CRL_NEXT_UPDATE_FIELD: Alert.bad_certificate,
  HOSTNAME_MISMATCH: Alert.bad_certificate,
  INVALID_CA: Alert.unknown_ca,
  INVALID_PURPOSE: Alert.unsupported_certificate,
  IP_ADDRESS_MISMATCH: Alert.bad_certificate,
  OUT_OF_MEM: Alert.internal_error,
  PATH_LENGTH_EXCEEDED: Alert.unknown_ca,
  SELF_SIGNED_CERT_IN_CHAIN: Alert.unknown_ca,
  UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY: Alert.bad_certificate,
  UNABLE_TO_DECRYPT_CERT_SIGNATURE: Alert.bad_certificate,
  UNABLE_TO_DECRYPT_CRL_SIGNATURE: Alert.bad_certificate,
  UNABLE_TO_GET_CRL: Alert.unknown_ca,
  UNABLE_TO_GET_CRL_ISSUER: Alert.unknown_ca,
  UNABLE_TO_GET_ISSUER_CERT: Alert.unknown_ca,
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: Alert.unknown_ca,
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: Alert.unknown_ca,
  // The gateway's own OCSP check (ssl_ocsp, `ocsp/ocsp-checker.ts` codes).
  CERTIFICATE_REVOKED: Alert.certificate_revoked,
  CERTIFICATE_STATUS_UNKNOWN: Alert.certificate_unknown,
  CERTIFICATE_STATUS_REQUEST_FAILED: Alert.certificate_unknown,
};

/**
 * The alert OpenSSL 3.0 sends for a certificate verify error.
 * @param code the `X509_V_ERR_` name without prefix, e.g. `CERT_HAS_EXPIRED`
 * @returns the AlertDescription; `certificate_unknown` (46) for errors not in the table
 * @example
 * ```ts
 * alertDescriptionName(verifyErrorAlert("CERT_HAS_EXPIRED")); // "certificate_expired"
 * ```
 */
export function verifyErrorAlert(code: string): number {
  return X509_ERROR_ALERT[code] ?? Alert.certificate_unknown;
}

/**
 * Blocks sharing one listen address must agree on strict mode: Node applies
 * `rejectUnauthorized` to a whole listener, before SNI picks a block.
 * @param blocks the blocks of one listen address
 * @returns an error diagnostic at the first block that differs, or undefined
 */
export function strictModeConflict(blocks: readonly ServerConfig[]): Diagnostic | undefined {
  const first = blocks[0];
  const other = blocks.find((b) => !!b.tls.rejectInHandshake !== !!first?.tls.rejectInHandshake);
  if (!first || !other) return undefined;
  const at = other.location ?? first.location;
  return {
    severity: "error",
    code: ErrorCode.CONFIG_INVALID,
    message:
      "Server blocks on one listen address disagree on mtls_reject_in_handshake: Node applies it to the whole listener",
    hint: "set mtls_reject_in_handshake (native: tls.rejectInHandshake) the same in every block of this address",
    ...(at ? { location: at } : {}),
  };
}

/** Options of {@link installStrictMode}. */
export interface StrictModeOptions {
  /** The error log of the listener's default block. */
  readonly log: ErrorLog;
  readonly metrics: GatewayMetrics;
  /** The verdict for a socket (the gateway's own checks included, e.g. `ssl_verify_depth`). */
  readonly state: (socket: TLSSocket) => ClientCertState;
  /**
   * Checks that complete after the handshake (OCSP): a promise to await before `state`,
   * or undefined. The server's last flight stays held meanwhile.
   */
  readonly ready?: (socket: TLSSocket) => Promise<void> | undefined;
  /** `host:port` of the listener, for log lines. */
  readonly server: string;
  /** Removes a TLS 1.2 session ID from the listener's session cache. */
  readonly forgetSession?: (id: Uint8Array) => void;
}

/** A listener in strict mode. */
export interface StrictMode {
  /** True when strict mode already logged and counted this socket's failure. */
  handled(socket: TLSSocket): boolean;
}

interface Wrapped {
  _handle?: { _parentWrap?: { stream?: unknown } } | null;
}

const gates = new WeakMap<TLSSocket, HandshakeGate>();

/**
 * The gate under a TLS socket. Node 20: `TLSSocket._handle` (the TLSWrap) has
 * `_parentWrap`, the JSStreamSocket whose `stream` is the gate; `_handle` is gone once the
 * socket is destroyed, so the gate is remembered at first sight.
 */
function gateOf(socket: TLSSocket): HandshakeGate | undefined {
  const hit = gates.get(socket);
  if (hit) return hit;
  const stream = (socket as unknown as Wrapped)._handle?._parentWrap?.stream;
  if (!(stream instanceof HandshakeGate)) return undefined;
  gates.set(socket, stream);
  return stream;
}

/** A TLS socket over a JS stream has no address of its own: take the TCP socket's. */
function adoptAddresses(socket: TLSSocket, raw: Socket): void {
  if (Object.hasOwn(socket, "remoteAddress")) return;
  for (const key of ["remoteAddress", "remotePort", "remoteFamily", "localAddress", "localPort"]) {
    Object.defineProperty(socket, key, { value: raw[key as keyof Socket], configurable: true });
  }
}

/**
 * The session ID of an `SSL_SESSION` DER (`SEQUENCE { version, ssl_version, cipher, session_id ... }`).
 * @param der `TLSSocket.getSession()`
 * @returns the ID (empty for a TLS 1.3 or ticket session), or undefined when not an `SSL_SESSION`
 */
export function sessionIdOf(der: Uint8Array): Uint8Array | undefined {
  let at = 0;
  const tlv = () => {
    const tag = der[at];
    let len = der[at + 1] ?? 0;
    let start = at + 2;
    if (len & 0x80) {
      const n = len & 0x7f;
      len = 0;
      for (let i = 0; i < n; i++) len = len * 256 + (der[start + i] ?? 0);
      start += n;
    }
    return { tag, start, end: start + len };
  };
  const seq = tlv();
  if (seq.tag !== 0x30) return undefined;
  at = seq.start;
  for (let i = 0; i < 3; i++) at = tlv().end;
  const id = tlv();
  return id.tag === 0x04 && id.end <= der.length ? der.subarray(id.start, id.end) : undefined;
}

/**
 * Puts a listener in strict mode: every connection goes through a {@link HandshakeGate},
 * and each client is judged when its handshake completes inside OpenSSL.
 * The listener must be created with `requestCert: true, rejectUnauthorized: true`.
 * @param server the `https`/`tls` server, before any other `connection` listener is added
 * @param options log, metrics, verdict, listener name, session cache
 * @returns {@link StrictMode}
 */
export function installStrictMode(server: Server, options: StrictModeOptions): StrictMode {
  const [tlsListener] = server.listeners("connection") as ((raw: unknown) => void)[];
  if (!tlsListener) throw new TypeError("installStrictMode needs the TLS connection listener");
  server.removeListener("connection", tlsListener);
  server.on("connection", (raw: Socket) => tlsListener.call(server, new HandshakeGate(raw)));
  const handled = new WeakSet<TLSSocket>();
  const watched = new WeakSet<TLSSocket>();

  const refuse = (socket: TLSSocket, gate: HandshakeGate, code: string) => {
    const alert = verifyErrorAlert(code);
    // A socket Node already destroyed must not be asked (Node 20 crashes in getSession);
    // its session carries OpenSSL's failed verify result, so resuming it fails anyway.
    const session = socket.destroyed ? undefined : socket.getSession();
    const id = session ? sessionIdOf(session) : undefined;
    if (id && id.length > 0) options.forgetSession?.(id);
    const outcome = gate.reject(alert);
    handled.add(socket);
    const text = verifyErrorText(code);
    options.metrics.handshake("failed", text);
    options.log.write(
      "info",
      `client SSL certificate verify error: (${code in VERIFY_ERROR_NUMBER ? `${VERIFY_ERROR_NUMBER[code]}:` : ""}${text}) while SSL handshaking, alert: ${outcome === "alert sent" ? alertDescriptionName(alert) : "none (resumed session, connection closed)"}, client: ${gate.raw.remoteAddress ?? "-"}, server: ${options.server}`,
    );
    if (!socket.destroyed) socket.destroy();
  };

  const judge = (socket: TLSSocket) => {
    const gate = gateOf(socket);
    if (!gate || gate.decided) return;
    // Node destroyed it already: OpenSSL's verification failed (authorizationError set).
    if (socket.destroyed || (!socket.authorized && socket.authorizationError)) {
      refuse(socket, gate, String(socket.authorizationError ?? "CERT_REJECTED"));
      return;
    }
    // Not before OCSP has answered: the verify outcome is computed once per connection.
    const waiting = options.ready?.(socket);
    if (waiting) {
      void waiting.then(() => decide(socket, gate));
      return;
    }
    decide(socket, gate);
  };

  const decide = (socket: TLSSocket, gate: HandshakeGate) => {
    if (gate.decided) return;
    if (socket.destroyed) {
      gate.reject(Alert.internal_error);
      return;
    }
    const state = options.state(socket);
    if (!state.presented) {
      refuse(socket, gate, "CERT_REJECTED");
      return;
    }
    if (!state.verified) {
      refuse(socket, gate, state.error ?? "CERT_REJECTED");
      return;
    }
    gate.release();
  };

  const watch = (socket: TLSSocket) => {
    if (watched.has(socket)) return;
    watched.add(socket);
    const gate = gateOf(socket);
    if (gate) adoptAddresses(socket, gate.raw);
    // After Node's own 'secure' listener, which sets authorizationError (and destroys).
    socket.on("secure", () => judge(socket));
  };

  server.on("keylog", (line: Buffer, socket: TLSSocket) => {
    gateOf(socket)?.keylog(line);
    watch(socket);
  });
  // A resumed TLS 1.2 session logs no key: judge it when it is handed to HTTP.
  server.prependListener("secureConnection", (socket: TLSSocket) => judge(socket));
  server.prependListener("tlsClientError", (e: Error & { code?: string }, socket: TLSSocket) => {
    const gate = gateOf(socket);
    if (!gate) return;
    adoptAddresses(socket, gate.raw);
    if (gate.decided) return;
    // OpenSSL refused on its own (its alert is in what the gate held): let it out.
    gate.flush();
    if (e.code === "ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE") {
      handled.add(socket);
      const alert = gate.tls13 ? "certificate_required" : "handshake_failure";
      options.metrics.handshake("failed", "no certificate");
      options.log.write(
        "info",
        `client sent no required SSL certificate while SSL handshaking, alert: ${alert}, client: ${gate.raw.remoteAddress ?? "-"}, server: ${options.server}`,
      );
    }
  });
  return { handled: (socket) => handled.has(socket) };
}

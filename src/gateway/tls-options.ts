/**
 * Node TLS options of a server block: `ssl_protocols` → `minVersion`/`maxVersion`;
 * `ssl_ciphers` → `ciphers` (Node's default TLS 1.3 suites kept, since nginx's
 * `ssl_ciphers` does not touch TLS 1.3); `ssl_prefer_server_ciphers` → `honorCipherOrder`;
 * `ssl_session_timeout` → `sessionTimeout`; CAs and CRLs.
 *
 * Source: nginx `ngx_http_ssl_module` (1.22); Node `tls.createSecureContext` options.
 * @module
 */
import { constants, createHash } from "node:crypto";
import { DEFAULT_CIPHERS as NODE_DEFAULT_CIPHERS, type SecureVersion } from "node:tls";
import { DEFAULT_ECDH_CURVE, type ServerConfig, type TlsProtocol } from "./config.ts";
import type { PemMaterial } from "./tls-material.ts";

/** `ssl_protocols` names to Node's `minVersion`/`maxVersion` values. */
export const VERSIONS: Readonly<Record<TlsProtocol, SecureVersion>> = {
  TLSv1: "TLSv1",
  "TLSv1.1": "TLSv1.1",
  "TLSv1.2": "TLSv1.2",
  "TLSv1.3": "TLSv1.3",
};

/**
 * nginx's `ssl_ciphers` leaves TLS 1.3 suites alone; Node's `ciphers` would drop them, so
 * Node's default TLS 1.3 suites are prepended unless the string lists `TLS_*` suites.
 * @param ciphers an OpenSSL cipher string
 * @param ciphersuites TLS 1.3 suites to use instead of Node's (`ssl_conf_command Ciphersuites`)
 * @returns the string for Node's `ciphers` option
 */
export function nodeCiphers(ciphers: string, ciphersuites?: string): string {
  if (/(^|:)TLS_/.test(ciphers)) return ciphers;
  const tls13 =
    ciphersuites?.split(":") ?? NODE_DEFAULT_CIPHERS.split(":").filter((c) => c.startsWith("TLS_"));
  return [...tls13, ciphers].join(":");
}

/**
 * TLS options of one block for `tls.createSecureContext` / `https.createServer`.
 * @param server the block
 * @param pem its certificate, key, CAs and CRLs
 * @param index the block's index (part of its session ID context)
 * @returns Node TLS options
 */
export function secureOptions(server: ServerConfig, pem: PemMaterial, index: number) {
  const tls = server.tls;
  return {
    // Several certificates (ssl_certificate given again): OpenSSL serves the one that fits.
    cert: pem.extra && pem.cert ? [pem.cert, ...pem.extra.map((x) => x.cert)] : pem.cert,
    key: pem.extra && pem.key ? [pem.key, ...pem.extra.map((x) => x.key)] : pem.key,
    ...(pem.ca ? { ca: pem.ca } : {}),
    // Node sets X509_V_FLAG_CRL_CHECK | CRL_CHECK_ALL: every certificate of the chain.
    ...(pem.crl ? { crl: pem.crl } : {}),
    minVersion: VERSIONS[tls.protocols[0] ?? "TLSv1.2"],
    maxVersion: VERSIONS[tls.protocols[tls.protocols.length - 1] ?? "TLSv1.3"],
    // ssl_conf_command Ciphersuites replaces the TLS 1.3 suites; ssl_ecdh_curve the groups.
    ciphers: nodeCiphers(tls.ciphers, tls.ciphersuites),
    ecdhCurve: tls.ecdhCurve ?? DEFAULT_ECDH_CURVE,
    honorCipherOrder: tls.preferServerCiphers,
    sessionTimeout: tls.sessionTimeoutSeconds,
    // Per block; note Node applies it to the listener's default context only (see
    // sameClientTrust for what actually keeps sessions from crossing blocks).
    sessionIdContext: sessionIdContext(server, index, pem),
    // ssl_session_ticket_key: the first key encrypts and decrypts (Node keeps one).
    ...(pem.ticketKeys ? { ticketKeys: pem.ticketKeys } : {}),
    // ssl_session_tickets off (TLS 1.3 then issues stateful tickets, as OpenSSL does for nginx).
    ...(tls.sessionTickets === false ? { secureOptions: constants.SSL_OP_NO_TICKET } : {}),
  };
}

/** True when every block verifies clients the same way (mode, depth, CA and CRL files). */
export function sameClientTrust(servers: readonly (ServerConfig | undefined)[]): boolean {
  const key = (s: ServerConfig | undefined) =>
    s
      ? JSON.stringify([
          s.tls.verifyClient,
          s.tls.verifyDepth ?? 1,
          s.tls.clientCertificate?.path ?? "",
          s.tls.trustedCertificate?.path ?? "",
          s.tls.crl?.path ?? "",
        ])
      : "";
  return servers.every((s) => key(s) === key(servers[0]));
}

/**
 * The block's session ID context: OpenSSL resumes a session (ID or ticket, TLS 1.2 and
 * 1.3) only where it matches. It covers the client trust — mode, depth, CA and CRL
 * *contents* — so a ticket from another gateway sharing `ssl_session_ticket_key` but
 * trusting other CAs (even under the same file names) gets a full handshake.
 */
function sessionIdContext(server: ServerConfig, index: number, pem: PemMaterial): string {
  const t = server.tls;
  const digest = (b: Buffer | undefined) => (b ? createHash("sha256").update(b).digest("hex") : "");
  return createHash("sha256")
    .update(
      [
        index,
        server.serverNames.join(","),
        t.clientCertificate?.path ?? "",
        t.verifyClient,
        t.verifyDepth ?? 1,
        digest(pem.ca),
        digest(pem.crl),
      ].join("\0"),
    )
    .digest("hex")
    .slice(0, 32);
}

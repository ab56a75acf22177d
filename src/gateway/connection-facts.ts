/**
 * What the gateway knows about one client connection after its handshake — protocol,
 * cipher, SNI, resumption, the client's certificates and their verify outcome — read once
 * from the `TLSSocket` and kept for every request on that connection.
 *
 * For a resumed session OpenSSL restores the peer certificate and verify result of the
 * original full handshake, so the facts never say more than that handshake proved.
 *
 * Source: Node `tls.TLSSocket` (`getPeerCertificate(true)`,
 * `authorized`, `authorizationError`); nginx `ngx_ssl_get_*` variables.
 * @module
 */
import { createHash, X509Certificate } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { TLSSocket } from "node:tls";
import {
  clientCertificateVariables,
  type VerifyOutcome,
  verifyErrorText,
} from "./client-certificate.ts";
import { frontFactsOf } from "./connection-front.ts";
import type { PeerCertificates } from "./identity-headers.ts";
import type { RequestFacts, TlsFacts } from "./variables.ts";

/** Facts of one connection. */
export interface ConnectionFacts {
  readonly tls: TlsFacts;
  readonly verify: VerifyOutcome;
  /** Undefined when the client sent no certificate. */
  readonly peer?: PeerCertificates;
}

/** Options of {@link connectionFacts}. */
export interface ConnectionFactsOptions {
  /** Clock for `$ssl_client_v_remain`; default `() => new Date()`. */
  readonly now?: () => Date;
  /**
   * A verify outcome decided by the gateway itself (checks Node's TLS layer cannot make,
   * e.g. `ssl_verify_depth`); default: Node's `authorized` / `authorizationError`.
   */
  readonly verify?: (socket: TLSSocket, nodeOutcome: VerifyOutcome) => VerifyOutcome;
}

const cache = new WeakMap<TLSSocket, ConnectionFacts>();

/** A failed outcome from an `X509_V_ERR_` name. */
export function failed(code: string): VerifyOutcome {
  return { kind: "failed", reason: verifyErrorText(code), code };
}

/**
 * What Node's own handshake verification concluded (before any `ssl_verify_depth`, CRL
 * or OCSP override): `none` without a client certificate, else `success` or `failed` with
 * Node's `authorizationError` (nginx `$ssl_client_verify`, ngx_http_ssl_module).
 * @param socket the client's socket, after the handshake
 * @returns the outcome; `CERT_REJECTED` when Node gives no reason
 */
export function nodeVerifyOutcome(socket: TLSSocket): VerifyOutcome {
  if (!peerChain(socket)[0]) return { kind: "none" };
  return socket.authorized
    ? { kind: "success" }
    : failed(String(socket.authorizationError ?? "CERT_REJECTED"));
}

/**
 * `ssl_verify_depth` as OpenSSL 3 applies it (verified against nginx 1.22): the chain from
 * the leaf to the self-signed trust anchor may hold `depth` intermediates (`depth + 2`
 * certificates); OpenSSL stops building there, so a longer chain fails with
 * `unable to get local issuer certificate` (not `certificate chain too long`). Node has
 * no option for it, so the gateway checks the chain once Node's verification succeeded.
 * @param depth `ssl_verify_depth` (nginx default 1)
 * @returns a `verify` override for {@link connectionFacts}
 */
export function verifyDepthCheck(
  depth: number,
): (socket: TLSSocket, outcome: VerifyOutcome) => VerifyOutcome {
  // A resumed session has only the leaf (OpenSSL does not store the peer's chain in the
  // session), so its chain looks short: without this memory a client refused for its
  // depth (400) resumed its session and passed. Leaves refused in a full handshake, by
  // SHA-256, oldest dropped first.
  const refused = new Map<string, true>();
  return (socket, outcome) => {
    if (outcome.kind !== "success") return outcome;
    const leaf = peerChain(socket)[0];
    const key = leaf ? createHash("sha256").update(leaf).digest("hex") : "";
    if (socket.isSessionReused() && refused.has(key)) {
      return failed("UNABLE_TO_GET_ISSUER_CERT_LOCALLY");
    }
    if (verifiedChainLength(socket) > depth + 2) {
      refused.set(key, true);
      if (refused.size > MAX_REMEMBERED_REFUSALS) {
        const oldest = refused.keys().next();
        if (!oldest.done) refused.delete(oldest.value);
      }
      return failed("UNABLE_TO_GET_ISSUER_CERT_LOCALLY");
    }
    if (!socket.isSessionReused()) refused.delete(key);
    return outcome;
  };
}

/** Leaves remembered by {@link verifyDepthCheck} as refused, at most. */
const MAX_REMEMBERED_REFUSALS = 10_000;

/** Certificates from the leaf to the trust anchor, counting the anchor when Node left it out. */
function verifiedChainLength(socket: TLSSocket): number {
  const chain = peerChain(socket);
  const last = chain.at(-1);
  if (!last) return 0;
  const x = new X509Certificate(last);
  return x.subject === x.issuer ? chain.length : chain.length + 1;
}

const chains = new WeakMap<TLSSocket, Uint8Array[]>();

/**
 * The client's chain as Node exposes it (the certificates the client sent, completed from
 * the trust store), leaf first, stopping at a self-issued certificate.
 *
 * Trap (Node 20): calling `getPeerX509Certificate()` on a server socket empties the chain
 * that a later `getPeerCertificate(true)` reports (only the leaf remains), so the gateway
 * never calls it and reads everything from `getPeerCertificate(true)`, once per socket.
 * @param socket the client's socket, after the handshake
 * @returns DER certificates, leaf first (empty when the client sent none); cached per socket
 */
export function peerChain(socket: TLSSocket): Uint8Array[] {
  const hit = chains.get(socket);
  if (hit) return hit;
  const out: Uint8Array[] = [];
  chains.set(socket, out);
  let c = socket.getPeerCertificate(true) as unknown as {
    raw?: Buffer;
    issuerCertificate?: unknown;
    fingerprint256?: string;
  };
  const seen = new Set<string>();
  while (c?.raw && !seen.has(c.fingerprint256 ?? "")) {
    seen.add(c.fingerprint256 ?? "");
    out.push(new Uint8Array(c.raw));
    c = c.issuerCertificate as typeof c;
  }
  return out;
}

/**
 * Reads (once per socket) the TLS facts of a connection.
 * @param socket the client's socket, after the handshake
 * @param options `now` clock, `verify` override
 * @returns the facts, cached per socket
 */
export function connectionFacts(
  socket: TLSSocket,
  options: ConnectionFactsOptions = {},
): ConnectionFacts {
  const hit = cache.get(socket);
  if (hit) return hit;
  const chain = peerChain(socket);
  const leaf = chain[0];
  const nodeOutcome = nodeVerifyOutcome(socket);
  const verify = leaf && options.verify ? options.verify(socket, nodeOutcome) : nodeOutcome;
  const der = leaf;
  const client = clientCertificateVariables(der, {
    verify,
    ...(options.now ? { now: options.now } : {}),
  });
  const facts: ConnectionFacts = {
    verify,
    tls: {
      protocol: socket.getProtocol() ?? "",
      cipher: socket.getCipher()?.name ?? "",
      sessionReused: socket.isSessionReused(),
      // Node does not expose the session_id of the SSL_SESSION: left empty (approximation).
      sessionId: "",
      serverName: typeof socket.servername === "string" ? socket.servername : "",
      alpnProtocol: typeof socket.alpnProtocol === "string" ? socket.alpnProtocol : "",
      client,
    },
    ...(der ? { peer: { chain, verified: verify.kind === "success" } } : {}),
  };
  cache.set(socket, facts);
  return facts;
}

/** Options of {@link requestFacts}. */
export interface RequestFactsOptions {
  readonly connection: number;
  readonly serverName: string;
  readonly proxyHost?: string;
  readonly proxyPort?: number;
}

/**
 * Facts of one request for {@link requestVariables}.
 * @param req the request
 * @param conn its connection's facts
 * @param options connection number, server name, proxy target
 * @returns plain data
 */
export function requestFacts(
  req: IncomingMessage,
  conn: ConnectionFacts,
  options: RequestFactsOptions,
): RequestFacts {
  const s = req.socket;
  const front = frontFactsOf(s);
  return {
    tls: conn.tls,
    remoteAddress: stripV4Mapped(s.remoteAddress ?? ""),
    remotePort: s.remotePort ?? 0,
    localAddress: stripV4Mapped(s.localAddress ?? ""),
    localPort: s.localPort ?? 0,
    serverName: options.serverName,
    method: req.method ?? "GET",
    url: req.url ?? "/",
    httpVersion: req.httpVersion,
    headers: req.headers,
    connection: options.connection,
    ...(front ? { front } : {}),
    ...(options.proxyHost !== undefined ? { proxyHost: options.proxyHost } : {}),
    ...(options.proxyPort !== undefined ? { proxyPort: options.proxyPort } : {}),
  };
}

function stripV4Mapped(a: string): string {
  return a.startsWith("::ffff:") && a.includes(".") ? a.slice(7) : a;
}

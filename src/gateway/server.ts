/**
 * The gateway server: HTTPS listeners built from a {@link GatewayConfig}, applying the
 * client-certificate policy per request like nginx (the handshake always completes; a
 * missing or bad certificate gets nginx's 400 page) and proxying to the upstream.
 *
 * TLS settings map as: `ssl_protocols` → `minVersion`/`maxVersion`; `ssl_ciphers` →
 * `ciphers` (Node's default TLS 1.3 suites are kept, because nginx's `ssl_ciphers` does not
 * touch TLS 1.3 while Node's `ciphers` would disable it); `ssl_prefer_server_ciphers` →
 * `honorCipherOrder`; `ssl_session_timeout` → `sessionTimeout` (tickets and IDs);
 * `ssl_session_cache` → a {@link SessionStore} shared by all listeners of the server.
 *
 * Source: nginx `ngx_http_ssl_module`, `ngx_http_core_module` `listen` (1.22); Node
 * `tls.createServer` options.
 * @module
 */

import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import {
  DEFAULT_CIPHERS as NODE_DEFAULT_CIPHERS,
  type SecureVersion,
  type TLSSocket,
} from "node:tls";
import { ErrorCode, isErrno, MtlsError } from "../errors.ts";
import {
  DEFAULT_VERIFY_DEPTH,
  type GatewayConfig,
  type ListenConfig,
  type LocationConfig,
  type LogLevel,
  type ServerConfig,
  type TlsProtocol,
} from "./config.ts";
import {
  type ConnectionFactsOptions,
  connectionFacts,
  requestFacts,
  verifyDepthCheck,
} from "./connection-facts.ts";
import { ConfigError } from "./diagnostic.ts";
import { createErrorLog, type ErrorLog } from "./error-log.ts";
import { errorPage } from "./error-page.ts";
import { identityHeaders, isIdentityHeader } from "./identity-headers.ts";
import { type ClientCertState, clientVerdict } from "./policy.ts";
import { SessionStore } from "./session-store.ts";
import { type GatewayMaterial, loadTlsMaterial } from "./tls-material.ts";
import { createUpstream, type ForwardHeaders, type Upstream } from "./upstream.ts";
import { compileTemplate, renderTemplate, requestVariables, type Template } from "./variables.ts";

/** A running gateway. */
export interface RunningGateway {
  /** The bound addresses, one per `listen` (port 0 resolved to the real port). */
  readonly addresses: readonly { readonly host: string; readonly port: number }[];
  /** Stops listening, closes open connections and upstream pools, flushes the log. */
  close(): Promise<void>;
}

/** Options of {@link startGateway}. */
export interface GatewayOptions {
  /** Receives error_log lines instead of the configured file (tests, demo). */
  readonly log?: (line: string) => void;
  /** Overrides the configured error_log level. */
  readonly logLevel?: LogLevel;
  /** Preloaded certificates and keys; default: read with `loadTlsMaterial`. */
  readonly material?: GatewayMaterial;
  /** Clock for log lines; default `() => new Date()`. */
  readonly now?: () => Date;
  /** Upstream connect and read timeouts in ms; default 60000 each. */
  readonly upstreamTimeoutMs?: number;
  /** Server header and error-page version line; default `"mtlskit"`. */
  readonly serverTokens?: string;
}

const VERSIONS: Readonly<Record<TlsProtocol, SecureVersion>> = {
  TLSv1: "TLSv1",
  "TLSv1.1": "TLSv1.1",
  "TLSv1.2": "TLSv1.2",
  "TLSv1.3": "TLSv1.3",
};

/** nginx's `ssl_ciphers` leaves TLS 1.3 suites alone; Node's `ciphers` would drop them. */
export function nodeCiphers(ciphers: string): string {
  if (/(^|:)TLS_/.test(ciphers)) return ciphers;
  const tls13 = NODE_DEFAULT_CIPHERS.split(":").filter((c) => c.startsWith("TLS_"));
  return [...tls13, ciphers].join(":");
}

/**
 * Starts the gateway described by `config` (its first server block).
 * @param config the native config (from `importNginx` or built by hand)
 * @param options log callback, preloaded material, clock, timeouts (ms)
 * @returns the running gateway with its bound addresses
 * @throws {ConfigError} when a certificate/key file is missing, bad or mismatched
 * @throws {MtlsError} `MTLS_ADDRESS_IN_USE` when a listen address is taken (the message names it)
 * @example
 * ```ts
 * const gw = await startGateway(config, { log: (l) => console.error(l) });
 * console.log(gw.addresses); // [{ host: "127.0.0.1", port: 41234 }]
 * await gw.close();
 * ```
 */
export async function startGateway(
  config: GatewayConfig,
  options: GatewayOptions = {},
): Promise<RunningGateway> {
  const server = config.servers[0];
  if (!server) throw new TypeError("startGateway needs a config with one server");
  let material = options.material;
  if (!material) {
    const loaded = loadTlsMaterial(config);
    if (!loaded.material) throw new ConfigError(loaded.diagnostics);
    material = loaded.material;
  }
  const serverMaterial = material.servers[0];
  if (!serverMaterial) throw new TypeError("material does not match the config");
  const tokens = options.serverTokens ?? "mtlskit";
  const log = createErrorLog({
    ...(server.errorLog ? { file: server.errorLog.file, level: server.errorLog.level } : {}),
    ...(options.logLevel ? { level: options.logLevel } : {}),
    ...(options.log ? { log: options.log } : {}),
    ...(options.now ? { now: options.now } : {}),
  });
  const upstreams = server.locations.map((l, i) =>
    l.proxyPass
      ? createUpstream(l, serverMaterial.upstreams[i] ?? {}, {
          server: tokens,
          ...(options.upstreamTimeoutMs
            ? {
                connectTimeoutMs: options.upstreamTimeoutMs,
                readTimeoutMs: options.upstreamTimeoutMs,
              }
            : {}),
        })
      : undefined,
  );
  const handler = makeHandler(server, upstreams, log, {
    tokens,
    ...(options.now ? { now: options.now } : {}),
  });
  const store = sessionStore(server);
  const tls = server.tls;
  const servers: Server[] = [];
  const closeAll = async () => {
    await Promise.all(
      servers.map(
        (s) =>
          new Promise<void>((r) => {
            s.close(() => r());
            s.closeAllConnections();
          }),
      ),
    );
    await Promise.all(upstreams.map((u) => u?.close()));
    await log.close();
  };
  const addresses: { host: string; port: number }[] = [];
  try {
    for (const l of server.listen) {
      const s = createServer(
        {
          cert: serverMaterial.tls.cert,
          key: serverMaterial.tls.key,
          ...(serverMaterial.tls.ca ? { ca: serverMaterial.tls.ca } : {}),
          // Node sets X509_V_FLAG_CRL_CHECK | CRL_CHECK_ALL: every certificate of the chain.
          ...(serverMaterial.tls.crl ? { crl: serverMaterial.tls.crl } : {}),
          requestCert: tls.verifyClient !== "off",
          rejectUnauthorized: false,
          minVersion: VERSIONS[tls.protocols[0] ?? "TLSv1.2"],
          maxVersion: VERSIONS[tls.protocols[tls.protocols.length - 1] ?? "TLSv1.3"],
          ciphers: nodeCiphers(tls.ciphers),
          honorCipherOrder: tls.preferServerCiphers,
          sessionTimeout: tls.sessionTimeoutSeconds,
        },
        handler,
      );
      if (store) {
        s.on("newSession", (id: Buffer, data: Buffer, done: () => void) => {
          store.set(id, data);
          done();
        });
        s.on(
          "resumeSession",
          (id: Buffer, done: (err: Error | null, data: Buffer | null) => void) => {
            done(null, store.get(id) ?? null);
          },
        );
      }
      s.on("tlsClientError", (e: Error & { code?: string }, socket: TLSSocket) => {
        log.write(
          "info",
          `SSL_do_handshake() failed (SSL: ${opensslReason(e.message)}) while SSL handshaking, client: ${socket.remoteAddress ?? "-"}, server: ${l.ipv6 ? `[${l.host}]` : l.host}:${l.port}`,
        );
      });
      servers.push(s);
      addresses.push(await listen(s, l));
    }
  } catch (e) {
    await closeAll();
    throw e;
  }
  return { addresses, close: closeAll };
}

function sessionStore(server: ServerConfig): SessionStore | undefined {
  const c = server.tls.sessionCache;
  const timeoutMs = server.tls.sessionTimeoutSeconds * 1000;
  switch (c.kind) {
    case "off":
    case "none":
      return undefined;
    case "builtin":
      return new SessionStore({ maxEntries: c.sessions, timeoutMs });
    case "shared":
      return new SessionStore({ maxBytes: c.bytes, timeoutMs });
    default: {
      const never: never = c;
      throw new TypeError(`unknown session cache ${JSON.stringify(never)}`);
    }
  }
}

function listen(s: Server, l: ListenConfig): Promise<{ host: string; port: number }> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error) => {
      const where = l.ipv6 ? `[${l.host}]:${l.port}` : `${l.host}:${l.port}`;
      const line = l.location ? ` (line ${l.location.line})` : "";
      const reason = isErrno(e, "EADDRINUSE")
        ? "address already in use"
        : isErrno(e, "EACCES")
          ? "permission denied"
          : isErrno(e, "EADDRNOTAVAIL")
            ? "address not available on this host"
            : e.message;
      reject(
        new MtlsError(
          isErrno(e, "EADDRINUSE") ? ErrorCode.ADDRESS_IN_USE : ErrorCode.NETWORK,
          `Cannot listen on ${where}: ${reason}`,
          {
            cause: e,
            hint: `stop what uses the address, or change the listen directive${line}`,
            ...(l.location ? { location: l.location } : {}),
            details: { host: l.host, port: l.port },
          },
        ),
      );
    };
    s.once("error", onError);
    s.listen({ host: l.host, port: l.port, ...(l.ipv6 ? { ipv6Only: true } : {}) }, () => {
      s.off("error", onError);
      const a = s.address() as AddressInfo;
      resolve({ host: a.address, port: a.port });
    });
  });
}

/** A location's `proxy_set_header` list, compiled once. */
function compiledHeaders(l: LocationConfig): (readonly [string, Template])[] {
  return (l.proxySetHeaders ?? []).flatMap((h) => {
    const t = compileTemplate(h.value).template;
    return t ? [[h.name, t] as const] : [];
  });
}

/** The headers set and removed on the way upstream for one request. */
function forwardHeaders(
  req: IncomingMessage,
  location: LocationConfig,
  compiled: readonly (readonly [string, Template])[],
  context: {
    readonly connection: number;
    readonly serverName: string;
    readonly facts: ConnectionFactsOptions;
  },
): ForwardHeaders {
  const socket = req.socket as TLSSocket;
  const conn = connectionFacts(socket, context.facts);
  const pass = location.proxyPass;
  const lookup = requestVariables(
    requestFacts(req, conn, {
      connection: context.connection,
      serverName: context.serverName,
      ...(pass ? { proxyHost: pass.proxyHost, proxyPort: pass.port } : {}),
    }),
  );
  const set: [string, string][] = compiled.map(([name, t]) => [name, renderTemplate(t, lookup)]);
  const preset = location.identityHeaders ?? "off";
  set.push(...identityHeaders(preset, conn.tls.client, conn.peer));
  return { set, remove: isIdentityHeader };
}

function makeHandler(
  server: ServerConfig,
  upstreams: readonly (Upstream | undefined)[],
  log: ErrorLog,
  options: { readonly tokens: string; readonly now?: () => Date },
) {
  const tokens = options.tokens;
  const templates = server.locations.map(compiledHeaders);
  const factsOptions: ConnectionFactsOptions = {
    verify: verifyDepthCheck(server.tls.verifyDepth ?? DEFAULT_VERIFY_DEPTH),
    ...(options.now ? { now: options.now } : {}),
  };
  // nginx numbers connections (`*N` in error_log lines); per gateway, from 1.
  const connectionIds = new WeakMap<object, number>();
  let nextConnectionId = 1;
  return (req: IncomingMessage, res: ServerResponse): void => {
    const socket = req.socket as TLSSocket;
    let cid = connectionIds.get(socket);
    if (cid === undefined) {
      cid = nextConnectionId++;
      connectionIds.set(socket, cid);
    }
    const context = requestContext(server, req);
    const send = (status: number, close: boolean) => {
      const page = errorPage(status, { server: tokens });
      res.writeHead(page.status, page.statusText, {
        server: tokens,
        "content-type": "text/html",
        "content-length": Buffer.byteLength(page.body),
        ...(close ? { connection: "close" } : {}),
      });
      res.end(page.body);
    };
    const verdict = clientVerdict(server.tls.verifyClient, certState(socket, factsOptions));
    if (verdict.kind === "reject") {
      log.write("info", `${verdict.logMessage}${context}`, cid);
      req.resume();
      send(verdict.status, true);
      return;
    }
    const index = matchLocation(server, req.url ?? "/");
    const upstream = index === undefined ? undefined : upstreams[index];
    const location = index === undefined ? undefined : server.locations[index];
    if (!upstream || !location || index === undefined) {
      send(404, false);
      return;
    }
    const headers = forwardHeaders(req, location, templates[index] ?? [], {
      connection: cid,
      serverName: server.serverNames[0] ?? "",
      facts: factsOptions,
    });
    upstream.forward(req, res, headers).then(
      (failure) => {
        if (!failure) return;
        const path = req.url ?? "/";
        log.write(
          "error",
          `${failure.reason}${context}, upstream: "${upstream.proxyPass.url}${path}"${hostPart(req)}`,
          cid,
        );
        req.resume();
        send(failure.status, false);
      },
      (e: unknown) => {
        log.write("error", `proxy failed (${(e as Error).message})${context}`, cid);
        if (!res.headersSent) send(502, false);
        else res.destroy();
      },
    );
  };
}

/** OpenSSL's `error:CODE:lib:func:reason` without Node's source-file suffix, on one line. */
function opensslReason(message: string): string {
  const first = message.split("\n")[0] ?? message;
  const m = /(error:[0-9A-F]+):([^:]*):[^:]*:([^:]*)/.exec(first);
  return m ? `${m[1]}:${m[2]}::${m[3]}` : first;
}

function hostPart(req: IncomingMessage): string {
  return req.headers.host ? `, host: "${req.headers.host}"` : "";
}

/** nginx's `, client: ..., server: ..., request: "..."` suffix. */
function requestContext(server: ServerConfig, req: IncomingMessage): string {
  const name = server.serverNames[0] ?? "";
  return `, client: ${req.socket.remoteAddress ?? "-"}, server: ${name}, request: "${req.method} ${req.url} HTTP/${req.httpVersion}"`;
}

/**
 * What the TLS layer established (plus the gateway's own `ssl_verify_depth` check); for a
 * resumed session OpenSSL restores the original verdict.
 * @param socket the client's socket
 * @param options how {@link connectionFacts} decides the verify outcome
 */
export function certState(
  socket: TLSSocket,
  options: ConnectionFactsOptions = {},
): ClientCertState {
  const facts = connectionFacts(socket, options);
  if (!facts.peer) return { presented: false };
  const v = facts.verify;
  return {
    presented: true,
    verified: v.kind === "success",
    ...(v.kind === "failed" ? { error: v.code ?? "CERT_REJECTED" } : {}),
    subject: facts.tls.client.ssl_client_s_dn,
  };
}

/** Longest matching prefix location (nginx prefix-location rule). */
export function matchLocation(server: ServerConfig, url: string): number | undefined {
  let best: number | undefined;
  let bestLen = -1;
  for (const [i, l] of server.locations.entries()) {
    if (url.startsWith(l.path) && l.path.length > bestLen) {
      best = i;
      bestLen = l.path.length;
    }
  }
  return best;
}

/**
 * The L4 listeners: for each stream server, a `tls.Server` per `listen` address that
 * terminates TLS, applies `ssl_verify_client` once the handshake is done (as nginx 1.22's
 * stream module does: a missing or bad certificate closes the connection before anything
 * is relayed, logged "while SSL handshaking"), connects to the upstream (plain or TLS,
 * PROXY header first), and relays bytes until both sides are done.
 *
 * Error log lines follow nginx's stream module: `client sent no required SSL certificate
 * while SSL handshaking, client: ..., server: ...`, `connect() failed (111: Connection
 * refused) while connecting to upstream, ...`, and at `info` the end of each session
 * with `bytes from/to client:N/M, bytes from/to upstream:M/N`.
 *
 * Source: nginx `ngx_stream_ssl_module`, `ngx_stream_proxy_module` (1.22); Node
 * `tls.createServer`.
 * @module
 */
import { randomBytes } from "node:crypto";
import { createServer, type Server, type TLSSocket } from "node:tls";
import type { GatewayConfig, LogLevel, ServerConfig } from "../config.ts";
import { connectionFacts, verifyDepthCheck } from "../connection-facts.ts";
import { DEFAULT_DRAIN_TIMEOUT_MS, type DrainOptions } from "../drain.ts";
import { createErrorLog } from "../error-log.ts";
import { listenOn } from "../listen-on.ts";
import type { GatewayMetrics } from "../metrics.ts";
import { handshakeFailureLabel, opensslReason } from "../openssl-reason.ts";
import { clientVerdict } from "../policy.ts";
import { certState } from "../server-block.ts";
import { installStrictMode } from "../strict-mode.ts";
import type { GatewayMaterial, ServerMaterial } from "../tls-material.ts";
import { secureOptions } from "../tls-options.ts";
import { frontendCertificateInfo, proxyHeader } from "./proxy-header.ts";
import { relay } from "./relay.ts";
import { createStreamMetrics } from "./stream-metrics.ts";
import { connectUpstream, UpstreamError } from "./upstream-connect.ts";

/** Running L4 listeners. */
export interface RunningStreams {
  /** Bound addresses, in the order of the streams and their `listen` entries. */
  readonly addresses: readonly { readonly host: string; readonly port: number }[];
  /** New certificates, keys, CAs and CRLs for new connections; TLS sessions forgotten. */
  reload(material: GatewayMaterial): void;
  /**
   * Graceful shutdown: stops accepting, lets relayed connections finish, destroys those
   * still open at the deadline (or when `signal` aborts).
   * @param options `timeoutMs` deadline in ms (default 30000), `setTimer`, `signal`
   * @returns the number of connections open at the start and destroyed at the deadline
   */
  drain(options?: DrainOptions): Promise<{ connections: number; forced: number }>;
  /** Stops listening and closes every relayed connection. */
  close(): Promise<void>;
}

/** Options of {@link startStreams}. */
export interface StreamOptions {
  /** The gateway's metrics (handshakes, open connections; stream metrics are added to its registry). */
  readonly metrics: GatewayMetrics;
  /** Receives error_log lines instead of the configured file. */
  readonly log?: (line: string) => void;
  /** Overrides the configured error_log level. */
  readonly logLevel?: LogLevel;
  /** Clock for log lines and `$ssl_client_v_remain`; default `() => new Date()`. */
  readonly now?: () => Date;
}

/**
 * Starts one listener per `listen` address of every stream server.
 * @param config the configuration (its `streams`)
 * @param material loaded material with `streams` parallel to `config.streams`
 * @param options metrics, log callback and level, clock
 * @returns the running listeners
 * @throws {MtlsError} `MTLS_ADDRESS_IN_USE` / `MTLS_NETWORK` when an address cannot be bound
 * @example
 * ```ts
 * const { config, material } = loadNativeGateway("l4.yaml");
 * const streams = await startStreams(config, material, { metrics: createGatewayMetrics() });
 * ```
 */
export async function startStreams(
  config: GatewayConfig,
  material: GatewayMaterial,
  options: StreamOptions,
): Promise<RunningStreams> {
  let current = material;
  const streamMetrics = createStreamMetrics(options.metrics.registry);
  const servers: Server[] = [];
  const sockets = new Set<TLSSocket>();
  const reloaders: (() => void)[] = [];
  const addresses: { host: string; port: number }[] = [];
  let cid = 0;
  const closeAll = async () => {
    await Promise.all(
      servers.map(
        (s) =>
          new Promise<void>((r) => {
            s.close(() => r());
            for (const c of sockets) c.destroy();
          }),
      ),
    );
  };
  try {
    for (const [i, stream] of (config.streams ?? []).entries()) {
      const log = createErrorLog({
        ...(stream.errorLog ? { file: stream.errorLog.file, level: stream.errorLog.level } : {}),
        ...(options.logLevel ? { level: options.logLevel } : {}),
        ...(options.log ? { log: options.log } : {}),
        ...(options.now ? { now: options.now } : {}),
      });
      const pseudo: ServerConfig = {
        listen: stream.listen,
        serverNames: [],
        tls: stream.tls,
        locations: [],
      };
      const materialOf = (): ServerMaterial => {
        const m = current.streams?.[i];
        if (!m) throw new TypeError("material does not match the config's streams");
        return m;
      };
      let frontend = frontendCertificateInfo(materialOf().tls.cert ?? "");
      let session: Buffer | undefined;
      // Strict mode (`mtls_reject_in_handshake on`, native tcp listeners by default):
      // OpenSSL refuses a missing certificate, strict-mode.ts a bad one, with TLS alerts.
      const strict = stream.tls.rejectInHandshake === true;
      const factsOptions = {
        verify: verifyDepthCheck(stream.tls.verifyDepth ?? 1),
        ...(options.now ? { now: options.now } : {}),
      };
      const tlsOptions = () => ({
        ...secureOptions(pseudo, materialOf().tls, 1000 + i),
        requestCert: stream.tls.verifyClient !== "off",
        rejectUnauthorized: strict,
      });
      for (const l of stream.listen) {
        const server = createServer({ ...tlsOptions(), allowHalfOpen: true });
        const where = `${l.ipv6 ? `[${l.host}]` : l.host}:${l.port}`;
        const strictMode = strict
          ? installStrictMode(server, {
              log,
              metrics: options.metrics,
              server: where,
              state: (socket) => certState(socket, factsOptions),
            })
          : undefined;
        server.on("secureConnection", (socket: TLSSocket) => {
          const id = ++cid;
          sockets.add(socket);
          socket.once("close", () => sockets.delete(socket));
          handle(socket, id);
        });
        server.on("tlsClientError", (e: Error, socket: TLSSocket) => {
          if (strictMode?.handled(socket)) return;
          options.metrics.handshake("failed", handshakeFailureLabel(e.message));
          log.write(
            "info",
            `SSL_do_handshake() failed (SSL: ${opensslReason(e.message)}) while SSL handshaking, client: ${unmap(socket.remoteAddress)}, server: ${where}`,
          );
        });
        const handle = (socket: TLSSocket, id: number) => {
          socket.pause();
          const client = unmap(socket.remoteAddress);
          const context = `client: ${client}, server: ${where}`;
          log.write("info", `client ${client}:${socket.remotePort} connected to ${where}`, id);
          const facts = connectionFacts(socket, factsOptions);
          const v = facts.verify;
          const verdict = clientVerdict(
            stream.tls.verifyClient,
            !facts.peer
              ? { presented: false }
              : {
                  presented: true,
                  verified: v.kind === "success",
                  ...(v.kind === "failed" && v.code ? { error: v.code } : {}),
                },
          );
          if (verdict.kind === "reject") {
            const reason = v.kind === "failed" ? v.reason : "no certificate";
            options.metrics.handshake("failed", reason);
            options.metrics.verifyFailure(reason);
            streamMetrics.session("refused");
            log.write(
              "info",
              `${verdict.logMessage.replace(" while reading client request headers", "")} while SSL handshaking, ${context}`,
              id,
            );
            socket.destroy();
            return;
          }
          options.metrics.handshake(socket.isSessionReused() ? "resumed" : "ok");
          options.metrics.connectionOpened();
          socket.once("close", () => options.metrics.connectionClosed());
          const header = proxyHeader(
            stream.proxyProtocol,
            { socket, facts },
            { frontend, ...(stream.proxyProtocolCrc32c ? { crc32c: true } : {}) },
          );
          const up = stream.upstream;
          const upstreamText = `"${up.host.includes(":") ? `[${up.host}]` : up.host}:${up.port}"`;
          const onClientGone = () => pending.abort();
          const pending = new AbortController();
          socket.once("close", onClientGone);
          connectUpstream(up, {
            timeoutMs: stream.connectTimeoutMs,
            ...(header ? { header } : {}),
            ...(up.protocol === "tls"
              ? { tls: { config: stream.upstreamTls, pem: materialOf().upstreams[0] ?? {} } }
              : {}),
            ...(session ? { session } : {}),
            onSession: (s) => {
              session = s;
            },
          }).then(
            (upstream) => {
              socket.off("close", onClientGone);
              if (pending.signal.aborted || socket.destroyed) {
                upstream.destroy();
                streamMetrics.session("client");
                return;
              }
              log.write(
                "info",
                `proxy ${unmap(upstream.localAddress)}:${upstream.localPort} connected to ${upstreamText.slice(1, -1)}`,
                id,
              );
              relay(socket, upstream, {
                idleTimeoutMs: stream.idleTimeoutMs,
                halfClose: stream.halfClose ?? true,
                onBytes: (from, n) =>
                  streamMetrics.bytes(from === "client" ? "from_client" : "from_upstream", n),
                onEnd: (end) => {
                  streamMetrics.session(end.by);
                  const bytes = `bytes from/to client:${end.fromClient}/${end.fromUpstream}, bytes from/to upstream:${end.fromUpstream}/${end.fromClient}`;
                  const what =
                    end.by === "timeout"
                      ? `connection timed out after ${stream.idleTimeoutMs} ms without data (proxy_timeout) while proxying connection`
                      : end.by === "error"
                        ? `${end.side ?? "upstream"} connection failed (${(end.error as Error & { code?: string })?.code ?? end.error?.message}) while proxying connection`
                        : `${end.by} disconnected`;
                  log.write(end.by === "error" ? "error" : "info", `${what}, ${bytes}`, id);
                },
              });
            },
            (e: unknown) => {
              socket.off("close", onClientGone);
              const err = e instanceof UpstreamError ? e : undefined;
              streamMetrics.session("upstream_failed");
              log.write(
                "error",
                `${err?.logMessage ?? String(e)}, ${context}, upstream: ${upstreamText}, bytes from/to client:0/0, bytes from/to upstream:0/0`,
                id,
              );
              socket.destroy();
            },
          );
        };
        reloaders.push(() => {
          server.setSecureContext(tlsOptions());
          server.setTicketKeys(randomBytes(48));
        });
        servers.push(server);
        addresses.push(await listenOn(server, l));
      }
      reloaders.push(() => {
        frontend = frontendCertificateInfo(materialOf().tls.cert ?? "");
        session = undefined;
      });
    }
  } catch (e) {
    await closeAll();
    throw e;
  }
  return {
    addresses,
    reload(next) {
      current = next;
      for (const r of reloaders) r();
    },
    drain(o = {}) {
      const connections = sockets.size;
      for (const srv of servers) srv.close();
      return new Promise((resolve) => {
        let forced = 0;
        let timer: { unref?: () => unknown } | undefined;
        const finish = () => {
          o.signal?.removeEventListener("abort", deadline);
          if (timer) (o.clearTimer ?? ((h) => clearTimeout(h as NodeJS.Timeout)))(timer);
          resolve({ connections, forced });
        };
        const deadline = () => {
          forced = sockets.size;
          for (const c of sockets) c.destroy();
          finish();
        };
        const check = () => {
          if (sockets.size === 0) finish();
        };
        for (const c of sockets) c.once("close", () => queueMicrotask(check));
        if (sockets.size === 0) return finish();
        timer = (o.setTimer ?? ((fn, ms) => setTimeout(fn, ms)))(
          deadline,
          o.timeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS,
        );
        o.signal?.addEventListener("abort", deadline, { once: true });
      });
    },
    close: closeAll,
  };
}

function unmap(a: string | undefined): string {
  if (!a) return "-";
  return a.startsWith("::ffff:") && a.includes(".") ? a.slice(7) : a;
}

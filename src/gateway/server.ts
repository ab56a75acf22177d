/**
 * The gateway server: HTTPS listeners built from a {@link GatewayConfig} (one per distinct
 * `listen` address, its server blocks chosen by SNI), applying the client-certificate
 * policy per request like nginx (the handshake always completes; a missing or bad
 * certificate gets nginx's 400 page) and proxying to the upstream; an optional admin
 * listener; `reload()` for a new configuration, certificates, CAs and CRLs.
 *
 * TLS options per block come from `tls-options.ts`; `ssl_session_cache` → a
 * {@link SessionStore} per listener (none when its blocks trust different CAs).
 *
 * Source: nginx `ngx_http_ssl_module`, `ngx_http_core_module` `listen` (1.22); Node
 * `tls.createServer` options.
 * @module
 */

import { constants as cryptoConstants, randomBytes } from "node:crypto";
import { createServer, type Server } from "node:https";
import { createSecureContext, type TLSSocket } from "node:tls";
import { type AdminServer, startAdmin } from "./admin.ts";
import { BlockGeneration } from "./block-generation.ts";
import { type BuildServerBlocksOptions, buildServerBlocks } from "./build-server-blocks.ts";
import {
  DEFAULT_CLIENT_HEADER_TIMEOUT_MS,
  DEFAULT_HANDSHAKE_TIMEOUT_MS,
  type GatewayConfig,
  type LogLevel,
  type ServerConfig,
} from "./config.ts";
import { type Front, installFront } from "./connection-front.ts";
import type { DepthRefusals } from "./depth-check.ts";
import { ConfigError } from "./diagnostic.ts";
import { ConnectionTracker, type DrainOptions, type DrainResult } from "./drain.ts";
import type { ErrorLogFormat } from "./error-log.ts";
import { handshakeErrorLine } from "./handshake-error-line.ts";
import { installHeaderTimeout } from "./header-timeout.ts";
import { type RunningStreams, startStreams } from "./l4/stream-proxy.ts";
import { listenOn } from "./listen-on.ts";
import { dispatch, listenGroups } from "./listener.ts";
import { listenerBlocks, nextListenerBlocks } from "./listener-blocks.ts";
import { listenerFrontOptions } from "./listener-front.ts";
import { createGatewayMetrics, type GatewayMetrics } from "./metrics.ts";
import { handshakeFailureLabel } from "./openssl-reason.ts";
import { type ReloadPlan, reloadPlan } from "./reload-plan.ts";
import { certState } from "./server-block.ts";
import { attachSessionCache } from "./session-cache-hooks.ts";
import { type SessionCache, SessionStore, type SessionStoreOptions } from "./session-store.ts";
import { sessionStoreOptions } from "./session-store-options.ts";
import {
  installStrictMode,
  type StrictMode,
  sessionIdOf,
  strictModeConflict,
} from "./strict-mode.ts";
import { type GatewayMaterial, loadTlsMaterial } from "./tls-material.ts";
import { sameClientTrust, secureOptions } from "./tls-options.ts";
import { selectServer } from "./virtual-hosts.ts";

/** A running gateway. */
export interface RunningGateway {
  /** The admin listener's address, when `admin` was given. */
  readonly admin?: { readonly host: string; readonly port: number };
  /** The Prometheus metrics (also served on the admin listener's `/metrics`). */
  readonly metrics: GatewayMetrics;
  /**
   * Replaces certificates, keys, CAs and CRLs for new connections (connections in flight
   * keep theirs), and forgets every TLS session (session IDs and ticket keys), so no
   * session made under the old trust can resume. With `config`, applies the whole new
   * configuration (nginx `HUP`): new server blocks, locations, upstream pools, headers,
   * authorization rules, logs and verify settings answer new requests; requests in flight
   * finish on the old blocks, whose pools and logs close after their last request; keep-alive
   * connections from before close after their current response (idle ones at once). The
   * listener settings `configChange` names keep their running values. Nothing changes when
   * it throws.
   * @param material freshly loaded material (of `config` when given, else of the running configuration)
   * @param options `config`: the new configuration (default: the running one, only the
   *   files change); `ticketKeys`: the new 48-byte ticket keys (default: random; a cluster
   *   passes the keys every worker uses)
   * @throws {MtlsError} `MTLS_CONFIG_INVALID` when `config` listens on other addresses
   *   (a reload binds no new sockets; the message names the addresses)
   * @throws {ConfigError} when `config`'s blocks sharing an address disagree on strict mode
   */
  reload(
    material: GatewayMaterial,
    options?: { readonly ticketKeys?: Buffer; readonly config?: GatewayConfig },
  ): void;
  /** The bound addresses, one per distinct `listen` address (port 0 resolved to the real port). */
  readonly addresses: readonly { readonly host: string; readonly port: number }[];
  /** The L4 (stream) listeners' bound addresses, one per stream `listen`; empty without streams. */
  readonly streamAddresses: readonly { readonly host: string; readonly port: number }[];
  /**
   * Graceful shutdown (nginx `QUIT`): `/readyz` answers 503 at once, the listeners stop
   * accepting, requests in flight finish (keep-alive connections get `Connection: close`),
   * idle connections close; at the deadline the rest are destroyed. Call {@link close} after.
   * @param options `timeoutMs` deadline in ms (default 30000), timer and clock
   * @returns the counts of the drain
   */
  drain(options?: DrainOptions): Promise<DrainResult>;
  /** Stops listening, closes open connections and upstream pools, flushes the log. */
  close(): Promise<void>;
}

/** Options of {@link startGateway}. */
export interface GatewayOptions {
  /** Receives error_log lines instead of the configured file (tests, demo). */
  readonly log?: (line: string) => void;
  /** Receives access_log lines instead of the configured file (tests, demo). */
  readonly accessLog?: (line: string) => void;
  /** Overrides the configured error_log level. */
  readonly logLevel?: LogLevel;
  /** error_log line format; default `"nginx"`. */
  readonly logFormat?: ErrorLogFormat;
  /** Preloaded certificates and keys; default: read with `loadTlsMaterial`. */
  readonly material?: GatewayMaterial;
  /** Clock for log lines; default `() => new Date()`. */
  readonly now?: () => Date;
  /** Upstream connect and read timeouts in ms; default 60000 each. */
  readonly upstreamTimeoutMs?: number;
  /** Server header and error-page version line; default `"mtlskit"`. */
  readonly serverTokens?: string;
  /** Admin listener (`/metrics`, `/healthz`, `/readyz`); default none. */
  readonly admin?: { readonly host: string; readonly port: number };
  /**
   * TLS session ticket keys (48 bytes: name, HMAC and AES keys) for every listener;
   * default: OpenSSL's random ones. A cluster gives every worker the same keys.
   */
  readonly ticketKeys?: Buffer;
  /**
   * Makes the session cache of a listener (`key` names the listener, `options` are its
   * `ssl_session_cache` limits); default: an in-process {@link SessionStore}.
   */
  readonly sessionCache?: (key: string, options: SessionStoreOptions) => SessionCache;
  /**
   * Makes the shared `ssl_verify_depth` memory of a server block (`key` names the block,
   * the same in every worker); default: each block remembers in this process only.
   */
  readonly depthRefusals?: (key: string) => DepthRefusals;
  /** Time allowed for a PROXY header and ClientHello before TLS, ms; default: the default block's `client_header_timeout` (60000). */
  readonly frontTimeoutMs?: number;
}

/**
 * Starts the gateway described by `config`: one listener per distinct `listen` address,
 * the server blocks sharing it selected by SNI (`server_name`, wildcards, default server).
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
  if (config.servers.length === 0 && !config.streams?.length)
    throw new TypeError("startGateway needs a config with a server or a stream");
  let material = options.material;
  if (!material) {
    const loaded = loadTlsMaterial(config);
    if (!loaded.material) throw new ConfigError(loaded.diagnostics);
    material = loaded.material;
  }
  let current: GatewayMaterial = material;
  const metrics = createGatewayMetrics();
  let closing = false;
  const tokens = options.serverTokens ?? "mtlskit";
  const buildOptions: BuildServerBlocksOptions = { ...options, metrics, tokens };
  // Requests in flight keep the generation they started on; a reload starts a new one.
  let generation = new BlockGeneration(buildServerBlocks(config, material, buildOptions));
  const retiring = new Set<BlockGeneration>();
  let running = config;
  const blocks = generation.blocks;
  const servers: Server[] = [];
  const fronts: Front[] = [];
  const tracker = new ConnectionTracker();
  let ticketKeys: Buffer | undefined;
  const reloaders: ((next?: ReloadPlan) => () => void)[] = [];
  let admin: AdminServer | undefined;
  let streams: RunningStreams | undefined;
  const closeAll = async () => {
    closing = true;
    await admin?.close();
    for (const f of fronts) f.close();
    await streams?.close();
    await Promise.all(
      servers.map(
        (s) =>
          new Promise<void>((r) => {
            s.close(() => r());
            s.closeAllConnections();
          }),
      ),
    );
    await Promise.all([generation.close(), ...[...retiring].map((g) => g.close())]);
  };
  const addresses: { host: string; port: number }[] = [];
  try {
    for (const group of listenGroups(config)) {
      const initial = listenerBlocks(group, blocks);
      if (!initial) continue;
      // Reassigned by a reload: the closures below always see the running blocks.
      let { members, first, main, mainIndex, indexes } = initial;
      // Node picks the SNI context after OpenSSL has decided on resumption, so a session
      // made on one block would resume on another and keep the first block's verdict.
      // Blocks that verify clients differently therefore share no sessions at all.
      const resumable = sameClientTrust(group.blocks.map((i) => config.servers[i]));
      const conflict = strictModeConflict(members.map((m) => m.config));
      if (conflict) throw new ConfigError([conflict]);
      const strict = main.config.tls.rejectInHandshake === true;
      const tlsOptions = (i: number) => ({
        ...secureOptions(running.servers[i] as ServerConfig, current.servers[i]?.tls ?? {}, i),
        ...(resumable ? {} : { secureOptions: cryptoConstants.SSL_OP_NO_TICKET }),
      });
      let contexts = group.blocks.map((i) =>
        i === mainIndex ? undefined : createSecureContext(tlsOptions(i)),
      );
      const cids = { next: 1, of: new WeakMap<object, number>() };
      const cidOf = (socket: TLSSocket) => {
        let cid = cids.of.get(socket);
        if (cid === undefined) {
          cid = cids.next++;
          cids.of.set(socket, cid);
        }
        return cid;
      };
      const s = createServer(
        {
          ...tlsOptions(mainIndex),
          // Node applies requestCert to every connection of a listener: ask when any block verifies.
          requestCert: members.some((m) => m.config.tls.verifyClient !== "off"),
          // Strict mode: OpenSSL refuses a missing certificate; strict-mode.ts the rest.
          rejectUnauthorized: strict,
          // ssl_handshake_timeout (nginx 1.25); nginx 1.22 times the handshake with client_header_timeout.
          handshakeTimeout:
            main.config.tls.handshakeTimeoutMs ??
            main.config.clientHeaderTimeoutMs ??
            DEFAULT_HANDSHAKE_TIMEOUT_MS,
          SNICallback: (name, cb) => {
            const pick = selectServer(
              members.map((m) => m.config),
              name,
              first,
            );
            cb(null, contexts[pick] ?? undefined);
          },
        },
        (req, res) => {
          const socket = req.socket as TLSSocket;
          const cid = cidOf(socket);
          generation.enter(res);
          dispatch(members, first, req, res, cid);
        },
      );
      // Strict mode wraps the TLS server's own connection listener first, so the front
      // (below) hands it the raw socket after the PROXY header / ClientHello checks.
      const listenText = `${group.listen.ipv6 ? `[${group.listen.host}]` : group.listen.host}:${group.listen.port}`;
      const blockOf = (socket: TLSSocket) => {
        const sni = typeof socket.servername === "string" ? socket.servername : undefined;
        return (
          members[
            selectServer(
              members.map((m) => m.config),
              sni,
              first,
            )
          ] ?? main
        );
      };
      const strictMode: StrictMode | undefined = strict
        ? installStrictMode(s, {
            log: main.log,
            metrics,
            server: listenText,
            state: (socket) => certState(socket, blockOf(socket).facts),
            ready: (socket) => blockOf(socket).ready(socket, cidOf(socket)),
            forgetSession: (id) => store?.delete?.(id),
          })
        : undefined;
      // Before the tracker: the front delays only the TLS server's own connection listener.
      const frontTimeoutMs = options.frontTimeoutMs ?? main.config.clientHeaderTimeoutMs;
      fronts.push(
        installFront(
          s,
          listenerFrontOptions(group, config.servers, {
            log: main.log,
            metrics,
            ...(frontTimeoutMs ? { timeoutMs: frontTimeoutMs } : {}),
          }),
        ),
      );
      tracker.track(s);
      // A configured ssl_session_ticket_key wins over the cluster's shared random keys.
      if (options.ticketKeys && !current.servers[mainIndex]?.tls.ticketKeys) {
        s.setTicketKeys(options.ticketKeys);
      }
      const limits = resumable ? sessionStoreOptions(main.config) : undefined;
      const store: SessionCache | undefined = limits
        ? (options.sessionCache?.(String(servers.length), limits) ?? new SessionStore(limits))
        : undefined;
      if (store) attachSessionCache(s, store);
      const l = group.listen;
      installHeaderTimeout(s, {
        timeoutMs: main.config.clientHeaderTimeoutMs ?? DEFAULT_CLIENT_HEADER_TIMEOUT_MS,
        log: main.log,
        server: `${l.ipv6 ? `[${l.host}]` : l.host}:${l.port}`,
      });
      s.on("secureConnection", (socket: TLSSocket) => {
        metrics.handshake(socket.isSessionReused() ? "resumed" : "ok");
        // ssl_verify_depth: the full handshake's verdict is kept before the client can resume,
        // and a refused client's session ID leaves the cluster's shared cache.
        // (Node 20 crashes in getSession on a socket strict mode destroyed.)
        const refused = blockOf(socket).handshake(socket);
        if (refused && store && options.sessionCache && !socket.destroyed) {
          const id = sessionIdOf(socket.getSession() ?? new Uint8Array());
          if (id && id.length > 0) store.delete?.(id);
        }
        metrics.connectionOpened();
        socket.once("close", () => metrics.connectionClosed());
      });
      reloaders.push((plan) => {
        // Everything that can fail is built before anything is swapped.
        const at = { members, first, main, mainIndex, indexes };
        const next = nextListenerBlocks(at, group.listen, plan);
        const optionsOf = (i: number) => ({
          ...secureOptions(
            (plan?.config ?? running).servers[i] as ServerConfig,
            current.servers[i]?.tls ?? {},
            i,
          ),
          ...(resumable ? {} : { secureOptions: cryptoConstants.SSL_OP_NO_TICKET }),
        });
        createSecureContext(optionsOf(next.mainIndex));
        const nextContexts = next.indexes.map((i) =>
          i === next.mainIndex ? undefined : createSecureContext(optionsOf(i)),
        );
        return () => {
          ({ members, first, main, mainIndex, indexes } = next);
          contexts = nextContexts;
          s.setSecureContext(optionsOf(mainIndex));
          // tls.Server reads requestCert for each new connection (setSecureContext keeps it).
          (s as unknown as { requestCert: boolean }).requestCert = members.some(
            (m) => m.config.tls.verifyClient !== "off",
          );
          // Sessions made under the old trust must not resume: new ticket keys, empty cache
          // (a configured ssl_session_ticket_key is kept: the session ID context covers the
          // CA and CRL contents, so a changed trust still resumes nothing).
          s.setTicketKeys(
            current.servers[mainIndex]?.tls.ticketKeys ?? ticketKeys ?? randomBytes(48),
          );
          store?.clear();
        };
      });
      s.on("tlsClientError", (e: Error & { code?: string }, socket: TLSSocket) => {
        if (strictMode?.handled(socket)) return;
        metrics.handshake("failed", handshakeFailureLabel(e.message));
        main.log.write("info", handshakeErrorLine(e, socket.remoteAddress, listenText));
      });
      servers.push(s);
      addresses.push(await listenOn(s, l));
    }
    if (config.streams?.length) {
      streams = await startStreams(config, material, {
        metrics,
        ...(options.log ? { log: options.log } : {}),
        ...(options.logLevel ? { logLevel: options.logLevel } : {}),
        ...(options.now ? { now: options.now } : {}),
      });
    }
    if (options.admin) {
      admin = await startAdmin(options.admin, {
        metrics,
        ready: () => !closing && servers.every((x) => x.listening),
      });
    }
  } catch (e) {
    await closeAll();
    throw e;
  }
  return {
    addresses,
    streamAddresses: streams?.addresses ?? [],
    ...(admin ? { admin: admin.address } : {}),
    metrics,
    reload(next, reloadOptions) {
      const previous = current;
      current = next;
      let commits: (() => void)[];
      let plan: ReloadPlan | undefined;
      try {
        plan = reloadOptions?.config
          ? reloadPlan(running, reloadOptions.config, next, buildOptions)
          : undefined;
        try {
          commits = reloaders.map((r) => r(plan));
        } catch (e) {
          void plan?.generation.close();
          throw e;
        }
      } catch (e) {
        current = previous;
        throw e;
      }
      ticketKeys = reloadOptions?.ticketKeys;
      if (plan) {
        const old = generation;
        generation = plan.generation;
        running = plan.config;
        retiring.add(old);
        void old.retire().then(() => retiring.delete(old));
      }
      for (const commit of commits) commit();
      // Keep-alive connections verified under the old configuration close after their
      // current request (nginx: the old workers close theirs); new ones use the new one.
      tracker.recycle();
      streams?.reload(next);
    },
    async drain(drainOptions) {
      closing = true;
      // L4 connections drain beside the HTTP ones (the result counts the HTTP side).
      const [result] = await Promise.all([
        tracker.drain(drainOptions),
        streams?.drain(drainOptions),
      ]);
      return result;
    },
    close: closeAll,
  };
}

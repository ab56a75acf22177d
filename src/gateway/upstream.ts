/**
 * The upstream side of a `location`: forwards a request to the `proxy_pass` server with
 * undici, over mutual TLS when the upstream is `https` (the gateway presents
 * `proxy_ssl_certificate` and, with `proxy_ssl_verify on`, trusts only
 * `proxy_ssl_trusted_certificate`). Bodies stream both ways; hop-by-hop headers are
 * dropped (RFC 9110 §7.6.1) and `Host` is `$proxy_host`, as nginx does.
 *
 * Differences from nginx, on purpose: HTTP/1.1 with keep-alive to the upstream (nginx
 * defaults to `proxy_http_version 1.0` with `Connection: close`); SNI is sent for DNS
 * names (nginx: `proxy_ssl_server_name off`).
 *
 * Source: nginx `ngx_http_proxy_module` docs (1.22); undici `Agent` connect options.
 * @module
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { isIP, connect as netConnect, type Socket } from "node:net";
import { pipeline } from "node:stream/promises";
import {
  checkServerIdentity,
  type PeerCertificate,
  type SecureVersion,
  connect as tlsConnect,
} from "node:tls";
import { Agent, type buildConnector, type Dispatcher } from "undici";
import type { LocationConfig, ProxyPassConfig } from "./config.ts";
import type { PemMaterial } from "./tls-material.ts";
import { chainTooDeep, upstreamTlsTuning } from "./upstream-tls.ts";

/** Headers that apply to one connection only (RFC 9110 §7.6.1), plus ones undici refuses. */
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "proxy-authenticate",
  "proxy-authorization",
  "expect",
  "host",
]);

/** Response headers nginx replaces with its own (`proxy_hide_header` defaults + Server/Date). */
const RESPONSE_DROP = new Set([
  "server",
  "date",
  "x-accel-redirect",
  "x-accel-expires",
  "x-accel-limit-rate",
  "x-accel-buffering",
  "x-accel-charset",
  "x-pad",
]);

/** Why an upstream exchange failed, for the 502/504 page and the error_log line. */
export interface UpstreamFailure {
  /** 502 (bad gateway) or 504 (timeout). */
  readonly status: 502 | 504;
  /** nginx-style error_log text, e.g. `connect() failed (111: Connection refused) while connecting to upstream`. */
  readonly reason: string;
  /** The peer tried last, e.g. `https://127.0.0.1:8443`. */
  readonly peer?: string;
}

/** Request headers the gateway sets or removes on the way upstream. */
export interface ForwardHeaders {
  /**
   * Headers to set (`proxy_set_header`, identity headers), already rendered. Client copies
   * of these names are removed; an empty value sends nothing (nginx). `Host` replaces
   * `$proxy_host`.
   */
  readonly set: readonly (readonly [string, string])[];
  /** Client headers to drop (lower-case name), e.g. incoming identity headers. */
  readonly remove?: (name: string) => boolean;
  /** Told which peer answered and with which status (`$upstream_addr`, `$upstream_status`). */
  readonly observe?: (peer: string, status: number) => void;
}

/** A forwarder for one location. */
export interface Upstream {
  readonly proxyPass: ProxyPassConfig;
  /**
   * Forwards `req` and streams the answer into `res`, with `headers` applied.
   * @returns undefined on success, or the failure when nothing was sent yet (the caller
   *   answers with the error page); a failure after the headers went out destroys `res`
   */
  forward(
    req: IncomingMessage,
    res: ServerResponse,
    headers?: ForwardHeaders,
  ): Promise<UpstreamFailure | undefined>;
  /** Closes the pooled connections. */
  close(): Promise<void>;
}

/** Options of {@link createUpstream}. */
export interface UpstreamOptions {
  /** TCP+TLS connect timeout in ms; default 60000 (`proxy_connect_timeout 60s`). */
  readonly connectTimeoutMs?: number;
  /** Time to wait for response headers, and between body chunks, in ms; default 60000 (`proxy_read_timeout 60s`). */
  readonly readTimeoutMs?: number;
  /** Server header value; default `"mtlskit"`. */
  readonly server?: string;
  /**
   * The servers of an `upstream` block, each repeated by its weight; default: the
   * `proxy_pass` host and port.
   */
  readonly targets?: readonly { readonly host: string; readonly port: number }[];
  /** Round-robin counter shared by every location using the same upstream block. */
  readonly next?: () => number;
}

/**
 * Creates the forwarder for a location with a `proxy_pass`.
 * @param location the location (its `proxyPass` must be set)
 * @param material PEM bytes for `proxy_ssl_certificate`, `_key`, `_trusted_certificate`
 * @param options timeouts (ms)
 * @returns an {@link Upstream}
 * @throws {TypeError} when the location has no `proxyPass`
 */
export function createUpstream(
  location: LocationConfig,
  material: PemMaterial,
  options: UpstreamOptions = {},
): Upstream {
  const pass = location.proxyPass;
  if (!pass) throw new TypeError(`location ${location.path} has no proxy_pass`);
  const tls = location.upstreamTls;
  const readTimeout = location.proxy?.readTimeoutMs ?? options.readTimeoutMs ?? 60_000;
  const connectTimeout = location.proxy?.connectTimeoutMs ?? options.connectTimeoutMs ?? 60_000;
  // proxy_ssl_name defaults to $proxy_host without its port: the upstream block's name or the host.
  const tlsName = tls.name ?? pass.upstream ?? pass.host;
  // nginx: proxy_ssl_server_name off; mtlskit without the directive: SNI for names. Never
  // for an address (RFC 6066 §3 forbids literal addresses, nginx skips them too).
  const sendSni = (tls.serverName ?? true) && isIP(tlsName) === 0;
  const agent = new Agent({
    headersTimeout: readTimeout,
    bodyTimeout: readTimeout,
    connect: upstreamConnector({
      ...(material.cert ? { cert: material.cert } : {}),
      ...(material.key ? { key: material.key } : {}),
      ...(tls.verify && material.ca ? { ca: material.ca } : {}),
      rejectUnauthorized: tls.verify,
      sessionReuse: tls.sessionReuse,
      timeoutMs: connectTimeout,
      verifyName: tlsName,
      ...(sendSni ? { servername: tlsName } : {}),
      ...upstreamTlsTuning(tls),
    }),
  });
  const passTarget: { readonly host: string; readonly port: number } = pass;
  const targets = options.targets && options.targets.length > 0 ? options.targets : [passTarget];
  let own = 0;
  const next = options.next ?? (() => own++);
  const originOf = (t: { readonly host: string; readonly port: number }) =>
    `${pass.protocol}://${t.host.includes(":") ? `[${t.host}]` : t.host}:${t.port}`;
  const server = options.server ?? "mtlskit";

  async function forward(
    req: IncomingMessage,
    res: ServerResponse,
    extra: ForwardHeaders = { set: [] },
  ): Promise<UpstreamFailure | undefined> {
    const headers: Record<string, string | string[]> = {};
    const listed = new Set(
      String(req.headers.connection ?? "")
        .split(",")
        .map((s) => s.trim().toLowerCase())
        .filter(Boolean),
    );
    const setNames = new Set(extra.set.map(([n]) => n.toLowerCase()));
    for (const [name, value] of Object.entries(req.headers)) {
      if (value === undefined || HOP_BY_HOP.has(name) || listed.has(name)) continue;
      if (setNames.has(name) || extra.remove?.(name)) continue;
      headers[name] = value;
    }
    headers.host = pass?.proxyHost ?? "";
    for (const [name, value] of extra.set) {
      const lower = name.toLowerCase();
      if (lower === "host") {
        if (value !== "") headers.host = value;
        continue;
      }
      if (value === "") continue;
      const prev = headers[lower];
      headers[lower] =
        prev === undefined ? value : [...(Array.isArray(prev) ? prev : [prev]), value];
    }
    const hasBody =
      req.headers["content-length"] !== undefined || req.headers["transfer-encoding"] !== undefined;
    // A client that goes away aborts the upstream exchange too.
    const abort = new AbortController();
    res.once("close", () => {
      if (!res.writableFinished) abort.abort();
    });
    let answer: Dispatcher.ResponseData | undefined;
    // proxy_next_upstream error timeout: a peer that cannot be connected to is skipped,
    // as long as no request body has been consumed.
    const tries = hasBody ? 1 : targets.length;
    let failure: UpstreamFailure | undefined;
    let answeredBy = "";
    for (let i = 0; i < tries && !answer; i++) {
      const target = targets[next() % targets.length] ?? passTarget;
      const origin = originOf(target);
      answeredBy = `${target.host.includes(":") ? `[${target.host}]` : target.host}:${target.port}`;
      try {
        answer = await agent.request({
          origin,
          path: req.url ?? "/",
          method: (req.method ?? "GET") as Dispatcher.HttpMethod,
          headers,
          body: hasBody ? req : null,
          signal: abort.signal,
        });
      } catch (e) {
        failure = { ...describeFailure(e), peer: origin };
        if (!/while connecting to upstream|SSL handshaking/.test(failure.reason)) break;
      }
    }
    if (!answer) return failure ?? { status: 502, reason: "no live upstreams" };
    extra.observe?.(answeredBy, answer.statusCode);
    const out: Record<string, string | string[]> = {};
    const drop = new Set(
      String(answer.headers.connection ?? "")
        .split(",")
        .map((s) => s.trim().toLowerCase()),
    );
    for (const [name, value] of Object.entries(answer.headers)) {
      if (value === undefined || HOP_BY_HOP.has(name) || RESPONSE_DROP.has(name) || drop.has(name))
        continue;
      out[name] = value;
    }
    out.server = server;
    res.writeHead(answer.statusCode, out);
    try {
      await pipeline(answer.body, res);
    } catch {
      res.destroy();
    }
    return undefined;
  }

  return {
    proxyPass: pass,
    forward,
    close: () => agent.close(),
  };
}

/** TLS options of {@link upstreamConnector}. */
export interface ConnectorOptions {
  readonly cert?: Buffer;
  readonly key?: Buffer;
  readonly ca?: Buffer;
  readonly rejectUnauthorized: boolean;
  /** Offer the last session of this upstream on the next connection (`proxy_ssl_session_reuse`). */
  readonly sessionReuse: boolean;
  /** TCP + TLS handshake timeout in ms. */
  readonly timeoutMs: number;
  /** SNI to send (`proxy_ssl_server_name on`); none when absent. */
  readonly servername?: string;
  /** Name the upstream certificate must carry (`proxy_ssl_name`); default: the host connected to. */
  readonly verifyName?: string;
  /** `proxy_ssl_verify_depth`: intermediates allowed below the anchor; default: not checked. */
  readonly verifyDepth?: number;
  /** `proxy_ssl_protocols` range; default Node's. */
  readonly minVersion?: SecureVersion;
  readonly maxVersion?: SecureVersion;
  /** `proxy_ssl_ciphers` as Node's `ciphers` (TLS 1.3 suites included). */
  readonly ciphers?: string;
}

/**
 * An undici connector that keeps the upstream's last TLS session (strongly, like nginx
 * keeps one session per upstream peer) and offers it on the next connection. undici's own
 * cache holds sessions through `WeakRef`s, which lost them between requests in our tests.
 * @returns a function for undici's `connect` option
 */
export function upstreamConnector(o: ConnectorOptions): buildConnector.connector {
  const sessions = new Map<string, Buffer>();
  return (opts, callback) => {
    const host = opts.hostname.startsWith("[") ? opts.hostname.slice(1, -1) : opts.hostname;
    const key = `${host}:${opts.port}`;
    const https = opts.protocol === "https:";
    const port = Number(opts.port) || (https ? 443 : 80);
    let done = false;
    const finish = (err: Error | null, socket: Socket | null) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (err) callback(err, null);
      else callback(null, socket as Socket);
    };
    const socket: Socket = https
      ? tlsConnect({
          host,
          port,
          ...(o.servername ? { servername: o.servername } : {}),
          ...(o.verifyName || o.verifyDepth !== undefined
            ? {
                checkServerIdentity: (_host: string, cert: PeerCertificate) =>
                  (o.verifyDepth !== undefined ? chainTooDeep(cert, o.verifyDepth) : undefined) ??
                  checkServerIdentity(o.verifyName ?? _host, cert),
              }
            : {}),
          ...(o.minVersion ? { minVersion: o.minVersion } : {}),
          ...(o.maxVersion ? { maxVersion: o.maxVersion } : {}),
          ...(o.ciphers ? { ciphers: o.ciphers } : {}),
          ...(o.cert ? { cert: o.cert } : {}),
          ...(o.key ? { key: o.key } : {}),
          ...(o.ca ? { ca: o.ca } : {}),
          rejectUnauthorized: o.rejectUnauthorized,
          ALPNProtocols: ["http/1.1"],
          ...(o.sessionReuse && sessions.has(key) ? { session: sessions.get(key) } : {}),
        })
      : netConnect({ host, port });
    if (https && o.sessionReuse) {
      socket.on("session", (session: Buffer) => sessions.set(key, session));
    }
    socket.setNoDelay(true);
    socket.once(https ? "secureConnect" : "connect", () => finish(null, socket));
    socket.once("error", (e) => {
      // A session that failed to connect is not offered again; later errors (a reset after
      // the response) do not make the session bad.
      if (https && !done) sessions.delete(key);
      finish(e, null);
    });
    const timer = setTimeout(() => {
      const e = Object.assign(new Error(`connect timed out after ${o.timeoutMs} ms`), {
        code: "ETIMEDOUT",
      });
      socket.destroy(e);
    }, o.timeoutMs);
  };
}

/** Maps undici/Node errors to nginx's error_log wording. */
export function describeFailure(e: unknown): UpstreamFailure {
  const err = e as NodeJS.ErrnoException & { cause?: unknown };
  const inner = (err.cause ?? err) as NodeJS.ErrnoException;
  const code = String(err.code ?? inner.code ?? "");
  const message = (inner.message || err.message || String(e)).replace(/\s+/g, " ");
  switch (code) {
    case "ECONNREFUSED":
      return {
        status: 502,
        reason: "connect() failed (111: Connection refused) while connecting to upstream",
      };
    case "ECONNRESET":
      return {
        status: 502,
        reason:
          "recv() failed (104: Connection reset by peer) while reading response header from upstream",
      };
    case "ETIMEDOUT":
    case "UND_ERR_CONNECT_TIMEOUT":
      return {
        status: 504,
        reason: "upstream timed out (110: Connection timed out) while connecting to upstream",
      };
    case "UND_ERR_HEADERS_TIMEOUT":
      return {
        status: 504,
        reason:
          "upstream timed out (110: Connection timed out) while reading response header from upstream",
      };
    case "UND_ERR_SOCKET":
      return {
        status: 502,
        reason: `upstream prematurely closed connection (${message}) while reading response header from upstream`,
      };
    default:
      break;
  }
  if (/^(ERR_TLS_|ERR_SSL_|UNABLE_|DEPTH_|SELF_SIGNED|CERT_)/.test(code)) {
    const kind = code.startsWith("ERR_SSL_")
      ? "SSL_do_handshake() failed"
      : "upstream SSL certificate verify error:";
    return {
      status: 502,
      reason: `${kind} (${code}: ${message}) while SSL handshaking to upstream`,
    };
  }
  return {
    status: 502,
    reason: `upstream request failed (${code || "error"}: ${message}) while connecting to upstream`,
  };
}

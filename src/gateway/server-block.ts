/**
 * One `server` block at run time: the request phases nginx runs for it — client
 * certificate verdict (`ssl_verify_client`), server-level `return`, location matching
 * (`=`, `^~`, longest prefix, then regexes in order), location `return`,
 * `client_max_body_size`, then the proxy with `proxy_set_header` and identity headers.
 *
 * Source: nginx 1.22 `ngx_http_core_module` (location matching, `client_max_body_size`),
 * `ngx_http_rewrite_module` (`return`), `ngx_http_ssl_module` ("Error processing").
 * @module
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { TLSSocket } from "node:tls";
import {
  type AccessLogSink,
  compileAccessLogFormat,
  formatAccessLogLine,
  timeLocal,
} from "./access-log.ts";
import { authorize } from "./authorize.ts";
import { socketIdentity } from "./certificate-identity.ts";
import { verifyErrorText } from "./client-certificate.ts";
import {
  DEFAULT_CLIENT_MAX_BODY_SIZE,
  DEFAULT_VERIFY_DEPTH,
  type LocationConfig,
  type ReturnConfig,
  type ServerConfig,
} from "./config.ts";
import { type ConnectionFactsOptions, connectionFacts, requestFacts } from "./connection-facts.ts";
import { createDepthCheck, type DepthRefusals } from "./depth-check.ts";
import type { ErrorLog } from "./error-log.ts";
import { errorPage, hasErrorPage } from "./error-page.ts";
import { invalidHeaderLines, isValidHeaderName } from "./header-names.ts";
import { identityHeaders, isIdentityHeader } from "./identity-headers.ts";
import { matchLocation } from "./match-location.ts";
import type { GatewayMetrics } from "./metrics.ts";
import { normalizeUri } from "./normalize-uri.ts";
import { createConnectionOcsp } from "./ocsp/connection-ocsp.ts";
import { ocspMetricsFor } from "./ocsp/ocsp-metrics.ts";
import { type ClientCertState, clientVerdict } from "./policy.ts";
import type { ForwardHeaders, Upstream } from "./upstream.ts";
import {
  compileTemplate,
  renderTemplate,
  requestVariables,
  type Template,
  type VariableLookup,
} from "./variables.ts";

/** A server block ready to answer requests. */
export interface ServerBlock {
  readonly config: ServerConfig;
  readonly log: ErrorLog;
  /** How the verify outcome of a connection is decided for this block. */
  readonly facts: ConnectionFactsOptions;
  /**
   * Checks that finish after the handshake (OCSP, `ssl_ocsp`): a promise to await before
   * the verify outcome of `socket` is final, or undefined when it already is.
   */
  ready(socket: TLSSocket, connection: number): Promise<void> | undefined;
  /**
   * Call when a handshake completes: takes a full handshake's `ssl_verify_depth` verdict now.
   * @returns true when a full handshake was refused for its chain depth
   */
  handshake(socket: TLSSocket): boolean;
  /** Answers one request; `connection` is nginx's connection number for log lines. */
  handle(req: IncomingMessage, res: ServerResponse, connection: number): void;
  /** Sends nginx's page for `status` (e.g. 421 from the listener). */
  sendPage(res: ServerResponse, status: number, close: boolean): void;
  /** Closes the upstream pools and the error log. */
  close(): Promise<void>;
}

/** Options of {@link createServerBlock}. */
export interface ServerBlockOptions {
  readonly log: ErrorLog;
  /** One forwarder per location with a `proxy_pass` (parallel to `config.locations`). */
  readonly upstreams: readonly (Upstream | undefined)[];
  /** Server header and error-page version line. */
  readonly tokens: string;
  /** Clock for `$ssl_client_v_remain`, `$time_local`, `$request_time`; default `() => new Date()`. */
  readonly now?: () => Date;
  /** Where the block's `access_log` lines go (absent: no access log). */
  readonly accessLog?: AccessLogSink;
  /** Prometheus metrics to record into. */
  readonly metrics?: GatewayMetrics;
  /** `ssl_verify_depth` verdicts shared with the other workers; default this process only. */
  readonly depthRefusals?: DepthRefusals;
}

/** A location's `proxy_set_header` list, compiled once. */
function compiledHeaders(l: LocationConfig): (readonly [string, Template])[] {
  return (l.proxySetHeaders ?? []).flatMap((h) => {
    const t = compileTemplate(h.value).template;
    return t ? [[h.name, t] as const] : [];
  });
}

function compiledReturn(r: ReturnConfig | undefined): Template | undefined {
  return r?.text !== undefined ? compileTemplate(r.text).template : undefined;
}

/**
 * Builds the request handler of one server block.
 * @param config the block
 * @param options its log, upstream forwarders, tokens, clock
 * @returns the block
 */
export function createServerBlock(config: ServerConfig, options: ServerBlockOptions): ServerBlock {
  const { log, upstreams, tokens } = options;
  const now = options.now ?? (() => new Date());
  const accessFormat = config.accessLog
    ? compileAccessLogFormat(config.accessLog.format, config.accessLog.escape ?? "default")
    : undefined;
  const templates = config.locations.map(compiledHeaders);
  const locationReturns = config.locations.map((l) => compiledReturn(l.return));
  const serverReturn = compiledReturn(config.return);
  const depth = createDepthCheck(
    config.tls.verifyDepth ?? DEFAULT_VERIFY_DEPTH,
    options.depthRefusals ? { shared: options.depthRefusals } : {},
  );
  const depthCheck = depth.verify;
  const ocsp = config.tls.ocsp
    ? createConnectionOcsp(config.tls.ocsp, {
        log,
        base: depthCheck,
        ...(options.metrics ? { metrics: ocspMetricsFor(options.metrics.registry) } : {}),
        ...(options.now ? { now: options.now } : {}),
      })
    : undefined;
  const facts: ConnectionFactsOptions = {
    verify: ocsp ? ocsp.verify : depthCheck,
    ...(options.now ? { now: options.now } : {}),
  };
  // The depth answer first: OCSP reads the depth verdict when it starts.
  const ready = (socket: TLSSocket, cid: number): Promise<void> | undefined => {
    const d = depth.pending(socket);
    return d ? d.then(() => ocsp?.pending(socket, cid)) : ocsp?.pending(socket, cid);
  };
  const regexes = config.locations.map((l) =>
    l.match === "regex" || l.match === "regex_i"
      ? new RegExp(l.path, l.match === "regex_i" ? "i" : "")
      : undefined,
  );
  const sendPage = (res: ServerResponse, status: number, close: boolean) => {
    const page = errorPage(status, { server: tokens });
    res.writeHead(page.status, page.statusText, {
      server: tokens,
      "content-type": "text/html",
      "content-length": Buffer.byteLength(page.body),
      ...(close ? { connection: "close" } : {}),
    });
    res.end(page.body);
  };

  const variablesOf = (req: IncomingMessage, cid: number, l?: LocationConfig): VariableLookup => {
    const conn = connectionFacts(req.socket as TLSSocket, facts);
    const pass = l?.proxyPass;
    return requestVariables(
      requestFacts(req, conn, {
        connection: cid,
        serverName: config.serverNames[0] ?? "",
        ...(pass ? { proxyHost: pass.proxyHost, proxyPort: pass.port } : {}),
      }),
    );
  };

  const answer = (
    req: IncomingMessage,
    res: ServerResponse,
    r: ReturnConfig,
    text: string | undefined,
  ) => {
    req.resume();
    if (r.status >= 300 && r.status < 400 && text !== undefined && hasErrorPage(r.status)) {
      const page = errorPage(r.status, { server: tokens });
      res.writeHead(page.status, page.statusText, {
        server: tokens,
        location: text,
        "content-type": "text/html",
        "content-length": Buffer.byteLength(page.body),
      });
      res.end(page.body);
    } else if (text !== undefined) {
      res.writeHead(r.status, {
        server: tokens,
        "content-type": "text/plain",
        "content-length": Buffer.byteLength(text),
      });
      res.end(text);
    } else if (hasErrorPage(r.status)) {
      sendPage(res, r.status, false);
    } else {
      res.writeHead(r.status, { server: tokens, "content-length": 0 });
      res.end();
    }
  };

  /** Writes the access log line once the response is done (or the client went away). */
  const logAccess = (req: IncomingMessage, res: ServerResponse, cid: number) => {
    const sink = options.accessLog;
    if (!sink || !accessFormat) return undefined;
    const start = now();
    let bytes = 0;
    const write = res.write.bind(res) as (...a: unknown[]) => boolean;
    const end = res.end.bind(res) as (...a: unknown[]) => ServerResponse;
    const count = (chunk: unknown) => {
      if (typeof chunk === "string") bytes += Buffer.byteLength(chunk);
      else if (chunk instanceof Uint8Array) bytes += chunk.byteLength;
    };
    res.write = ((...a: unknown[]) => {
      count(a[0]);
      return write(...a);
    }) as typeof res.write;
    res.end = ((...a: unknown[]) => {
      if (typeof a[0] !== "function") count(a[0]);
      return end(...a);
    }) as typeof res.end;
    const upstream: { addr?: string; status?: number } = {};
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      const at = now();
      const base = variablesOf(req, cid);
      const extra: Record<string, string> = {
        status: String(res.statusCode),
        body_bytes_sent: String(bytes),
        request_time: ((at.getTime() - start.getTime()) / 1000).toFixed(3),
        time_local: timeLocal(at),
        time_iso8601: at.toISOString().replace(/\.\d{3}Z$/, "+00:00"),
        msec: (at.getTime() / 1000).toFixed(3),
        ...(upstream.addr ? { upstream_addr: upstream.addr } : {}),
        ...(upstream.status ? { upstream_status: String(upstream.status) } : {}),
      };
      sink.write(formatAccessLogLine(accessFormat, (n) => extra[n] ?? base(n)));
    };
    res.once("finish", finish);
    res.once("close", finish);
    return (peer: string, status: number) => {
      upstream.addr = peer;
      upstream.status = status;
    };
  };

  const headerNames = { underscoresInHeaders: config.underscoresInHeaders ?? false };
  const handle = (req: IncomingMessage, res: ServerResponse, cid: number): void => {
    const socket = req.socket as TLSSocket;
    // OCSP (ssl_ocsp): once per connection, before its first request is answered.
    const checking = ready(socket, cid);
    if (checking) {
      // Strict mode may have refused the connection in the meantime: nothing to answer.
      void checking.then(() => {
        if (!socket.destroyed) handle(req, res, cid);
      });
      return;
    }
    const logged = logAccess(req, res, cid);
    const metrics = options.metrics;
    const sent = Date.now();
    if (metrics) res.once("finish", () => metrics.request(res.statusCode));
    const observe = (peer: string, status: number) => {
      metrics?.upstream((Date.now() - sent) / 1000, peer);
      logged?.(peer, status);
    };
    const context = requestContext(config, req);
    // nginx parses (and normalizes) the request line before anything else: 400 when invalid.
    const normalized = normalizeUri(req.url ?? "/");
    if (normalized.kind === "invalid") {
      log.write("info", `client sent invalid request (${normalized.reason})${context}`, cid);
      req.resume();
      sendPage(res, 400, true);
      return;
    }
    // ignore_invalid_headers on, underscores_in_headers off: such headers are not proxied.
    for (const [name, value] of invalidHeaderLines(req.rawHeaders, headerNames)) {
      log.write(
        "info",
        `client sent invalid header line: "${name}: ${value}" while reading client request headers${context}${hostPart(req)}`,
        cid,
      );
    }
    const verdict = clientVerdict(config.tls.verifyClient, certState(socket, facts));
    if (verdict.kind === "reject") {
      log.write("info", `${verdict.logMessage}${context}`, cid);
      const state = certState(socket, facts);
      metrics?.verifyFailure(
        state.presented ? verifyErrorText(state.error ?? "CERT_REJECTED") : "no certificate",
      );
      req.resume();
      sendPage(res, verdict.status, true);
      return;
    }
    if (config.return) {
      const text = serverReturn ? renderTemplate(serverReturn, variablesOf(req, cid)) : undefined;
      answer(req, res, config.return, text);
      return;
    }
    const index = matchLocation(config, req.url ?? "/", regexes);
    const location = index === undefined ? undefined : config.locations[index];
    if (!location || index === undefined) {
      req.resume();
      sendPage(res, 404, false);
      return;
    }
    if (location.authorize) {
      const decision = authorize(location.authorize, socketIdentity(socket, facts));
      if (decision.kind === "deny") {
        log.write("error", `access forbidden: ${decision.message}${context}${hostPart(req)}`, cid);
        metrics?.authorizationDenied(decision.reason, location.path);
        req.resume();
        sendPage(res, 403, false);
        return;
      }
    }
    if (location.return) {
      const t = locationReturns[index];
      const text = t ? renderTemplate(t, variablesOf(req, cid, location)) : undefined;
      answer(req, res, location.return, text);
      return;
    }
    const limit = location.clientMaxBodySize ?? DEFAULT_CLIENT_MAX_BODY_SIZE;
    const length = Number(req.headers["content-length"] ?? 0);
    if (limit > 0 && length > limit) {
      log.write(
        "error",
        `client intended to send too large body: ${length} bytes${context}${hostPart(req)}`,
        cid,
      );
      req.resume();
      sendPage(res, 413, true);
      return;
    }
    const upstream = upstreams[index];
    if (!upstream) {
      req.resume();
      sendPage(res, 404, false);
      return;
    }
    const lookup = variablesOf(req, cid, location);
    const conn = connectionFacts(socket, facts);
    const set: [string, string][] = (templates[index] ?? []).map(([name, t]) => [
      name,
      renderTemplate(t, lookup),
    ]);
    set.push(...identityHeaders(location.identityHeaders ?? "off", conn.tls.client, conn.peer));
    const headers: ForwardHeaders = {
      set,
      remove: (name) => isIdentityHeader(name) || !isValidHeaderName(name, headerNames),
      observe,
    };
    upstream.forward(req, res, headers).then(
      (failure) => {
        if (!failure) return;
        const path = req.url ?? "/";
        log.write(
          "error",
          `${failure.reason}${context}, upstream: "${failure.peer ?? upstream.proxyPass.url}${path}"${hostPart(req)}`,
          cid,
        );
        req.resume();
        sendPage(res, failure.status, false);
      },
      (e: unknown) => {
        log.write("error", `proxy failed (${(e as Error).message})${context}`, cid);
        if (!res.headersSent) sendPage(res, 502, false);
        else res.destroy();
      },
    );
  };

  return {
    config,
    log,
    facts,
    ready,
    handshake: (socket) => {
      void depth.pending(socket);
      return (
        !socket.isSessionReused() &&
        socket.authorized &&
        depth.verify(socket, { kind: "success" }).kind !== "success"
      );
    },
    handle,
    sendPage,
    close: async () => {
      await Promise.all(upstreams.map((u) => u?.close()));
      await ocsp?.close();
      await log.close();
      await options.accessLog?.close();
    },
  };
}

function hostPart(req: IncomingMessage): string {
  return req.headers.host ? `, host: "${req.headers.host}"` : "";
}

/** nginx's `, client: ..., server: ..., request: "..."` suffix. */
export function requestContext(server: ServerConfig, req: IncomingMessage): string {
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

/** Moved to `match-location.ts`; re-exported for existing importers. */
export { matchLocation } from "./match-location.ts";

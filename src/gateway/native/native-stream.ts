/**
 * The native YAML's L4 listeners: `mode: tcp` with a `tcp:` block instead of `routes:`.
 * The listener's `tls:` block means what it means for HTTP listeners (certificate,
 * `clientAuth`, CAs, CRL, protocols); `tcp:` names the upstream and what is sent to it.
 * Safer defaults than nginx mode, as for routes: upstream TLS verified, with SNI; and
 * `tls.rejectInHandshake` defaults to true (with `clientAuth: require`): a missing or bad
 * client certificate fails the handshake with a TLS alert, as ghostunnel does.
 *
 * @example
 * ```yaml
 * listeners:
 *   - listen: ["0.0.0.0:5433"]
 *     mode: tcp
 *     tls: { certificate: gw.crt, key: gw.key, clientCa: clients-ca.crt }
 *     tcp:
 *       upstream: tls://db.internal:5432
 *       proxyProtocol: v2
 *       upstreamTls: { ca: db-ca.crt, certificate: gw-client.crt, key: gw-client.key }
 *       timeouts: { connect: 5s, idle: 1h }
 * ```
 * Source: nginx `ngx_stream_proxy_module` (the directives each key mirrors); ghostunnel's
 * `--target`, `--proxy-protocol` options.
 * @module
 */
import type { SourceLocation } from "../../errors.ts";
import type { FileRef, ServerConfig } from "../config.ts";
import {
  DEFAULT_STREAM_CONNECT_TIMEOUT_MS,
  DEFAULT_STREAM_IDLE_TIMEOUT_MS,
  type StreamServerConfig,
} from "../l4/stream-config.ts";
import { type RawUpstreamTls, UPSTREAM_TLS_FIELDS, upstreamTlsOf } from "./native-upstream-tls.ts";
import type { Field, Schema } from "./schema.ts";

/** `tcp.upstream`: `tls://host:port` or `tcp://host:port` (port required). */
export const TCP_URL_RE = /^(tls|tcp):\/\/(\[[^\]]+\]|[^/:\s]+):(\d{1,5})$/;

const opt = (schema: Schema): Field => ({ schema });

/** The `tcp:` block of a `mode: tcp` listener. */
export const TCP_SCHEMA: Schema = {
  kind: "object",
  fields: {
    upstream: {
      schema: {
        kind: "string",
        expected: '"tls://host:port" or "tcp://host:port"',
        pattern: TCP_URL_RE,
      },
      required: true,
    },
    proxyProtocol: opt({ kind: "enum", values: ["off", "v1", "v2"] }),
    proxyProtocolCrc32c: opt({ kind: "boolean" }),
    halfClose: opt({ kind: "boolean" }),
    upstreamTls: opt({ kind: "object", fields: UPSTREAM_TLS_FIELDS }),
    timeouts: opt({
      kind: "object",
      fields: { connect: opt({ kind: "duration" }), idle: opt({ kind: "duration" }) },
    }),
  },
};

/** The validated `tcp:` block (durations in ms). */
export interface RawTcp {
  upstream: string;
  proxyProtocol?: "off" | "v1" | "v2";
  proxyProtocolCrc32c?: boolean;
  halfClose?: boolean;
  upstreamTls?: RawUpstreamTls;
  timeouts?: { connect?: number; idle?: number };
}

/** What {@link streamServerOf} needs from the YAML conversion. */
export interface StreamHelpers {
  /** A file reference for a YAML value at `path`. */
  ref(value: string, path: string): FileRef;
  /** Reports an error at `path`. */
  error(path: string, message: string, hint?: string): void;
  /** Where a YAML path is. */
  where(path: string): SourceLocation | undefined;
}

/**
 * Converts a `mode: tcp` listener: the listener as converted for HTTP (listen, tls, logs)
 * plus its `tcp:` block.
 * @param server the listener converted like an HTTP one (its `locations` are empty)
 * @param tcp the `tcp:` block
 * @param options `path` of the listener (`listeners[2]`) and the conversion helpers
 * @returns the stream server
 */
export function streamServerOf(
  server: ServerConfig,
  tcp: RawTcp,
  options: {
    readonly path: string;
    readonly helpers: StreamHelpers;
    /** `tls.rejectInHandshake` as written; unset: true when client certificates are required. */
    readonly rejectInHandshake?: boolean | undefined;
  },
): StreamServerConfig {
  const { path: p, helpers } = options;
  // A tcp listener has no error page to show: refuse in the handshake unless told otherwise.
  const strict = options.rejectInHandshake ?? server.tls.verifyClient === "on";
  const { rejectInHandshake: _, ...tlsRest } = server.tls;
  const tp = `${p}.tcp`;
  const m = TCP_URL_RE.exec(tcp.upstream) as RegExpExecArray;
  const rawHost = m[2] ?? "";
  const port = Number(m[3]);
  if (port < 1 || port > 65535)
    helpers.error(`${tp}.upstream`, `port ${port} is out of range 1-65535`);
  const u = tcp.upstreamTls ?? {};
  if (!!u.certificate !== !!u.key)
    helpers.error(`${tp}.upstreamTls`, "certificate and key go together");
  if (m[1] === "tcp" && tcp.upstreamTls) {
    helpers.error(
      `${tp}.upstreamTls`,
      'only used with a "tls://" upstream',
      "write the upstream as tls://host:port, or remove upstreamTls",
    );
  }
  if (tcp.proxyProtocolCrc32c && tcp.proxyProtocol !== "v2") {
    helpers.error(
      `${tp}.proxyProtocolCrc32c`,
      `needs proxyProtocol "v2", got "${tcp.proxyProtocol ?? "off"}"`,
    );
  }
  const upstreamLocation = helpers.where(`${tp}.upstream`);
  const location = helpers.where(p);
  return {
    listen: server.listen,
    tls: { ...tlsRest, ...(strict ? { rejectInHandshake: true } : {}) },
    upstream: {
      protocol: m[1] === "tls" ? "tls" : "tcp",
      host: rawHost.startsWith("[") ? rawHost.slice(1, -1) : rawHost,
      port,
      ...(upstreamLocation ? { location: upstreamLocation } : {}),
    },
    upstreamTls: upstreamTlsOf(u, { path: `${tp}.upstreamTls`, ref: helpers.ref }),
    proxyProtocol: tcp.proxyProtocol ?? "off",
    ...(tcp.proxyProtocolCrc32c ? { proxyProtocolCrc32c: true } : {}),
    connectTimeoutMs: tcp.timeouts?.connect ?? DEFAULT_STREAM_CONNECT_TIMEOUT_MS,
    idleTimeoutMs: tcp.timeouts?.idle ?? DEFAULT_STREAM_IDLE_TIMEOUT_MS,
    halfClose: tcp.halfClose ?? true,
    ...(server.errorLog ? { errorLog: server.errorLog } : {}),
    ...(location ? { location } : {}),
  };
}

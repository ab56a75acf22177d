/**
 * Opens the L4 proxy's connection to its upstream: TCP connect (with
 * `proxy_connect_timeout`), the PROXY protocol header written first and in the clear (as
 * nginx does before `proxy_ssl`'s handshake), then for a TLS upstream the handshake with
 * the gateway's own client certificate, SNI and verification of the upstream.
 * Failures come back as {@link UpstreamError}s whose `logMessage` is nginx's error_log
 * wording (`connect() failed (111: Connection refused) while connecting to upstream`).
 *
 * Source: nginx `ngx_stream_proxy_module` (1.22: `proxy_connect_timeout`, `proxy_ssl`,
 * `proxy_ssl_name`, `proxy_ssl_server_name`, `proxy_ssl_verify`, `proxy_protocol`);
 * `ngx_stream_proxy_connect_handler`, `ngx_stream_proxy_ssl_init_connection`.
 * @module
 */
import { isIP, type Socket, connect as tcpConnect } from "node:net";
import {
  checkServerIdentity,
  type SecureContextOptions,
  type TLSSocket,
  connect as tlsConnect,
} from "node:tls";
import { ErrorCode, MtlsError } from "../../errors.ts";
import { VERIFY_ERROR_NUMBER, verifyErrorText } from "../client-certificate.ts";
import type { UpstreamTlsConfig } from "../config.ts";
import type { PemMaterial } from "../tls-material.ts";
import type { StreamUpstreamConfig } from "./stream-config.ts";

/** A failed upstream connection, with nginx's error_log wording. */
export class UpstreamError extends MtlsError {
  /** e.g. `connect() failed (111: Connection refused) while connecting to upstream`. */
  readonly logMessage: string;
  /** Short reason for metrics, e.g. `connection refused`, `timeout`, `certificate verify failed`. */
  readonly reason: string;
  constructor(
    code: ErrorCode,
    logMessage: string,
    reason: string,
    options: { readonly cause?: unknown } = {},
  ) {
    super(code, `Cannot connect to upstream: ${logMessage}`, options);
    this.name = "UpstreamError";
    this.logMessage = logMessage;
    this.reason = reason;
  }
}

/** Options of {@link connectUpstream}. */
export interface ConnectUpstreamOptions {
  /** `proxy_connect_timeout`, ms, covering TCP connect and the TLS handshake. */
  readonly timeoutMs: number;
  /** Bytes written first (the PROXY protocol header); default none. */
  readonly header?: Uint8Array;
  /** The upstream TLS settings and material, for `protocol: "tls"`. */
  readonly tls?: { readonly config: UpstreamTlsConfig; readonly pem: PemMaterial };
  /** A TLS session to resume (`proxy_ssl_session_reuse`); default none. */
  readonly session?: Buffer;
  /** Receives the TLS session for the next connection. */
  readonly onSession?: (session: Buffer) => void;
}

/**
 * Connects to the upstream and completes the TLS handshake when asked.
 * @param target `tcp://` or `tls://` host and port
 * @param options timeout (ms), header, TLS settings
 * @returns the connected socket (a `TLSSocket` for TLS), with `allowHalfOpen`
 * @throws {UpstreamError} `MTLS_NETWORK` (refused, unreachable), `MTLS_TIMEOUT`,
 *   `MTLS_TLS_HANDSHAKE` (handshake or certificate failure)
 * @example
 * ```ts
 * const up = await connectUpstream({ protocol: "tcp", host: "127.0.0.1", port: 5432 }, { timeoutMs: 60_000 });
 * ```
 */
export function connectUpstream(
  target: StreamUpstreamConfig,
  options: ConnectUpstreamOptions,
): Promise<Socket | TLSSocket> {
  return new Promise((resolve, reject) => {
    let stage: "connecting" | "handshaking" = "connecting";
    let current: Socket | TLSSocket;
    const raw = tcpConnect({ host: target.host, port: target.port, allowHalfOpen: true });
    current = raw;
    const timer = setTimeout(() => {
      fail(
        new UpstreamError(
          ErrorCode.TIMEOUT,
          `upstream timed out (110: Connection timed out) while ${stage === "connecting" ? "connecting to upstream" : "SSL handshaking to upstream"}`,
          "timeout",
        ),
      );
    }, options.timeoutMs);
    const fail = (e: UpstreamError) => {
      clearTimeout(timer);
      current.destroy();
      raw.destroy();
      reject(e);
    };
    const onError = (e: Error & { code?: string; errno?: number }) => {
      fail(
        stage === "connecting" ? connectError(e) : handshakeError(e, target, options.tls?.config),
      );
    };
    raw.once("error", onError);
    raw.once("connect", () => {
      if (options.header) raw.write(options.header);
      if (target.protocol === "tcp" || !options.tls) {
        raw.off("error", onError);
        clearTimeout(timer);
        resolve(raw);
        return;
      }
      stage = "handshaking";
      raw.off("error", onError);
      const s = tlsConnect(tlsOptions(raw, target, options));
      current = s;
      s.once("error", onError);
      if (options.onSession) s.on("session", options.onSession);
      s.once("secureConnect", () => {
        s.off("error", onError);
        clearTimeout(timer);
        resolve(s);
      });
    });
  });
}

function tlsOptions(raw: Socket, target: StreamUpstreamConfig, options: ConnectUpstreamOptions) {
  const tls = options.tls?.config;
  const pem = options.tls?.pem ?? {};
  const name = tls?.name ?? target.host;
  // nginx mode: proxy_ssl_server_name (default off); unset means mtlskit's default, SNI
  // for DNS names only (an address in SNI is not allowed, RFC 6066 §3).
  const sni = (tls?.serverName ?? true) && isIP(name) === 0 ? name : undefined;
  const verify = tls?.verify ?? true;
  const secure: SecureContextOptions = {
    ...(pem.cert ? { cert: pem.cert } : {}),
    ...(pem.key ? { key: pem.key } : {}),
    ...(pem.ca ? { ca: pem.ca } : {}),
  };
  return {
    socket: raw,
    allowHalfOpen: true,
    ...secure,
    ...(sni ? { servername: sni } : {}),
    ...(options.session && (tls?.sessionReuse ?? true) ? { session: options.session } : {}),
    rejectUnauthorized: verify,
    checkServerIdentity: (_host: string, cert: Parameters<typeof checkServerIdentity>[1]) =>
      checkServerIdentity(name, cert),
  };
}

function connectError(e: Error & { code?: string }): UpstreamError {
  const known: Record<string, [number, string]> = {
    ECONNREFUSED: [111, "Connection refused"],
    ECONNRESET: [104, "Connection reset by peer"],
    EHOSTUNREACH: [113, "No route to host"],
    ENETUNREACH: [101, "Network is unreachable"],
  };
  const k = e.code ? known[e.code] : undefined;
  if (k) {
    return new UpstreamError(
      ErrorCode.NETWORK,
      `connect() failed (${k[0]}: ${k[1]}) while connecting to upstream`,
      k[1].toLowerCase(),
      { cause: e },
    );
  }
  if (e.code === "ENOTFOUND" || e.code === "EAI_AGAIN") {
    return new UpstreamError(
      ErrorCode.NETWORK,
      `upstream host not found (${e.code}) while connecting to upstream`,
      "host not found",
      { cause: e },
    );
  }
  return new UpstreamError(
    ErrorCode.NETWORK,
    `connect() failed (${e.code ?? "error"}: ${e.message}) while connecting to upstream`,
    e.code?.toLowerCase() ?? "error",
    { cause: e },
  );
}

function handshakeError(
  e: Error & { code?: string },
  target: StreamUpstreamConfig,
  tls: UpstreamTlsConfig | undefined,
): UpstreamError {
  const code = e.code ?? "";
  if (code === "ERR_TLS_CERT_ALTNAME_INVALID") {
    return new UpstreamError(
      ErrorCode.TLS_HANDSHAKE,
      `upstream SSL certificate does not match "${tls?.name ?? target.host}" while SSL handshaking to upstream`,
      "certificate name mismatch",
      { cause: e },
    );
  }
  if (VERIFY_ERROR_NUMBER[code] !== undefined) {
    return new UpstreamError(
      ErrorCode.TLS_HANDSHAKE,
      `upstream SSL certificate verify error: (${VERIFY_ERROR_NUMBER[code]}:${verifyErrorText(code)}) while SSL handshaking to upstream`,
      verifyErrorText(code),
      { cause: e },
    );
  }
  if (code === "ECONNRESET" || /socket disconnected|ECONNRESET/.test(e.message)) {
    return new UpstreamError(
      ErrorCode.TLS_HANDSHAKE,
      "upstream closed the connection while SSL handshaking to upstream",
      "closed in handshake",
      { cause: e },
    );
  }
  const first = e.message.split("\n")[0] ?? e.message;
  const m = /(error:[0-9A-F]+):([^:]*):[^:]*:([^:]*)/.exec(first);
  const reason = m ? (m[3] ?? first) : first;
  return new UpstreamError(
    ErrorCode.TLS_HANDSHAKE,
    `SSL_do_handshake() failed (SSL: ${m ? `${m[1]}:${m[2]}::${m[3]}` : first}) while SSL handshaking to upstream`,
    reason,
    { cause: e },
  );
}

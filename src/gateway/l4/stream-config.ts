/**
 * The L4 (stream) part of the gateway's configuration model: a TLS listener that verifies
 * clients like the HTTP gateway, then relays bytes to one TCP upstream, plain or TLS,
 * optionally preceded by a PROXY protocol header. Plain readonly data; the nginx importer
 * (`stream { server { ... } }`) and the native YAML (`mode: tcp`) both produce it.
 *
 * Defaults follow nginx 1.22's `ngx_stream_proxy_module`: `proxy_connect_timeout 60s`,
 * `proxy_timeout 10m`, `proxy_ssl_verify off` (nginx mode; native mode verifies).
 * @module
 */
import type { SourceLocation } from "../../errors.ts";
import type {
  ErrorLogConfig,
  ListenConfig,
  ServerTlsConfig,
  UpstreamTlsConfig,
} from "../config.ts";

/** `proxy_protocol` header sent to the upstream: none, v1 text (nginx), or v2 binary with TLVs. */
export type ProxyProtocolVersion = "off" | "v1" | "v2";

/** nginx's `proxy_connect_timeout` default (stream): 60 s, in ms. */
export const DEFAULT_STREAM_CONNECT_TIMEOUT_MS = 60_000;
/** nginx's `proxy_timeout` default (stream): 10 min, in ms. */
export const DEFAULT_STREAM_IDLE_TIMEOUT_MS = 600_000;

/** The stream upstream: `proxy_pass host:port` (with `proxy_ssl on`: TLS). */
export interface StreamUpstreamConfig {
  /** `tcp`: bytes as they are; `tls`: the gateway opens TLS to the upstream (`proxy_ssl on`). */
  readonly protocol: "tcp" | "tls";
  /** Host name or address, without brackets. */
  readonly host: string;
  /** TCP port. */
  readonly port: number;
  readonly location?: SourceLocation;
}

/** One stream `server` block / one native `mode: tcp` listener. */
export interface StreamServerConfig {
  /** Addresses accepting TLS clients (`listen ... ssl`). */
  readonly listen: readonly ListenConfig[];
  /** The client-facing TLS side: certificate, `ssl_verify_client`, CAs, CRLs, protocols. */
  readonly tls: ServerTlsConfig;
  readonly upstream: StreamUpstreamConfig;
  /** The upstream-facing TLS side (`proxy_ssl_*`), used when `upstream.protocol` is `tls`. */
  readonly upstreamTls: UpstreamTlsConfig;
  /** Header sent before the relayed bytes; default `"off"`. */
  readonly proxyProtocol: ProxyProtocolVersion;
  /** v2 only: append a `PP2_TYPE_CRC32C` TLV (`mtls_proxy_protocol_crc32c on`); default false. */
  readonly proxyProtocolCrc32c?: boolean;
  /** `proxy_connect_timeout` in ms; default 60000. */
  readonly connectTimeoutMs: number;
  /** `proxy_timeout` in ms: the connection closes after this long without a read or write; default 600000. */
  readonly idleTimeoutMs: number;
  /**
   * `proxy_half_close`: when one side ends its sending half, keep relaying the other way
   * until it ends too. Default true (native mode); nginx's default is off, which the
   * importer writes out: the first end closes the whole session.
   */
  readonly halfClose?: boolean;
  readonly errorLog?: ErrorLogConfig;
  readonly location?: SourceLocation;
}

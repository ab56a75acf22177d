/**
 * The variables the connection front provides: `$proxy_protocol_addr`,
 * `$proxy_protocol_port`, `$proxy_protocol_server_addr`, `$proxy_protocol_server_port`
 * (nginx 1.22 `ngx_http_core_module` "Embedded Variables") and mtlskit's `$ssl_ja3`,
 * `$ssl_ja3_hash`, `$ssl_ja4`; and whether a server block uses the fingerprint ones (the
 * front reads the ClientHello only then).
 * @module
 */
import type { ServerConfig } from "./config.ts";
import type { FrontFacts } from "./connection-front.ts";

/** The variables of the front. */
export const FRONT_VARIABLES: ReadonlySet<string> = new Set([
  "proxy_protocol_addr",
  "proxy_protocol_port",
  "proxy_protocol_server_addr",
  "proxy_protocol_server_port",
  "ssl_ja3",
  "ssl_ja3_hash",
  "ssl_ja4",
]);

/**
 * One front variable of a connection. Like nginx, the `proxy_protocol_*` variables are
 * empty without a header and for a header without addresses (v1 `UNKNOWN`, v2 `LOCAL`,
 * UNIX families); `$remote_addr` stays the peer's address (nginx without `realip`).
 * @param front the connection's facts (undefined: no front on the listener)
 * @param name the variable name without `$`
 * @returns the value, or undefined (renders as "")
 */
export function frontVariable(front: FrontFacts | undefined, name: string): string | undefined {
  const p = front?.proxy;
  const fp = front?.fingerprints;
  switch (name) {
    case "proxy_protocol_addr":
      return p?.source?.address;
    case "proxy_protocol_port":
      return p?.source ? String(p.source.port) : undefined;
    case "proxy_protocol_server_addr":
      return p?.destination?.address;
    case "proxy_protocol_server_port":
      return p?.destination ? String(p.destination.port) : undefined;
    case "ssl_ja3":
      return fp?.ja3;
    case "ssl_ja3_hash":
      return fp?.ja3Hash;
    case "ssl_ja4":
      return fp?.ja4;
    default:
      return undefined;
  }
}

const FINGERPRINT_VARIABLE = /\$\{?ssl_ja[34]/;

/**
 * True when a block's `log_format`, `proxy_set_header` values or `return` texts use
 * `$ssl_ja3`, `$ssl_ja3_hash` or `$ssl_ja4`.
 * @param server the block
 */
export function usesFingerprintVariables(server: ServerConfig): boolean {
  const texts = [
    server.accessLog?.format,
    server.return?.text,
    ...server.locations.flatMap((l) => [
      l.return?.text,
      ...(l.proxySetHeaders ?? []).map((h) => h.value),
    ]),
  ];
  return texts.some((t) => t !== undefined && FINGERPRINT_VARIABLE.test(t));
}

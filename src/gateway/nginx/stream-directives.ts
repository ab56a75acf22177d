/**
 * The nginx `stream` directives the gateway's L4 mode understands, by context, with
 * their argument counts — the subset of `ngx_stream_core_module`, `ngx_stream_ssl_module`
 * and `ngx_stream_proxy_module` (nginx 1.22) that mtlskit implements, plus the `mtls_*`
 * extension for PROXY protocol v2. The `ssl_*`, `listen` and `error_log` directives of a
 * stream `server` mean what they mean in `http` and are checked by the HTTP table.
 * @module
 */

/** Contexts inside `stream { }`. */
export type StreamContext = "stream" | "stream_server";

/** What the importer knows about one stream directive. */
export interface StreamDirectiveSpec {
  readonly name: string;
  readonly contexts: readonly StreamContext[];
  /** Minimum and maximum number of arguments. */
  readonly args: readonly [number, number];
  readonly block?: boolean;
  readonly multiple?: boolean;
}

const SS: readonly StreamContext[] = ["stream_server"];

const SPECS: readonly StreamDirectiveSpec[] = [
  { name: "server", contexts: ["stream"], args: [0, 0], block: true, multiple: true },
  { name: "log_format", contexts: ["stream"], args: [2, Infinity], multiple: true },
  { name: "access_log", contexts: ["stream", "stream_server"], args: [1, 2], multiple: true },
  { name: "proxy_pass", contexts: SS, args: [1, 1] },
  { name: "proxy_ssl", contexts: SS, args: [1, 1] },
  { name: "proxy_ssl_certificate", contexts: SS, args: [1, 1] },
  { name: "proxy_ssl_certificate_key", contexts: SS, args: [1, 1] },
  { name: "proxy_ssl_trusted_certificate", contexts: SS, args: [1, 1] },
  { name: "proxy_ssl_verify", contexts: SS, args: [1, 1] },
  { name: "proxy_ssl_name", contexts: SS, args: [1, 1] },
  { name: "proxy_ssl_server_name", contexts: SS, args: [1, 1] },
  { name: "proxy_ssl_session_reuse", contexts: SS, args: [1, 1] },
  { name: "proxy_protocol", contexts: SS, args: [1, 1] },
  { name: "proxy_connect_timeout", contexts: SS, args: [1, 1] },
  { name: "proxy_timeout", contexts: SS, args: [1, 1] },
  { name: "proxy_half_close", contexts: SS, args: [1, 1] },
  { name: "mtls_proxy_protocol", contexts: SS, args: [1, 2] },
];

/** The stream directives by name. */
export const STREAM_DIRECTIVES: ReadonlyMap<string, StreamDirectiveSpec> = new Map(
  SPECS.map((s) => [s.name, s]),
);

/** Directives of a stream `server` handed to the HTTP server importer (same meaning). */
export const SHARED_WITH_HTTP: ReadonlySet<string> = new Set([
  "listen",
  "error_log",
  "ssl_certificate",
  "ssl_certificate_key",
  "ssl_client_certificate",
  "ssl_verify_client",
  "ssl_verify_depth",
  "ssl_trusted_certificate",
  "ssl_crl",
  "ssl_session_cache",
  "ssl_session_timeout",
  "ssl_protocols",
  "ssl_ciphers",
  "ssl_prefer_server_ciphers",
  "mtls_reject_in_handshake",
]);

/** Real stream directives mtlskit does not implement: "not supported yet", not "unknown". */
export const STREAM_UNSUPPORTED: ReadonlySet<string> = new Set([
  "upstream",
  "map",
  "geo",
  "resolver",
  "preread_buffer_size",
  "preread_timeout",
  "ssl_preread",
  "proxy_bind",
  "proxy_buffer_size",
  "proxy_download_rate",
  "proxy_upload_rate",
  "proxy_next_upstream",
  "proxy_next_upstream_tries",
  "proxy_next_upstream_timeout",
  "proxy_responses",
  "proxy_requests",
  "proxy_socket_keepalive",
  "proxy_ssl_protocols",
  "proxy_ssl_ciphers",
  "proxy_ssl_crl",
  "proxy_ssl_verify_depth",
  "proxy_ssl_password_file",
  "proxy_ssl_conf_command",
  "return",
  "set",
  "tcp_nodelay",
  "allow",
  "deny",
  "limit_conn",
  "js_import",
  "ssl_handshake_timeout",
  "ssl_session_tickets",
  "ssl_dhparam",
  "ssl_ecdh_curve",
  "ssl_password_file",
]);

/**
 * The nginx directives the gateway understands: where each may appear, how many
 * arguments it takes, and whether it may repeat. Mirrors the `ngx_command_t` tables of
 * `ngx_http_core_module`, `ngx_http_ssl_module` and `ngx_http_proxy_module` (nginx 1.22)
 * for the subset mtlskit implements.
 * @module
 */

/** Configuration contexts, as nginx names them. */
export type DirectiveContext = "main" | "http" | "server" | "location";

/** What the importer knows about one directive. */
export interface DirectiveSpec {
  readonly name: string;
  readonly contexts: readonly DirectiveContext[];
  /** Minimum and maximum number of arguments (Infinity for "1 or more"). */
  readonly args: readonly [number, number];
  /** Takes a `{ }` block. */
  readonly block?: boolean;
  /** May appear more than once in one block (otherwise nginx says "is duplicate"). */
  readonly multiple?: boolean;
  /** The one argument is a file path (arity errors then hint at spaces in paths). */
  readonly path?: boolean;
}

const S: readonly DirectiveContext[] = ["server"];
const MH: readonly DirectiveContext[] = ["main", "http"];
const SL: readonly DirectiveContext[] = ["server", "location"];

const SPECS: readonly DirectiveSpec[] = [
  { name: "http", contexts: ["main"], args: [0, 0], block: true, multiple: true },
  { name: "stream", contexts: ["main"], args: [0, 0], block: true },
  { name: "load_module", contexts: ["main"], args: [1, 1], multiple: true },
  { name: "events", contexts: ["main"], args: [0, 0], block: true },
  { name: "types", contexts: ["http"], args: [0, 0], block: true },
  { name: "default_type", contexts: ["http"], args: [1, 1] },
  { name: "user", contexts: ["main"], args: [1, 2] },
  { name: "worker_processes", contexts: ["main"], args: [1, 1] },
  { name: "pid", contexts: ["main"], args: [1, 1] },
  { name: "worker_shutdown_timeout", contexts: ["main"], args: [1, 1] },
  { name: "upstream", contexts: MH, args: [1, 1], block: true, multiple: true },
  { name: "server", contexts: MH, args: [0, 0], block: true, multiple: true },
  { name: "log_format", contexts: MH, args: [2, Infinity], multiple: true },
  { name: "access_log", contexts: ["main", "http", "server"], args: [1, 2] },
  { name: "listen", contexts: S, args: [1, Infinity], multiple: true },
  { name: "server_name", contexts: S, args: [1, Infinity], multiple: true },
  { name: "ssl", contexts: S, args: [1, 1] },
  { name: "ssl_certificate", contexts: S, args: [1, 1], path: true, multiple: true },
  { name: "ssl_certificate_key", contexts: S, args: [1, 1], path: true, multiple: true },
  { name: "ssl_client_certificate", contexts: S, args: [1, 1], path: true },
  { name: "ssl_verify_client", contexts: S, args: [1, 1] },
  { name: "ssl_verify_depth", contexts: S, args: [1, 1] },
  { name: "ssl_trusted_certificate", contexts: S, args: [1, 1], path: true },
  { name: "ssl_crl", contexts: S, args: [1, 1], path: true },
  { name: "ssl_ocsp", contexts: S, args: [1, 1] },
  { name: "ssl_ocsp_responder", contexts: S, args: [1, 1] },
  { name: "ssl_ocsp_cache", contexts: S, args: [1, 1] },
  { name: "mtls_ocsp_mode", contexts: S, args: [1, 1] },
  { name: "ssl_password_file", contexts: S, args: [1, 1], path: true },
  { name: "ssl_conf_command", contexts: S, args: [2, 2], multiple: true },
  { name: "ssl_ecdh_curve", contexts: S, args: [1, 1] },
  { name: "ssl_session_tickets", contexts: S, args: [1, 1] },
  { name: "ssl_handshake_timeout", contexts: S, args: [1, 1] },
  { name: "client_header_timeout", contexts: S, args: [1, 1] },
  { name: "underscores_in_headers", contexts: S, args: [1, 1] },
  { name: "ssl_session_ticket_key", contexts: S, args: [1, 1], path: true, multiple: true },
  { name: "ssl_session_cache", contexts: S, args: [1, 2] },
  { name: "ssl_session_timeout", contexts: S, args: [1, 1] },
  { name: "ssl_protocols", contexts: S, args: [1, Infinity] },
  { name: "ssl_ciphers", contexts: S, args: [1, 1] },
  { name: "ssl_prefer_server_ciphers", contexts: S, args: [1, 1] },
  { name: "error_log", contexts: S, args: [1, 2], multiple: true },
  { name: "location", contexts: S, args: [1, 2], block: true, multiple: true },
  { name: "proxy_pass", contexts: ["location"], args: [1, 1] },
  { name: "proxy_ssl_certificate", contexts: SL, args: [1, 1], path: true },
  { name: "proxy_ssl_certificate_key", contexts: SL, args: [1, 1], path: true },
  { name: "proxy_ssl_trusted_certificate", contexts: SL, args: [1, 1], path: true },
  { name: "proxy_ssl_verify", contexts: SL, args: [1, 1] },
  { name: "proxy_ssl_session_reuse", contexts: SL, args: [1, 1] },
  { name: "proxy_set_header", contexts: SL, args: [2, 2], multiple: true },
  { name: "proxy_ssl_server_name", contexts: SL, args: [1, 1] },
  { name: "proxy_ssl_name", contexts: SL, args: [1, 1] },
  { name: "proxy_ssl_verify_depth", contexts: SL, args: [1, 1] },
  { name: "proxy_ssl_protocols", contexts: SL, args: [1, Infinity] },
  { name: "proxy_ssl_ciphers", contexts: SL, args: [1, 1] },
  { name: "proxy_http_version", contexts: SL, args: [1, 1] },
  { name: "proxy_connect_timeout", contexts: SL, args: [1, 1] },
  { name: "proxy_read_timeout", contexts: SL, args: [1, 1] },
  { name: "proxy_send_timeout", contexts: SL, args: [1, 1] },
  { name: "client_max_body_size", contexts: SL, args: [1, 1] },
  { name: "return", contexts: SL, args: [1, 2] },
  { name: "mtls_identity_headers", contexts: SL, args: [1, 1] },
  { name: "mtls_allow", contexts: SL, args: [1, Infinity], multiple: true },
  { name: "mtls_deny", contexts: SL, args: [1, Infinity], multiple: true },
  { name: "mtls_reject_in_handshake", contexts: S, args: [1, 1] },
  { name: "mtls_ja3_allow", contexts: S, args: [1, Infinity], multiple: true },
  { name: "mtls_ja3_deny", contexts: S, args: [1, Infinity], multiple: true },
  { name: "mtls_ja4_allow", contexts: S, args: [1, Infinity], multiple: true },
  { name: "mtls_ja4_deny", contexts: S, args: [1, Infinity], multiple: true },
];

/** The supported directives by name. */
export const DIRECTIVES: ReadonlyMap<string, DirectiveSpec> = new Map(
  SPECS.map((s) => [s.name, s]),
);

/**
 * Real nginx directives that mtlskit does not implement yet: refused with "not supported
 * yet" rather than "unknown", so the user knows the name is right.
 */
export const NGINX_UNSUPPORTED: ReadonlySet<string> = new Set([
  "include",
  "root",
  "index",
  "rewrite",
  "if",
  "set",
  "add_header",
  "error_page",
  "proxy_ssl_crl",
  "proxy_buffering",
  "ssl_stapling",
  "ssl_dhparam",
  "ssl_early_data",
  "ssl_buffer_size",
  "http2",
  "try_files",
  "alias",
  "allow",
  "deny",
  "auth_basic",
  "auth_basic_user_file",
  "map",
  "geo",
  "resolver",
  "limit_req",
  "limit_req_zone",
  "limit_conn",
  "limit_conn_zone",
  "proxy_buffers",
  "proxy_buffer_size",
  "proxy_redirect",
  "proxy_cache",
  "proxy_cache_path",
  "proxy_hide_header",
  "proxy_pass_header",
  "proxy_intercept_errors",
  "proxy_next_upstream",
  "real_ip_header",
  "set_real_ip_from",
  "large_client_header_buffers",
  "client_body_buffer_size",
  "worker_rlimit_nofile",
]);

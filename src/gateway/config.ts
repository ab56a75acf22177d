/**
 * The gateway's native configuration model: plain, typed, readonly data with no behaviour.
 * Importers (today nginx, later YAML) produce it; the server consumes it. Every file
 * reference keeps the `location` of the directive that named it, so later checks (files
 * exist, key matches certificate) can point at the right line.
 *
 * Defaults follow nginx 1.22 (`ngx_http_ssl_module`, `ngx_http_proxy_module`).
 * @module
 */
import type { SourceLocation } from "../errors.ts";
import type { StreamServerConfig } from "./l4/stream-config.ts";

/** TLS protocol versions as nginx names them in `ssl_protocols`. */
export const TlsProtocol = {
  TLS_1_0: "TLSv1",
  TLS_1_1: "TLSv1.1",
  TLS_1_2: "TLSv1.2",
  TLS_1_3: "TLSv1.3",
} as const;
/** One of the {@link TlsProtocol} values. */
export type TlsProtocol = (typeof TlsProtocol)[keyof typeof TlsProtocol];

/** nginx 1.22's `ssl_protocols` default: `TLSv1 TLSv1.1 TLSv1.2`. */
export const DEFAULT_PROTOCOLS: readonly TlsProtocol[] = ["TLSv1", "TLSv1.1", "TLSv1.2"];
/** nginx's `ssl_ciphers` default. */
export const DEFAULT_CIPHERS = "HIGH:!aNULL:!MD5";
/** nginx's `ssl_session_timeout` default: 300 seconds. */
export const DEFAULT_SESSION_TIMEOUT_SECONDS = 300;
/** nginx's `builtin` session cache default size: 20480 sessions. */
export const DEFAULT_BUILTIN_CACHE_SESSIONS = 20480;

/** `error_log` levels, most verbose first (nginx order). */
export const LOG_LEVELS = [
  "debug",
  "info",
  "notice",
  "warn",
  "error",
  "crit",
  "alert",
  "emerg",
] as const;
/** One of the {@link LOG_LEVELS}. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** A file named by the configuration, resolved to an absolute path. */
export interface FileRef {
  /** Absolute path. */
  readonly path: string;
  /** The directive that named it. */
  readonly location?: SourceLocation;
  /**
   * The setting that named it in the vocabulary of the file loaded (native YAML:
   * `listeners[0].tls.certificate`); absent for nginx, whose directive names are used.
   */
  readonly setting?: string;
}

/** One `listen`: an address and port to accept TLS connections on. */
export interface ListenConfig {
  /** `0.0.0.0` for `listen PORT`, `::` for `listen [::]:PORT`, or the address given. */
  readonly host: string;
  /** TCP port; 0 picks a free port (an mtlskit extension, nginx refuses 0). */
  readonly port: number;
  /** IPv6 address (written in brackets). */
  readonly ipv6: boolean;
  /** The `ssl` parameter. */
  readonly ssl: boolean;
  /** The `default_server` parameter: this block answers clients whose SNI/Host match none. */
  readonly defaultServer?: boolean;
  /**
   * The `proxy_protocol` parameter: every connection starts with a PROXY protocol header
   * (v1 or v2) before TLS; a missing or broken header closes the connection.
   */
  readonly proxyProtocol?: boolean;
  readonly location?: SourceLocation;
}

/** `ssl_verify_client` values. */
export type VerifyClient = "off" | "on" | "optional" | "optional_no_ca";

/** nginx's `ssl_verify_depth` default. */
export const DEFAULT_VERIFY_DEPTH = 1;

/** `ssl_session_cache`: server-side cache of TLS 1.2 session IDs. */
export type SessionCacheConfig =
  /** `off`: no session IDs are issued. */
  | { readonly kind: "off" }
  /** `none` (nginx default): session IDs issued but not stored, so never resumed. */
  | { readonly kind: "none" }
  /** `builtin[:size]`: a per-process cache of `sessions` entries. */
  | { readonly kind: "builtin"; readonly sessions: number }
  /** `shared:NAME:SIZE`: a named cache of `bytes` bytes. */
  | { readonly kind: "shared"; readonly name: string; readonly bytes: number };

/**
 * OCSP checking of client certificates: nginx's `ssl_ocsp`, `ssl_ocsp_responder`,
 * `ssl_ocsp_cache`, and mtlskit's `mtls_ocsp_mode` (native YAML: `tls.ocsp`).
 */
export interface OcspConfig {
  /** `leaf`: the client's certificate only; `chain` (`ssl_ocsp on`): every certificate below the trust anchor. */
  readonly mode: "leaf" | "chain";
  /** `ssl_ocsp_responder`: used instead of the certificate's Authority Information Access URL. */
  readonly responder?: string;
  /** `mtls_ocsp_mode`: with no usable answer, accept with a warning (`soft`) or refuse (`hard`, nginx). */
  readonly failure: "soft" | "hard";
  /** Answers kept until their nextUpdate; 0 keeps none (nginx's `ssl_ocsp_cache off` default). */
  readonly cacheEntries: number;
  /** `ssl_ocsp_cache shared:NAME:SIZE`: the zone's name (nginx mode). */
  readonly cacheName?: string;
  /** Responder exchange timeout in ms; default 5000. */
  readonly timeoutMs?: number;
  /** Lifetime of a cached answer without nextUpdate, in ms; default 3600000. */
  readonly defaultTtlMs?: number;
  /** Send a nonce (RFC 8954); default true. */
  readonly nonce?: boolean;
  /** Allowed clock difference with the responder, in ms; default 300000. */
  readonly clockSkewMs?: number;
  readonly location?: SourceLocation;
}

/** One `ssl_certificate` with the `ssl_certificate_key` written in the same position. */
export interface CertificatePair {
  readonly certificate: FileRef;
  readonly certificateKey: FileRef;
}

/** nginx's `ssl_ecdh_curve` default: `auto` (OpenSSL's default group list). */
export const DEFAULT_ECDH_CURVE = "auto";
/** `ssl_handshake_timeout` (nginx 1.25) default: 60 seconds, in ms. */
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 60_000;
/** `client_header_timeout` default: 60 seconds, in ms. */
export const DEFAULT_CLIENT_HEADER_TIMEOUT_MS = 60_000;

/** The TLS side facing clients. */
export interface ServerTlsConfig {
  readonly certificate: FileRef;
  readonly certificateKey: FileRef;
  /** CAs that client certificates must chain to, advertised in CertificateRequest. */
  readonly clientCertificate?: FileRef;
  readonly verifyClient: VerifyClient;
  /** CAs trusted for client certificates but not advertised (`ssl_trusted_certificate`). */
  readonly trustedCertificate?: FileRef;
  /** `ssl_verify_depth`: intermediates allowed below the trust anchor; default 1. */
  readonly verifyDepth?: number;
  /** CRLs (PEM) checked for every certificate of the client's chain (`ssl_crl`). */
  readonly crl?: FileRef;
  /** OCSP checking of client certificates; absent: off (`ssl_ocsp off`). */
  readonly ocsp?: OcspConfig;
  readonly sessionCache: SessionCacheConfig;
  readonly sessionTimeoutSeconds: number;
  /** Enabled protocols, oldest first; always a contiguous range. */
  readonly protocols: readonly TlsProtocol[];
  /** OpenSSL cipher string (TLS 1.2 and older; TLS 1.3 suites are not affected, as in nginx). */
  readonly ciphers: string;
  readonly preferServerCiphers: boolean;
  /**
   * Further `ssl_certificate`/`ssl_certificate_key` pairs after the first (e.g. ECDSA
   * beside RSA), in the order written; OpenSSL picks the one the client can use.
   */
  readonly extraCertificates?: readonly CertificatePair[];
  /** `ssl_password_file`: passphrases for encrypted keys, one per line, tried in order. */
  readonly passwordFile?: FileRef;
  /** `ssl_ecdh_curve`: `auto` (default) or a colon-separated list of groups. */
  readonly ecdhCurve?: string;
  /** `ssl_conf_command Ciphersuites`: the TLS 1.3 suites (OpenSSL's list); default Node's. */
  readonly ciphersuites?: string;
  /** `ssl_session_tickets`: default true. */
  readonly sessionTickets?: boolean;
  /** `ssl_session_ticket_key` files (48 or 80 bytes each); the first encrypts. */
  readonly sessionTicketKeys?: readonly FileRef[];
  /** `ssl_handshake_timeout` in ms; default 60000. */
  readonly handshakeTimeoutMs?: number;
  /**
   * Strict mode (mtlskit extension, `mtls_reject_in_handshake on`, native
   * `rejectInHandshake: true`): a missing or bad client certificate fails the TLS
   * handshake instead of getting nginx's 400 page. Needs `verifyClient: "on"`.
   */
  readonly rejectInHandshake?: boolean;
}

/** Where errors are logged and from which level on. */
export interface ErrorLogConfig {
  /** Absolute path, or `"stderr"`. */
  readonly file: string;
  readonly level: LogLevel;
  readonly location?: SourceLocation;
}

/** `access_log PATH [FORMAT]` with its `log_format` resolved. */
export interface AccessLogConfig {
  /** Absolute path, `"stderr"` or `"stdout"`. */
  readonly file: string;
  /** The format's name (`combined` by default). */
  readonly formatName: string;
  /** The format string, variables included. */
  readonly format: string;
  /** `log_format ... escape=`: default `"default"`. */
  readonly escape?: "default" | "json" | "none";
  readonly location?: SourceLocation;
}

/** The TLS side facing the upstream (`proxy_ssl_*`). */
export interface UpstreamTlsConfig {
  /** The gateway's own client certificate. */
  readonly certificate?: FileRef;
  readonly certificateKey?: FileRef;
  /** CAs the upstream's certificate must chain to (when `verify`). */
  readonly trustedCertificate?: FileRef;
  /** nginx default: false. */
  readonly verify: boolean;
  /** nginx default: true. */
  readonly sessionReuse: boolean;
  /**
   * `proxy_ssl_server_name`: send SNI. nginx default off; unset in nginx mode means the
   * mtlskit default (SNI for DNS names, never for addresses).
   */
  readonly serverName?: boolean;
  /** `proxy_ssl_name`: the name sent in SNI and checked in the certificate; default `$proxy_host`'s host. */
  readonly name?: string;
  /** `proxy_ssl_verify_depth`: intermediates allowed below the trust anchor; default 1. */
  readonly verifyDepth?: number;
  /** `proxy_ssl_protocols`: default `TLSv1 TLSv1.1 TLSv1.2`. */
  readonly protocols?: readonly TlsProtocol[];
  /** `proxy_ssl_ciphers`: OpenSSL cipher string; default `DEFAULT`. */
  readonly ciphers?: string;
}

/** nginx's `proxy_ssl_ciphers` default. */
export const DEFAULT_PROXY_CIPHERS = "DEFAULT";

/** One `server` line of an `upstream` block. */
export interface UpstreamServerConfig {
  /** Host name or address, without brackets. */
  readonly host: string;
  readonly port: number;
  /** `weight=N`, default 1: picked N times per round. */
  readonly weight: number;
  readonly location?: SourceLocation;
}

/** An `upstream NAME { server ...; }` block: servers picked round robin. */
export interface UpstreamBlockConfig {
  readonly name: string;
  readonly servers: readonly UpstreamServerConfig[];
  /** `keepalive N`: idle connections kept per server (recorded; undici pools anyway). */
  readonly keepalive?: number;
  readonly location?: SourceLocation;
}

/** `return CODE [TEXT]`, `return CODE URL` (301, 302, 303, 307, 308) or `return URL` (302). */
export interface ReturnConfig {
  readonly status: number;
  /** Body text (may use variables), or the redirect target for 3xx codes. */
  readonly text?: string;
  readonly location?: SourceLocation;
}

/** `location` match kinds: prefix, `^~` prefix (no regex check), `=` exact, `~` and `~*` regex. */
export type LocationMatch = "prefix" | "prefix_no_regex" | "exact" | "regex" | "regex_i";

/** Per-location proxy timing and protocol (`proxy_*_timeout`, `proxy_http_version`). */
export interface ProxyTuning {
  /** `proxy_http_version`: nginx default 1.0 (mtlskit always speaks 1.1 upstream). */
  readonly httpVersion?: "1.0" | "1.1";
  /** `proxy_connect_timeout`, ms; default 60000. */
  readonly connectTimeoutMs?: number;
  /** `proxy_read_timeout`, ms; default 60000. */
  readonly readTimeoutMs?: number;
  /** `proxy_send_timeout`, ms; default 60000. */
  readonly sendTimeoutMs?: number;
}

/** `proxy_pass` target. */
export interface ProxyPassConfig {
  /** Name of the `upstream` block when the host names one. */
  readonly upstream?: string;
  readonly url: string;
  readonly protocol: "http" | "https";
  /** Host name or address, without brackets. */
  readonly host: string;
  readonly port: number;
  /** `$proxy_host`: host and port as written, port omitted when it is the default. */
  readonly proxyHost: string;
  readonly location?: SourceLocation;
}

/** One `proxy_set_header NAME VALUE`: VALUE may use variables; an empty result sends nothing. */
export interface ProxySetHeader {
  readonly name: string;
  /** The value as written, e.g. `$ssl_client_s_dn`. */
  readonly value: string;
  readonly location?: SourceLocation;
}

/** Identity headers sent upstream (`mtls_identity_headers`): none, nginx-style, or Envoy's XFCC. */
export type IdentityHeadersConfig = "off" | "nginx" | "xfcc";

/**
 * One authorization rule (`mtls_allow`/`mtls_deny`, native `authorize.allow[]`/`deny[]`):
 * every field given must match; see `authorize.ts` for the pattern rules.
 */
export interface AuthorizeRule {
  /** Subject commonName. */
  readonly cn?: string;
  /** Subject organizationalUnitName. */
  readonly ou?: string;
  /** Subject organizationName. */
  readonly o?: string;
  /** Subject alternative names: DNS name, URI (SPIFFE ID), email (rfc822Name). */
  readonly san?: { readonly dns?: string; readonly uri?: string; readonly email?: string };
  /** SHA-256 fingerprint of the certificate, hex (colons optional). */
  readonly fingerprint?: string;
  readonly location?: SourceLocation;
}

/** A location's authorization rules: deny wins; with allow rules one must match. */
export interface AuthorizeConfig {
  readonly allow: readonly AuthorizeRule[];
  readonly deny: readonly AuthorizeRule[];
}

/** A `location` with its proxy settings. */
export interface LocationConfig {
  readonly match: LocationMatch;
  /** The prefix or exact path, or the regular expression source. */
  readonly path: string;
  readonly proxyPass?: ProxyPassConfig;
  /** `return`: answered by the gateway, never proxied. */
  readonly return?: ReturnConfig;
  readonly proxy?: ProxyTuning;
  /** `client_max_body_size` in bytes (0: unlimited); nginx default 1 MiB. */
  readonly clientMaxBodySize?: number;
  readonly upstreamTls: UpstreamTlsConfig;
  /**
   * `proxy_set_header` list (a location's own list replaces the server's, as in nginx);
   * default: none besides `Host: $proxy_host`.
   */
  readonly proxySetHeaders?: readonly ProxySetHeader[];
  /** Default `"off"` (only `proxy_set_header`); incoming identity headers are removed anyway. */
  readonly identityHeaders?: IdentityHeadersConfig;
  /** Client-certificate authorization (mtlskit extension); absent: `ssl_verify_client` alone decides. */
  readonly authorize?: AuthorizeConfig;
  readonly location?: SourceLocation;
}

/** A `server` block. */
export interface ServerConfig {
  readonly listen: readonly ListenConfig[];
  readonly serverNames: readonly string[];
  readonly tls: ServerTlsConfig;
  readonly locations: readonly LocationConfig[];
  readonly errorLog?: ErrorLogConfig;
  /** Server-level `return` (answered before any location). */
  readonly return?: ReturnConfig;
  /** `access_log` (its own or the http block's); absent: no access log. */
  readonly accessLog?: AccessLogConfig;
  /** `client_header_timeout` in ms; default 60000. */
  readonly clientHeaderTimeoutMs?: number;
  /** `underscores_in_headers on`: keep request headers whose names hold `_`; default false. */
  readonly underscoresInHeaders?: boolean;
  /** Client fingerprint allow/deny lists; absent: every client may try the handshake. */
  readonly fingerprints?: FingerprintRulesConfig;
  readonly location?: SourceLocation;
}

/**
 * Allow and deny lists of client TLS fingerprints, checked on the ClientHello before the
 * handshake (`mtls_ja3_allow`, `mtls_ja3_deny`, `mtls_ja4_allow`, `mtls_ja4_deny`; native
 * `fingerprints: { allow, deny }`). A match in a deny list refuses the client; when any
 * allow list is non-empty, a client matching none of them is refused too.
 */
export interface FingerprintRulesConfig {
  /** JA3 hashes: 32 lowercase hex digits. */
  readonly ja3Allow: readonly string[];
  readonly ja3Deny: readonly string[];
  /** JA4 fingerprints, e.g. `t13d1516h2_8daaf6152771_e5627efa2ab1`. */
  readonly ja4Allow: readonly string[];
  readonly ja4Deny: readonly string[];
  readonly location?: SourceLocation;
}

/** The whole gateway configuration. */
export interface GatewayConfig {
  /** The file it was read from, if any. */
  readonly source?: string;
  readonly servers: readonly ServerConfig[];
  /** `upstream` blocks by name. */
  readonly upstreams?: readonly UpstreamBlockConfig[];
  /** L4 listeners (`stream { server { ... } }`, native `mode: tcp`); default none. */
  readonly streams?: readonly StreamServerConfig[];
  /** Graceful shutdown (`worker_shutdown_timeout`; native `shutdown:`); default: 30 s deadline. */
  readonly shutdown?: ShutdownConfig;
}

/** Graceful shutdown settings (nginx `worker_shutdown_timeout`, main context). */
export interface ShutdownConfig {
  /** Deadline in ms after which connections still open are closed by force. */
  readonly drainTimeoutMs: number;
  readonly location?: SourceLocation;
}

/** nginx's `client_max_body_size` default: 1 MiB. */
export const DEFAULT_CLIENT_MAX_BODY_SIZE = 1024 * 1024;

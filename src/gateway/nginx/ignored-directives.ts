/**
 * Real nginx directives that mean nothing to mtlskit (file serving, compression, kernel
 * and hash-table tuning): accepted anywhere with one warning each, so a stock
 * `nginx.conf` (Debian's: `sendfile on; tcp_nopush on; types_hash_max_size 2048; gzip on;`)
 * loads. Source: nginx `ngx_http_core_module` and `ngx_http_gzip_module` docs.
 * @module
 */

const NO_FILES = "the gateway proxies and serves no files";
const TUNING = "an nginx performance setting with no meaning for mtlskit";
const NO_GZIP = "mtlskit passes bodies through without compressing them";

/** The ignored directives by name, each with the reason given in its warning. */
export const IGNORED_DIRECTIVES: Readonly<Record<string, string>> = {
  sendfile: NO_FILES,
  tcp_nopush: TUNING,
  tcp_nodelay: TUNING,
  keepalive_timeout: TUNING,
  keepalive_requests: TUNING,
  types_hash_max_size: TUNING,
  types_hash_bucket_size: TUNING,
  server_names_hash_bucket_size: TUNING,
  server_names_hash_max_size: TUNING,
  variables_hash_max_size: TUNING,
  server_tokens: "mtlskit's error pages name no version",
  server_name_in_redirect: TUNING,
  gzip: NO_GZIP,
  gzip_vary: NO_GZIP,
  gzip_proxied: NO_GZIP,
  gzip_comp_level: NO_GZIP,
  gzip_buffers: NO_GZIP,
  gzip_http_version: NO_GZIP,
  gzip_types: NO_GZIP,
  gzip_min_length: NO_GZIP,
  gzip_disable: NO_GZIP,
};

/**
 * The seed's nginx `server` block (the blog post's "nginx 代理证书配置"), with its four
 * mistakes fixed and paths and ports filled in. Kept line for line beside the original
 * (`test/fixtures/seed-nginx.conf`) so a reader can diff the two.
 * @module
 */

/** Where the demo's files and ports are. Paths may be relative to the config file. */
export interface SeedConfigValues {
  /** Port the gateway listens on (the seed's 8000). */
  readonly port: number;
  /** Upstream `host:port` (the seed's `*.*.*.*:8080`). */
  readonly upstream: string;
  /** Directory holding the certificates (the seed's `/home/nginx/conf/cert`). */
  readonly certDir: string;
  /** error_log file (the seed's `/var/log/nginx/error.log`). */
  readonly errorLog: string;
  /** Listen on `[::1]` as well as `127.0.0.1`; default true. */
  readonly ipv6?: boolean;
}

/**
 * Renders the fixed seed configuration.
 *
 * Fixes, each one a refusal of the config as printed:
 * 1. `listen[::]:8000` → `listen [::]:8000` (nginx read `listen[::]:8000` as an unknown directive);
 * 2. `ssl on;` removed (deprecated in nginx 1.15.0, removed in 1.25.1; `listen ... ssl` enables TLS);
 * 3. `cert/ server.cert` → `cert/server.cert` (the space made two arguments);
 * 4. `proxy_ssl_session_reuse on；` → `on;` (U+FF1B is not a semicolon to nginx).
 *
 * The demo listens on loopback only (`127.0.0.1`, `[::1]`) instead of every address, and
 * names `localhost` instead of the post's `*.*.*.*` placeholders.
 */
export function renderSeedConfig(v: SeedConfigValues): string {
  const cert = (name: string) => `${v.certDir}/${name}`;
  const v6 = v.ipv6 ?? true;
  return `server {
    listen 127.0.0.1:${v.port} ssl;
${v6 ? `    listen [::1]:${v.port} ssl;\n` : ""}    server_name localhost;
    ssl_certificate ${cert("server.cert")};
    ssl_certificate_key ${cert("server.key")};
    ssl_client_certificate ${cert("ca.cert")};
    ssl_verify_client on;
    ssl_session_cache shared:SSL:1m;
    ssl_session_timeout 5m;

    ssl_protocols TLSv1.2;
    ssl_ciphers  ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-SHA384:ECDHE-RSA-AES256-SHA384:ECDHE-ECDSA-AES128-SHA256:ECDHE-RSA-AES128-SHA256;
    ssl_prefer_server_ciphers on;


    error_log ${v.errorLog} error;


    location / {
        proxy_ssl_certificate ${cert("client.cert")};
        proxy_ssl_certificate_key ${cert("client.key")};
        proxy_ssl_trusted_certificate ${cert("ca.cert")};
        proxy_ssl_verify on;
        proxy_ssl_session_reuse on;
        proxy_pass https://${v.upstream};
    }
}
`;
}

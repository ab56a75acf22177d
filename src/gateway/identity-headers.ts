/**
 * Client identity forwarded to the upstream in request headers, and the removal of
 * incoming copies of those headers, so a client can never pass an identity it did not
 * prove in the handshake.
 *
 * Presets (`mtls_identity_headers` in nginx mode, `identityHeaders` natively):
 * - `nginx`: one header per `$ssl_client_*` variable (`X-SSL-Client-Verify: SUCCESS`,
 *   `X-SSL-Client-S-DN`, `-I-DN`, `-Serial`, `-Fingerprint`, `-V-Start`, `-V-End`,
 *   `-V-Remain`, `X-SSL-Client-Cert` = `$ssl_client_escaped_cert`); empty values are not sent.
 * - `xfcc`: Envoy's `x-forwarded-client-cert` with `Hash` (SHA-256 of the DER, lowercase
 *   hex), `Cert` and `Chain` (URL-encoded PEM), `Subject` (RFC 2253, quoted), `URI` and
 *   `DNS` (one per SAN); sent only for a verified certificate.
 * - `off`: nothing beyond `proxy_set_header`.
 *
 * Whatever the preset, {@link isIdentityHeader} names are removed from every incoming
 * request (nginx passes client-sent `X-SSL-Client-Verify` through unless the config sets it:
 * mtlskit is stricter on purpose).
 *
 * Source: Envoy `config.core.v3.HttpConnectionManager.ForwardClientCertDetails` and the
 * `x-forwarded-client-cert` header docs; nginx `ngx_http_ssl_module` variables.
 * @module
 */
import { createHash, X509Certificate } from "node:crypto";
import { type ClientCertificateVariables, escapeUriComponent } from "./client-certificate.ts";

/** The identity header presets. */
export const IdentityPreset = {
  OFF: "off",
  NGINX: "nginx",
  XFCC: "xfcc",
} as const;
/** One of the {@link IdentityPreset} values. */
export type IdentityPreset = (typeof IdentityPreset)[keyof typeof IdentityPreset];

/** The `nginx` preset: header name → variable. */
export const NGINX_IDENTITY_HEADERS: readonly (readonly [
  string,
  keyof ClientCertificateVariables,
])[] = [
  ["X-SSL-Client-Verify", "ssl_client_verify"],
  ["X-SSL-Client-S-DN", "ssl_client_s_dn"],
  ["X-SSL-Client-I-DN", "ssl_client_i_dn"],
  ["X-SSL-Client-Serial", "ssl_client_serial"],
  ["X-SSL-Client-Fingerprint", "ssl_client_fingerprint"],
  ["X-SSL-Client-V-Start", "ssl_client_v_start"],
  ["X-SSL-Client-V-End", "ssl_client_v_end"],
  ["X-SSL-Client-V-Remain", "ssl_client_v_remain"],
  ["X-SSL-Client-Cert", "ssl_client_escaped_cert"],
];

/** Envoy's header. */
export const XFCC_HEADER = "x-forwarded-client-cert";

/** Lower-case prefixes and names treated as identity headers and stripped from requests. */
const IDENTITY_PREFIXES: readonly string[] = [
  "x-ssl-",
  "ssl-client",
  "x-client-cert",
  "x-client-verify",
  "x-client-dn",
  "x-client-s-dn",
  "x-client-i-dn",
  "x-client-serial",
  "x-client-fingerprint",
  "x-tls-client",
  XFCC_HEADER,
];

/**
 * True for header names that carry a client identity in common deployments (`X-SSL-*`,
 * `SSL-Client*`, `X-Client-Cert*`, `X-Client-Verify`, `X-Client-DN`, `X-TLS-Client*`,
 * `x-forwarded-client-cert`): incoming copies are always removed. `_` counts as `-`
 * (`X_SSL_Client_Verify` is one too).
 * @param name a header name, any case
 */
export function isIdentityHeader(name: string): boolean {
  // CGI, WSGI and PHP read `X_SSL_Client_Verify` as `X-SSL-Client-Verify`: treat them alike.
  const n = name.toLowerCase().replaceAll("_", "-");
  return IDENTITY_PREFIXES.some((p) => n.startsWith(p));
}

/** The client's certificates as the gateway saw them. */
export interface PeerCertificates {
  /** Leaf first, DER. */
  readonly chain: readonly Uint8Array[];
  /** Chain verification succeeded. */
  readonly verified: boolean;
}

/**
 * The identity headers of a preset for one connection.
 * @param preset `off`, `nginx` or `xfcc`
 * @param variables the connection's `$ssl_client_*` values
 * @param peer the client's certificates (for `xfcc`)
 * @returns header name/value pairs, empty values left out
 */
export function identityHeaders(
  preset: IdentityPreset,
  variables: ClientCertificateVariables,
  peer: PeerCertificates | undefined,
): [string, string][] {
  switch (preset) {
    case "off":
      return [];
    case "nginx":
      return NGINX_IDENTITY_HEADERS.map(([h, v]): [string, string] => [h, variables[v]]).filter(
        ([, v]) => v !== "",
      );
    case "xfcc": {
      if (!peer?.verified || peer.chain.length === 0) return [];
      return [[XFCC_HEADER, xfccElement(peer.chain, variables.ssl_client_s_dn)]];
    }
    default: {
      const never: never = preset;
      throw new TypeError(`unknown identity preset ${String(never)}`);
    }
  }
}

function quote(v: string): string {
  return /[,;="]/.test(v) ? `"${v.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"` : v;
}

/**
 * One XFCC element for a client chain (leaf first).
 * @param chain DER certificates, leaf first
 * @param subject the leaf's subject, RFC 2253
 * @returns e.g. `Hash=ab12...;Cert="-----BEGIN%20...";Chain="...";Subject="CN=a,O=b";URI=spiffe://x;DNS=a.example`
 */
export function xfccElement(chain: readonly Uint8Array[], subject: string): string {
  const [leafDer] = chain;
  if (!leafDer) throw new TypeError("xfccElement needs a certificate");
  const leaf = new X509Certificate(leafDer);
  const pems = chain.map((c) => new X509Certificate(c).toString());
  const parts = [
    `Hash=${createHash("sha256").update(leafDer).digest("hex")}`,
    `Cert="${escapeUriComponent(pems[0] ?? "")}"`,
    `Chain="${escapeUriComponent(pems.join(""))}"`,
    // As Envoy: the RFC 2253 subject already escapes `"` as `\"`, so it is quoted as is.
    `Subject="${subject}"`,
  ];
  for (const san of (leaf.subjectAltName ?? "").split(/,\s*/)) {
    if (san.startsWith("URI:")) parts.push(`URI=${quote(san.slice(4))}`);
  }
  for (const san of (leaf.subjectAltName ?? "").split(/,\s*/)) {
    if (san.startsWith("DNS:")) parts.push(`DNS=${quote(san.slice(4))}`);
  }
  return parts.join(";");
}

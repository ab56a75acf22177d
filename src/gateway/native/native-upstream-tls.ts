/**
 * The native YAML's `upstreamTls:` block, shared by HTTP routes (`native-schema.ts`,
 * `native-config.ts`, `print-config.ts`) and `mode: tcp` listeners (`native-stream.ts`,
 * `print-stream.ts`): its common keys' schema, their validated shape, the conversion to
 * {@link UpstreamTlsConfig} and back to YAML. Routes add `verifyDepth`, `protocols` and
 * `ciphers` on top.
 *
 * Source: nginx `proxy_ssl_certificate`, `proxy_ssl_certificate_key`,
 * `proxy_ssl_trusted_certificate`, `proxy_ssl_verify`, `proxy_ssl_server_name`,
 * `proxy_ssl_name`, `proxy_ssl_session_reuse` (ngx_http_proxy_module and
 * ngx_stream_proxy_module).
 * @module
 */
import type { FileRef, UpstreamTlsConfig } from "../config.ts";
import type { Field } from "./schema.ts";

/** The schema of the keys routes and `tcp:` blocks share in `upstreamTls:`. */
export const UPSTREAM_TLS_FIELDS: Readonly<Record<string, Field>> = {
  certificate: { schema: { kind: "string", expected: "a file path" } },
  key: { schema: { kind: "string", expected: "a file path" } },
  ca: { schema: { kind: "string", expected: "a file path" } },
  verify: { schema: { kind: "boolean" } },
  serverName: { schema: { kind: "boolean" } },
  name: { schema: { kind: "string", expected: "a DNS name" } },
  sessionReuse: { schema: { kind: "boolean" } },
};

/** The validated common keys of `upstreamTls:`. */
export interface RawUpstreamTls {
  certificate?: string;
  key?: string;
  ca?: string;
  verify?: boolean;
  serverName?: boolean;
  name?: string;
  sessionReuse?: boolean;
}

/**
 * The common part of an {@link UpstreamTlsConfig} from a validated `upstreamTls:` block,
 * with native mode's safer defaults than nginx: verified, SNI sent, sessions reused.
 * @param u the block (empty when absent)
 * @param options.path the YAML path of the block, e.g. `listeners[0].routes[1].upstreamTls`
 * @param options.ref makes a file reference for a YAML value at a path
 * @returns certificate, key and CA references, `verify`, `sessionReuse`, `serverName`, `name`
 * @throws nothing (the caller reports certificate without key)
 */
export function upstreamTlsOf(
  u: RawUpstreamTls,
  options: { readonly path: string; readonly ref: (value: string, path: string) => FileRef },
): UpstreamTlsConfig {
  const { path, ref } = options;
  return {
    ...(u.certificate ? { certificate: ref(u.certificate, `${path}.certificate`) } : {}),
    ...(u.key ? { certificateKey: ref(u.key, `${path}.key`) } : {}),
    ...(u.ca ? { trustedCertificate: ref(u.ca, `${path}.ca`) } : {}),
    verify: u.verify ?? true,
    sessionReuse: u.sessionReuse ?? true,
    serverName: u.serverName ?? true,
    ...(u.name ? { name: u.name } : {}),
  };
}

/**
 * The common keys of `upstreamTls:` as native YAML, `verify` always written out (nginx
 * mode's default is false, native mode's true).
 * @param u the upstream TLS settings
 * @returns `{ certificate?, key?, ca?, verify, serverName?, name?, sessionReuse? }`
 */
export function printUpstreamTls(u: UpstreamTlsConfig): Record<string, unknown> {
  return {
    ...(u.certificate ? { certificate: u.certificate.path } : {}),
    ...(u.certificateKey ? { key: u.certificateKey.path } : {}),
    ...(u.trustedCertificate ? { ca: u.trustedCertificate.path } : {}),
    verify: u.verify,
    ...(u.serverName !== undefined ? { serverName: u.serverName } : {}),
    ...(u.name ? { name: u.name } : {}),
    ...(u.sessionReuse ? {} : { sessionReuse: false }),
  };
}

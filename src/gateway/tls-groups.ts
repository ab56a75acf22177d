/**
 * Checks for the TLS 1.3 cipher suite list (`ssl_conf_command Ciphersuites`) and the key
 * exchange group list (`ssl_ecdh_curve`), shared by the nginx importer and the native YAML.
 * Each returns the first problem as a sentence, so the caller can report it at its line.
 *
 * Source: RFC 8446 §B.4 (cipher suites); OpenSSL `SSL_CTX_set_ciphersuites`,
 * `SSL_CTX_set1_groups_list`; nginx `ssl_ecdh_curve`, `ssl_conf_command` docs.
 * @module
 */
import { createSecureContext } from "node:tls";

/** The TLS 1.3 cipher suites OpenSSL 3 knows (RFC 8446 §B.4), by their IANA names. */
export const TLS13_CIPHERSUITES = [
  "TLS_AES_128_GCM_SHA256",
  "TLS_AES_256_GCM_SHA384",
  "TLS_CHACHA20_POLY1305_SHA256",
  "TLS_AES_128_CCM_SHA256",
  "TLS_AES_128_CCM_8_SHA256",
] as const;

/**
 * The first problem of a `Ciphersuites` value: empty, or a name that is not a TLS 1.3
 * suite (OpenSSL ignores unknown names when another one is valid; mtlskit refuses them).
 * @param list colon-separated suite names, e.g. `TLS_AES_256_GCM_SHA384:TLS_AES_128_GCM_SHA256`
 * @returns a sentence such as `"TLS_AES_128_GCM" is not a TLS 1.3 cipher suite`, or undefined when valid
 */
export function ciphersuitesProblem(list: string): string | undefined {
  const names = list.split(":");
  if (list === "" || names.some((n) => n === "")) return "the list is empty or has an empty name";
  const bad = names.find((n) => !(TLS13_CIPHERSUITES as readonly string[]).includes(n));
  return bad === undefined ? undefined : `"${bad}" is not a TLS 1.3 cipher suite`;
}

/**
 * The first problem of an `ssl_ecdh_curve` value: `auto`, or groups OpenSSL knows
 * (`X25519`, `prime256v1`/`P-256`, `secp384r1`, `ffdhe2048`...), colon-separated.
 * @param list the value as written
 * @returns a sentence such as `"P-257" is not a group OpenSSL knows`, or undefined when valid
 */
export function ecdhCurveProblem(list: string): string | undefined {
  if (list === "auto") return undefined;
  const names = list.split(":");
  if (names.some((n) => n === "")) return "the list has an empty name";
  const bad = names.find((n) => {
    try {
      createSecureContext({ ecdhCurve: n });
      return false;
    } catch {
      return true;
    }
  });
  return bad === undefined ? undefined : `"${bad}" is not a group OpenSSL knows`;
}

/**
 * The `$ssl_client_*` variables of one connection, computed the way nginx 1.22 prints
 * them from OpenSSL: DNs in RFC 2253 order, serial in uppercase hex, fingerprint as
 * lowercase SHA-1 hex, validity as `ASN1_TIME_print` (`Nov 29 23:00:00 2026 GMT`),
 * `v_remain` in whole days (never negative), the PEM URL-encoded for `escaped_cert`, and
 * the verify result as `SUCCESS`, `FAILED:<X509_verify_cert_error_string>` or `NONE`.
 *
 * Source: nginx `src/event/ngx_event_openssl.c` (`ngx_ssl_get_*`), `ngx_escape_uri`
 * (`NGX_ESCAPE_URI_COMPONENT`), OpenSSL 3.0 `crypto/x509/x509_txt.c`.
 * @module
 */
import { createHash, X509Certificate } from "node:crypto";
import {
  formatNameLegacy,
  formatNameRfc2253,
  readCertificateFields,
  serialHex,
} from "./distinguished-name.ts";

/**
 * OpenSSL 3.0's `X509_verify_cert_error_string` texts, by the `X509_V_ERR_` name Node
 * reports in `authorizationError`.
 */
export const VERIFY_ERROR_TEXT: Readonly<Record<string, string>> = {
  UNABLE_TO_GET_ISSUER_CERT: "unable to get issuer certificate",
  UNABLE_TO_GET_CRL: "unable to get certificate CRL",
  UNABLE_TO_DECRYPT_CERT_SIGNATURE: "unable to decrypt certificate's signature",
  UNABLE_TO_DECRYPT_CRL_SIGNATURE: "unable to decrypt CRL's signature",
  UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY: "unable to decode issuer public key",
  CERT_SIGNATURE_FAILURE: "certificate signature failure",
  CRL_SIGNATURE_FAILURE: "CRL signature failure",
  CERT_NOT_YET_VALID: "certificate is not yet valid",
  CERT_HAS_EXPIRED: "certificate has expired",
  CRL_NOT_YET_VALID: "CRL is not yet valid",
  CRL_HAS_EXPIRED: "CRL has expired",
  ERROR_IN_CERT_NOT_BEFORE_FIELD: "format error in certificate's notBefore field",
  ERROR_IN_CERT_NOT_AFTER_FIELD: "format error in certificate's notAfter field",
  ERROR_IN_CRL_LAST_UPDATE_FIELD: "format error in CRL's lastUpdate field",
  ERROR_IN_CRL_NEXT_UPDATE_FIELD: "format error in CRL's nextUpdate field",
  OUT_OF_MEM: "out of memory",
  DEPTH_ZERO_SELF_SIGNED_CERT: "self-signed certificate",
  SELF_SIGNED_CERT_IN_CHAIN: "self-signed certificate in certificate chain",
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: "unable to get local issuer certificate",
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: "unable to verify the first certificate",
  CERT_CHAIN_TOO_LONG: "certificate chain too long",
  CERT_REVOKED: "certificate revoked",
  INVALID_CA: "invalid CA certificate",
  PATH_LENGTH_EXCEEDED: "path length constraint exceeded",
  INVALID_PURPOSE: "unsupported certificate purpose",
  CERT_UNTRUSTED: "certificate not trusted",
  CERT_REJECTED: "certificate rejected",
  SUBJECT_ISSUER_MISMATCH: "subject issuer mismatch",
  AKID_SKID_MISMATCH: "authority and subject key identifier mismatch",
  AKID_ISSUER_SERIAL_MISMATCH: "authority and issuer serial number mismatch",
  KEYUSAGE_NO_CERTSIGN: "key usage does not include certificate signing",
  UNABLE_TO_GET_CRL_ISSUER: "unable to get CRL issuer certificate",
  UNHANDLED_CRITICAL_EXTENSION: "unhandled critical extension",
  KEYUSAGE_NO_CRL_SIGN: "key usage does not include CRL signing",
  UNHANDLED_CRITICAL_CRL_EXTENSION: "unhandled critical CRL extension",
  INVALID_NON_CA: "invalid non-CA certificate (has CA markings)",
  PROXY_PATH_LENGTH_EXCEEDED: "proxy path length constraint exceeded",
  KEYUSAGE_NO_DIGITAL_SIGNATURE: "key usage does not include digital signature",
  INVALID_EXTENSION: "invalid or inconsistent certificate extension",
  INVALID_POLICY_EXTENSION: "invalid or inconsistent certificate policy extension",
  NO_EXPLICIT_POLICY: "no explicit policy",
  DIFFERENT_CRL_SCOPE: "Different CRL scope",
  UNSUPPORTED_EXTENSION_FEATURE: "Unsupported extension feature",
  UNNESTED_RESOURCE: "RFC 3779 resource not subset of parent's resources",
  PERMITTED_VIOLATION: "permitted subtree violation",
  EXCLUDED_VIOLATION: "excluded subtree violation",
  SUBTREE_MINMAX: "name constraints minimum and maximum not supported",
  APPLICATION_VERIFICATION: "application verification failure",
  CA_KEY_TOO_SMALL: "CA certificate key too weak",
  EE_KEY_TOO_SMALL: "EE certificate key too weak",
  CA_MD_TOO_WEAK: "CA signature digest algorithm too weak",
  HOSTNAME_MISMATCH: "hostname mismatch",
  EMAIL_MISMATCH: "email address mismatch",
  IP_ADDRESS_MISMATCH: "IP address mismatch",
};

/** OpenSSL 3.0's `X509_V_ERR_*` numbers (`x509_vfy.h`), as nginx logs them (`(20:unable to ...)`). */
export const VERIFY_ERROR_NUMBER: Readonly<Record<string, number>> = {
  UNABLE_TO_GET_ISSUER_CERT: 2,
  UNABLE_TO_GET_CRL: 3,
  UNABLE_TO_DECRYPT_CERT_SIGNATURE: 4,
  UNABLE_TO_DECRYPT_CRL_SIGNATURE: 5,
  UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY: 6,
  CERT_SIGNATURE_FAILURE: 7,
  CRL_SIGNATURE_FAILURE: 8,
  CERT_NOT_YET_VALID: 9,
  CERT_HAS_EXPIRED: 10,
  CRL_NOT_YET_VALID: 11,
  CRL_HAS_EXPIRED: 12,
  ERROR_IN_CERT_NOT_BEFORE_FIELD: 13,
  ERROR_IN_CERT_NOT_AFTER_FIELD: 14,
  ERROR_IN_CRL_LAST_UPDATE_FIELD: 15,
  ERROR_IN_CRL_NEXT_UPDATE_FIELD: 16,
  OUT_OF_MEM: 17,
  DEPTH_ZERO_SELF_SIGNED_CERT: 18,
  SELF_SIGNED_CERT_IN_CHAIN: 19,
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 20,
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 21,
  CERT_CHAIN_TOO_LONG: 22,
  CERT_REVOKED: 23,
  INVALID_CA: 24,
  PATH_LENGTH_EXCEEDED: 25,
  INVALID_PURPOSE: 26,
  CERT_UNTRUSTED: 27,
  CERT_REJECTED: 28,
  SUBJECT_ISSUER_MISMATCH: 29,
  AKID_SKID_MISMATCH: 30,
  AKID_ISSUER_SERIAL_MISMATCH: 31,
  KEYUSAGE_NO_CERTSIGN: 32,
  UNABLE_TO_GET_CRL_ISSUER: 33,
  UNHANDLED_CRITICAL_EXTENSION: 34,
  KEYUSAGE_NO_CRL_SIGN: 35,
  UNHANDLED_CRITICAL_CRL_EXTENSION: 36,
  INVALID_NON_CA: 37,
  PROXY_PATH_LENGTH_EXCEEDED: 38,
  KEYUSAGE_NO_DIGITAL_SIGNATURE: 39,
  INVALID_EXTENSION: 41,
  INVALID_POLICY_EXTENSION: 42,
  NO_EXPLICIT_POLICY: 43,
  DIFFERENT_CRL_SCOPE: 44,
  UNSUPPORTED_EXTENSION_FEATURE: 45,
  UNNESTED_RESOURCE: 46,
  PERMITTED_VIOLATION: 47,
  EXCLUDED_VIOLATION: 48,
  SUBTREE_MINMAX: 49,
  APPLICATION_VERIFICATION: 50,
  HOSTNAME_MISMATCH: 62,
  EMAIL_MISMATCH: 63,
  IP_ADDRESS_MISMATCH: 64,
  EE_KEY_TOO_SMALL: 66,
  CA_KEY_TOO_SMALL: 67,
  CA_MD_TOO_WEAK: 68,
};

/**
 * Verify errors `ssl_verify_client optional_no_ca` lets through: the chain does not reach
 * a trusted CA, but nothing else is wrong (nginx `ngx_ssl_verify_error_optional`).
 */
export const OPTIONAL_NO_CA_ERRORS: ReadonlySet<string> = new Set([
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_UNTRUSTED",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
]);

/**
 * The text after `FAILED:` in `$ssl_client_verify` for a Node `authorizationError` code.
 * @param code e.g. `"UNABLE_TO_GET_ISSUER_CERT_LOCALLY"`; unknown codes are returned lower-cased
 * @returns e.g. `"unable to get local issuer certificate"`
 */
export function verifyErrorText(code: string): string {
  return VERIFY_ERROR_TEXT[code] ?? code.toLowerCase().replaceAll("_", " ");
}

/** The outcome of client-certificate verification, as `$ssl_client_verify` shows it. */
export type VerifyOutcome =
  | { readonly kind: "none" }
  | { readonly kind: "success" }
  | {
      readonly kind: "failed";
      /** `X509_verify_cert_error_string`, e.g. `certificate has expired`. */
      readonly reason: string;
      /** The `X509_V_ERR_` name without prefix, e.g. `CERT_HAS_EXPIRED`. */
      readonly code?: string;
    };

/** `SUCCESS`, `FAILED:<reason>` or `NONE`. */
export function formatVerify(v: VerifyOutcome): string {
  switch (v.kind) {
    case "none":
      return "NONE";
    case "success":
      return "SUCCESS";
    case "failed":
      return `FAILED:${v.reason}`;
    default: {
      const never: never = v;
      throw new TypeError(`unknown verify outcome ${JSON.stringify(never)}`);
    }
  }
}

/** `$ssl_client_*` values of one connection (empty strings where nginx has none). */
export interface ClientCertificateVariables {
  readonly ssl_client_verify: string;
  readonly ssl_client_s_dn: string;
  readonly ssl_client_i_dn: string;
  readonly ssl_client_s_dn_legacy: string;
  readonly ssl_client_i_dn_legacy: string;
  readonly ssl_client_serial: string;
  readonly ssl_client_fingerprint: string;
  readonly ssl_client_raw_cert: string;
  readonly ssl_client_cert: string;
  readonly ssl_client_escaped_cert: string;
  readonly ssl_client_v_start: string;
  readonly ssl_client_v_end: string;
  readonly ssl_client_v_remain: string;
}

/** Options of {@link clientCertificateVariables}. */
export interface ClientCertificateOptions {
  /** The verify outcome of the connection. */
  readonly verify: VerifyOutcome;
  /** Clock for `v_remain`; default `() => new Date()`. */
  readonly now?: () => Date;
}

const UNRESERVED = /[A-Za-z0-9\-._~]/;

/**
 * nginx's `ngx_escape_uri(..., NGX_ESCAPE_URI_COMPONENT)`: every byte but
 * `A-Z a-z 0-9 - . _ ~` as `%XX` (uppercase).
 * @param text the text (encoded as UTF-8)
 * @returns the escaped text
 */
export function escapeUriComponent(text: string): string {
  let out = "";
  for (const b of Buffer.from(text, "utf8")) {
    const ch = String.fromCharCode(b);
    out += UNRESERVED.test(ch) ? ch : `%${b.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

const NO_CERTIFICATE = {
  ssl_client_s_dn: "",
  ssl_client_i_dn: "",
  ssl_client_s_dn_legacy: "",
  ssl_client_i_dn_legacy: "",
  ssl_client_serial: "",
  ssl_client_fingerprint: "",
  ssl_client_raw_cert: "",
  ssl_client_cert: "",
  ssl_client_escaped_cert: "",
  ssl_client_v_start: "",
  ssl_client_v_end: "",
  ssl_client_v_remain: "",
} as const;

/**
 * Computes the `$ssl_client_*` variables from the client's leaf certificate.
 * @param der the leaf certificate (DER), or undefined when the client sent none
 * @param options `verify` outcome, `now` clock
 * @returns every `$ssl_client_*` value; all empty but `ssl_client_verify` (`NONE`) without a certificate
 * @throws {ParseError} when `der` is not a certificate
 * @example
 * ```ts
 * const v = clientCertificateVariables(socket.getPeerCertificate(true).raw, { verify: { kind: "success" } });
 * v.ssl_client_s_dn; // "CN=client-1"
 * ```
 */
export function clientCertificateVariables(
  der: Uint8Array | undefined,
  options: ClientCertificateOptions,
): ClientCertificateVariables {
  if (!der) return { ...NO_CERTIFICATE, ssl_client_verify: "NONE" };
  const fields = readCertificateFields(der);
  const x509 = new X509Certificate(der);
  const pem = x509.toString();
  const now = (options.now ?? (() => new Date()))();
  const end = Date.parse(x509.validTo);
  // nginx: (notAfter - ngx_time()) / 86400 in whole seconds, 0 when under a day.
  const nowSeconds = Math.floor(now.getTime() / 1000);
  const remain = Math.max(0, Math.trunc((end / 1000 - nowSeconds) / 86_400));
  return {
    ssl_client_verify: formatVerify(options.verify),
    ssl_client_s_dn: formatNameRfc2253(fields.subject),
    ssl_client_i_dn: formatNameRfc2253(fields.issuer),
    ssl_client_s_dn_legacy: formatNameLegacy(fields.subject),
    ssl_client_i_dn_legacy: formatNameLegacy(fields.issuer),
    ssl_client_serial: serialHex(fields.serial),
    ssl_client_fingerprint: createHash("sha1").update(der).digest("hex"),
    ssl_client_raw_cert: pem,
    // Deprecated $ssl_client_cert: every line after the first starts with a tab.
    ssl_client_cert: pem.replace(/\n$/, "").replaceAll("\n", "\n\t"),
    ssl_client_escaped_cert: escapeUriComponent(pem),
    ssl_client_v_start: x509.validFrom,
    ssl_client_v_end: x509.validTo,
    ssl_client_v_remain: String(remain),
  };
}

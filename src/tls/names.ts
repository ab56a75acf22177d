import { ALERT_DESCRIPTIONS } from "./registry/alerts.ts";
import { CIPHER_SUITES, OPENSSL_CIPHER_NAMES } from "./registry/cipher-suites.ts";
import { EXTENSION_TYPES } from "./registry/extension-types.ts";
import { GROUPS } from "./registry/groups.ts";
import { HANDSHAKE_TYPES } from "./registry/handshake-types.ts";
import { SIGNATURE_SCHEMES } from "./registry/signature-schemes.ts";

/**
 * True for a GREASE value (RFC 8701 §2): 16-bit code points 0x0A0A, 0x1A1A ... 0xFAFA,
 * reserved so that peers exercise their handling of unknown values.
 *
 * @param value a 16-bit cipher suite, extension, group, signature scheme or version
 * @example
 * ```ts
 * isGrease(0x2a2a); // true
 * ```
 */
export function isGrease(value: number): boolean {
  return (value & 0x0f0f) === 0x0a0a && value >> 8 === (value & 0xff);
}

function hex(value: number): string {
  return `0x${value.toString(16).padStart(4, "0")}`;
}

function lookup(table: ReadonlyMap<number, string>, value: number): string {
  return table.get(value) ?? (isGrease(value) ? `GREASE(${hex(value)})` : `unknown(${hex(value)})`);
}

/**
 * The IANA name of a cipher suite (`TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384`), `GREASE(0x..)`
 * or `unknown(0x....)`. Source: IANA TLS Cipher Suites registry.
 */
export function cipherSuiteName(value: number): string {
  return lookup(CIPHER_SUITES, value);
}

/** The IANA name of a supported group (`x25519`, `secp256r1`), GREASE or unknown. */
export function groupName(value: number): string {
  return lookup(GROUPS, value);
}

/** The IANA name of a signature scheme (`ecdsa_secp256r1_sha256`), GREASE or unknown. */
export function signatureSchemeName(value: number): string {
  return (
    SIGNATURE_SCHEMES.get(value) ??
    legacySignatureAlgorithm(value) ??
    lookup(SIGNATURE_SCHEMES, value)
  );
}

/**
 * TLS 1.2 `SignatureAndHashAlgorithm` pairs that have no SignatureScheme name (RFC 5246
 * §7.4.1.4.1), e.g. `0x0402` dsa_sha256 → `dsa_sha256`.
 */
function legacySignatureAlgorithm(value: number): string | undefined {
  const hashes = ["none", "md5", "sha1", "sha224", "sha256", "sha384", "sha512"];
  const sigs = ["anonymous", "rsa", "dsa", "ecdsa"];
  const hash = hashes[value >> 8];
  const sig = sigs[value & 0xff];
  return hash && sig && value >> 8 >= 1 && (value & 0xff) >= 1 ? `${sig}_${hash}` : undefined;
}

/** The IANA name of an extension type (`server_name`), GREASE or unknown. */
export function extensionName(value: number): string {
  return lookup(EXTENSION_TYPES, value);
}

/** The IANA name of a handshake type (`client_hello`), or `unknown(N)`. */
export function handshakeTypeName(value: number): string {
  return HANDSHAKE_TYPES.get(value) ?? `unknown(${value})`;
}

/** The IANA name of an alert description (`certificate_required`), or `unknown(N)`. */
export function alertDescriptionName(value: number): string {
  return ALERT_DESCRIPTIONS.get(value) ?? `unknown(${value})`;
}

/**
 * The IANA name for an OpenSSL cipher name (`ECDHE-ECDSA-AES256-GCM-SHA384` →
 * `TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384`); TLS 1.3 names are the same in both.
 * @returns the IANA name, or `undefined` when OpenSSL 3.0 does not know the name
 */
export function ianaCipherName(opensslName: string): string | undefined {
  if (opensslName.startsWith("TLS_")) return opensslName;
  return OPENSSL_CIPHER_NAMES.get(opensslName);
}

/**
 * The name of a protocol version: `TLS 1.2` for 0x0303, `SSL 3.0`, GREASE or `0x....`.
 * Source: RFC 8446 §4.2.1, RFC 5246 §6.2.1.
 */
export function versionName(value: number): string {
  switch (value) {
    case 0x0300:
      return "SSL 3.0";
    case 0x0301:
      return "TLS 1.0";
    case 0x0302:
      return "TLS 1.1";
    case 0x0303:
      return "TLS 1.2";
    case 0x0304:
      return "TLS 1.3";
    default:
      return isGrease(value) ? `GREASE(${hex(value)})` : hex(value);
  }
}

/** ClientCertificateType names (RFC 5246 §7.4.4, RFC 8422 §5.5; IANA "TLS ClientCertificateType Identifiers"). */
const CLIENT_CERTIFICATE_TYPES: ReadonlyMap<number, string> = new Map([
  [1, "rsa_sign"],
  [2, "dss_sign"],
  [3, "rsa_fixed_dh"],
  [4, "dss_fixed_dh"],
  [64, "ecdsa_sign"],
  [65, "rsa_fixed_ecdh"],
  [66, "ecdsa_fixed_ecdh"],
]);

/**
 * The name of a TLS 1.2 CertificateRequest `certificate_types` entry.
 * @param value one byte, e.g. 64
 * @returns e.g. `ecdsa_sign`, or `unknown(N)`
 */
export function clientCertificateTypeName(value: number): string {
  return CLIENT_CERTIFICATE_TYPES.get(value) ?? `unknown(${value})`;
}

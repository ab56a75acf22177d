import { ByteReader } from "../byte-reader.ts";
import { distinguishedNameToString } from "../distinguished-name.ts";
import { type Extension, parseExtensions } from "../extensions.ts";
import { expectDone } from "./common.ts";

/** One certificate of a Certificate message: the DER view and, in TLS 1.3, its extensions. */
export interface CertificateEntry {
  /** `cert_data` / `ASN.1Cert`: DER of an X.509 certificate (a view). */
  readonly cert_data: Uint8Array;
  /** TLS 1.3 per-entry extensions (status_request, signed_certificate_timestamp); empty in 1.2. */
  readonly extensions: readonly Extension[];
}

/**
 * ```
 * opaque ASN.1Cert<1..2^24-1>;
 * struct { ASN.1Cert certificate_list<0..2^24-1>; } Certificate;           // RFC 5246 §7.4.2
 * struct {
 *     opaque certificate_request_context<0..2^8-1>;
 *     CertificateEntry certificate_list<0..2^24-1>;
 * } Certificate;                                                            // RFC 8446 §4.4.2
 * ```
 */
export interface Certificate {
  readonly type: "Certificate";
  /** Present in TLS 1.3 only. */
  readonly certificate_request_context: Uint8Array | undefined;
  /** Leaf first; empty when a client has no certificate to send. */
  readonly certificate_list: readonly CertificateEntry[];
  readonly raw: Uint8Array;
}

/**
 * ```
 * struct {
 *     ClientCertificateType certificate_types<1..2^8-1>;
 *     SignatureAndHashAlgorithm supported_signature_algorithms<2^16-1>;
 *     DistinguishedName certificate_authorities<0..2^16-1>;
 * } CertificateRequest;                                                     // RFC 5246 §7.4.4
 * struct {
 *     opaque certificate_request_context<0..2^8-1>;
 *     Extension extensions<2..2^16-1>;
 * } CertificateRequest;                                                     // RFC 8446 §4.3.2
 * ```
 * For TLS 1.3 `supported_signature_algorithms` and `certificate_authorities` are filled
 * from the `signature_algorithms` and `certificate_authorities` extensions.
 */
export interface CertificateRequest {
  readonly type: "CertificateRequest";
  /** TLS 1.2 only (1 = rsa_sign, 64 = ecdsa_sign...); empty in 1.3. */
  readonly certificate_types: readonly number[];
  readonly supported_signature_algorithms: readonly number[];
  /** Acceptable CA names as RFC 4514 strings (`CN=Test CA`). */
  readonly certificate_authorities: readonly string[];
  /** TLS 1.3 only. */
  readonly certificate_request_context: Uint8Array | undefined;
  /** TLS 1.3 only; empty in 1.2. */
  readonly extensions: readonly Extension[];
  readonly raw: Uint8Array;
}

/**
 * ```
 * struct { SignatureScheme algorithm; opaque signature<0..2^16-1>; } CertificateVerify;
 * ```
 * (RFC 8446 §4.4.3; TLS 1.2 `digitally-signed` has the same layout, RFC 5246 §4.7.)
 */
export interface CertificateVerify {
  readonly type: "CertificateVerify";
  readonly algorithm: number;
  readonly signature: Uint8Array;
  readonly raw: Uint8Array;
}

/**
 * Parses a Certificate body (TLS 1.3 layout when `version` is 0x0304).
 * @throws {ParseError} when the body is malformed
 * @see RFC 8446 §4.4.2, RFC 5246 §7.4.2
 */
export function parseCertificate(body: Uint8Array, raw: Uint8Array, version: number): Certificate {
  const r = new ByteReader(body, 4);
  const tls13 = version >= 0x0304;
  const certificate_request_context = tls13
    ? r.vector(1, "certificate_request_context").rest()
    : undefined;
  const list = r.vector(3, "certificate_list");
  const certificate_list: CertificateEntry[] = [];
  while (!list.done) {
    const cert_data = list.vector(3, "cert_data").rest();
    const extensions = tls13 ? parseExtensions(list, "certificate") : [];
    certificate_list.push({ cert_data, extensions });
  }
  expectDone(r, "Certificate");
  return { type: "Certificate", certificate_request_context, certificate_list, raw };
}

/**
 * Parses a CertificateRequest body (TLS 1.3 layout when `version` is 0x0304).
 * @throws {ParseError} when the body is malformed
 * @see RFC 8446 §4.3.2, RFC 5246 §7.4.4
 */
export function parseCertificateRequest(
  body: Uint8Array,
  raw: Uint8Array,
  version: number,
): CertificateRequest {
  const r = new ByteReader(body, 4);
  if (version >= 0x0304) {
    const certificate_request_context = r.vector(1, "certificate_request_context").rest();
    const extensions = parseExtensions(r, "certificate_request");
    expectDone(r, "CertificateRequest");
    let supported_signature_algorithms: readonly number[] = [];
    let certificate_authorities: readonly string[] = [];
    for (const e of extensions) {
      if (e.value?.kind === "signature_algorithms")
        supported_signature_algorithms = e.value.supported_signature_algorithms;
      if (e.value?.kind === "certificate_authorities")
        certificate_authorities = e.value.authorities;
    }
    return {
      type: "CertificateRequest",
      certificate_types: [],
      supported_signature_algorithms,
      certificate_authorities,
      certificate_request_context,
      extensions,
      raw,
    };
  }
  const certificate_types = Array.from(r.vector(1, "certificate_types").rest());
  const algs = r.vector(2, "supported_signature_algorithms");
  const supported_signature_algorithms: number[] = [];
  while (!algs.done) supported_signature_algorithms.push(algs.u16("SignatureAndHashAlgorithm"));
  const cas = r.vector(2, "certificate_authorities");
  const certificate_authorities: string[] = [];
  while (!cas.done) {
    const dn = cas.vector(2, "DistinguishedName");
    certificate_authorities.push(distinguishedNameToString(dn.bytes, dn.base));
  }
  expectDone(r, "CertificateRequest");
  return {
    type: "CertificateRequest",
    certificate_types,
    supported_signature_algorithms,
    certificate_authorities,
    certificate_request_context: undefined,
    extensions: [],
    raw,
  };
}

/**
 * Parses a CertificateVerify body.
 * @throws {ParseError} when the body is malformed
 * @see RFC 8446 §4.4.3, RFC 5246 §7.4.8
 */
export function parseCertificateVerify(body: Uint8Array, raw: Uint8Array): CertificateVerify {
  const r = new ByteReader(body, 4);
  const algorithm = r.u16("algorithm");
  const signature = r.vector(2, "signature").rest();
  expectDone(r, "CertificateVerify");
  return { type: "CertificateVerify", algorithm, signature, raw };
}

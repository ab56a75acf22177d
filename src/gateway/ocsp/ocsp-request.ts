/**
 * Encodes an unsigned OCSP request for one certificate, with an optional nonce.
 *
 * ```asn1
 * OCSPRequest ::= SEQUENCE {
 *     tbsRequest              TBSRequest,
 *     optionalSignature   [0] EXPLICIT Signature OPTIONAL }
 * TBSRequest ::= SEQUENCE {
 *     version             [0] EXPLICIT Version DEFAULT v1,
 *     requestorName       [1] EXPLICIT GeneralName OPTIONAL,
 *     requestList             SEQUENCE OF Request,
 *     requestExtensions   [2] EXPLICIT Extensions OPTIONAL }
 * Request ::= SEQUENCE {
 *     reqCert                     CertID,
 *     singleRequestExtensions [0] EXPLICIT Extensions OPTIONAL }
 * ```
 *
 * Source: RFC 6960 §4.1.1; the nonce extension: RFC 6960 §4.4.1, RFC 8954 (1 to 32 octets).
 * @module
 */
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import type { OcspCertId } from "./cert-id.ts";

/** `id-pkix-ocsp-nonce` (RFC 6960 §4.4.1). */
export const ID_PKIX_OCSP_NONCE = "1.3.6.1.5.5.7.48.1.2";

/** Options of {@link encodeOcspRequest}. */
export interface OcspRequestOptions {
  /** Nonce octets (RFC 8954: 1 to 32); default none (no nonce extension). */
  readonly nonce?: Uint8Array;
}

/**
 * Encodes the DER `OCSPRequest` asking about one certificate.
 * @param id the certificate's {@link OcspCertId}
 * @param options `nonce` (bytes) to send in `requestExtensions`
 * @returns the DER bytes, ready for an HTTP POST (`application/ocsp-request`)
 * @throws {RangeError} when the nonce is empty or longer than 32 bytes
 * @example
 * ```ts
 * const der = encodeOcspRequest(certificateId(leaf, ca), { nonce: randomBytes(16) });
 * ```
 */
export function encodeOcspRequest(id: OcspCertId, options: OcspRequestOptions = {}): Uint8Array {
  const { nonce } = options;
  if (nonce && (nonce.byteLength < 1 || nonce.byteLength > 32)) {
    throw new RangeError(`OCSP nonce length: ${nonce.byteLength} bytes, expecting 1 to 32`);
  }
  const request = new pkijs.OCSPRequest();
  request.tbsRequest.requestList = [new pkijs.Request({ reqCert: id.certId })];
  if (nonce) {
    request.tbsRequest.requestExtensions = [
      new pkijs.Extension({
        extnID: ID_PKIX_OCSP_NONCE,
        extnValue: new asn1js.OctetString({ valueHex: nonce }).toBER(),
      }),
    ];
  }
  return new Uint8Array(request.toSchema(true).toBER());
}

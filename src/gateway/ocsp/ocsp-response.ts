/**
 * Reads and verifies an OCSP response for one certificate: the response status, the
 * basic response's signature (by the issuing CA itself, or by a delegated responder whose
 * certificate that CA issued with `id-kp-OCSPSigning`), the nonce when one was sent, the
 * `SingleResponse` for the certificate asked about, and its `thisUpdate`/`nextUpdate`
 * window with a clock skew allowance.
 *
 * ```asn1
 * OCSPResponse ::= SEQUENCE {
 *    responseStatus         OCSPResponseStatus,
 *    responseBytes          [0] EXPLICIT ResponseBytes OPTIONAL }
 * BasicOCSPResponse ::= SEQUENCE {
 *    tbsResponseData      ResponseData,
 *    signatureAlgorithm   AlgorithmIdentifier,
 *    signature            BIT STRING,
 *    certs            [0] EXPLICIT SEQUENCE OF Certificate OPTIONAL }
 * SingleResponse ::= SEQUENCE {
 *    certID                       CertID,
 *    certStatus                   CertStatus,
 *    thisUpdate                   GeneralizedTime,
 *    nextUpdate         [0]       EXPLICIT GeneralizedTime OPTIONAL,
 *    singleExtensions   [1]       EXPLICIT Extensions OPTIONAL }
 * CertStatus ::= CHOICE {
 *    good        [0]     IMPLICIT NULL,
 *    revoked     [1]     IMPLICIT RevokedInfo,
 *    unknown     [2]     IMPLICIT UnknownInfo }
 * ```
 *
 * Source: RFC 6960 §4.2.1, §4.2.2.1 (time), §4.2.2.2 (authorized responders), §4.4.1
 * (nonce), RFC 5280 §5.3.1 (reason codes).
 * @module
 */
import { createPublicKey, type KeyObject, verify, X509Certificate } from "node:crypto";
import type * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { ErrorCode, MtlsError } from "../../errors.ts";
import { type OcspCertId, publicKeyBits, sameCertId, sha1, subjectDer } from "./cert-id.ts";
import { ID_PKIX_OCSP_NONCE } from "./ocsp-request.ts";

/** `id-pkix-ocsp-basic` (RFC 6960 §4.2.1). */
const ID_PKIX_OCSP_BASIC = "1.3.6.1.5.5.7.48.1.1";
/** `id-kp-OCSPSigning` (RFC 6960 §4.2.2.2). */
const ID_KP_OCSP_SIGNING = "1.3.6.1.5.5.7.3.9";

/** `OCSPResponseStatus` names by value (RFC 6960 §4.2.1). */
export const OCSP_RESPONSE_STATUS: Readonly<Record<number, string>> = {
  0: "successful",
  1: "malformedRequest",
  2: "internalError",
  3: "tryLater",
  5: "sigRequired",
  6: "unauthorized",
};

/** `CRLReason` names by value (RFC 5280 §5.3.1). */
const CRL_REASON: Readonly<Record<number, string>> = {
  0: "unspecified",
  1: "keyCompromise",
  2: "cACompromise",
  3: "affiliationChanged",
  4: "superseded",
  5: "cessationOfOperation",
  6: "certificateHold",
  8: "removeFromCRL",
  9: "privilegeWithdrawn",
  10: "aACompromise",
};

/** Hash for `crypto.verify` by signature algorithm OID; `null` for Ed25519/Ed448. */
const SIGNATURE_HASH: Readonly<Record<string, string | null>> = {
  "1.2.840.113549.1.1.5": "sha1",
  "1.2.840.113549.1.1.11": "sha256",
  "1.2.840.113549.1.1.12": "sha384",
  "1.2.840.113549.1.1.13": "sha512",
  "1.2.840.10045.4.1": "sha1",
  "1.2.840.10045.4.3.2": "sha256",
  "1.2.840.10045.4.3.3": "sha384",
  "1.2.840.10045.4.3.4": "sha512",
  "1.3.101.112": null,
  "1.3.101.113": null,
};

/** The certificate's status as the responder states it. */
export type OcspCertStatus =
  | { readonly kind: "good" }
  | {
      readonly kind: "revoked";
      readonly revocationTime: Date;
      /** The `CRLReason` name, e.g. `keyCompromise`, when given. */
      readonly reason?: string;
    }
  | { readonly kind: "unknown" };

/** A verified answer about one certificate. */
export interface OcspAnswer {
  readonly status: OcspCertStatus;
  readonly thisUpdate: Date;
  /** Absent when the responder has newer information at any time (RFC 6960 §4.2.2.1). */
  readonly nextUpdate?: Date;
  readonly producedAt: Date;
  /** Who signed: the issuing CA, or a delegated responder certificate it issued. */
  readonly signer: "issuer" | "delegated";
}

/** Options of {@link verifyOcspResponse}. */
export interface VerifyOcspResponseOptions {
  /** The certificate asked about. */
  readonly id: OcspCertId;
  /** The issuing CA's certificate (DER): it signs, or it issued the delegated signer. */
  readonly issuer: Uint8Array;
  /** The nonce sent in the request; default none. A response nonce must then match it. */
  readonly nonce?: Uint8Array;
  /** Verification time; default `new Date()`. */
  readonly now?: Date;
  /** Allowed clock difference with the responder, in ms; default 300000 (5 minutes, as OpenSSL's `-validity_period`). */
  readonly clockSkewMs?: number;
}

/** Default clock skew allowance: 5 minutes. */
export const DEFAULT_OCSP_CLOCK_SKEW_MS = 300_000;

function fail(message: string, details: Record<string, unknown> = {}, cause?: unknown): never {
  throw new MtlsError(ErrorCode.OCSP, message, {
    details,
    ...(cause !== undefined ? { cause } : {}),
  });
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(
    Buffer.from(b.buffer, b.byteOffset, b.byteLength),
  );
}

function derOf(cert: pkijs.Certificate): Uint8Array {
  return new Uint8Array(cert.toSchema().toBER());
}

function keyOf(cert: pkijs.Certificate): KeyObject {
  const spki = Buffer.from(cert.subjectPublicKeyInfo.toSchema().toBER());
  return createPublicKey({ key: spki, format: "der", type: "spki" });
}

/** Whether `cert` is the one `responderID` names (byName: DER subject; byKey: SHA-1 of the key). */
function isResponder(responderId: unknown, cert: pkijs.Certificate): boolean {
  if (responderId instanceof pkijs.RelativeDistinguishedNames) {
    const raw = new Uint8Array(responderId.valueBeforeDecode);
    const name = raw.byteLength > 0 ? raw : new Uint8Array(responderId.toSchema().toBER());
    return equalBytes(name, subjectDer(cert)) || responderId.isEqual(cert.subject);
  }
  const key = (responderId as asn1js.OctetString | undefined)?.valueBlock?.valueHexView;
  return key !== undefined && equalBytes(key, sha1(publicKeyBits(cert)));
}

/** RFC 6960 §4.2.2.2: a delegated responder certificate issued by the CA, for OCSP signing, valid now. */
function checkDelegate(signer: pkijs.Certificate, issuerDer: Uint8Array, now: Date): void {
  const s = new X509Certificate(derOf(signer));
  const ca = new X509Certificate(issuerDer);
  if (!s.checkIssued(ca) || !s.verify(ca.publicKey)) {
    fail(
      `OCSP response signer is not authorized: ${s.subject.replaceAll("\n", ", ")} was not issued by the client certificate's CA ${ca.subject.replaceAll("\n", ", ")}`,
      { reason: "unauthorized signer" },
    );
  }
  if (!(s.keyUsage ?? []).includes(ID_KP_OCSP_SIGNING)) {
    fail(
      `OCSP response signer is not authorized: ${s.subject.replaceAll("\n", ", ")} has no OCSPSigning extended key usage`,
      { reason: "unauthorized signer" },
    );
  }
  if (now < new Date(s.validFrom) || now > new Date(s.validTo)) {
    fail(
      `OCSP response signer certificate is not valid at ${now.toISOString()}: valid from ${s.validFrom} to ${s.validTo}`,
      { reason: "signer expired" },
    );
  }
}

function statusOf(certStatus: unknown): OcspCertStatus {
  const block = certStatus as {
    idBlock: { tagNumber: number; tagClass: number };
    valueBlock?: { value?: unknown[] };
  };
  switch (block.idBlock.tagNumber) {
    case 0:
      return { kind: "good" };
    case 1: {
      const parts = block.valueBlock?.value ?? [];
      const time = parts[0] as asn1js.GeneralizedTime | undefined;
      const reasonTagged = parts[1] as { valueBlock?: { value?: unknown[] } } | undefined;
      const reasonEnum = reasonTagged?.valueBlock?.value?.[0] as asn1js.Enumerated | undefined;
      const code = reasonEnum?.valueBlock?.valueDec;
      return {
        kind: "revoked",
        revocationTime: time?.toDate?.() ?? new Date(Number.NaN),
        ...(code !== undefined ? { reason: CRL_REASON[code] ?? String(code) } : {}),
      };
    }
    case 2:
      return { kind: "unknown" };
    default:
      return fail(`OCSP response is malformed: certStatus tag [${block.idBlock.tagNumber}]`, {
        reason: "malformed",
      });
  }
}

/**
 * Verifies a DER OCSP response for one certificate and returns what it says.
 * @param der the response body (DER `OCSPResponse`)
 * @param options the certificate asked about, its issuer, the nonce sent, clock, skew (ms)
 * @returns the verified {@link OcspAnswer}
 * @throws {MtlsError} `MTLS_OCSP` when the response is not `successful` (`details.responseStatus`
 *   names it, e.g. `tryLater`), is malformed, is not signed by the CA or an authorized
 *   delegate, carries another nonce, does not answer for the certificate, or is outside its
 *   `thisUpdate`..`nextUpdate` window
 * @example
 * ```ts
 * const answer = verifyOcspResponse(body, { id, issuer: caDer, nonce });
 * if (answer.status.kind === "revoked") ...
 * ```
 */
export function verifyOcspResponse(
  der: Uint8Array,
  options: VerifyOcspResponseOptions,
): OcspAnswer {
  const now = options.now ?? new Date();
  const skew = options.clockSkewMs ?? DEFAULT_OCSP_CLOCK_SKEW_MS;
  let response: pkijs.OCSPResponse;
  let basic: pkijs.BasicOCSPResponse;
  try {
    response = pkijs.OCSPResponse.fromBER(der);
  } catch (e) {
    return fail(`OCSP response is malformed: ${(e as Error).message}`, { reason: "malformed" }, e);
  }
  const code = response.responseStatus.valueBlock.valueDec;
  if (code !== 0) {
    const name = OCSP_RESPONSE_STATUS[code] ?? String(code);
    return fail(`OCSP responder refused the request: responseStatus ${name}`, {
      reason: "responseStatus",
      responseStatus: name,
    });
  }
  const bytes = response.responseBytes;
  if (!bytes || bytes.responseType !== ID_PKIX_OCSP_BASIC) {
    return fail(
      `OCSP response is malformed: responseType ${bytes?.responseType ?? "absent"}, expecting id-pkix-ocsp-basic`,
      { reason: "malformed" },
    );
  }
  try {
    basic = pkijs.BasicOCSPResponse.fromBER(bytes.response.valueBlock.valueHexView);
  } catch (e) {
    return fail(
      `OCSP response is malformed: BasicOCSPResponse: ${(e as Error).message}`,
      { reason: "malformed" },
      e,
    );
  }
  const data = basic.tbsResponseData;
  // 1. Who signed, and may they?
  const issuer = pkijs.Certificate.fromBER(options.issuer);
  let signer: pkijs.Certificate | undefined;
  let kind: OcspAnswer["signer"] = "issuer";
  if (isResponder(data.responderID, issuer)) signer = issuer;
  else {
    signer = (basic.certs ?? []).find((c) => isResponder(data.responderID, c));
    kind = "delegated";
    if (!signer) {
      return fail(
        "OCSP response signer is not authorized: the responder ID names neither the client certificate's CA nor a certificate included in the response",
        { reason: "unauthorized signer" },
      );
    }
    checkDelegate(signer, options.issuer, now);
  }
  // 2. The signature over the bytes as received.
  const algorithm = basic.signatureAlgorithm.algorithmId;
  const hash = SIGNATURE_HASH[algorithm];
  if (hash === undefined) {
    return fail(`OCSP response signature algorithm ${algorithm} is not supported`, {
      reason: "unsupported algorithm",
    });
  }
  const ok = verify(
    hash,
    data.tbsView,
    keyOf(signer),
    Buffer.from(basic.signature.valueBlock.valueHexView),
  );
  if (!ok) {
    return fail(
      `OCSP response signature does not verify with the ${kind === "issuer" ? "CA's" : "delegated responder's"} key`,
      { reason: "bad signature" },
    );
  }
  // 3. The nonce, when one was sent (a responder may omit it, RFC 8954 §2.1; it must not change it).
  if (options.nonce) {
    const ext = data.responseExtensions?.find((e) => e.extnID === ID_PKIX_OCSP_NONCE);
    if (ext) {
      const sent = toOctetString(options.nonce);
      if (!equalBytes(ext.extnValue.valueBlock.valueHexView, sent)) {
        return fail("OCSP response nonce does not match the request's", { reason: "nonce" });
      }
    }
  }
  // 4. The answer for our certificate.
  const single = data.responses.find((r) => sameCertId(r.certID, options.id.certId));
  if (!single) {
    return fail(
      `OCSP response does not answer for certificate serial ${options.id.serial}: ${data.responses.length} response(s) for other certificates`,
      { reason: "no answer for certificate" },
    );
  }
  // 5. Freshness (RFC 6960 §4.2.2.1).
  const thisUpdate = single.thisUpdate;
  const nextUpdate = single.nextUpdate;
  if (thisUpdate.getTime() > now.getTime() + skew) {
    return fail(
      `OCSP response is not yet valid: thisUpdate ${thisUpdate.toISOString()} is after ${now.toISOString()} (skew ${skew / 1000} s)`,
      { reason: "not yet valid" },
    );
  }
  if (nextUpdate && nextUpdate.getTime() < now.getTime() - skew) {
    return fail(
      `OCSP response has expired: nextUpdate ${nextUpdate.toISOString()} is before ${now.toISOString()} (skew ${skew / 1000} s)`,
      { reason: "expired" },
    );
  }
  return {
    status: statusOf(single.certStatus),
    thisUpdate,
    ...(nextUpdate ? { nextUpdate } : {}),
    producedAt: data.producedAt,
    signer: kind,
  };
}

/** DER `OCTET STRING` holding the nonce: the `extnValue` contents of the nonce extension. */
function toOctetString(nonce: Uint8Array): Uint8Array {
  // RFC 8954 bounds the nonce to 32 octets, so the length fits in one byte.
  return new Uint8Array([0x04, nonce.byteLength, ...nonce]);
}

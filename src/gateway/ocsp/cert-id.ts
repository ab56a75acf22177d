/**
 * The OCSP `CertID` of a certificate (which certificate a request asks about and a
 * response answers for), and the responder URL from its Authority Information Access.
 *
 * ```asn1
 * CertID ::= SEQUENCE {
 *     hashAlgorithm       AlgorithmIdentifier,
 *     issuerNameHash      OCTET STRING, -- Hash of issuer's DN
 *     issuerKeyHash       OCTET STRING, -- Hash of issuer's public key
 *     serialNumber        CertificateSerialNumber }
 * ```
 *
 * Source: RFC 6960 §4.1.1 (CertID, SHA-1 as every responder accepts it), RFC 5280 §4.2.2.1
 * (id-ad-ocsp in authorityInfoAccess).
 * @module
 */
import { createHash } from "node:crypto";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { ErrorCode, MtlsError } from "../../errors.ts";

/** `id-sha1` (RFC 3279 §2.2.1): the CertID hash every responder understands. */
export const ID_SHA1 = "1.3.14.3.2.26";
/** `id-pe-authorityInfoAccess` (RFC 5280 §4.2.2.1). */
const ID_PE_AUTHORITY_INFO_ACCESS = "1.3.6.1.5.5.7.1.1";
/** `id-ad-ocsp` (RFC 5280 §4.2.2.1). */
const ID_AD_OCSP = "1.3.6.1.5.5.7.48.1";

/** A certificate's OCSP identity, with the parsed pkijs objects the request and checks need. */
export interface OcspCertId {
  /** The pkijs CertID (SHA-1) for the request. */
  readonly certId: pkijs.CertID;
  /** Cache key: lowercase hex `issuerNameHash:issuerKeyHash:serial`. */
  readonly key: string;
  /** Serial number in uppercase hex, as `$ssl_client_serial` prints it. */
  readonly serial: string;
}

/**
 * Parses a DER certificate with pkijs.
 * @param der the certificate (DER bytes)
 * @returns the pkijs certificate
 * @throws {MtlsError} `MTLS_PKI_BAD_INPUT` when the bytes are not a certificate
 */
export function parseCertificate(der: Uint8Array): pkijs.Certificate {
  try {
    return pkijs.Certificate.fromBER(der);
  } catch (e) {
    throw new MtlsError(
      ErrorCode.PKI_BAD_INPUT,
      `Cannot read certificate for OCSP: ${(e as Error).message}`,
      { cause: e },
    );
  }
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}

/** The subjectPublicKey BIT STRING's value (without the unused-bits byte), as hashed by CertID and ResponderID byKey. */
export function publicKeyBits(cert: pkijs.Certificate): Uint8Array {
  return cert.subjectPublicKeyInfo.subjectPublicKey.valueBlock.valueHexView;
}

/** The DER encoding of a certificate's subject as it appears in the certificate. */
export function subjectDer(cert: pkijs.Certificate): Uint8Array {
  const raw = new Uint8Array(cert.subject.valueBeforeDecode);
  return raw.byteLength > 0 ? raw : new Uint8Array(cert.subject.toSchema().toBER());
}

/** SHA-1 digest. */
export function sha1(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(createHash("sha1").update(bytes).digest());
}

/**
 * The SHA-1 CertID of `cert` issued by `issuer` (RFC 6960 §4.1.1).
 * @param cert the certificate asked about
 * @param issuer the certificate of the CA that issued it
 * @returns the CertID, its cache key and the serial
 * @example
 * ```ts
 * const id = certificateId(parseCertificate(leafDer), parseCertificate(caDer));
 * id.key; // "d08ce9...:bebe2f...:7ab544..."
 * ```
 */
export function certificateId(cert: pkijs.Certificate, issuer: pkijs.Certificate): OcspCertId {
  const nameHash = sha1(subjectDer(issuer));
  const keyHash = sha1(publicKeyBits(issuer));
  const serialBytes = cert.serialNumber.valueBlock.valueHexView;
  const certId = new pkijs.CertID({
    hashAlgorithm: new pkijs.AlgorithmIdentifier({
      algorithmId: ID_SHA1,
      algorithmParams: new asn1js.Null(),
    }),
    issuerNameHash: new asn1js.OctetString({ valueHex: nameHash }),
    issuerKeyHash: new asn1js.OctetString({ valueHex: keyHash }),
    serialNumber: new asn1js.Integer({ valueHex: serialBytes }),
  });
  const serial = hex(serialBytes).replace(/^(00)+(?=.)/, "");
  return {
    certId,
    key: `${hex(nameHash)}:${hex(keyHash)}:${serial}`,
    serial: serial.toUpperCase(),
  };
}

/**
 * Whether a response's CertID names the same certificate (same hash algorithm, both
 * hashes and the serial). A CertID with another hash algorithm never matches: the
 * gateway asks with SHA-1 and responders answer in the request's algorithm.
 * @param a a CertID
 * @param b another CertID
 * @returns true when all four fields are equal
 */
export function sameCertId(a: pkijs.CertID, b: pkijs.CertID): boolean {
  const bytes = (o: asn1js.OctetString) => hex(o.valueBlock.valueHexView);
  const serial = (i: asn1js.Integer) => hex(i.valueBlock.valueHexView).replace(/^(00)+(?=.)/, "");
  return (
    a.hashAlgorithm.algorithmId === b.hashAlgorithm.algorithmId &&
    bytes(a.issuerNameHash) === bytes(b.issuerNameHash) &&
    bytes(a.issuerKeyHash) === bytes(b.issuerKeyHash) &&
    serial(a.serialNumber) === serial(b.serialNumber)
  );
}

/**
 * The OCSP responder URLs of a certificate's Authority Information Access extension
 * (`id-ad-ocsp` entries with a URI), in order.
 * @param cert the certificate
 * @returns the `http://` / `https://` URLs; empty when the extension or entry is absent
 */
export function ocspResponderUrls(cert: pkijs.Certificate): string[] {
  const ext = cert.extensions?.find((e) => e.extnID === ID_PE_AUTHORITY_INFO_ACCESS);
  if (!ext) return [];
  let aia: pkijs.InfoAccess;
  try {
    aia =
      ext.parsedValue instanceof pkijs.InfoAccess
        ? ext.parsedValue
        : pkijs.InfoAccess.fromBER(ext.extnValue.valueBlock.valueHexView);
  } catch {
    return [];
  }
  return aia.accessDescriptions
    .filter((d) => d.accessMethod === ID_AD_OCSP && d.accessLocation.type === 6)
    .map((d) => String(d.accessLocation.value))
    .filter((u) => /^https?:\/\//i.test(u));
}

/**
 * Writing X.509 v3 certificates directly in DER and signing them with `node:crypto`
 * (RFC 5280 §4.1): the fast path of issuing. The shape written:
 *
 * ```asn1
 * Certificate  ::=  SEQUENCE  {
 *      tbsCertificate       TBSCertificate,
 *      signatureAlgorithm   AlgorithmIdentifier,
 *      signatureValue       BIT STRING  }
 * TBSCertificate  ::=  SEQUENCE  {
 *      version         [0]  EXPLICIT Version DEFAULT v1,   -- always v3 (2)
 *      serialNumber         CertificateSerialNumber,
 *      signature            AlgorithmIdentifier,
 *      issuer               Name,
 *      validity             Validity,
 *      subject              Name,
 *      subjectPublicKeyInfo SubjectPublicKeyInfo,
 *      extensions      [3]  EXPLICIT Extensions OPTIONAL }
 * ```
 * @module
 */
import { createHash, type KeyObject, sign } from "node:crypto";
import {
  DER_NULL,
  DER_TRUE,
  DerTag,
  derBitString,
  derExplicit,
  derImplicit,
  derNamedBits,
  derOctetString,
  derOid,
  derOidText,
  derReadTlv,
  derSequence,
  derSet,
  derSmallInteger,
  derString,
  derTime,
  derTimeValue,
  derTlv,
  derUnsignedInteger,
} from "./der.ts";
import { Oid } from "./profiles.ts";
import { canonicalIp, type SubjectAltName } from "./san.ts";
import type { Subject } from "./subject.ts";

/** How a signing key signs: the AlgorithmIdentifier DER and the `node:crypto` digest. */
export interface SignatureScheme {
  /** `AlgorithmIdentifier` DER (RFC 5758 §3.2, RFC 4055 §5, RFC 8410 §3). */
  readonly algorithm: Uint8Array;
  /** Digest for `crypto.sign`, or null for Ed25519 (pure EdDSA). */
  readonly hash: string | null;
  /** Short name for messages, e.g. `ecdsa-with-SHA256`. */
  readonly name: string;
}

/**
 * The signature scheme of a private key: ECDSA P-256 → ecdsa-with-SHA256, P-384 →
 * ecdsa-with-SHA384 (RFC 5758 §3.2, no parameters); RSA → sha256WithRSAEncryption (RFC
 * 4055 §5, NULL parameters); Ed25519 → id-Ed25519 (RFC 8410 §3).
 * @throws {RangeError} for another key type or curve
 */
export function signatureSchemeOf(key: KeyObject): SignatureScheme {
  const type = key.asymmetricKeyType;
  if (type === "ec") {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve === "prime256v1") {
      return {
        algorithm: derSequence(derOid("1.2.840.10045.4.3.2")),
        hash: "sha256",
        name: "ecdsa-with-SHA256",
      };
    }
    if (curve === "secp384r1") {
      return {
        algorithm: derSequence(derOid("1.2.840.10045.4.3.3")),
        hash: "sha384",
        name: "ecdsa-with-SHA384",
      };
    }
    throw new RangeError(`Cannot sign with EC curve ${curve}: expected prime256v1 or secp384r1`);
  }
  if (type === "rsa") {
    return {
      algorithm: derSequence(derOid("1.2.840.113549.1.1.11"), DER_NULL),
      hash: "sha256",
      name: "sha256WithRSAEncryption",
    };
  }
  if (type === "ed25519") {
    return { algorithm: derSequence(derOid("1.3.101.112")), hash: null, name: "Ed25519" };
  }
  throw new RangeError(`Cannot sign with a ${type} key: expected ec, rsa or ed25519`);
}

const SUBJECT_STRING_TAG: Readonly<Record<string, number>> = {
  C: DerTag.PRINTABLE_STRING,
  serialNumber: DerTag.PRINTABLE_STRING,
  E: DerTag.IA5_STRING,
  DC: DerTag.IA5_STRING,
};

/**
 * A `Name` (RFC 5280 §4.1.2.4): one RDN per attribute, in the order given (DER order);
 * UTF8String for names, PrintableString for C and serialNumber, IA5String for E and DC.
 */
export function encodeName(subject: Subject): Uint8Array {
  return derSequence(
    ...subject.map((a) =>
      derSet(
        derSequence(
          derOid(a.oid),
          derString(SUBJECT_STRING_TAG[a.type] ?? DerTag.UTF8_STRING, a.value),
        ),
      ),
    ),
  );
}

/** One `Extension ::= SEQUENCE { extnID, critical DEFAULT FALSE, extnValue OCTET STRING }`. */
export function encodeExtension(oid: string, value: Uint8Array, critical = false): Uint8Array {
  return critical
    ? derSequence(derOid(oid), DER_TRUE, derOctetString(value))
    : derSequence(derOid(oid), derOctetString(value));
}

/** basicConstraints (RFC 5280 §4.2.1.9), critical; `pathLen` only for a CA. */
export function basicConstraintsExtension(ca: boolean, pathLen?: number): Uint8Array {
  const parts = ca ? [DER_TRUE, ...(pathLen === undefined ? [] : [derSmallInteger(pathLen)])] : [];
  return encodeExtension(Oid.basicConstraints, derSequence(...parts), true);
}

/** keyUsage (RFC 5280 §4.2.1.3), critical; `bits` as `KeyUsageBit`. */
export function keyUsageExtension(bits: number): Uint8Array {
  return encodeExtension(Oid.keyUsage, derNamedBits(bits), true);
}

/** extendedKeyUsage (RFC 5280 §4.2.1.12), non-critical. */
export function extendedKeyUsageExtension(oids: readonly string[]): Uint8Array {
  return encodeExtension(Oid.extKeyUsage, derSequence(...oids.map(derOid)));
}

/** subjectKeyIdentifier (RFC 5280 §4.2.1.2). */
export function subjectKeyIdentifierExtension(keyId: Uint8Array): Uint8Array {
  return encodeExtension(Oid.subjectKeyIdentifier, derOctetString(keyId));
}

/** authorityKeyIdentifier with keyIdentifier `[0]` only (RFC 5280 §4.2.1.1). */
export function authorityKeyIdentifierExtension(keyId: Uint8Array): Uint8Array {
  return encodeExtension(Oid.authorityKeyIdentifier, derSequence(derImplicit(0, keyId)));
}

function ipBytes(text: string): Uint8Array {
  const ip = canonicalIp(text) ?? text;
  if (!ip.includes(":")) return Uint8Array.from(ip.split(".").map(Number));
  const [head = "", tail] = ip.split("::");
  const groups = (s: string) => (s === "" ? [] : s.split(":").map((g) => Number.parseInt(g, 16)));
  const h = groups(head);
  const t = tail === undefined ? [] : groups(tail);
  const all = [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t];
  return Uint8Array.from(all.flatMap((g) => [g >> 8, g & 0xff]));
}

/** One GeneralName (RFC 5280 §4.2.1.6): rfc822Name [1], dNSName [2], URI [6], iPAddress [7]. */
export function encodeGeneralName(san: SubjectAltName): Uint8Array {
  const ascii = (s: string) => new TextEncoder().encode(s);
  switch (san.type) {
    case "email":
      return derImplicit(1, ascii(san.value));
    case "DNS":
      return derImplicit(2, ascii(san.value));
    case "URI":
      return derImplicit(6, ascii(san.value));
    case "IP":
      return derImplicit(7, ipBytes(san.value));
  }
}

/** subjectAltName (RFC 5280 §4.2.1.6); critical when the subject is empty. */
export function subjectAltNameExtension(
  sans: readonly SubjectAltName[],
  critical = false,
): Uint8Array {
  return encodeExtension(Oid.subjectAltName, derSequence(...sans.map(encodeGeneralName)), critical);
}

/**
 * The key identifier of a public key: SHA-1 of the subjectPublicKey BIT STRING's bits
 * (RFC 5280 §4.2.1.2, method 1), what openssl and `@peculiar/x509` compute.
 * @param spki DER SubjectPublicKeyInfo
 * @returns 20 bytes
 */
export function keyIdentifierOf(spki: Uint8Array): Uint8Array {
  const outer = derReadTlv(spki, 0);
  const algorithm = derReadTlv(spki, outer.start);
  const bits = derReadTlv(spki, algorithm.end);
  if (outer.tag !== DerTag.SEQUENCE || bits.tag !== DerTag.BIT_STRING) {
    throw new RangeError(
      "Not a DER SubjectPublicKeyInfo: expected SEQUENCE { SEQUENCE, BIT STRING }",
    );
  }
  return new Uint8Array(
    createHash("sha1")
      .update(spki.subarray(bits.start + 1, bits.end))
      .digest(),
  );
}

/** What goes into a TBSCertificate (see the module comment). */
export interface CertificateFields {
  /** Serial, hex as `randomSerial` returns it. */
  readonly serialHex: string;
  /** Issuer `Name` DER (the CA certificate's subject, byte for byte). */
  readonly issuer: Uint8Array;
  /** Subject `Name` DER (see {@link encodeName}). */
  readonly subject: Uint8Array;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** SubjectPublicKeyInfo DER. */
  readonly spki: Uint8Array;
  /** Extension DERs in the order written (see the `...Extension` functions). */
  readonly extensions: readonly Uint8Array[];
}

/**
 * Encodes and signs a v3 certificate.
 * @param fields the TBSCertificate content
 * @param signer the issuer's private key (`node:crypto` KeyObject)
 * @returns the certificate DER
 * @throws {RangeError} for a key type {@link signatureSchemeOf} does not know
 * @example
 * ```ts
 * const der = signCertificateDer({ serialHex: "7a", issuer, subject: encodeName(parseSubject("CN=a")),
 *   notBefore, notAfter, spki, extensions: [basicConstraintsExtension(false)] }, caKey);
 * ```
 */
export function signCertificateDer(fields: CertificateFields, signer: KeyObject): Uint8Array {
  const scheme = signatureSchemeOf(signer);
  const tbs = derSequence(
    derExplicit(0, derSmallInteger(2)),
    derUnsignedInteger(Buffer.from(fields.serialHex, "hex")),
    scheme.algorithm,
    fields.issuer,
    derSequence(derTime(fields.notBefore), derTime(fields.notAfter)),
    fields.subject,
    fields.spki,
    ...(fields.extensions.length === 0 ? [] : [derExplicit(3, derSequence(...fields.extensions))]),
  );
  const signature = sign(scheme.hash, tbs, signer);
  return derTlv(DerTag.SEQUENCE, tbs, scheme.algorithm, derBitString(signature));
}

/** What {@link readCertificateFields} extracts from a certificate. */
export interface CertificateDerFields {
  /** The subject `Name` TLV, byte for byte. */
  readonly subject: Uint8Array;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** SubjectPublicKeyInfo TLV. */
  readonly spki: Uint8Array;
  /** Extensions: OID, criticality and the extnValue OCTET STRING's content. */
  readonly extensions: readonly {
    readonly oid: string;
    readonly critical: boolean;
    readonly value: Uint8Array;
  }[];
}

/**
 * Reads the TBSCertificate fields issuing needs straight from DER (RFC 5280 §4.1), views
 * into `der`, without loading an ASN.1 library.
 * @throws {RangeError} for DER that is not a v3 certificate's shape
 */
export function readCertificateFields(der: Uint8Array): CertificateDerFields {
  const cert = derReadTlv(der, 0);
  const tbs = derReadTlv(der, cert.start);
  let at = derReadTlv(der, tbs.start);
  if (at.tag === 0xa0) at = derReadTlv(der, at.end); // version
  const signature = derReadTlv(der, at.end); // at = serialNumber
  const issuer = derReadTlv(der, signature.end);
  const validity = derReadTlv(der, issuer.end);
  const subject = derReadTlv(der, validity.end);
  const spki = derReadTlv(der, subject.end);
  const nb = derReadTlv(der, validity.start);
  const na = derReadTlv(der, nb.end);
  const extensions: { oid: string; critical: boolean; value: Uint8Array }[] = [];
  for (let off = spki.end; off < tbs.end; ) {
    const field = derReadTlv(der, off);
    off = field.end;
    if (field.tag !== 0xa3) continue;
    const list = derReadTlv(der, field.start);
    for (let e = list.start; e < list.end; ) {
      const ext = derReadTlv(der, e);
      e = ext.end;
      const oid = derReadTlv(der, ext.start);
      let next = derReadTlv(der, oid.end);
      let critical = false;
      if (next.tag === DerTag.BOOLEAN) {
        critical = der[next.start] !== 0;
        next = derReadTlv(der, next.end);
      }
      extensions.push({
        oid: derOidText(der.subarray(oid.start, oid.end)),
        critical,
        value: der.subarray(next.start, next.end),
      });
    }
  }
  return {
    subject: der.subarray(validity.end, subject.end),
    notBefore: derTimeValue(der[validity.start] ?? 0, der.subarray(nb.start, nb.end)),
    notAfter: derTimeValue(der[nb.end] ?? 0, der.subarray(na.start, na.end)),
    spki: der.subarray(subject.end, spki.end),
    extensions,
  };
}

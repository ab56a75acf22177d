/**
 * The subject and issuer names of a DER X.509 certificate, read by walking just enough of
 * the structure (RFC 5280 §4.1):
 *
 * ```
 * Certificate ::= SEQUENCE { tbsCertificate TBSCertificate, ... }
 * TBSCertificate ::= SEQUENCE { version [0] EXPLICIT Version DEFAULT v1,
 *     serialNumber, signature AlgorithmIdentifier, issuer Name, validity Validity,
 *     subject Name, ... }
 * ```
 * @module
 */
import { ParseError } from "../errors.ts";
import { ByteReader } from "../tls/byte-reader.ts";
import { distinguishedNameToString } from "../tls/distinguished-name.ts";
import { BytesCache } from "./bytes-cache.ts";

/** Subject and issuer as RFC 4514 strings. */
export interface CertificateNames {
  readonly subject: string;
  readonly issuer: string;
}

/** Reads one DER TLV (definite lengths up to 4 bytes); returns its tag, the whole TLV and its value. */
function tlv(r: ByteReader): { tag: number; whole: Uint8Array; value: ByteReader } {
  const start = r.position;
  const tag = r.u8("DER tag");
  let length = r.u8("DER length");
  if (length & 0x80) {
    const n = length & 0x7f;
    if (n < 1 || n > 4)
      throw new ParseError(
        `Invalid DER length: ${n} length bytes, expected 1..4`,
        r.base + start + 1,
      );
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + r.u8("DER length");
  }
  const valueAt = r.position;
  const value = new ByteReader(r.bytesView(length, "DER value"), r.base + valueAt);
  return { tag, whole: r.bytes.subarray(start, r.position), value };
}

/**
 * Reads the subject and issuer of a certificate.
 * @param der the certificate (`cert_data` of a Certificate message entry)
 * @returns the names, or undefined when the DER is not a certificate (results are cached)
 */
export function certificateNames(der: Uint8Array): CertificateNames | undefined {
  const hit = cache.get(der);
  if (hit !== undefined) return hit ?? undefined;
  return cache.set(der, readNames(der) ?? null) ?? undefined;
}

/** Names of recently seen certificates (the same ones recur in every connection). */
const cache = new BytesCache<CertificateNames | null>(256);

function readNames(der: Uint8Array): CertificateNames | undefined {
  try {
    const cert = tlv(new ByteReader(der));
    const tbs = tlv(cert.value).value;
    let field = tlv(tbs);
    if (field.tag === 0xa0) field = tlv(tbs); // explicit version, then serialNumber
    tlv(tbs); // signature
    const issuer = tlv(tbs).whole;
    tlv(tbs); // validity
    const subject = tlv(tbs).whole;
    return {
      subject: distinguishedNameToString(subject),
      issuer: distinguishedNameToString(issuer),
    };
  } catch (e) {
    if (e instanceof ParseError) return undefined;
    throw e;
  }
}

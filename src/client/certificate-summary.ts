import { X509Certificate } from "node:crypto";
import { ByteReader } from "../tls/byte-reader.ts";
import { distinguishedNameToString } from "../tls/distinguished-name.ts";
import type { CertificateSummary } from "./trace-event.ts";

/** Reads one DER TLV and returns its tag and the whole element (header included). */
function element(r: ByteReader): { tag: number; raw: Uint8Array; content: ByteReader } {
  const start = r.position;
  const tag = r.u8("DER tag");
  const first = r.u8("DER length");
  let length = first;
  if (first & 0x80) {
    const n = first & 0x7f;
    if (n < 1 || n > 4) throw new RangeError(`Unsupported DER length of ${n} bytes`);
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + r.u8("DER length");
  }
  const headerEnd = r.position;
  r.skip(length, "DER value");
  const raw = r.bytes.subarray(start, r.position);
  return { tag, raw, content: new ByteReader(raw.subarray(headerEnd - start), r.base + headerEnd) };
}

/**
 * Decodes a DER certificate from a Certificate message into its subject and issuer
 * (RFC 4514 strings, most specific first) and validity end, walking the DER:
 *
 * ```
 * Certificate ::= SEQUENCE { tbsCertificate TBSCertificate, ... }
 * TBSCertificate ::= SEQUENCE { version [0] EXPLICIT OPTIONAL, serialNumber, signature,
 *                               issuer Name, validity, subject Name, ... }
 * ```
 * @param der the `cert_data` bytes
 * @returns the summary; on undecodable DER, `subject` says so (tracing never throws)
 * @see RFC 5280 §4.1
 */
export function summarizeCertificate(der: Uint8Array): CertificateSummary {
  try {
    const cert = element(new ByteReader(der)).content;
    const tbs = element(cert).content;
    let next = element(tbs);
    if (next.tag === 0xa0) next = element(tbs); // version, then serialNumber
    element(tbs); // signature AlgorithmIdentifier
    const issuer = element(tbs);
    element(tbs); // validity
    const subject = element(tbs);
    let notAfter: string | undefined;
    try {
      notAfter = new Date(new X509Certificate(der).validTo).toISOString();
    } catch {
      notAfter = undefined;
    }
    return {
      subject: distinguishedNameToString(subject.raw),
      issuer: distinguishedNameToString(issuer.raw),
      ...(notAfter ? { notAfter } : {}),
    };
  } catch (e) {
    return { subject: `(undecodable certificate: ${(e as Error).message})`, issuer: "" };
  }
}

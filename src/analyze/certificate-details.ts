/**
 * The fields of an X.509 certificate the walk-through shows (RFC 5280 §4.1): subject and
 * issuer (RFC 4514, most specific RDN first, like `openssl x509 -nameopt RFC2253`), serial,
 * validity, subject alternative names, public key, extended key usage, CA flag and SHA-256
 * fingerprint. Decoded with `node:crypto` X509Certificate; names with our own DER reader so
 * they read exactly as in `acceptableCAs`.
 * @module
 */
import { X509Certificate } from "node:crypto";
import { BytesCache } from "./bytes-cache.ts";
import { certificateNames } from "./certificate-names.ts";

/** A decoded certificate, all values as display strings (stable in `--json`). */
export interface CertificateDetails {
  /** Subject DN, RFC 4514 (`CN=client-1,O=Seed`). */
  readonly subject: string;
  /** Issuer DN, RFC 4514. */
  readonly issuer: string;
  /** Serial number, uppercase hex as OpenSSL prints it. */
  readonly serialNumber: string;
  /** Start of validity, ISO 8601 UTC. */
  readonly notBefore: string;
  /** End of validity, ISO 8601 UTC. */
  readonly notAfter: string;
  /** subjectAltName entries (`DNS:localhost`, `IP Address:127.0.0.1`). */
  readonly subjectAltNames: readonly string[];
  /** Public key: `EC prime256v1`, `RSA 2048 bits`, `ED25519`... */
  readonly publicKey: string;
  /** Extended key usage purposes (`serverAuth`, `clientAuth`, or the OID). */
  readonly extendedKeyUsage: readonly string[];
  /** basicConstraints cA. */
  readonly ca: boolean;
  /** SHA-256 of the DER, colon-separated uppercase hex (as `openssl x509 -fingerprint -sha256`). */
  readonly sha256Fingerprint: string;
  /** DER length in bytes. */
  readonly length: number;
}

/** Names of the RFC 5280 §4.2.1.12 key purposes. */
const KEY_PURPOSES: ReadonlyMap<string, string> = new Map([
  ["1.3.6.1.5.5.7.3.1", "serverAuth"],
  ["1.3.6.1.5.5.7.3.2", "clientAuth"],
  ["1.3.6.1.5.5.7.3.3", "codeSigning"],
  ["1.3.6.1.5.5.7.3.4", "emailProtection"],
  ["1.3.6.1.5.5.7.3.8", "timeStamping"],
  ["1.3.6.1.5.5.7.3.9", "OCSPSigning"],
  ["2.5.29.37.0", "anyExtendedKeyUsage"],
]);

const cache = new BytesCache<CertificateDetails | null>(256);

function iso(date: string): string {
  const d = new Date(date);
  return Number.isNaN(d.getTime()) ? date : d.toISOString();
}

function publicKey(cert: X509Certificate): string {
  const key = cert.publicKey;
  const type = (key.asymmetricKeyType ?? "unknown").toUpperCase();
  const d = key.asymmetricKeyDetails;
  if (d?.namedCurve) return `${type} ${d.namedCurve}`;
  if (d?.modulusLength) return `${type} ${d.modulusLength} bits`;
  return type;
}

function decode(der: Uint8Array): CertificateDetails | undefined {
  const names = certificateNames(der);
  if (!names) return undefined;
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(der);
  } catch {
    return undefined;
  }
  let eku: readonly string[] = [];
  try {
    eku = (cert.keyUsage ?? []).map((oid) => KEY_PURPOSES.get(oid) ?? oid);
  } catch {
    eku = [];
  }
  let key = "unknown";
  try {
    key = publicKey(cert);
  } catch {
    key = "unknown";
  }
  return {
    subject: names.subject,
    issuer: names.issuer,
    serialNumber: cert.serialNumber.toUpperCase(),
    notBefore: iso(cert.validFrom),
    notAfter: iso(cert.validTo),
    subjectAltNames: cert.subjectAltName ? cert.subjectAltName.split(", ") : [],
    publicKey: key,
    extendedKeyUsage: eku,
    ca: cert.ca,
    sha256Fingerprint: cert.fingerprint256,
    length: der.length,
  };
}

/**
 * Decodes a certificate from a Certificate message. Results are cached (256 entries) since
 * the same certificates recur in every connection of a capture.
 * @param der the `cert_data` bytes (DER)
 * @returns the details, or undefined when the bytes are not a certificate (never throws)
 * @see RFC 5280 §4.1, RFC 8446 §4.4.2
 */
export function certificateDetails(der: Uint8Array): CertificateDetails | undefined {
  const hit = cache.get(der);
  if (hit !== undefined) return hit ?? undefined;
  return cache.set(der, decode(der) ?? null) ?? undefined;
}

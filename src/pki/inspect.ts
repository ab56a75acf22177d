/**
 * What a certificate, CSR, CRL or key says, as plain data: the model behind `mtls pki
 * inspect` (text in `inspect-text.ts`, JSON as is) and `mtls pki verify`. Field names
 * follow RFC 5280 (§4.1 certificate fields, §4.2.1 extensions, §5.1 CRL fields).
 * @module
 */
import { createHash, createPrivateKey, createPublicKey, type KeyObject } from "node:crypto";
import type { X509Certificate } from "@peculiar/x509";
import { ErrorCode, MtlsError } from "../errors.ts";
import { RevocationReason } from "./crl.ts";
import { loadX509 } from "./load-x509.ts";
import {
  NAME_CONSTRAINTS_OID,
  type NameConstraints,
  readNameConstraints,
} from "./name-constraints.ts";
import { inspectPkcs12, type Pkcs12Info } from "./pkcs12-info.ts";
import type { PkiObject } from "./pki-file.ts";
import { Oid } from "./profiles.ts";
import { formatSan, sanFromGeneralName } from "./san.ts";

/** A public key's algorithm and size. */
export interface KeyDescription {
  /** `EC`, `RSA`, `Ed25519`, ... */
  readonly type: string;
  /** Size in bits (RSA modulus, EC field; 256 for Ed25519). */
  readonly bits: number;
  /** The curve for EC keys: `P-256`, `P-384`, `P-521`. */
  readonly curve?: string;
  /** SHA-256 of the SubjectPublicKeyInfo DER, hex: equal for a key and its certificate. */
  readonly spkiSha256: string;
}

/** Where a validity period stands at a given time. */
export interface ValidityState {
  readonly state: "valid" | "expired" | "not-yet-valid";
  /** Whole days until notAfter (valid), since notAfter (expired), until notBefore (not yet). */
  readonly days: number;
}

/** A certificate, as `inspect` reports it. */
export interface CertificateInfo {
  readonly kind: "certificate";
  readonly subject: string;
  readonly issuer: string;
  readonly selfIssued: boolean;
  /** Lower-case hex, leading zero octets dropped. */
  readonly serial: string;
  readonly notBefore: string;
  readonly notAfter: string;
  readonly validity: ValidityState;
  readonly publicKey: KeyDescription;
  readonly signatureAlgorithm: string;
  /** openssl's text form: `DNS:localhost`, `IP:127.0.0.1`. */
  readonly sans: readonly string[];
  /** RFC 5280 §4.2.1.3 names, e.g. `digitalSignature`; empty without the extension. */
  readonly keyUsage: readonly string[];
  /** Names (`serverAuth`) or OIDs; empty without the extension. */
  readonly extendedKeyUsage: readonly string[];
  readonly basicConstraints?: { readonly ca: boolean; readonly pathLen?: number };
  /** Permitted subtrees of a nameConstraints extension (RFC 5280 §4.2.1.10), if any. */
  readonly nameConstraints?: NameConstraints;
  readonly subjectKeyId?: string;
  readonly authorityKeyId?: string;
  readonly fingerprints: { readonly sha256: string; readonly sha1: string };
}

/** A CSR, as `inspect` reports it. */
export interface CsrInfo {
  readonly kind: "csr";
  readonly subject: string;
  readonly publicKey: KeyDescription;
  readonly signatureAlgorithm: string;
  readonly sans: readonly string[];
  /** Whether the self-signature verifies (proof of possession, RFC 2986 §3). */
  readonly signatureValid: boolean;
}

/** A CRL, as `inspect` reports it. */
export interface CrlInfo {
  readonly kind: "crl";
  readonly issuer: string;
  readonly thisUpdate: string;
  readonly nextUpdate?: string;
  /** Days until nextUpdate (negative: stale). */
  readonly nextUpdateInDays?: number;
  readonly crlNumber?: number;
  readonly signatureAlgorithm: string;
  readonly revoked: readonly {
    readonly serial: string;
    readonly revokedAt: string;
    readonly reason?: string;
  }[];
}

/** A key, as `inspect` reports it. */
export interface KeyInfo {
  readonly kind: "private-key" | "public-key" | "encrypted-private-key";
  /** How it was stored: the PEM label or `DER`. */
  readonly encoding: string;
  /** Absent for an encrypted key (needs the passphrase). */
  readonly publicKey?: KeyDescription;
}

/** What {@link inspectObject} returns. */
export type PkiInfo = CertificateInfo | CsrInfo | CrlInfo | KeyInfo | Pkcs12Info;

const DAY_MS = 86_400_000;

const KEY_USAGE_NAMES = [
  "digitalSignature",
  "nonRepudiation",
  "keyEncipherment",
  "dataEncipherment",
  "keyAgreement",
  "keyCertSign",
  "cRLSign",
  "encipherOnly",
  "decipherOnly",
] as const;

const EKU_NAMES: Readonly<Record<string, string>> = {
  [Oid.serverAuth]: "serverAuth",
  [Oid.clientAuth]: "clientAuth",
  "1.3.6.1.5.5.7.3.3": "codeSigning",
  "1.3.6.1.5.5.7.3.4": "emailProtection",
  "1.3.6.1.5.5.7.3.8": "timeStamping",
  "1.3.6.1.5.5.7.3.9": "OCSPSigning",
  "2.5.29.37.0": "anyExtendedKeyUsage",
};

/** The name of an extendedKeyUsage OID (`serverAuth`), or the OID itself. */
export function ekuName(oid: string): string {
  return EKU_NAMES[oid] ?? oid;
}

/** Names of the keyUsage bits set in `bits` (`@peculiar/x509` numbering). */
export function keyUsageNames(bits: number): string[] {
  return KEY_USAGE_NAMES.filter((_, i) => bits & (1 << i));
}

const CURVES: Readonly<Record<string, { name: string; bits: number }>> = {
  prime256v1: { name: "P-256", bits: 256 },
  secp384r1: { name: "P-384", bits: 384 },
  secp521r1: { name: "P-521", bits: 521 },
};

/** Describes a public key: type, size, curve, SPKI SHA-256. */
export function describeKey(key: KeyObject): KeyDescription {
  const pub = key.type === "private" ? createPublicKey(key) : key;
  const spki = pub.export({ type: "spki", format: "der" });
  const spkiSha256 = createHash("sha256").update(spki).digest("hex");
  const details = pub.asymmetricKeyDetails ?? {};
  switch (pub.asymmetricKeyType) {
    case "ec": {
      const curve = CURVES[details.namedCurve ?? ""];
      return {
        type: "EC",
        bits: curve?.bits ?? 0,
        curve: curve?.name ?? String(details.namedCurve),
        spkiSha256,
      };
    }
    case "rsa":
    case "rsa-pss":
      return { type: "RSA", bits: details.modulusLength ?? 0, spkiSha256 };
    case "ed25519":
      return { type: "Ed25519", bits: 256, spkiSha256 };
    default:
      return { type: String(pub.asymmetricKeyType), bits: 0, spkiSha256 };
  }
}

/** The signature algorithm's conventional name from WebCrypto parameters. */
function signatureName(alg: { name: string; hash?: { name: string } | string }): string {
  const hash = typeof alg.hash === "string" ? alg.hash : alg.hash?.name;
  const h = hash?.replace("-", "") ?? "";
  if (alg.name === "ECDSA") return `ecdsa-with-${h}`;
  if (alg.name === "RSASSA-PKCS1-v1_5") return `${h.toLowerCase()}WithRSAEncryption`;
  if (alg.name === "RSA-PSS") return `rsassaPss (${hash})`;
  return alg.name;
}

/** Where `[notBefore, notAfter]` stands at `now`. */
export function validityAt(notBefore: Date, notAfter: Date, now: Date): ValidityState {
  const t = now.getTime();
  if (t < notBefore.getTime()) {
    return { state: "not-yet-valid", days: Math.ceil((notBefore.getTime() - t) / DAY_MS) };
  }
  if (t > notAfter.getTime()) {
    return { state: "expired", days: Math.floor((t - notAfter.getTime()) / DAY_MS) };
  }
  return { state: "valid", days: Math.floor((notAfter.getTime() - t) / DAY_MS) };
}

function hex(buf: ArrayBuffer | Uint8Array): string {
  return Buffer.from(buf instanceof Uint8Array ? buf : new Uint8Array(buf)).toString("hex");
}

function serialOf(text: string): string {
  return text.toLowerCase().replace(/^(00)+(?=..)/, "");
}

/**
 * Describes a parsed certificate.
 * @param cert an `@peculiar/x509` certificate
 * @param options `now` for the validity state; default `new Date()`
 */
export async function describeCertificate(
  cert: X509Certificate,
  options: { readonly now?: Date } = {},
): Promise<CertificateInfo> {
  const x509 = await loadX509();
  const raw = new Uint8Array(cert.rawData);
  const san = cert.getExtension(x509.SubjectAlternativeNameExtension);
  const ku = cert.getExtension(x509.KeyUsagesExtension);
  const eku = cert.getExtension(x509.ExtendedKeyUsageExtension);
  const bc = cert.getExtension(x509.BasicConstraintsExtension);
  const ski = cert.getExtension(x509.SubjectKeyIdentifierExtension);
  const aki = cert.getExtension(x509.AuthorityKeyIdentifierExtension);
  const nc = cert.extensions.find((e) => e.type === NAME_CONSTRAINTS_OID);
  const publicKey = createPublicKey({
    key: Buffer.from(cert.publicKey.rawData),
    format: "der",
    type: "spki",
  });
  return {
    kind: "certificate",
    subject: cert.subject,
    issuer: cert.issuer,
    selfIssued: cert.subject === cert.issuer,
    serial: serialOf(cert.serialNumber),
    notBefore: cert.notBefore.toISOString(),
    notAfter: cert.notAfter.toISOString(),
    validity: validityAt(cert.notBefore, cert.notAfter, options.now ?? new Date()),
    publicKey: describeKey(publicKey),
    signatureAlgorithm: signatureName(cert.signatureAlgorithm as unknown as { name: string }),
    sans: (san?.names.toJSON() ?? []).map((n) => {
      const s = sanFromGeneralName(n);
      return s ? formatSan(s) : `${n.type}:${n.value}`;
    }),
    keyUsage: ku ? keyUsageNames(ku.usages) : [],
    extendedKeyUsage: eku ? Array.from(eku.usages, (u) => ekuName(String(u))) : [],
    ...(bc
      ? {
          basicConstraints: {
            ca: bc.ca,
            ...(bc.pathLength === undefined ? {} : { pathLen: bc.pathLength }),
          },
        }
      : {}),
    ...(nc ? { nameConstraints: readNameConstraints(new Uint8Array(nc.value)) } : {}),
    ...(ski ? { subjectKeyId: ski.keyId } : {}),
    ...(aki?.keyId ? { authorityKeyId: aki.keyId } : {}),
    fingerprints: {
      sha256: createHash("sha256").update(raw).digest("hex"),
      sha1: createHash("sha1").update(raw).digest("hex"),
    },
  };
}

/**
 * Describes one object found by `readPkiObjects`.
 * @param object the object
 * @param options `now` for validity states; default `new Date()`
 * @returns the description (see {@link PkiInfo})
 * @throws {MtlsError} `MTLS_PKI_BAD_INPUT` when the object does not parse as its label says
 * @example
 * ```ts
 * for (const o of readPkiObjects(readFileSync("server.crt"), "server.crt")) console.log(await inspectObject(o));
 * ```
 */
export async function inspectObject(
  object: PkiObject,
  options: { readonly now?: Date; readonly path?: string } = {},
): Promise<PkiInfo> {
  const x509 = await loadX509();
  const now = options.now ?? new Date();
  try {
    switch (object.kind) {
      case "certificate":
        return await describeCertificate(new x509.X509Certificate(object.raw), { now });
      case "csr": {
        const csr = new x509.Pkcs10CertificateRequest(object.raw);
        const sanExt = csr.getExtension(Oid.subjectAltName);
        const san = sanExt ? new x509.SubjectAlternativeNameExtension(sanExt.rawData) : undefined;
        return {
          kind: "csr",
          subject: csr.subject,
          publicKey: describeKey(
            createPublicKey({
              key: Buffer.from(csr.publicKey.rawData),
              format: "der",
              type: "spki",
            }),
          ),
          signatureAlgorithm: signatureName(csr.signatureAlgorithm as unknown as { name: string }),
          sans: (san?.names.toJSON() ?? []).map((n) => {
            const s = sanFromGeneralName(n);
            return s ? formatSan(s) : `${n.type}:${n.value}`;
          }),
          signatureValid: await csr.verify().catch(() => false),
        };
      }
      case "crl": {
        const crl = new x509.X509Crl(object.raw);
        const number = crl.extensions.find((e) => e.type === "2.5.29.20");
        const reasons = Object.entries(RevocationReason);
        return {
          kind: "crl",
          issuer: crl.issuer,
          thisUpdate: crl.thisUpdate.toISOString(),
          ...(crl.nextUpdate
            ? {
                nextUpdate: crl.nextUpdate.toISOString(),
                nextUpdateInDays: Math.floor((crl.nextUpdate.getTime() - now.getTime()) / DAY_MS),
              }
            : {}),
          ...(number
            ? { crlNumber: Number.parseInt(hex(new Uint8Array(number.value).subarray(2)), 16) }
            : {}),
          signatureAlgorithm: signatureName(crl.signatureAlgorithm as unknown as { name: string }),
          revoked: crl.entries.map((e) => {
            const reason = reasons.find(([, code]) => code === e.reason)?.[0];
            return {
              serial: serialOf(e.serialNumber),
              revokedAt: e.revocationDate.toISOString(),
              ...(reason === undefined ? {} : { reason }),
            };
          }),
        };
      }
      case "private-key": {
        const type =
          object.label === "EC PRIVATE KEY"
            ? "sec1"
            : object.label === "RSA PRIVATE KEY"
              ? "pkcs1"
              : "pkcs8";
        const key =
          object.label === "DER"
            ? derPrivateKey(object.raw)
            : createPrivateKey({ key: Buffer.from(object.raw), format: "der", type });
        return { kind: "private-key", encoding: object.label, publicKey: describeKey(key) };
      }
      case "encrypted-private-key":
        return { kind: "encrypted-private-key", encoding: object.label };
      case "pkcs12":
        return inspectPkcs12(object.raw);
      case "public-key":
        return {
          kind: "public-key",
          encoding: object.label,
          publicKey: describeKey(
            createPublicKey({ key: Buffer.from(object.raw), format: "der", type: "spki" }),
          ),
        };
    }
  } catch (e) {
    if (e instanceof MtlsError) throw e;
    const path = options.path ?? "<input>";
    throw new MtlsError(
      ErrorCode.PKI_BAD_INPUT,
      `Cannot read ${object.kind} in ${path}${object.line ? ` (line ${object.line})` : ""}: ${(e as Error).message}`,
      { cause: e, details: { path } },
    );
  }
}

function derPrivateKey(der: Uint8Array): KeyObject {
  for (const type of ["pkcs8", "sec1", "pkcs1"] as const) {
    try {
      return createPrivateKey({ key: Buffer.from(der), format: "der", type });
    } catch {
      // next encoding
    }
  }
  throw new Error("not a PKCS#8, SEC1 or PKCS#1 private key");
}

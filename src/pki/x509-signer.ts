/**
 * What generating certificates and CRLs with `@peculiar/x509` needs from our keys and
 * profiles: a WebCrypto signing key converted once per `node:crypto` KeyObject, the key
 * identifier of a public key, and the profile extensions as `@peculiar/x509` objects.
 *
 * The DER is written by `@peculiar/x509` (`X509CertificateGenerator`, `X509CrlGenerator`):
 * issuing is not what mtlskit exists for, so a well-kept library beats our own writer
 * (project brief, "Libraries outside the core"), at ~3 ms per certificate.
 * @module
 */

import { createHash, type KeyObject, webcrypto } from "node:crypto";
import { AsnConvert } from "@peculiar/asn1-schema";
import { SubjectPublicKeyInfo } from "@peculiar/asn1-x509";
import type { Extension } from "@peculiar/x509";
import type { CryptoKey } from "./keys.ts";
import { loadX509Sync } from "./load-x509.ts";
import type { SubjectAltName } from "./san.ts";

/** A WebCrypto signing key and the algorithm `@peculiar/x509` signs with. */
export interface SigningKey {
  /** The private key, non-extractable, usage `sign`. */
  readonly key: CryptoKey;
  /** `signingAlgorithm` for the generators, e.g. `{ name: "ECDSA", hash: "SHA-256" }`. */
  readonly algorithm: { readonly name: string; readonly hash?: string };
  /** Short name for messages, e.g. `ecdsa-with-SHA256`. */
  readonly name: string;
}

/** How a key signs, for WebCrypto (`@peculiar/x509`) and for `node:crypto`. */
export interface SignatureScheme {
  /** WebCrypto algorithm to import the PKCS#8 key with. */
  readonly importAlgorithm:
    | webcrypto.AlgorithmIdentifier
    | webcrypto.EcKeyImportParams
    | webcrypto.RsaHashedImportParams;
  /** WebCrypto signing algorithm, `signingAlgorithm` of `@peculiar/x509`'s generators. */
  readonly algorithm: SigningKey["algorithm"];
  /** Short name for messages, e.g. `ecdsa-with-SHA256`. */
  readonly name: string;
  /** The signature AlgorithmIdentifier's OID. */
  readonly oid: string;
  /** Whether its parameters are NULL (RSA, RFC 4055 §5) rather than absent. */
  readonly nullParameters: boolean;
  /** Digest for `crypto.sign` (DER ECDSA signatures), or null for Ed25519. */
  readonly hash: string | null;
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
        importAlgorithm: { name: "ECDSA", namedCurve: "P-256" },
        algorithm: { name: "ECDSA", hash: "SHA-256" },
        name: "ecdsa-with-SHA256",
        oid: "1.2.840.10045.4.3.2",
        nullParameters: false,
        hash: "sha256",
      };
    }
    if (curve === "secp384r1") {
      return {
        importAlgorithm: { name: "ECDSA", namedCurve: "P-384" },
        algorithm: { name: "ECDSA", hash: "SHA-384" },
        name: "ecdsa-with-SHA384",
        oid: "1.2.840.10045.4.3.3",
        nullParameters: false,
        hash: "sha384",
      };
    }
    throw new RangeError(`Cannot sign with EC curve ${curve}: expected prime256v1 or secp384r1`);
  }
  if (type === "rsa") {
    return {
      importAlgorithm: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" },
      algorithm: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" },
      name: "sha256WithRSAEncryption",
      oid: "1.2.840.113549.1.1.11",
      nullParameters: true,
      hash: "sha256",
    };
  }
  if (type === "ed25519") {
    return {
      importAlgorithm: { name: "Ed25519" },
      algorithm: { name: "Ed25519" },
      name: "Ed25519",
      oid: "1.3.101.112",
      nullParameters: false,
      hash: null,
    };
  }
  throw new RangeError(`Cannot sign with a ${type} key: expected ec, rsa or ed25519`);
}

const signingKeys = new WeakMap<KeyObject, Promise<SigningKey>>();

/**
 * The WebCrypto form of a `node:crypto` private key, for `@peculiar/x509`'s generators:
 * imported once per KeyObject (PKCS#8 DER through `subtle.importKey`; Node 20 has no
 * `KeyObject.toCryptoKey`) and memoized, so a CA converts its key once.
 * @param key a private KeyObject (EC P-256/P-384, RSA, Ed25519)
 * @returns the CryptoKey and the signing algorithm
 * @throws {RangeError} for a key type or curve mtlskit does not sign with
 */
export function signingKeyOf(key: KeyObject): Promise<SigningKey> {
  let found = signingKeys.get(key);
  if (!found) {
    const scheme = signatureSchemeOf(key);
    found = webcrypto.subtle
      .importKey(
        "pkcs8",
        key.export({ type: "pkcs8", format: "der" }),
        scheme.importAlgorithm,
        false,
        ["sign"],
      )
      .then((cryptoKey) => ({ key: cryptoKey, algorithm: scheme.algorithm, name: scheme.name }));
    signingKeys.set(key, found);
  }
  return found;
}

/**
 * The key identifier of a public key: SHA-1 of the subjectPublicKey BIT STRING's bits
 * (RFC 5280 §4.2.1.2, method 1), what openssl and `@peculiar/x509` compute.
 * @param spki DER SubjectPublicKeyInfo
 * @returns 20 bytes
 * @throws {Error} from `@peculiar/asn1-schema` for DER that is not a SubjectPublicKeyInfo
 */
export function keyIdentifierOf(spki: Uint8Array): Uint8Array {
  const info = AsnConvert.parse(spki, SubjectPublicKeyInfo);
  return new Uint8Array(createHash("sha1").update(new Uint8Array(info.subjectPublicKey)).digest());
}

/** The `@peculiar/x509` GeneralName of a SAN (RFC 5280 §4.2.1.6). */
function generalNameOf(san: SubjectAltName): {
  type: "dns" | "ip" | "url" | "email";
  value: string;
} {
  switch (san.type) {
    case "DNS":
      return { type: "dns", value: san.value };
    case "IP":
      return { type: "ip", value: san.value };
    case "URI":
      return { type: "url", value: san.value };
    case "email":
      return { type: "email", value: san.value };
  }
}

/** What {@link certificateExtensions} writes. */
export interface ExtensionTerms {
  /** basicConstraints cA; pathLen only for a CA (undefined: no limit). */
  readonly ca: boolean;
  readonly pathLen?: number | undefined;
  /** keyUsage bits (`KeyUsageBit`, as `@peculiar/x509`'s `KeyUsageFlags`). */
  readonly keyUsage: number;
  /** extendedKeyUsage OIDs; none: no extension. */
  readonly extendedKeyUsage?: readonly string[];
  /** The subject's key identifier (SKI). */
  readonly subjectKeyId: Uint8Array;
  /** The issuer's key identifier (AKI keyIdentifier). */
  readonly authorityKeyId: Uint8Array;
  /** Further extensions (e.g. nameConstraints), written after the AKI. */
  readonly extra?: readonly Extension[];
  /** subjectAltName entries; none: no extension. */
  readonly sans?: readonly SubjectAltName[];
  /** subjectAltName critical (an empty subject, RFC 5280 §4.2.1.6); default false. */
  readonly sanCritical?: boolean;
}

/** Extension objects that are the same for many certificates, by their terms. */
const fixedExtensions = new Map<string, Extension>();

/**
 * An extension built once per distinct `key` and shared afterwards (the generator only
 * reads its `rawData`): issuing N certificates under one profile builds basicConstraints,
 * keyUsage, extendedKeyUsage and the CA's AKI once, not N times.
 */
function memoized(key: string, build: () => Extension): Extension {
  let found = fixedExtensions.get(key);
  if (!found) {
    if (fixedExtensions.size >= 256) fixedExtensions.clear();
    found = build();
    fixedExtensions.set(key, found);
  }
  return found;
}

/**
 * The extensions of a certificate in the order written: basicConstraints (critical),
 * keyUsage (critical), extendedKeyUsage, subjectKeyIdentifier, authorityKeyIdentifier
 * (keyIdentifier only), extras, subjectAltName (RFC 5280 §4.2.1).
 * @returns `@peculiar/x509` extension objects for `X509CertificateGenerator`
 */
export function certificateExtensions(terms: ExtensionTerms): Extension[] {
  const x509 = loadX509Sync();
  const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
  const pathLen = terms.ca ? terms.pathLen : undefined;
  const out: Extension[] = [
    memoized(
      `bc:${terms.ca}:${pathLen}`,
      () => new x509.BasicConstraintsExtension(terms.ca, pathLen, true),
    ),
    memoized(`ku:${terms.keyUsage}`, () => new x509.KeyUsagesExtension(terms.keyUsage, true)),
  ];
  const eku = terms.extendedKeyUsage ?? [];
  if (eku.length > 0) {
    out.push(
      memoized(`eku:${eku.join(",")}`, () => new x509.ExtendedKeyUsageExtension([...eku], false)),
    );
  }
  const aki = hex(terms.authorityKeyId);
  out.push(
    new x509.SubjectKeyIdentifierExtension(hex(terms.subjectKeyId), false),
    memoized(`aki:${aki}`, () => new x509.AuthorityKeyIdentifierExtension(aki, false)),
    ...(terms.extra ?? []),
  );
  if (terms.sans && terms.sans.length > 0) {
    out.push(
      new x509.SubjectAlternativeNameExtension(
        terms.sans.map(generalNameOf),
        terms.sanCritical ?? false,
      ),
    );
  }
  return out;
}

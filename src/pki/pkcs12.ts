/**
 * PKCS#12 files (RFC 7292): a private key, its certificate and the chain, protected by a
 * passphrase. Two profiles:
 *
 * - modern (default): both bags encrypted with PBES2 = PBKDF2-HMAC-SHA256 + AES-256-CBC
 *   (RFC 8018 §6.2), MAC HMAC-SHA-256; what OpenSSL 3 writes by default.
 * - legacy: both bags encrypted with pbeWithSHAAnd3-KeyTripleDES-CBC (RFC 7292 Appendix C),
 *   MAC HMAC-SHA-1; what macOS Keychain and older Java import.
 *
 * Never RC2-40 (OpenSSL 3 and Node refuse it without the legacy provider).
 *
 * Written with our own minimal DER writer (`pkcs12-der.ts`, used by nothing else): pkijs
 * builds PBES2 bags but has no PKCS#12 PBE (pbeWithSHAAnd3-KeyTripleDES-CBC, RFC 7292
 * Appendix C), which the legacy profile needs. The modern profile shares the writer for
 * now; moving it to pkijs is the next step (the project's rule prefers the library there).
 *
 * ```asn1
 * PFX ::= SEQUENCE { version INTEGER {v3(3)}, authSafe ContentInfo, macData MacData OPTIONAL }
 * AuthenticatedSafe ::= SEQUENCE OF ContentInfo   -- encryptedData(certs), data(shrouded key)
 * SafeBag ::= SEQUENCE { bagId OID, bagValue [0] EXPLICIT ANY, bagAttributes SET OF Attribute OPTIONAL }
 * MacData ::= SEQUENCE { mac DigestInfo, macSalt OCTET STRING, iterations INTEGER DEFAULT 1 }
 * ```
 * @module
 */
import {
  createCipheriv,
  createHash,
  createHmac,
  type KeyObject,
  pbkdf2Sync,
  randomBytes,
} from "node:crypto";
import {
  DER_NULL,
  derExplicit,
  derImplicit,
  derOctetString,
  derOid,
  derSequence,
  derSet,
  derSmallInteger,
  derTlv,
} from "./pkcs12-der.ts";
import type { RandomBytes } from "./serial.ts";

/** The PKCS#12 protection profiles. */
export const Pkcs12Profile = {
  /** AES-256-CBC + PBKDF2-SHA256 for both bags, SHA-256 MAC. */
  MODERN: "modern",
  /** 3DES (pbeWithSHAAnd3-KeyTripleDES-CBC) for both bags, SHA-1 MAC. */
  LEGACY: "legacy",
} as const;
/** One of the {@link Pkcs12Profile} values. */
export type Pkcs12Profile = (typeof Pkcs12Profile)[keyof typeof Pkcs12Profile];

/** Options of {@link createPkcs12}. */
export interface CreatePkcs12Options {
  /** `modern` (default) or `legacy`. */
  readonly profile?: Pkcs12Profile;
  /** friendlyName of the key and leaf certificate; default none. */
  readonly friendlyName?: string;
  /** PBKDF2 / PKCS#12 KDF iterations; default 10 000 (modern), 2048 (legacy). */
  readonly iterations?: number;
  /** Random source for salts and IVs; default `crypto.randomBytes`. */
  readonly random?: RandomBytes;
}

const OID = {
  data: "1.2.840.113549.1.7.1",
  encryptedData: "1.2.840.113549.1.7.6",
  keyBag: "1.2.840.113549.1.12.10.1.2",
  certBag: "1.2.840.113549.1.12.10.1.3",
  x509Certificate: "1.2.840.113549.1.9.22.1",
  friendlyName: "1.2.840.113549.1.9.20",
  localKeyId: "1.2.840.113549.1.9.21",
  pbes2: "1.2.840.113549.1.5.13",
  pbkdf2: "1.2.840.113549.1.5.12",
  hmacWithSHA256: "1.2.840.113549.2.9",
  aes256Cbc: "2.16.840.1.101.3.4.1.42",
  pbeSha3Des: "1.2.840.113549.1.12.1.3",
  sha1: "1.3.14.3.2.26",
  sha256: "2.16.840.1.101.3.4.2.1",
} as const;

/** The passphrase as a BMPString with a two-octet terminator (RFC 7292 Appendix B.1). */
function bmpPassword(passphrase: string): Buffer {
  const out = Buffer.alloc((passphrase.length + 1) * 2);
  for (let i = 0; i < passphrase.length; i++) out.writeUInt16BE(passphrase.charCodeAt(i), i * 2);
  return out;
}

/**
 * The PKCS#12 key derivation function (RFC 7292 Appendix B.2).
 * @param hash `sha1` or `sha256`
 * @param id 1 = key, 2 = IV, 3 = MAC key
 * @param n bytes wanted
 */
export function pkcs12Kdf(
  hash: "sha1" | "sha256",
  id: 1 | 2 | 3,
  passphrase: string,
  salt: Uint8Array,
  iterations: number,
  n: number,
): Buffer {
  const u = hash === "sha1" ? 20 : 32;
  const v = 64;
  const fill = (src: Uint8Array) => {
    if (src.length === 0) return Buffer.alloc(0);
    const len = v * Math.ceil(src.length / v);
    return Buffer.from(Array.from({ length: len }, (_, i) => src[i % src.length] ?? 0));
  };
  const I = Buffer.concat([fill(salt), fill(bmpPassword(passphrase))]);
  const D = Buffer.alloc(v, id);
  const out: Buffer[] = [];
  for (let produced = 0; produced < n; produced += u) {
    let A = createHash(hash).update(D).update(I).digest();
    for (let r = 1; r < iterations; r++) A = createHash(hash).update(A).digest();
    out.push(A);
    const B = fill(A);
    for (let j = 0; j < I.length; j += v) {
      let carry = 1;
      for (let k = v - 1; k >= 0; k--) {
        const sum = (I[j + k] ?? 0) + (B[k] ?? 0) + carry;
        I[j + k] = sum & 0xff;
        carry = sum >> 8;
      }
    }
  }
  return Buffer.concat(out).subarray(0, n);
}

/** Encrypts `plain`; returns the AlgorithmIdentifier DER and the ciphertext. */
function encrypt(
  plain: Uint8Array,
  passphrase: string,
  profile: Pkcs12Profile,
  iterations: number,
  random: RandomBytes,
): { algorithm: Uint8Array; ciphertext: Uint8Array } {
  if (profile === "legacy") {
    const salt = random(8);
    const key = pkcs12Kdf("sha1", 1, passphrase, salt, iterations, 24);
    const iv = pkcs12Kdf("sha1", 2, passphrase, salt, iterations, 8);
    const cipher = createCipheriv("des-ede3-cbc", key, iv);
    return {
      algorithm: derSequence(
        derOid(OID.pbeSha3Des),
        derSequence(derOctetString(salt), derSmallInteger(iterations)),
      ),
      ciphertext: Buffer.concat([cipher.update(plain), cipher.final()]),
    };
  }
  const salt = random(16);
  const iv = random(16);
  const key = pbkdf2Sync(Buffer.from(passphrase, "utf8"), salt, iterations, 32, "sha256");
  const cipher = createCipheriv("aes-256-cbc", key, iv);
  return {
    algorithm: derSequence(
      derOid(OID.pbes2),
      derSequence(
        derSequence(
          derOid(OID.pbkdf2),
          derSequence(
            derOctetString(salt),
            derSmallInteger(iterations),
            derSequence(derOid(OID.hmacWithSHA256), DER_NULL),
          ),
        ),
        derSequence(derOid(OID.aes256Cbc), derOctetString(iv)),
      ),
    ),
    ciphertext: Buffer.concat([cipher.update(plain), cipher.final()]),
  };
}

function bagAttributes(localKeyId: Uint8Array, friendlyName: string | undefined): Uint8Array {
  const attrs = [derSequence(derOid(OID.localKeyId), derSet(derOctetString(localKeyId)))];
  if (friendlyName !== undefined) {
    const bmp = bmpPassword(friendlyName).subarray(0, friendlyName.length * 2);
    attrs.push(derSequence(derOid(OID.friendlyName), derSet(derTlv(0x1e, bmp))));
  }
  return derSet(...attrs);
}

/**
 * Builds a PKCS#12 file.
 * @param key the private key
 * @param certs DER certificates: the key's certificate first, then its chain
 * @param passphrase protects the bags and the MAC; must not be empty
 * @returns the DER `PFX`
 * @throws {RangeError} for an empty passphrase or no certificate
 * @example
 * ```ts
 * const p12 = createPkcs12(key, [leafDer, intermediateDer], "s3cret", { profile: "legacy" });
 * tls.createSecureContext({ pfx: Buffer.from(p12), passphrase: "s3cret" });
 * ```
 */
export function createPkcs12(
  key: KeyObject,
  certs: readonly Uint8Array[],
  passphrase: string,
  options: CreatePkcs12Options = {},
): Uint8Array {
  if (passphrase === "") throw new RangeError("Empty PKCS#12 passphrase: some importers refuse it");
  const [leaf] = certs;
  if (leaf === undefined) throw new RangeError("No certificate for the PKCS#12 file");
  const profile = options.profile ?? "modern";
  const iterations = options.iterations ?? (profile === "legacy" ? 2048 : 10_000);
  const random = options.random ?? ((n: number) => new Uint8Array(randomBytes(n)));
  const localKeyId = createHash("sha1").update(leaf).digest();

  const certBags = derSequence(
    ...certs.map((der, i) =>
      derSequence(
        derOid(OID.certBag),
        derExplicit(
          0,
          derSequence(derOid(OID.x509Certificate), derExplicit(0, derOctetString(der))),
        ),
        ...(i === 0 ? [bagAttributes(localKeyId, options.friendlyName)] : []),
      ),
    ),
  );
  const pkcs8 = new Uint8Array(key.export({ type: "pkcs8", format: "der" }));
  const shrouded = encrypt(pkcs8, passphrase, profile, iterations, random);
  const keyBags = derSequence(
    derSequence(
      derOid(OID.keyBag),
      derExplicit(0, derSequence(shrouded.algorithm, derOctetString(shrouded.ciphertext))),
      bagAttributes(localKeyId, options.friendlyName),
    ),
  );
  const sealedCerts = encrypt(certBags, passphrase, profile, iterations, random);
  const authSafe = derSequence(
    derSequence(
      derOid(OID.encryptedData),
      derExplicit(
        0,
        derSequence(
          derSmallInteger(0),
          derSequence(
            derOid(OID.data),
            sealedCerts.algorithm,
            derImplicit(0, sealedCerts.ciphertext),
          ),
        ),
      ),
    ),
    derSequence(derOid(OID.data), derExplicit(0, derOctetString(keyBags))),
  );
  const macHash = profile === "legacy" ? "sha1" : "sha256";
  const macSalt = random(profile === "legacy" ? 8 : 16);
  const macIterations = profile === "legacy" ? 2048 : iterations;
  const macKey = pkcs12Kdf(
    macHash,
    3,
    passphrase,
    macSalt,
    macIterations,
    macHash === "sha1" ? 20 : 32,
  );
  const mac = createHmac(macHash, macKey).update(authSafe).digest();
  return derSequence(
    derSmallInteger(3),
    derSequence(derOid(OID.data), derExplicit(0, derOctetString(authSafe))),
    derSequence(
      derSequence(
        derSequence(derOid(macHash === "sha1" ? OID.sha1 : OID.sha256), DER_NULL),
        derOctetString(mac),
      ),
      derOctetString(macSalt),
      derSmallInteger(macIterations),
    ),
  );
}

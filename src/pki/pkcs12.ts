/**
 * PKCS#12 files (RFC 7292): a private key, its certificate and the chain, protected by a
 * passphrase. Both profiles lay the file out the same way: an AuthenticatedSafe holding an
 * encryptedData content with the certificate bags, then a data content with the shrouded
 * key bag; `localKeyId` (SHA-1 of the leaf) and `friendlyName` on the key and the leaf.
 *
 * - modern (default): both bags encrypted with PBES2 = PBKDF2-HMAC-SHA256 + AES-256-CBC
 *   (RFC 8018 §6.2), MAC HMAC-SHA-256 (RFC 7292 Appendix B key); what OpenSSL 3 writes by
 *   default. Built with `pkijs` (`PFX` with password integrity, `AuthenticatedSafe`,
 *   `SafeContents`, `SafeBag`, `PKCS8ShroudedKeyBag` and `EncryptedData` with PBES2,
 *   `CertBag`), per the project's rule that a well-kept library beats our own code outside
 *   what mtlskit is for. We only re-wrap pkijs's ciphertexts as primitive OCTET STRINGs so
 *   the file stays DER (pkijs writes BER pieces that DER readers refuse).
 * - legacy: both bags encrypted with pbeWithSHAAnd3-KeyTripleDES-CBC (RFC 7292 Appendix
 *   C), MAC HMAC-SHA-1; what macOS Keychain and older Java import. Written by hand with
 *   {@link pkcs12Kdf} and the minimal DER writer in `pkcs12-der.ts`, because pkijs has no
 *   PKCS#12 PBE (its PBE is PBES2 only).
 *
 * Never RC2-40 (OpenSSL 3 and Node refuse it without the legacy provider).
 *
 * Passphrases: the MAC key (both profiles) and the 3DES key and IV (legacy) come from the
 * passphrase as a BMPString with a two-octet terminator (RFC 7292 Appendix B.1); PBKDF2
 * (modern) takes its UTF-8 octets (RFC 8018 §3), as OpenSSL reads them.
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
  randomBytes,
  webcrypto,
} from "node:crypto";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
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
  /** AES-256-CBC + PBKDF2-SHA256 for both bags, SHA-256 MAC (built with pkijs). */
  MODERN: "modern",
  /** 3DES (pbeWithSHAAnd3-KeyTripleDES-CBC) for both bags, SHA-1 MAC (hand-written). */
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
  /**
   * Iterations of the bag KDF (PBKDF2 or the PKCS#12 KDF); default 10 000 (modern, which
   * uses them for the MAC KDF too) or 2048 (legacy, whose MAC always uses 2048).
   */
  readonly iterations?: number;
  /**
   * Random source for salts and IVs; default `crypto.randomBytes` (legacy) and
   * `crypto.webcrypto.getRandomValues` (modern). Salts are 64 bytes (modern, pkijs) or
   * 8 bytes (legacy); IVs 16 bytes (modern) or derived (legacy).
   */
  readonly random?: RandomBytes;
}

const OID = {
  data: "1.2.840.113549.1.7.1",
  encryptedData: "1.2.840.113549.1.7.6",
  pkcs8ShroudedKeyBag: "1.2.840.113549.1.12.10.1.2",
  certBag: "1.2.840.113549.1.12.10.1.3",
  x509Certificate: "1.2.840.113549.1.9.22.1",
  friendlyName: "1.2.840.113549.1.9.20",
  localKeyId: "1.2.840.113549.1.9.21",
  pbeSha3Des: "1.2.840.113549.1.12.1.3",
  sha1: "1.3.14.3.2.26",
} as const;

/** The passphrase as a BMPString with a two-octet terminator (RFC 7292 Appendix B.1). */
function bmpPassword(passphrase: string): Buffer {
  const out = Buffer.alloc((passphrase.length + 1) * 2);
  for (let i = 0; i < passphrase.length; i++) out.writeUInt16BE(passphrase.charCodeAt(i), i * 2);
  return out;
}

/**
 * The PKCS#12 key derivation function (RFC 7292 Appendix B.2), used by the legacy profile
 * (3DES key and IV, SHA-1 MAC key); the modern profile's MAC key comes from pkijs.
 * @param hash `sha1` or `sha256` (the digest; block size 64 bytes for both)
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

/**
 * Builds a PKCS#12 file.
 * @param key the private key
 * @param certs DER certificates: the key's certificate first, then its chain
 * @param passphrase protects the bags and the MAC; must not be empty
 * @returns the DER `PFX`
 * @throws {RangeError} (as a rejection) for an empty passphrase or no certificate
 * @example
 * ```ts
 * const p12 = await createPkcs12(key, [leafDer, intermediateDer], "s3cret", { profile: "legacy" });
 * tls.createSecureContext({ pfx: Buffer.from(p12), passphrase: "s3cret" });
 * ```
 */
export async function createPkcs12(
  key: KeyObject,
  certs: readonly Uint8Array[],
  passphrase: string,
  options: CreatePkcs12Options = {},
): Promise<Uint8Array> {
  if (passphrase === "") throw new RangeError("Empty PKCS#12 passphrase: some importers refuse it");
  const [leaf] = certs;
  if (leaf === undefined) throw new RangeError("No certificate for the PKCS#12 file");
  const profile = options.profile ?? "modern";
  const localKeyId = createHash("sha1").update(leaf).digest();
  const pkcs8 = new Uint8Array(key.export({ type: "pkcs8", format: "der" }));
  const parts: PfxParts = {
    pkcs8,
    certs,
    passphrase,
    localKeyId,
    friendlyName: options.friendlyName,
  };
  switch (profile) {
    case "modern":
      return modernPfx(parts, options.iterations ?? 10_000, options.random);
    case "legacy":
      return legacyPfx(
        parts,
        options.iterations ?? 2048,
        options.random ?? ((n: number) => new Uint8Array(randomBytes(n))),
      );
  }
}

/** What goes into a PFX, whichever the profile. */
interface PfxParts {
  /** The private key as PKCS#8 PrivateKeyInfo DER. */
  readonly pkcs8: Uint8Array;
  readonly certs: readonly Uint8Array[];
  readonly passphrase: string;
  /** SHA-1 of the leaf certificate, on the key bag and the leaf's cert bag. */
  readonly localKeyId: Uint8Array;
  readonly friendlyName: string | undefined;
}

// ---- modern profile: pkijs ------------------------------------------------------------

let nodeEngine: pkijs.CryptoEngine | undefined;

/** The WebCrypto object pkijs wants (its `Crypto` is the DOM type, not in our lib). */
type PkijsCrypto = pkijs.CryptoEngineParameters["crypto"];

/**
 * The pkijs crypto engine over `node:crypto`'s WebCrypto, made and registered with
 * `pkijs.setEngine` on first use, not at import time; with `random`, a private engine whose
 * `getRandomValues` draws from it (salts and IVs), registered nowhere.
 */
function pkijsEngine(random: RandomBytes | undefined): pkijs.CryptoEngine {
  if (random !== undefined) {
    const crypto = {
      subtle: webcrypto.subtle,
      getRandomValues<T extends ArrayBufferView | null>(array: T): T {
        if (array !== null) {
          const view = new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
          view.set(random(view.length));
        }
        return array;
      },
    };
    return new pkijs.CryptoEngine({ name: "node", crypto: crypto as unknown as PkijsCrypto });
  }
  if (nodeEngine === undefined) {
    nodeEngine = new pkijs.CryptoEngine({
      name: "node",
      crypto: webcrypto as unknown as PkijsCrypto,
    });
    pkijs.setEngine("node", nodeEngine);
  }
  return nodeEngine;
}

/** `localKeyId` and, when given, `friendlyName` (PKCS #9, RFC 2985 §5.5.1-2). */
function pkijsBagAttributes(parts: PfxParts): pkijs.Attribute[] {
  return [
    new pkijs.Attribute({
      type: OID.localKeyId,
      values: [new asn1js.OctetString({ valueHex: parts.localKeyId })],
    }),
    ...(parts.friendlyName === undefined
      ? []
      : [
          new pkijs.Attribute({
            type: OID.friendlyName,
            values: [new asn1js.BmpString({ value: parts.friendlyName })],
          }),
        ]),
  ];
}

/** Copies into a fresh ArrayBuffer (pkijs takes ArrayBuffers, and parses without copying). */
function arrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return new Uint8Array(bytes).buffer;
}

/**
 * A primitive OCTET STRING of `value`'s octets. pkijs stores PBES2 ciphertext as a
 * constructed OCTET STRING of 1024-byte pieces (legal BER, not DER: X.690 §10.2); DER
 * readers such as `@peculiar/asn1-pfx` (our `pki inspect`) refuse that, so the modern
 * profile joins them back.
 */
function primitiveOctetString(value: asn1js.OctetString): asn1js.OctetString {
  return new asn1js.OctetString({ valueHex: value.getValue() });
}

/**
 * The modern PFX: PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC) bags, HMAC-SHA-256 MAC, all
 * built by pkijs; we only lay out the AuthenticatedSafe and keep the ciphertexts primitive
 * (see {@link primitiveOctetString}), so the file is DER, as OpenSSL writes it.
 */
async function modernPfx(
  parts: PfxParts,
  iterations: number,
  random: RandomBytes | undefined,
): Promise<Uint8Array> {
  const engine = pkijsEngine(random);
  const password = arrayBuffer(new TextEncoder().encode(parts.passphrase));
  const pbes2 = {
    password,
    contentEncryptionAlgorithm: { name: "AES-CBC", length: 256 },
    hmacHashAlgorithm: "SHA-256",
    iterationCount: iterations,
  };

  const keyBag = new pkijs.PKCS8ShroudedKeyBag({
    parsedValue: pkijs.PrivateKeyInfo.fromBER(arrayBuffer(parts.pkcs8)),
  });
  await keyBag.makeInternalValues(pbes2, engine);
  keyBag.encryptedData = primitiveOctetString(keyBag.encryptedData);
  const keyContents = new pkijs.SafeContents({
    safeBags: [
      new pkijs.SafeBag({
        bagId: OID.pkcs8ShroudedKeyBag,
        bagValue: keyBag,
        bagAttributes: pkijsBagAttributes(parts),
      }),
    ],
  });

  const certContents = new pkijs.SafeContents({
    safeBags: parts.certs.map(
      (der, i) =>
        new pkijs.SafeBag({
          bagId: OID.certBag,
          bagValue: new pkijs.CertBag({
            certId: OID.x509Certificate,
            certValue: new asn1js.OctetString({ valueHex: arrayBuffer(der) }),
          }),
          ...(i === 0 ? { bagAttributes: pkijsBagAttributes(parts) } : {}),
        }),
    ),
  });
  const sealedCerts = new pkijs.EncryptedData();
  await sealedCerts.encrypt(
    { ...pbes2, contentToEncrypt: certContents.toSchema().toBER(false) },
    engine,
  );
  const sealed = sealedCerts.encryptedContentInfo;
  sealedCerts.encryptedContentInfo = new pkijs.EncryptedContentInfo({
    contentType: sealed.contentType,
    contentEncryptionAlgorithm: sealed.contentEncryptionAlgorithm,
    encryptedContent: new asn1js.OctetString({ valueHex: sealed.getEncryptedContent() }),
    disableSplit: true,
  });

  const authenticatedSafe = new pkijs.AuthenticatedSafe({
    safeContents: [
      new pkijs.ContentInfo({
        contentType: pkijs.ContentInfo.ENCRYPTED_DATA,
        content: sealedCerts.toSchema(),
      }),
      new pkijs.ContentInfo({
        contentType: pkijs.ContentInfo.DATA,
        content: new asn1js.OctetString({ valueHex: keyContents.toSchema().toBER(false) }),
      }),
    ],
  });
  const pfx = new pkijs.PFX({ parsedValue: { integrityMode: 0, authenticatedSafe } });
  await pfx.makeInternalValues(
    { password, iterations, pbkdf2HashAlgorithm: "SHA-256", hmacHashAlgorithm: "SHA-256" },
    engine,
  );
  return new Uint8Array(pfx.toSchema().toBER(false));
}

// ---- legacy profile: our DER writer -----------------------------------------------------

/** 3DES-encrypts `plain`; returns the AlgorithmIdentifier DER and the ciphertext. */
function encrypt3Des(
  plain: Uint8Array,
  passphrase: string,
  iterations: number,
  random: RandomBytes,
): { algorithm: Uint8Array; ciphertext: Uint8Array } {
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

function bagAttributes(parts: PfxParts): Uint8Array {
  const attrs = [derSequence(derOid(OID.localKeyId), derSet(derOctetString(parts.localKeyId)))];
  const name = parts.friendlyName;
  if (name !== undefined) {
    const bmp = bmpPassword(name).subarray(0, name.length * 2);
    attrs.push(derSequence(derOid(OID.friendlyName), derSet(derTlv(0x1e, bmp))));
  }
  return derSet(...attrs);
}

/** The legacy PFX: pbeWithSHAAnd3-KeyTripleDES-CBC bags, HMAC-SHA-1 MAC (2048 iterations). */
function legacyPfx(parts: PfxParts, iterations: number, random: RandomBytes): Uint8Array {
  const { passphrase } = parts;
  const certBags = derSequence(
    ...parts.certs.map((der, i) =>
      derSequence(
        derOid(OID.certBag),
        derExplicit(
          0,
          derSequence(derOid(OID.x509Certificate), derExplicit(0, derOctetString(der))),
        ),
        ...(i === 0 ? [bagAttributes(parts)] : []),
      ),
    ),
  );
  const shrouded = encrypt3Des(parts.pkcs8, passphrase, iterations, random);
  const keyBags = derSequence(
    derSequence(
      derOid(OID.pkcs8ShroudedKeyBag),
      derExplicit(0, derSequence(shrouded.algorithm, derOctetString(shrouded.ciphertext))),
      bagAttributes(parts),
    ),
  );
  const sealedCerts = encrypt3Des(certBags, passphrase, iterations, random);
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
  const macSalt = random(8);
  const macIterations = 2048;
  const macKey = pkcs12Kdf("sha1", 3, passphrase, macSalt, macIterations, 20);
  const mac = createHmac("sha1", macKey).update(authSafe).digest();
  return derSequence(
    derSmallInteger(3),
    derSequence(derOid(OID.data), derExplicit(0, derOctetString(authSafe))),
    derSequence(
      derSequence(derSequence(derOid(OID.sha1), DER_NULL), derOctetString(mac)),
      derOctetString(macSalt),
      derSmallInteger(macIterations),
    ),
  );
}

/**
 * What a PKCS#12 file says without its passphrase (RFC 7292 §4): the MAC algorithm and
 * iterations, and how each bag is protected. Enough to see the traps: RC2-40 (refused by
 * OpenSSL 3 and Node), AES/PBES2 (not importable by macOS Keychain), SHA-1 MACs.
 *
 * Parsed with `@peculiar/asn1-pfx`, `@peculiar/asn1-cms` and `@peculiar/asn1-pkcs8`; the
 * two structures those packages have no class for, EncryptedData's outer SEQUENCE (RFC 5652
 * §8) and the PBES2 parameters (RFC 8018 §A.4), with `asn1js`.
 * @module
 */
import { EncryptedContentInfo } from "@peculiar/asn1-cms";
import {
  AuthenticatedSafe,
  id_keyBag,
  id_pkcs8ShroudedKeyBag,
  PFX,
  SafeContents,
} from "@peculiar/asn1-pfx";
import { EncryptedPrivateKeyInfo } from "@peculiar/asn1-pkcs8";
import { AsnConvert, OctetString } from "@peculiar/asn1-schema";
import type { AlgorithmIdentifier } from "@peculiar/asn1-x509";
import * as asn1js from "asn1js";
import { derReadTlv } from "./der.ts";

/** How one part of a PKCS#12 file is protected. */
export interface Pkcs12Protection {
  /** `certificates` (an encryptedData content), `key` (a shrouded key bag), or `plain data`. */
  readonly part: string;
  /** e.g. `PBES2 (PBKDF2, AES-256-CBC)`, `pbeWithSHAAnd3-KeyTripleDES-CBC`, `none`. */
  readonly algorithm: string;
}

/** A PKCS#12 file's outer structure. */
export interface Pkcs12Info {
  readonly kind: "pkcs12";
  /** e.g. `SHA-256`; undefined without MacData. */
  readonly mac?: string;
  readonly macIterations?: number;
  readonly protections: readonly Pkcs12Protection[];
  /** Plain-words warnings about interoperability. */
  readonly warnings: readonly string[];
}

const NAMES: Readonly<Record<string, string>> = {
  "1.2.840.113549.1.5.13": "PBES2",
  "1.2.840.113549.1.5.12": "PBKDF2",
  "2.16.840.1.101.3.4.1.42": "AES-256-CBC",
  "2.16.840.1.101.3.4.1.2": "AES-128-CBC",
  "1.2.840.113549.3.7": "DES-EDE3-CBC",
  "1.2.840.113549.1.12.1.3": "pbeWithSHAAnd3-KeyTripleDES-CBC",
  "1.2.840.113549.1.12.1.6": "pbeWithSHAAnd40BitRC2-CBC",
  "1.2.840.113549.1.12.1.5": "pbeWithSHAAnd128BitRC2-CBC",
  "1.3.14.3.2.26": "SHA-1",
  "2.16.840.1.101.3.4.2.1": "SHA-256",
  "2.16.840.1.101.3.4.2.2": "SHA-384",
  "2.16.840.1.101.3.4.2.3": "SHA-512",
};

const name = (oid: string) => NAMES[oid] ?? oid;

/**
 * Whether `der` looks like a PFX: SEQUENCE { INTEGER 3, ... }. A header sniff (not a full
 * parse), so a damaged PFX is still recognized and reported as one.
 */
export function isPkcs12(der: Uint8Array): boolean {
  try {
    const pfx = derReadTlv(der, 0);
    const version = derReadTlv(der, pfx.start);
    return (
      pfx.tag === 0x30 &&
      version.tag === 0x02 &&
      der[version.start] === 3 &&
      version.end - version.start === 1
    );
  } catch {
    return false;
  }
}

const PBES2 = "1.2.840.113549.1.5.13";

/** Names an AlgorithmIdentifier, descending into PBES2 parameters (RFC 8018 §A.4). */
function algorithmName(alg: AlgorithmIdentifier): string {
  if (alg.algorithm !== PBES2 || !alg.parameters) return name(alg.algorithm);
  // PBES2-params ::= SEQUENCE { keyDerivationFunc AlgorithmIdentifier, encryptionScheme AlgorithmIdentifier }
  const params = asn1js.fromBER(alg.parameters).result;
  const oids = (params instanceof asn1js.Sequence ? params.valueBlock.value : []).map((a) => {
    const first = a instanceof asn1js.Sequence ? a.valueBlock.value[0] : undefined;
    return first instanceof asn1js.ObjectIdentifier ? first.valueBlock.toString() : "?";
  });
  return `PBES2 (${name(oids[0] ?? "?")}, ${name(oids[1] ?? "?")})`;
}

const ID_DATA = "1.2.840.113549.1.7.1";
const ID_ENCRYPTED_DATA = "1.2.840.113549.1.7.6";

/**
 * Reads the protection of a PKCS#12 file's parts without decrypting anything.
 * @throws {Error} from `@peculiar/asn1-schema` when the DER is not a PFX's shape
 */
export function inspectPkcs12(der: Uint8Array): Pkcs12Info {
  const pfx = AsnConvert.parse(der, PFX);
  const protections: Pkcs12Protection[] = [];
  const octets = (content: ArrayBuffer) => AsnConvert.parse(content, OctetString).buffer;
  const safes = AsnConvert.parse(octets(pfx.authSafe.content), AuthenticatedSafe);
  for (const ci of safes) {
    if (ci.contentType === ID_ENCRYPTED_DATA) {
      // EncryptedData ::= SEQUENCE { version CMSVersion, encryptedContentInfo, ... }
      const outer = asn1js.fromBER(ci.content).result;
      const eci = outer instanceof asn1js.Sequence ? outer.valueBlock.value[1] : undefined;
      if (eci === undefined)
        throw new RangeError("Not a PKCS#12 EncryptedData: no encryptedContentInfo");
      const info = AsnConvert.parse(eci.toBER(), EncryptedContentInfo);
      protections.push({
        part: "certificates",
        algorithm: algorithmName(info.contentEncryptionAlgorithm),
      });
    } else if (ci.contentType === ID_DATA) {
      for (const bag of AsnConvert.parse(octets(ci.content), SafeContents)) {
        if (bag.bagId === id_pkcs8ShroudedKeyBag) {
          const epki = AsnConvert.parse(bag.bagValue, EncryptedPrivateKeyInfo);
          protections.push({ part: "key", algorithm: algorithmName(epki.encryptionAlgorithm) });
        } else if (bag.bagId === id_keyBag) {
          protections.push({ part: "key", algorithm: "none (plain key bag)" });
        } else {
          protections.push({ part: "plain data", algorithm: "none" });
        }
      }
    }
  }
  const mac = pfx.macData ? name(pfx.macData.mac.digestAlgorithm.algorithm) : undefined;
  const macIterations = pfx.macData?.iterations;
  const warnings: string[] = [];
  const algs = protections.map((p) => p.algorithm).join(" ");
  if (/RC2/.test(algs))
    warnings.push(
      "RC2 encryption: OpenSSL 3 and Node refuse it (re-export with mtls pki export --p12)",
    );
  if (/PBES2/.test(algs))
    warnings.push(
      "AES/PBES2 encryption: macOS Keychain and older Java cannot import it (use --legacy for them)",
    );
  if (mac === undefined) warnings.push("no MAC: integrity is not protected");
  return {
    kind: "pkcs12",
    ...(mac === undefined ? {} : { mac }),
    ...(macIterations === undefined ? {} : { macIterations }),
    protections,
    warnings,
  };
}

/**
 * What a PKCS#12 file says without its passphrase (RFC 7292 §4): the MAC algorithm and
 * iterations, and how each bag is protected. Enough to see the traps: RC2-40 (refused by
 * OpenSSL 3 and Node), AES/PBES2 (not importable by macOS Keychain), SHA-1 MACs.
 * @module
 */
import { derOidText, derReadTlv } from "./der.ts";

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

/** Whether `der` looks like a PFX: SEQUENCE { INTEGER 3, SEQUENCE { OID ... } }. */
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

/** Names an AlgorithmIdentifier TLV at `off`, descending into PBES2 parameters. */
function algorithmAt(der: Uint8Array, off: number): string {
  const alg = derReadTlv(der, off);
  const oid = derReadTlv(der, alg.start);
  const text = derOidText(der.subarray(oid.start, oid.end));
  if (text !== "1.2.840.113549.1.5.13" || oid.end >= alg.end) return name(text);
  const params = derReadTlv(der, oid.end);
  const kdf = derReadTlv(der, params.start);
  const kdfOid = derReadTlv(der, kdf.start);
  const scheme = derReadTlv(der, kdf.end);
  const schemeOid = derReadTlv(der, scheme.start);
  return `PBES2 (${name(derOidText(der.subarray(kdfOid.start, kdfOid.end)))}, ${name(derOidText(der.subarray(schemeOid.start, schemeOid.end)))})`;
}

/**
 * Reads the protection of a PKCS#12 file's parts without decrypting anything.
 * @throws {RangeError} when the DER is not a PFX's shape
 */
export function inspectPkcs12(der: Uint8Array): Pkcs12Info {
  const pfx = derReadTlv(der, 0);
  const version = derReadTlv(der, pfx.start);
  const authSafe = derReadTlv(der, version.end);
  const contentOid = derReadTlv(der, authSafe.start);
  const explicit = derReadTlv(der, contentOid.end);
  const octets = derReadTlv(der, explicit.start);
  const protections: Pkcs12Protection[] = [];
  const safes = derReadTlv(der, octets.start);
  for (let off = safes.start; off < safes.end; ) {
    const ci = derReadTlv(der, off);
    off = ci.end;
    const type = derReadTlv(der, ci.start);
    const typeText = derOidText(der.subarray(type.start, type.end));
    const content = derReadTlv(der, type.end);
    if (typeText === "1.2.840.113549.1.7.6") {
      const encryptedData = derReadTlv(der, content.start);
      const v = derReadTlv(der, encryptedData.start);
      const eci = derReadTlv(der, v.end);
      const ctype = derReadTlv(der, eci.start);
      protections.push({ part: "certificates", algorithm: algorithmAt(der, ctype.end) });
    } else if (typeText === "1.2.840.113549.1.7.1") {
      const inner = derReadTlv(der, content.start);
      const bags = derReadTlv(der, inner.start);
      for (let b = bags.start; b < bags.end; ) {
        const bag = derReadTlv(der, b);
        b = bag.end;
        const bagId = derReadTlv(der, bag.start);
        const bagIdText = derOidText(der.subarray(bagId.start, bagId.end));
        const value = derReadTlv(der, bagId.end);
        if (bagIdText === "1.2.840.113549.1.12.10.1.2") {
          const epki = derReadTlv(der, value.start);
          protections.push({ part: "key", algorithm: algorithmAt(der, epki.start) });
        } else if (bagIdText === "1.2.840.113549.1.12.10.1.1") {
          protections.push({ part: "key", algorithm: "none (plain key bag)" });
        } else {
          protections.push({ part: "plain data", algorithm: "none" });
        }
      }
    }
  }
  let mac: string | undefined;
  let macIterations: number | undefined;
  if (authSafe.end < pfx.end) {
    const macData = derReadTlv(der, authSafe.end);
    const digestInfo = derReadTlv(der, macData.start);
    const alg = derReadTlv(der, digestInfo.start);
    const oid = derReadTlv(der, alg.start);
    mac = name(derOidText(der.subarray(oid.start, oid.end)));
    const salt = derReadTlv(der, digestInfo.end);
    if (salt.end < macData.end) {
      const it = derReadTlv(der, salt.end);
      macIterations = [...der.subarray(it.start, it.end)].reduce((n, x) => n * 256 + x, 0);
    } else macIterations = 1;
  }
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

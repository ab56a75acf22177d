/**
 * The DER writer PKCS#12 files need (ITU-T X.690 §8, §10), and nothing else: each function
 * returns a complete TLV, so structures compose by nesting calls.
 *
 * Why it exists: the project's rule is a well-kept library over our own code outside the
 * core, and certificates and CRLs are written by `@peculiar/x509` / `@peculiar/asn1-x509`.
 * In `pkcs12.ts` the modern profile (PBES2, HMAC-SHA-256 MAC) is built with pkijs; only
 * the legacy profile is written with this module, because pkijs has no PKCS#12 PBE
 * (pbeWithSHAAnd3-KeyTripleDES-CBC, RFC 7292 Appendix C) and 3DES bags with a SHA-1 MAC
 * are what macOS Keychain and older Java import. Everything here is used by that profile
 * (the MAC's DigestInfo needs {@link DER_NULL}, the friendlyName BMPString {@link derTlv}).
 * Only `pkcs12.ts` may import this module.
 * @module
 */

/** Universal tag octets PKCS#12 uses (X.690 §8.1.2). */
export const DerTag = {
  INTEGER: 0x02,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

function lengthOctets(n: number): number[] {
  if (n < 0x80) return [n];
  const out: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) out.unshift(v & 0xff);
  return [0x80 | out.length, ...out];
}

/**
 * One TLV: `tag`, definite length, then `parts` concatenated (X.690 §8.1).
 * @param tag the identifier octet (e.g. {@link DerTag}.SEQUENCE, or `0xa0 | n` for `[n]`)
 * @param parts the content, in order
 */
export function derTlv(tag: number, ...parts: readonly Uint8Array[]): Uint8Array {
  let size = 0;
  for (const p of parts) size += p.length;
  const head = lengthOctets(size);
  const out = new Uint8Array(1 + head.length + size);
  out[0] = tag;
  out.set(head, 1);
  let off = 1 + head.length;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** `SEQUENCE { parts }`. */
export function derSequence(...parts: readonly Uint8Array[]): Uint8Array {
  return derTlv(DerTag.SEQUENCE, ...parts);
}

/** `SET { parts }`; the caller orders SET OF members (DER §11.6) when there are several. */
export function derSet(...parts: readonly Uint8Array[]): Uint8Array {
  return derTlv(DerTag.SET, ...parts);
}

/**
 * An INTEGER from big-endian unsigned bytes: leading zero octets dropped, a `00` prepended
 * when the top bit is set, so the value stays non-negative (X.690 §8.3.2).
 */
export function derUnsignedInteger(bytes: Uint8Array): Uint8Array {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const body = bytes.subarray(start);
  if (body.length === 0) return derTlv(DerTag.INTEGER, Uint8Array.of(0));
  return (body[0] ?? 0) & 0x80
    ? derTlv(DerTag.INTEGER, Uint8Array.of(0), body)
    : derTlv(DerTag.INTEGER, body);
}

/** A non-negative INTEGER from a safe integer (version, iterations, key length). */
export function derSmallInteger(n: number): Uint8Array {
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return derUnsignedInteger(Uint8Array.from(bytes.length === 0 ? [0] : bytes));
}

/** NULL (`05 00`), the parameters of the MAC's SHA-1 digest algorithm identifier. */
export const DER_NULL: Uint8Array = Uint8Array.of(DerTag.NULL, 0);

const oidCache = new Map<string, Uint8Array>();

/**
 * An OBJECT IDENTIFIER from dotted text such as `2.5.29.19` (X.690 §8.19); memoized.
 * @throws {RangeError} for text that is not an OID
 */
export function derOid(oid: string): Uint8Array {
  const cached = oidCache.get(oid);
  if (cached) return cached;
  const arcs = oid.split(".").map(Number);
  if (arcs.length < 2 || arcs.some((a) => !Number.isSafeInteger(a) || a < 0)) {
    throw new RangeError(`Bad OID '${oid}': expected dotted decimal arcs such as 2.5.4.3`);
  }
  const out: number[] = [];
  const push = (v: number) => {
    const chunk = [v & 0x7f];
    for (let x = Math.floor(v / 128); x > 0; x = Math.floor(x / 128))
      chunk.unshift(0x80 | (x & 0x7f));
    out.push(...chunk);
  };
  push((arcs[0] ?? 0) * 40 + (arcs[1] ?? 0));
  for (const arc of arcs.slice(2)) push(arc);
  const der = derTlv(DerTag.OID, Uint8Array.from(out));
  oidCache.set(oid, der);
  return der;
}

/** An OCTET STRING. */
export function derOctetString(bytes: Uint8Array): Uint8Array {
  return derTlv(DerTag.OCTET_STRING, bytes);
}

/** Context-specific `[n]`, constructed (EXPLICIT tagging or IMPLICIT of a constructed type). */
export function derExplicit(n: number, ...parts: readonly Uint8Array[]): Uint8Array {
  return derTlv(0xa0 | n, ...parts);
}

/** Context-specific `[n]` primitive with raw content (IMPLICIT of a primitive type). */
export function derImplicit(n: number, content: Uint8Array): Uint8Array {
  return derTlv(0x80 | n, content);
}

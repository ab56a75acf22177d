/**
 * A minimal DER writer (ITU-T X.690 §8, §10): just the types certificates and CRLs use.
 * Each function returns the complete TLV as bytes, so structures compose by nesting calls.
 *
 * Why our own: `@peculiar/x509`'s generator spends ~3 ms per certificate building and
 * re-parsing its ASN.1 object model, 60× the ~0.05 ms the signature itself costs (figures
 * in `bench/pki-issue.ts`); issuing writes a fixed shape, so a direct writer is enough.
 * Reading stays with `@peculiar/x509`.
 * @module
 */

/** Universal and context tag octets used by X.509 (X.690 §8.1.2). */
export const DerTag = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  ENUMERATED: 0x0a,
  UTF8_STRING: 0x0c,
  PRINTABLE_STRING: 0x13,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
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

/** A non-negative INTEGER from a safe integer (version, pathLenConstraint, cRLNumber). */
export function derSmallInteger(n: number): Uint8Array {
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return derUnsignedInteger(Uint8Array.from(bytes.length === 0 ? [0] : bytes));
}

/** An ENUMERATED (CRLReason), `0 <= n < 128`. */
export function derEnumerated(n: number): Uint8Array {
  return derTlv(DerTag.ENUMERATED, Uint8Array.of(n));
}

/** BOOLEAN TRUE (`ff`, X.690 §11.1). FALSE is never written: DER omits DEFAULT FALSE. */
export const DER_TRUE: Uint8Array = Uint8Array.of(DerTag.BOOLEAN, 1, 0xff);

/** NULL (`05 00`), the parameters of RSA algorithm identifiers (RFC 4055 §5). */
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

/** A BIT STRING of whole octets (0 unused bits): signatures and public keys. */
export function derBitString(bytes: Uint8Array): Uint8Array {
  return derTlv(DerTag.BIT_STRING, Uint8Array.of(0), bytes);
}

/**
 * A named-bit BIT STRING (KeyUsage, RFC 5280 §4.2.1.3) with trailing zero bits removed
 * (X.690 §11.2.2).
 * @param bits bit `i` of the number is named bit `i` (digitalSignature = bit 0 = `1`)
 */
export function derNamedBits(bits: number): Uint8Array {
  if (bits === 0) return derTlv(DerTag.BIT_STRING, Uint8Array.of(0));
  let highest = 0;
  for (let i = 0; i < 32; i++) if (bits & (1 << i)) highest = i;
  const octets = new Uint8Array(Math.floor(highest / 8) + 1);
  for (let i = 0; i <= highest; i++) {
    if (bits & (1 << i)) octets[i >> 3] = (octets[i >> 3] ?? 0) | (0x80 >> (i & 7));
  }
  const unused = 7 - (highest & 7);
  return derTlv(DerTag.BIT_STRING, Uint8Array.of(unused), octets);
}

const encoder = new TextEncoder();

/** A string of the given universal type (UTF8String, PrintableString, IA5String). */
export function derString(tag: number, text: string): Uint8Array {
  return derTlv(tag, encoder.encode(text));
}

function two(n: number): string {
  return String(n).padStart(2, "0");
}

/**
 * A validity time: UTCTime `YYMMDDHHMMSSZ` through 2049, GeneralizedTime
 * `YYYYMMDDHHMMSSZ` from 2050 (RFC 5280 §4.1.2.5); seconds precision.
 */
export function derTime(date: Date): Uint8Array {
  const y = date.getUTCFullYear();
  const rest = `${two(date.getUTCMonth() + 1)}${two(date.getUTCDate())}${two(date.getUTCHours())}${two(date.getUTCMinutes())}${two(date.getUTCSeconds())}Z`;
  if (y >= 1950 && y < 2050) return derString(DerTag.UTC_TIME, `${two(y % 100)}${rest}`);
  return derString(DerTag.GENERALIZED_TIME, `${String(y).padStart(4, "0")}${rest}`);
}

/** Context-specific `[n]`, constructed (EXPLICIT tagging or IMPLICIT of a constructed type). */
export function derExplicit(n: number, ...parts: readonly Uint8Array[]): Uint8Array {
  return derTlv(0xa0 | n, ...parts);
}

/** Context-specific `[n]` primitive with raw content (IMPLICIT of a primitive type). */
export function derImplicit(n: number, content: Uint8Array): Uint8Array {
  return derTlv(0x80 | n, content);
}

/** The header of one TLV read by {@link derReadTlv}. */
export interface DerTlvHeader {
  /** The identifier octet. */
  readonly tag: number;
  /** Offset of the first content octet. */
  readonly start: number;
  /** Offset just past the last content octet. */
  readonly end: number;
}

/**
 * Reads the header of the TLV at `offset` (definite lengths only, as DER requires).
 * @throws {RangeError} when the TLV runs past the end of `der`
 */
export function derReadTlv(der: Uint8Array, offset: number): DerTlvHeader {
  const tag = der[offset];
  let len = der[offset + 1];
  if (tag === undefined || len === undefined) {
    throw new RangeError(`Truncated DER: no TLV header at offset ${offset}`);
  }
  let start = offset + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4)
      throw new RangeError(`Bad DER length at offset ${offset}: ${n} length octets`);
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + (der[start + i] ?? 0);
    start += n;
  }
  if (start + len > der.length) {
    throw new RangeError(`Truncated DER: the TLV at offset ${offset} runs past the end`);
  }
  return { tag, start, end: start + len };
}

/** Decodes OBJECT IDENTIFIER content octets to dotted text (X.690 §8.19). */
export function derOidText(content: Uint8Array): string {
  const arcs: number[] = [];
  let value = 0;
  for (const b of content) {
    value = value * 128 + (b & 0x7f);
    if ((b & 0x80) === 0) {
      if (arcs.length === 0)
        arcs.push(value < 80 ? Math.floor(value / 40) : 2, value < 80 ? value % 40 : value - 80);
      else arcs.push(value);
      value = 0;
    }
  }
  return arcs.join(".");
}

/**
 * Decodes a UTCTime (`YYMMDDHHMMSSZ`, years 1950–2049) or GeneralizedTime
 * (`YYYYMMDDHHMMSSZ`) as RFC 5280 §4.1.2.5 restricts them.
 * @throws {RangeError} for another form
 */
export function derTimeValue(tag: number, content: Uint8Array): Date {
  const text = new TextDecoder().decode(content);
  const m =
    tag === DerTag.UTC_TIME
      ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text)
      : /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (!m) throw new RangeError(`Bad time '${text}': expected RFC 5280 UTCTime or GeneralizedTime`);
  let year = Number(m[1]);
  if (tag === DerTag.UTC_TIME) year += year < 50 ? 2000 : 1900;
  return new Date(
    Date.UTC(year, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])),
  );
}

/**
 * A minimal DER reader (ITU-T X.690 §8.1): TLV headers and OBJECT IDENTIFIER text, for the
 * few places that walk DER by hand (`lint.ts`, `pkcs12-info.ts`).
 *
 * Certificates, CRLs and name constraints are written and read with `@peculiar/x509` and
 * `@peculiar/asn1-x509`; the only DER writer left is `pkcs12-der.ts`, for what pkijs
 * cannot do.
 * @module
 */

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

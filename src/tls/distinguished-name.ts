import { ParseError } from "../errors.ts";
import { ByteReader } from "./byte-reader.ts";

/** Short names for common attribute types (RFC 4514 §3), by dotted OID. */
const ATTRIBUTE_NAMES: ReadonlyMap<string, string> = new Map([
  ["2.5.4.3", "CN"],
  ["2.5.4.4", "SN"],
  ["2.5.4.5", "serialNumber"],
  ["2.5.4.6", "C"],
  ["2.5.4.7", "L"],
  ["2.5.4.8", "ST"],
  ["2.5.4.9", "STREET"],
  ["2.5.4.10", "O"],
  ["2.5.4.11", "OU"],
  ["2.5.4.12", "title"],
  ["2.5.4.42", "GN"],
  ["0.9.2342.19200300.100.1.1", "UID"],
  ["0.9.2342.19200300.100.1.25", "DC"],
  ["1.2.840.113549.1.9.1", "emailAddress"],
]);

interface Tlv {
  readonly tag: number;
  readonly value: ByteReader;
}

/** Reads one DER TLV (short or long definite length, up to 4 length bytes). */
function readTlv(r: ByteReader): Tlv {
  const tag = r.u8("DER tag");
  if ((tag & 0x1f) === 0x1f)
    throw new ParseError(
      `Unsupported DER tag: 0x${tag.toString(16)}, expected a low tag number`,
      r.base + r.position - 1,
    );
  const first = r.u8("DER length");
  let length = first;
  if (first & 0x80) {
    const n = first & 0x7f;
    if (n === 0 || n > 4) {
      throw new ParseError(
        `Invalid DER length: ${n} length bytes, expected 1-4`,
        r.base + r.position - 1,
      );
    }
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + r.u8("DER length");
  }
  if (length > r.remaining) {
    throw new ParseError(
      `Invalid DER length: ${length} exceeds the ${r.remaining} bytes remaining`,
      r.base + r.position,
    );
  }
  const at = r.position;
  const bytes = r.bytesView(length, "DER value");
  return { tag, value: new ByteReader(bytes, r.base + at) };
}

function oidString(bytes: Uint8Array): string {
  const parts: number[] = [];
  let value = 0;
  for (const b of bytes) {
    value = value * 128 + (b & 0x7f);
    if (!(b & 0x80)) {
      if (parts.length === 0) {
        const first = value < 80 ? Math.floor(value / 40) : 2;
        parts.push(first, value - first * 40);
      } else parts.push(value);
      value = 0;
    }
  }
  return parts.join(".");
}

function hexOf(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Escapes an attribute value per RFC 4514 §2.4. */
function escapeValue(s: string): string {
  let out = s.replace(/[\\",+;<>=]/g, (c) => `\\${c}`);
  if (out.startsWith(" ") || out.startsWith("#")) out = `\\${out}`;
  if (out.endsWith(" ") && out.length > 1) out = `${out.slice(0, -1)}\\ `;
  return out;
}

function attributeValue(tlv: Tlv, raw: Uint8Array): string {
  const bytes = tlv.value.bytes;
  switch (tlv.tag) {
    case 0x0c: // UTF8String
    case 0x13: // PrintableString
    case 0x16: // IA5String
    case 0x14: // TeletexString (treated as Latin-1 below)
      return escapeValue(
        tlv.tag === 0x14
          ? String.fromCharCode(...bytes)
          : new TextDecoder("utf-8", { fatal: false }).decode(bytes),
      );
    case 0x1e: {
      // BMPString: UTF-16BE
      let s = "";
      for (let i = 0; i + 1 < bytes.length; i += 2)
        s += String.fromCharCode((bytes[i]! << 8) | bytes[i + 1]!);
      return escapeValue(s);
    }
    default:
      return `#${hexOf(raw)}`;
  }
}

/**
 * Formats a DER-encoded X.501 `Name` as an RFC 4514 string, most specific RDN first
 * (`CN=client-1,O=Example`), like OpenSSL's `-nameopt RFC2253`.
 *
 * ```
 * Name ::= SEQUENCE OF RelativeDistinguishedName
 * RelativeDistinguishedName ::= SET SIZE (1..MAX) OF AttributeTypeAndValue
 * AttributeTypeAndValue ::= SEQUENCE { type OBJECT IDENTIFIER, value ANY }
 * ```
 *
 * @param der the `Name`, e.g. one entry of `certificate_authorities` (RFC 8446 §4.2.4)
 * @param base offset of `der[0]` in the enclosing unit, for error offsets; default 0
 * @returns the RFC 4514 string (`""` for an empty name)
 * @throws {ParseError} when the DER is not a Name
 * @see RFC 4514 §2, RFC 5280 §4.1.2.4
 * @example
 * ```ts
 * distinguishedNameToString(der); // "CN=Test CA"
 * ```
 */
export function distinguishedNameToString(der: Uint8Array, base = 0): string {
  const outer = new ByteReader(der, base);
  const name = readTlv(outer);
  if (name.tag !== 0x30)
    throw new ParseError(
      `Invalid Name: tag 0x${name.tag.toString(16)}, expected SEQUENCE (0x30)`,
      base,
    );
  const rdns: string[] = [];
  while (!name.value.done) {
    const set = readTlv(name.value);
    if (set.tag !== 0x31)
      throw new ParseError(
        `Invalid RelativeDistinguishedName: tag 0x${set.tag.toString(16)}, expected SET (0x31)`,
        set.value.base - 2,
      );
    const parts: string[] = [];
    while (!set.value.done) {
      const start = set.value.position;
      const atv = readTlv(set.value);
      if (atv.tag !== 0x30)
        throw new ParseError(
          `Invalid AttributeTypeAndValue: tag 0x${atv.tag.toString(16)}, expected SEQUENCE (0x30)`,
          set.value.base + start,
        );
      const type = readTlv(atv.value);
      if (type.tag !== 0x06)
        throw new ParseError(
          `Invalid attribute type: tag 0x${type.tag.toString(16)}, expected OBJECT IDENTIFIER (0x06)`,
          type.value.base,
        );
      const valueStart = atv.value.position;
      const value = readTlv(atv.value);
      const valueRaw = atv.value.bytes.subarray(valueStart, atv.value.position);
      const oid = oidString(type.value.bytes);
      parts.push(`${ATTRIBUTE_NAMES.get(oid) ?? oid}=${attributeValue(value, valueRaw)}`);
    }
    rdns.push(parts.join("+"));
  }
  return rdns.reverse().join(",");
}

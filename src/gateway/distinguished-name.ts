/**
 * X.509 distinguished names printed the way nginx prints `$ssl_client_s_dn` and
 * `$ssl_client_i_dn` (OpenSSL `X509_NAME_print_ex(..., XN_FLAG_RFC2253)`): last RDN first,
 * `,` between RDNs and `+` inside one, OpenSSL short names (`CN`, `OU`, `emailAddress`...),
 * RFC 2253 escapes (`\,` `\+` `\"` `\\` `\<` `\>` `\;`, a leading `#` or space, a trailing
 * space), control characters and every UTF-8 byte above 0x7F as `\XX`, and attributes of
 * unknown type as `OID=#` + the DER in hex. The `_legacy` variables use
 * `X509_NAME_oneline`: `/C=DE/O=Org/CN=name`, first RDN first.
 *
 * Also reads the few `TBSCertificate` fields the gateway needs (serial, issuer, subject)
 * straight from the DER, zero-copy.
 *
 * Source: RFC 2253 §2.4; RFC 5280 §4.1; OpenSSL 3.0 `crypto/x509/x_name.c`,
 * `crypto/asn1/a_strex.c` (`do_esc_char`, `do_name_ex`); nginx `ngx_ssl_get_subject_dn`.
 * @module
 */
import { ParseError } from "../errors.ts";

/** One DER TLV: its tag, and where its contents start and end within `bytes`. */
interface Tlv {
  readonly tag: number;
  /** Offset of the first byte of the TLV (its tag). */
  readonly start: number;
  /** Offset of the contents. */
  readonly contentStart: number;
  /** Offset just past the contents. */
  readonly end: number;
}

/** Nesting of certificates is shallow; no input needs more than this many bytes of length. */
const MAX_LENGTH_BYTES = 4;

function readTlv(bytes: Uint8Array, offset: number, limit: number): Tlv {
  if (offset + 2 > limit) throw new ParseError("Cannot read DER header: needs 2 bytes", offset);
  const tag = bytes[offset] as number;
  if ((tag & 0x1f) === 0x1f) throw new ParseError("Cannot read DER tag: high tag numbers", offset);
  let length = bytes[offset + 1] as number;
  let contentStart = offset + 2;
  if (length & 0x80) {
    const n = length & 0x7f;
    if (n === 0 || n > MAX_LENGTH_BYTES) {
      throw new ParseError(`Cannot read DER length: ${n} length bytes`, offset + 1);
    }
    if (contentStart + n > limit) throw new ParseError("Cannot read DER length: truncated", offset);
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + (bytes[contentStart + i] as number);
    contentStart += n;
  }
  const end = contentStart + length;
  if (end > limit) {
    throw new ParseError(
      `Cannot read DER value: needs ${length} bytes, ${limit - contentStart} remaining`,
      offset,
    );
  }
  return { tag, start: offset, contentStart, end };
}

function children(bytes: Uint8Array, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  let at = parent.contentStart;
  while (at < parent.end) {
    const t = readTlv(bytes, at, parent.end);
    out.push(t);
    at = t.end;
  }
  return out;
}

/** The `TBSCertificate` fields the gateway's variables need, as views into the DER. */
export interface CertificateFields {
  /** `serialNumber` contents (two's complement, as encoded). */
  readonly serial: Uint8Array;
  /** `issuer` Name, whole TLV. */
  readonly issuer: Uint8Array;
  /** `subject` Name, whole TLV. */
  readonly subject: Uint8Array;
}

/**
 * Reads serial, issuer and subject from a DER certificate (RFC 5280 §4.1).
 * @param der the certificate
 * @returns views into `der`
 * @throws {ParseError} when the DER does not have the Certificate structure
 */
export function readCertificateFields(der: Uint8Array): CertificateFields {
  const cert = readTlv(der, 0, der.length);
  const [tbs] = children(der, cert);
  if (!tbs) throw new ParseError("Cannot read Certificate: no tbsCertificate", 0);
  const fields = children(der, tbs);
  // version [0] EXPLICIT is optional.
  const base = fields[0]?.tag === 0xa0 ? 1 : 0;
  const serial = fields[base];
  const issuer = fields[base + 2];
  const subject = fields[base + 4];
  if (!serial || !issuer || !subject || serial.tag !== 0x02) {
    throw new ParseError("Cannot read TBSCertificate: missing serialNumber, issuer or subject", 0);
  }
  return {
    serial: der.subarray(serial.contentStart, serial.end),
    issuer: der.subarray(issuer.start, issuer.end),
    subject: der.subarray(subject.start, subject.end),
  };
}

/**
 * The serial number as nginx prints `$ssl_client_serial` (`i2a_ASN1_INTEGER`): uppercase
 * hex of the magnitude, two digits per byte, `-` for a negative number, `00` for zero.
 * @param contents the INTEGER contents (two's complement)
 * @returns e.g. `"0A1B2C"`
 */
export function serialHex(contents: Uint8Array): string {
  let bytes = contents;
  let sign = "";
  if (bytes.length > 0 && ((bytes[0] as number) & 0x80) !== 0) {
    // Negative: two's complement magnitude.
    const m = new Uint8Array(bytes.length);
    let carry = 1;
    for (let i = bytes.length - 1; i >= 0; i--) {
      const v = (~(bytes[i] as number) & 0xff) + carry;
      m[i] = v & 0xff;
      carry = v >> 8;
    }
    bytes = m;
    sign = "-";
  }
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i++;
  const hex = Buffer.from(bytes.subarray(i)).toString("hex").toUpperCase();
  return `${sign}${hex || "00"}`;
}

/** OpenSSL short names (`OBJ_nid2sn`) of the attribute types seen in certificates. */
const SHORT_NAMES: Readonly<Record<string, string>> = {
  "2.5.4.3": "CN",
  "2.5.4.4": "SN",
  "2.5.4.5": "serialNumber",
  "2.5.4.6": "C",
  "2.5.4.7": "L",
  "2.5.4.8": "ST",
  "2.5.4.9": "street",
  "2.5.4.10": "O",
  "2.5.4.11": "OU",
  "2.5.4.12": "title",
  "2.5.4.13": "description",
  "2.5.4.15": "businessCategory",
  "2.5.4.17": "postalCode",
  "2.5.4.41": "name",
  "2.5.4.42": "GN",
  "2.5.4.43": "initials",
  "2.5.4.44": "generationQualifier",
  "2.5.4.45": "x500UniqueIdentifier",
  "2.5.4.46": "dnQualifier",
  "2.5.4.65": "pseudonym",
  "2.5.4.72": "role",
  "2.5.4.97": "organizationIdentifier",
  "1.2.840.113549.1.9.1": "emailAddress",
  "0.9.2342.19200300.100.1.1": "UID",
  "0.9.2342.19200300.100.1.25": "DC",
  "1.3.6.1.4.1.311.60.2.1.1": "jurisdictionL",
  "1.3.6.1.4.1.311.60.2.1.2": "jurisdictionST",
  "1.3.6.1.4.1.311.60.2.1.3": "jurisdictionC",
};

function oidText(bytes: Uint8Array): string {
  const parts: number[] = [];
  let v = 0;
  for (const b of bytes) {
    v = v * 128 + (b & 0x7f);
    if ((b & 0x80) === 0) {
      if (parts.length === 0) {
        const first = v < 40 ? 0 : v < 80 ? 1 : 2;
        parts.push(first, v - first * 40);
      } else {
        parts.push(v);
      }
      v = 0;
    }
  }
  return parts.join(".");
}

/** String types and how OpenSSL decodes them to characters. */
function decodeString(tag: number, c: Uint8Array): string | undefined {
  switch (tag) {
    case 0x0c: // UTF8String
      return Buffer.from(c).toString("utf8");
    case 0x13: // PrintableString
    case 0x16: // IA5String
    case 0x12: // NumericString
    case 0x1a: // VisibleString
    case 0x14: // TeletexString (OpenSSL reads it as Latin-1)
    case 0x15: // VideotexString
    case 0x19: // GraphicString
    case 0x1b: // GeneralString
      return Buffer.from(c).toString("latin1");
    case 0x1e: {
      // BMPString: UCS-2 big-endian.
      let s = "";
      for (let i = 0; i + 1 < c.length; i += 2)
        s += String.fromCharCode(((c[i] as number) << 8) | (c[i + 1] as number));
      return s;
    }
    case 0x1c: {
      // UniversalString: UCS-4 big-endian.
      let s = "";
      for (let i = 0; i + 3 < c.length; i += 4) {
        const cp =
          (((c[i] as number) << 24) |
            ((c[i + 1] as number) << 16) |
            ((c[i + 2] as number) << 8) |
            (c[i + 3] as number)) >>>
          0;
        s += cp <= 0x10ffff ? String.fromCodePoint(cp) : "\uFFFD";
      }
      return s;
    }
    default:
      return undefined;
  }
}

const RFC2253_SPECIAL = new Set([",", "+", '"', "\\", "<", ">", ";"]);

/** OpenSSL's `ASN1_STRFLGS_RFC2253` escaping of one value. */
function escape2253(value: string): string {
  const bytes = Buffer.from(value, "utf8");
  let out = "";
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] as number;
    const ch = String.fromCharCode(b);
    if (b > 0x7f || b < 0x20) {
      out += `\\${b.toString(16).toUpperCase().padStart(2, "0")}`;
    } else if (
      RFC2253_SPECIAL.has(ch) ||
      (i === 0 && (ch === "#" || ch === " ")) ||
      (i === bytes.length - 1 && ch === " ")
    ) {
      out += `\\${ch}`;
    } else {
      out += ch;
    }
  }
  return out;
}

/** `X509_NAME_oneline` escaping: printable ASCII as is, anything else `\xHH`. */
function escapeOneline(value: string): string {
  let out = "";
  for (const b of Buffer.from(value, "utf8")) {
    out +=
      b < 0x20 || b > 0x7e
        ? `\\x${b.toString(16).toUpperCase().padStart(2, "0")}`
        : String.fromCharCode(b);
  }
  return out;
}

/** One attribute of a Name: `type=value`, and whether it continues the previous RDN. */
export interface NameAttribute {
  /** Short name, or the dotted OID when OpenSSL has none. */
  readonly type: string;
  /** Decoded value; undefined when the type or the string type is unknown (printed as DER). */
  readonly value?: string;
  /** The AttributeValue TLV. */
  readonly raw: Uint8Array;
  /** Index of the RDN (SET) it belongs to. */
  readonly rdn: number;
}

/**
 * Reads the attributes of a DER Name in encoding order (RFC 5280 §4.1.2.4).
 * @param name the Name TLV (a SEQUENCE OF RelativeDistinguishedName)
 * @returns the attributes, first RDN first
 * @throws {ParseError} on malformed DER
 */
export function readName(name: Uint8Array): NameAttribute[] {
  const seq = readTlv(name, 0, name.length);
  if (seq.tag !== 0x30) throw new ParseError("Cannot read Name: expecting a SEQUENCE", 0);
  const out: NameAttribute[] = [];
  for (const [rdn, set] of children(name, seq).entries()) {
    for (const atv of children(name, set)) {
      const [type, value] = children(name, atv);
      if (!type || !value || type.tag !== 0x06) {
        throw new ParseError("Cannot read AttributeTypeAndValue", atv.start);
      }
      const oid = oidText(name.subarray(type.contentStart, type.end));
      const short = SHORT_NAMES[oid];
      const text = short
        ? decodeString(value.tag, name.subarray(value.contentStart, value.end))
        : undefined;
      out.push({
        type: short ?? oid,
        ...(text !== undefined ? { value: text } : {}),
        raw: name.subarray(value.start, value.end),
        rdn,
      });
    }
  }
  return out;
}

/**
 * Formats a DER Name as nginx prints `$ssl_client_s_dn` (RFC 2253, OpenSSL flavour).
 * @param name the Name TLV
 * @returns e.g. `CN=alice.example.test,OU=payments,O=Corpus Test PKI,C=DE`
 * @throws {ParseError} on malformed DER
 * @example
 * ```ts
 * formatNameRfc2253(readCertificateFields(der).subject); // "CN=client-1"
 * ```
 */
export function formatNameRfc2253(name: Uint8Array): string {
  const attrs = readName(name).reverse();
  let out = "";
  for (const [i, a] of attrs.entries()) {
    if (i > 0) out += a.rdn === attrs[i - 1]?.rdn ? "+" : ",";
    const v =
      a.value === undefined
        ? `#${Buffer.from(a.raw).toString("hex").toUpperCase()}`
        : escape2253(a.value);
    out += `${a.type}=${v}`;
  }
  return out;
}

/**
 * Formats a DER Name as nginx prints `$ssl_client_s_dn_legacy` (`X509_NAME_oneline`).
 * @param name the Name TLV
 * @returns e.g. `/C=DE/O=Corpus Test PKI/CN=alice.example.test`
 * @throws {ParseError} on malformed DER
 */
export function formatNameLegacy(name: Uint8Array): string {
  let out = "";
  let rdn = -1;
  for (const a of readName(name)) {
    const v =
      a.value === undefined
        ? `#${Buffer.from(a.raw).toString("hex").toUpperCase()}`
        : escapeOneline(a.value);
    out += `${a.rdn === rdn ? "+" : "/"}${a.type}=${v}`;
    rdn = a.rdn;
  }
  return out;
}

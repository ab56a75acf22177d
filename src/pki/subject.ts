/**
 * Subject distinguished names as users type them: `O=Example, CN=localhost` or openssl's
 * `-subj` form `/O=Example/CN=localhost`.
 *
 * Order: attributes are encoded **in the order written, which is DER order** — the first
 * is the most general (C, O), the last the most specific (CN). That is the order openssl's
 * `-subj` reads and `openssl x509 -subject` prints, and what `@peculiar/x509` and Node's
 * `X509Certificate.subject` show. It is **not** RFC 4514 string order, which lists the
 * most specific RDN first: the RFC 4514 string `CN=localhost,O=Example` (as Go, Java or
 * `openssl -nameopt RFC2253` print it) is written here as `O=Example,CN=localhost`.
 * @module
 */
import type { JsonNameParams } from "@peculiar/x509";
import { ErrorCode, MtlsError } from "../errors.ts";

/** The ASN.1 string type an attribute is encoded with (RFC 5280 Appendix A.1). */
type StringKind = "utf8String" | "printableString" | "ia5String";

interface AttributeSpec {
  readonly short: string;
  readonly oid: string;
  readonly kind: StringKind;
  /** Upper bound in characters (RFC 5280 Appendix A.1 `ub-*`). */
  readonly max: number;
  readonly aliases: readonly string[];
  readonly pattern?: RegExp;
  readonly expected?: string;
}

/** Attribute types mtlskit accepts in a subject, with their RFC 5280 upper bounds. */
const ATTRIBUTES: readonly AttributeSpec[] = [
  { short: "CN", oid: "2.5.4.3", kind: "utf8String", max: 64, aliases: ["commonname"] },
  { short: "O", oid: "2.5.4.10", kind: "utf8String", max: 64, aliases: ["organizationname"] },
  {
    short: "OU",
    oid: "2.5.4.11",
    kind: "utf8String",
    max: 64,
    aliases: ["organizationalunitname"],
  },
  {
    short: "C",
    oid: "2.5.4.6",
    kind: "printableString",
    max: 2,
    aliases: ["countryname"],
    pattern: /^[A-Z]{2}$/,
    expected: "a two-letter ISO 3166 country code such as US",
  },
  { short: "ST", oid: "2.5.4.8", kind: "utf8String", max: 128, aliases: ["stateorprovincename"] },
  { short: "L", oid: "2.5.4.7", kind: "utf8String", max: 128, aliases: ["localityname"] },
  {
    short: "E",
    oid: "1.2.840.113549.1.9.1",
    kind: "ia5String",
    max: 255,
    aliases: ["emailaddress", "email"],
    pattern: /^[\x21-\x7e]+@[\x21-\x7e]+$/,
    expected: "an ASCII address such as ops@example.com",
  },
  {
    short: "DC",
    oid: "0.9.2342.19200300.100.1.25",
    kind: "ia5String",
    max: 63,
    aliases: ["domaincomponent"],
    pattern: /^[A-Za-z0-9-]+$/,
    expected: "one DNS label such as example",
  },
  {
    short: "serialNumber",
    oid: "2.5.4.5",
    kind: "printableString",
    max: 64,
    aliases: ["serialnumber"],
    pattern: /^[A-Za-z0-9 '()+,\-./:=?]+$/,
    expected: "printable ASCII",
  },
];

/** One `TYPE=value` of a subject. */
export interface SubjectAttribute {
  /** Short name: `CN`, `O`, `OU`, `C`, `ST`, `L`, `E`, `DC`, `serialNumber`. */
  readonly type: string;
  /** The attribute type's OID, e.g. `2.5.4.3`. */
  readonly oid: string;
  readonly value: string;
}

/** A parsed subject: attributes in the order written = DER order (one attribute per RDN). */
export type Subject = readonly SubjectAttribute[];

function bad(text: string, detail: string): MtlsError {
  return new MtlsError(ErrorCode.PKI_BAD_INPUT, `Bad subject '${text}': ${detail}`, {
    hint: 'write the subject as TYPE=value pairs, e.g. --subject "O=Example,CN=localhost" (DER order, most specific last)',
    details: { subject: text },
  });
}

function findSpec(type: string): AttributeSpec | undefined {
  const key = type.toLowerCase();
  return ATTRIBUTES.find((a) => a.short.toLowerCase() === key || a.aliases.includes(key));
}

/** Splits on unescaped `sep`; escapes stay in the pieces for {@link unescapeValue}. */
function splitEscaped(text: string, sep: string, subject: string): string[] {
  const parts: string[] = [];
  let current = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "\\") {
      const next = text[i + 1];
      if (next === undefined) throw bad(subject, "ends with a lone backslash");
      current += `\\${next}`;
      i++;
    } else if (c === sep) {
      parts.push(current);
      current = "";
    } else {
      current += c;
    }
  }
  parts.push(current);
  return parts;
}

function unescapeValue(value: string): string {
  return value.replace(/\\(.)/g, "$1");
}

/**
 * Parses a subject such as `O=Example, CN=localhost` or `/O=Example/CN=localhost`; the
 * attributes stay in the order written, which becomes DER order (not RFC 4514's reversed
 * order; see the module comment).
 * Type names are case-insensitive and may be long names (`commonName`); `\,` `\/` `\=`
 * and `\\` escape. Multi-valued RDNs (`+`) are not supported: `+` is literal.
 * @param text the subject as typed
 * @returns the attributes in order
 * @throws {MtlsError} `MTLS_PKI_BAD_INPUT`, e.g. `Bad subject 'CN': expected TYPE=value,
 *   found 'CN'`, an unknown type, an empty or over-long value, a bad country code
 * @example
 * ```ts
 * parseSubject("O=Example,CN=localhost"); // [{type:"O",...,value:"Example"}, {type:"CN",...}]
 * ```
 */
export function parseSubject(text: string): Subject {
  const trimmed = text.trim();
  if (trimmed === "") throw bad(text, "empty, expected TYPE=value pairs such as CN=localhost");
  const slashForm = trimmed.startsWith("/");
  const pieces = slashForm
    ? splitEscaped(trimmed.slice(1), "/", text)
    : splitEscaped(trimmed, ",", text);
  const out: SubjectAttribute[] = [];
  for (const rawPiece of pieces) {
    const piece = rawPiece.trim();
    if (piece === "") throw bad(text, "empty attribute (two separators in a row?)");
    const eq = piece.search(/(?<!\\)=/);
    if (eq <= 0) throw bad(text, `expected TYPE=value, found '${piece}'`);
    const type = piece.slice(0, eq).trim();
    const value = unescapeValue(piece.slice(eq + 1).trim());
    const spec = findSpec(type);
    if (!spec) {
      const known = ATTRIBUTES.map((a) => a.short).join(", ");
      throw bad(text, `unknown attribute type '${type}', expected one of ${known}`);
    }
    if (value === "") throw bad(text, `${spec.short} is empty`);
    const normalized = spec.short === "C" ? value.toUpperCase() : value;
    if (spec.pattern && !spec.pattern.test(normalized)) {
      throw bad(text, `${spec.short}='${value}' is not ${spec.expected}`);
    }
    if ([...normalized].length > spec.max) {
      throw bad(
        text,
        `${spec.short} is ${[...normalized].length} characters, at most ${spec.max} allowed (RFC 5280)`,
      );
    }
    out.push({ type: spec.short, oid: spec.oid, value: normalized });
  }
  return out;
}

/**
 * The common name (last CN, the most specific) of a subject, or undefined.
 */
export function commonNameOf(subject: Subject): string | undefined {
  return subject.findLast((a) => a.type === "CN")?.value;
}

/**
 * Formats a subject as `O=Example, CN=localhost` (DER order, as written), escaping `,`, `=`,
 * `\`; round-trips through {@link parseSubject}.
 */
export function formatSubject(subject: Subject): string {
  return subject.map((a) => `${a.type}=${a.value.replace(/([\\,=])/g, "\\$1")}`).join(", ");
}

/**
 * The `@peculiar/x509` JSON form of a subject, with explicit string types so no value is
 * reinterpreted (x509's string parser treats a leading `#` as hex): UTF8String for names
 * (RFC 5280 §4.1.2.6), PrintableString for C and serialNumber, IA5String for E and DC.
 */
export function subjectToJsonName(subject: Subject): JsonNameParams {
  return subject.map((a) => {
    const spec = findSpec(a.type);
    const kind: StringKind = spec?.kind ?? "utf8String";
    return { [a.oid]: [{ [kind]: a.value }] };
  });
}

/** Short names `@peculiar/x509` prints; other types print as their OID (e.g. `2.5.4.5`). */
const X509_PRINT_NAMES = new Set(["CN", "L", "ST", "O", "OU", "C", "DC", "E"]);

/**
 * The subject as `@peculiar/x509`'s `Name.toString()` prints it, in DER order: `O=Example,
 * CN=localhost`, with `,+"\<>;` escaped. This is the text `IssuedCertificate.subject` and
 * `index.json` hold, whichever path issued the certificate.
 */
export function subjectToText(subject: Subject): string {
  return subject
    .map((a) => {
      const type = X509_PRINT_NAMES.has(a.type) ? a.type : a.oid;
      const value = a.value
        .replace(/([,+"\\<>;])/g, "\\$1")
        .replace(/^([ #])/, "\\$1")
        .replace(/([ ]$)/, "\\$1");
      return `${type}=${value}`;
    })
    .join(", ");
}

/**
 * Subject alternative names (RFC 5280 §4.2.1.6) in openssl's text form:
 * `DNS:localhost,IP:127.0.0.1,IP:::1,email:ops@example.com,URI:spiffe://example.org/svc`.
 * @module
 */
import { isIPv4, isIPv6 } from "node:net";
import type { JsonGeneralName } from "@peculiar/x509";
import { ErrorCode, MtlsError } from "../errors.ts";

/** The GeneralName choices mtlskit writes, by their openssl prefix. */
export const SanType = {
  DNS: "DNS",
  IP: "IP",
  EMAIL: "email",
  URI: "URI",
} as const;
/** One of the {@link SanType} values. */
export type SanType = (typeof SanType)[keyof typeof SanType];

/** One subject alternative name. */
export interface SubjectAltName {
  readonly type: SanType;
  /** DNS names lower-cased; IP addresses in canonical text (RFC 5952 for IPv6). */
  readonly value: string;
}

const DNS_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

function bad(entry: string, detail: string): MtlsError {
  return new MtlsError(ErrorCode.PKI_BAD_INPUT, `Bad SAN '${entry}': ${detail}`, {
    hint: "write SANs as TYPE:value separated by commas, e.g. --san DNS:localhost,IP:127.0.0.1",
    details: { san: entry },
  });
}

/**
 * The canonical text of an IP address: dotted quad for IPv4, RFC 5952 for IPv6 (lower
 * case, longest zero run compressed).
 * @returns the canonical text, or undefined when `text` is not an address
 */
export function canonicalIp(text: string): string | undefined {
  if (isIPv4(text)) return text.split(".").map(Number).join(".");
  if (isIPv6(text)) return new URL(`http://[${text}]/`).hostname.slice(1, -1);
  return undefined;
}

function checkDnsName(entry: string, name: string): string {
  const lower = name.toLowerCase().replace(/\.$/, "");
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the ASCII range is the point
  if (!/^[\x00-\x7f]*$/.test(lower)) {
    throw bad(entry, "not ASCII, write an internationalized name in its xn-- (punycode) form");
  }
  if (lower.length > 253) throw bad(entry, `DNS name is ${lower.length} characters, at most 253`);
  const labels = lower.split(".");
  labels.forEach((label, i) => {
    if (label === "*" && i === 0 && labels.length > 1) return;
    if (!DNS_LABEL.test(label)) {
      throw bad(
        entry,
        `label '${label}' is not a DNS label (letters, digits, inner hyphens; a '*' only as the whole first label)`,
      );
    }
  });
  return lower;
}

/**
 * Parses one SAN such as `DNS:localhost` or `IP:::1` (the type is case-insensitive).
 * @throws {MtlsError} `MTLS_PKI_BAD_INPUT`: `Bad SAN 'FOO:bar': expected DNS:, IP:, email: or
 *   URI:`, or a value that is not a DNS name, IP address, email address or absolute URI
 */
export function parseSan(entry: string): SubjectAltName {
  const text = entry.trim();
  const colon = text.indexOf(":");
  const prefix = colon < 0 ? "" : text.slice(0, colon).toLowerCase();
  const value = colon < 0 ? "" : text.slice(colon + 1).trim();
  const types: Readonly<Record<string, SanType>> = {
    dns: SanType.DNS,
    ip: SanType.IP,
    email: SanType.EMAIL,
    uri: SanType.URI,
  };
  const type = Object.hasOwn(types, prefix) ? types[prefix] : undefined;
  if (type === undefined) throw bad(text, "expected DNS:, IP:, email: or URI:");
  if (value === "") throw bad(text, `empty ${type} value`);
  switch (type) {
    case SanType.DNS:
      return { type, value: checkDnsName(text, value) };
    case SanType.IP: {
      const ip = canonicalIp(value.replace(/^\[(.*)\]$/, "$1"));
      if (ip === undefined) throw bad(text, `'${value}' is not an IPv4 or IPv6 address`);
      return { type, value: ip };
    }
    case SanType.EMAIL: {
      const at = value.lastIndexOf("@");
      if (at <= 0 || at === value.length - 1 || /\s/.test(value)) {
        throw bad(text, `'${value}' is not an email address (local@domain)`);
      }
      return { type, value };
    }
    case SanType.URI: {
      let url: URL | undefined;
      try {
        url = new URL(value);
      } catch {
        url = undefined;
      }
      if (!url || !/^[a-z][a-z0-9+.-]*:/i.test(value)) {
        throw bad(text, `'${value}' is not an absolute URI (scheme:...)`);
      }
      return { type, value };
    }
  }
}

/**
 * Parses a comma-separated SAN list; duplicates are dropped (first kept), and an empty
 * text is an empty list.
 * @param text e.g. `DNS:a,IP:127.0.0.1,IP:::1,email:x@y,URI:spiffe://example.org/a`
 * @returns the names in order
 * @throws {MtlsError} `MTLS_PKI_BAD_INPUT` for the first bad entry (see {@link parseSan})
 * @example
 * ```ts
 * parseSanList("DNS:localhost,IP:127.0.0.1"); // [{type:"DNS",value:"localhost"}, {type:"IP",value:"127.0.0.1"}]
 * ```
 */
export function parseSanList(text: string): SubjectAltName[] {
  const out: SubjectAltName[] = [];
  if (text.trim() === "") return out;
  for (const piece of text.split(",")) {
    if (piece.trim() === "")
      throw bad(text, "empty entry (two commas in a row or a trailing comma?)");
    const san = parseSan(piece);
    if (!out.some((s) => s.type === san.type && s.value === san.value)) out.push(san);
  }
  return out;
}

/** Formats a SAN as `DNS:localhost` (openssl's form, what {@link parseSan} reads). */
export function formatSan(san: SubjectAltName): string {
  return `${san.type}:${san.value}`;
}

/** The `@peculiar/x509` JSON GeneralName for a SAN. */
export function sanToGeneralName(san: SubjectAltName): JsonGeneralName {
  const type = ({ DNS: "dns", IP: "ip", email: "email", URI: "url" } as const)[san.type];
  return { type, value: san.value };
}

/**
 * The SAN for a `@peculiar/x509` GeneralName read from a certificate or CSR, or undefined
 * for choices mtlskit does not write (directoryName, otherName, registeredID).
 */
export function sanFromGeneralName(name: JsonGeneralName): SubjectAltName | undefined {
  switch (name.type) {
    case "dns":
      return { type: SanType.DNS, value: name.value.toLowerCase() };
    case "ip":
      return { type: SanType.IP, value: canonicalIp(name.value) ?? name.value };
    case "email":
      return { type: SanType.EMAIL, value: name.value };
    case "url":
      return { type: SanType.URI, value: name.value };
    default:
      return undefined;
  }
}

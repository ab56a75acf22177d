/**
 * Name constraints for issuing CAs (RFC 5280 §4.2.1.10): write permitted subtrees for DNS
 * names, IP ranges and URI hosts, read them back from a CA certificate, and check a SAN
 * against them before issuing.
 *
 * ```asn1
 * NameConstraints ::= SEQUENCE {
 *      permittedSubtrees       [0]     GeneralSubtrees OPTIONAL,
 *      excludedSubtrees        [1]     GeneralSubtrees OPTIONAL }
 * GeneralSubtrees ::= SEQUENCE SIZE (1..MAX) OF GeneralSubtree
 * GeneralSubtree ::= SEQUENCE {
 *      base                    GeneralName,
 *      minimum         [0]     BaseDistance DEFAULT 0,
 *      maximum         [1]     BaseDistance OPTIONAL }
 * ```
 * Semantics: a SAN of a type with no permitted subtree is unconstrained; a DNS constraint
 * `example.com` permits the name and every name below it, `.example.com` only names below.
 * @module
 */
import { isIPv4 } from "node:net";
import { AsnConvert } from "@peculiar/asn1-schema";
import {
  GeneralName,
  GeneralSubtree,
  GeneralSubtrees,
  NameConstraints as NameConstraintsAsn,
} from "@peculiar/asn1-x509";
import type { Extension } from "@peculiar/x509";
import { ErrorCode, MtlsError } from "../errors.ts";
import { loadX509Sync } from "./load-x509.ts";
import { canonicalIp, type SubjectAltName } from "./san.ts";

/** The OID of nameConstraints. */
export const NAME_CONSTRAINTS_OID = "2.5.29.30";

/** An IP range: network address and prefix length. */
export interface IpRange {
  readonly address: string;
  readonly prefix: number;
}

/** Permitted subtrees by GeneralName type (empty list: that type is unconstrained). */
export interface NameConstraints {
  readonly dns: readonly string[];
  readonly ip: readonly IpRange[];
  readonly uri: readonly string[];
}

function bad(what: string, text: string, detail: string): MtlsError {
  return new MtlsError(ErrorCode.USAGE, `Bad --permit-${what} '${text}': ${detail}`, {
    details: { value: text },
  });
}

/** Parses `10.0.0.0/8`, `127.0.0.1` (a /32), `fd00::/8`, `::1` (a /128). */
export function parseIpRange(text: string): IpRange {
  const [addr = "", prefixText] = text.split("/");
  const address = canonicalIp(addr);
  if (address === undefined) throw bad("ip", text, "not an IPv4 or IPv6 address or CIDR range");
  const max = isIPv4(address) ? 32 : 128;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > max || !/^\d*$/.test(prefixText ?? "")) {
    throw bad("ip", text, `prefix length must be 0 to ${max}`);
  }
  return { address, prefix };
}

/** Checks a DNS or URI host constraint: `example.com` or `.example.com`. */
export function parseHostConstraint(kind: "dns" | "uri", text: string): string {
  const host = text.toLowerCase();
  if (!/^\.?([a-z0-9-]+\.)*[a-z0-9-]+$/.test(host)) {
    throw bad(
      kind,
      text,
      "expected a domain such as example.com (and below) or .example.com (below only)",
    );
  }
  return host;
}

function ipBytes(address: string): number[] {
  if (isIPv4(address)) return address.split(".").map(Number);
  const [head = "", tail] = address.split("::");
  const groups = (s: string) => (s === "" ? [] : s.split(":").map((g) => Number.parseInt(g, 16)));
  const h = groups(head);
  const t = tail === undefined ? [] : groups(tail);
  return [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t].flatMap((g) => [
    g >> 8,
    g & 0xff,
  ]);
}

function maskBytes(prefix: number, length: number): number[] {
  return Array.from({ length }, (_, i) =>
    Math.max(0, Math.min(8, prefix - i * 8)) === 0
      ? 0
      : (0xff << (8 - Math.min(8, prefix - i * 8))) & 0xff,
  );
}

/** The network address of a range (host bits cleared) as text `@peculiar/asn1-x509` reads. */
function maskedCidr(r: IpRange): string {
  const bytes = ipBytes(r.address);
  const mask = maskBytes(r.prefix, bytes.length);
  const net = bytes.map((b, i) => b & (mask[i] ?? 0));
  const address =
    net.length === 4
      ? net.join(".")
      : Array.from({ length: 8 }, (_, i) =>
          (((net[2 * i] ?? 0) << 8) | (net[2 * i + 1] ?? 0)).toString(16),
        ).join(":");
  return `${address}/${r.prefix}`;
}

/**
 * The nameConstraints extension, critical as RFC 5280 §4.2.1.10 requires, with permitted
 * subtrees only (DNS, then IP ranges with host bits cleared, then URI hosts), encoded by
 * `@peculiar/asn1-x509`.
 * @returns a generic `@peculiar/x509` Extension for `X509CertificateGenerator`
 * @throws {RangeError} when every list is empty (the extension would be empty)
 */
export function nameConstraintsExtension(nc: NameConstraints): Extension {
  const subtrees = [
    ...nc.dns.map((d) => new GeneralName({ dNSName: d })),
    ...nc.ip.map((r) => new GeneralName({ iPAddress: maskedCidr(r) })),
    ...nc.uri.map((u) => new GeneralName({ uniformResourceIdentifier: u })),
  ].map((base) => new GeneralSubtree({ base }));
  if (subtrees.length === 0)
    throw new RangeError("Empty name constraints: give at least one subtree");
  const value = AsnConvert.serialize(
    new NameConstraintsAsn({ permittedSubtrees: new GeneralSubtrees(subtrees) }),
  );
  return new (loadX509Sync().Extension)(NAME_CONSTRAINTS_OID, true, value);
}

/**
 * Reads the permitted subtrees of a nameConstraints extension value (the OCTET STRING's
 * content) with `@peculiar/asn1-x509`; excluded subtrees and other GeneralName types are
 * ignored.
 * @throws {Error} from `@peculiar/asn1-schema` for DER that is not a NameConstraints
 */
export function readNameConstraints(value: Uint8Array): NameConstraints {
  const dns: string[] = [];
  const ip: IpRange[] = [];
  const uri: string[] = [];
  const parsed = AsnConvert.parse(value, NameConstraintsAsn);
  for (const { base } of parsed.permittedSubtrees ?? []) {
    if (base.dNSName !== undefined) dns.push(base.dNSName.toLowerCase());
    else if (base.uniformResourceIdentifier !== undefined)
      uri.push(base.uniformResourceIdentifier.toLowerCase());
    else if (base.iPAddress !== undefined) {
      const [address = "", prefix] = base.iPAddress.split("/");
      const full = address.includes(":") ? 128 : 32;
      ip.push({
        address: canonicalIp(address) ?? address,
        prefix: prefix === undefined ? full : Number(prefix),
      });
    }
  }
  return { dns, ip, uri };
}

function hostPermitted(host: string, constraints: readonly string[]): boolean {
  const h = host.toLowerCase().replace(/^\*\./, "");
  return constraints.some((c) =>
    c.startsWith(".") ? h.endsWith(c) : h === c || h.endsWith(`.${c}`),
  );
}

function ipPermitted(address: string, ranges: readonly IpRange[]): boolean {
  const bytes = ipBytes(address);
  return ranges.some((r) => {
    const base = ipBytes(r.address);
    if (base.length !== bytes.length) return false;
    const mask = maskBytes(r.prefix, bytes.length);
    return bytes.every((b, i) => (b & (mask[i] ?? 0)) === ((base[i] ?? 0) & (mask[i] ?? 0)));
  });
}

/**
 * Whether a SAN falls within the permitted subtrees (RFC 5280 §4.2.1.10): a type without
 * constraints is permitted; a URI is judged by its host.
 * @returns undefined when permitted, else the reason in words
 */
export function sanOutsideConstraints(
  san: SubjectAltName,
  nc: NameConstraints,
): string | undefined {
  switch (san.type) {
    case "DNS":
      return nc.dns.length === 0 || hostPermitted(san.value, nc.dns)
        ? undefined
        : `DNS:${san.value} is outside the CA's permitted DNS names (${nc.dns.join(", ")})`;
    case "IP":
      return nc.ip.length === 0 || ipPermitted(san.value, nc.ip)
        ? undefined
        : `IP:${san.value} is outside the CA's permitted IP ranges (${nc.ip.map((r) => `${r.address}/${r.prefix}`).join(", ")})`;
    case "URI": {
      if (nc.uri.length === 0) return undefined;
      let host = "";
      try {
        host = new URL(san.value).hostname;
      } catch {
        host = "";
      }
      return host !== "" && hostPermitted(host, nc.uri)
        ? undefined
        : `URI:${san.value} is outside the CA's permitted URI hosts (${nc.uri.join(", ")})`;
    }
    case "email":
      return undefined;
  }
}

/**
 * A CA's SAN policy for `mtls pki sign|issue --allow-san PATTERN`: which names a request
 * may carry. Patterns, by SAN type:
 *
 * - `DNS:host.example.com` exactly that name; `DNS:*.example.com` any name below
 *   example.com (any depth, not example.com itself)
 * - `IP:10.0.0.0/8` an address in the range; `IP:10.1.2.3` that address
 * - `URI:spiffe://example.org/*` a URI starting with the text before `*`; without `*`, exact
 * - `email:*@example.com` any address at that domain; without `*`, exact
 *
 * A SAN matching no pattern of its type is refused with the reason (nothing is dropped
 * silently: a certificate missing a name the requester needed breaks later, far away).
 * @module
 */
import { ErrorCode, MtlsError } from "../errors.ts";
import { type IpRange, parseIpRange } from "./name-constraints.ts";
import { formatSan, type SubjectAltName } from "./san.ts";

/** A parsed `--allow-san` list. */
export interface SanPolicy {
  readonly patterns: readonly string[];
  readonly dns: readonly string[];
  readonly ip: readonly IpRange[];
  readonly uri: readonly string[];
  readonly email: readonly string[];
}

/**
 * Parses `--allow-san` patterns (see the module comment).
 * @throws {MtlsError} `MTLS_USAGE` for a pattern without a known `TYPE:` prefix or a bad range
 */
export function parseSanPolicy(patterns: readonly string[]): SanPolicy {
  const dns: string[] = [];
  const ip: IpRange[] = [];
  const uri: string[] = [];
  const email: string[] = [];
  for (const p of patterns) {
    const colon = p.indexOf(":");
    const type = p.slice(0, colon).toLowerCase();
    const value = p.slice(colon + 1);
    if (colon < 0 || value === "") {
      throw new MtlsError(
        ErrorCode.USAGE,
        `Bad --allow-san '${p}': expected TYPE:pattern, e.g. DNS:*.example.com`,
      );
    }
    if (type === "dns") dns.push(value.toLowerCase());
    else if (type === "ip") ip.push(parseIpRange(value));
    else if (type === "uri") uri.push(value);
    else if (type === "email") email.push(value.toLowerCase());
    else {
      throw new MtlsError(
        ErrorCode.USAGE,
        `Bad --allow-san '${p}': type must be DNS, IP, URI or email`,
      );
    }
  }
  return { patterns: [...patterns], dns, ip, uri, email };
}

function ipInRange(address: string, range: IpRange): boolean {
  const bytes = (a: string) =>
    a.includes(":")
      ? (() => {
          const [h = "", t] = a.split("::");
          const g = (s: string) =>
            s === "" ? [] : s.split(":").map((x) => Number.parseInt(x, 16));
          const hh = g(h);
          const tt = t === undefined ? [] : g(t);
          return [...hh, ...new Array<number>(8 - hh.length - tt.length).fill(0), ...tt].flatMap(
            (x) => [x >> 8, x & 0xff],
          );
        })()
      : a.split(".").map(Number);
  const a = bytes(address);
  const b = bytes(range.address);
  if (a.length !== b.length) return false;
  for (let bit = 0; bit < range.prefix; bit++) {
    const mask = 0x80 >> (bit % 8);
    if (((a[bit >> 3] ?? 0) & mask) !== ((b[bit >> 3] ?? 0) & mask)) return false;
  }
  return true;
}

function glob(pattern: string, value: string): boolean {
  const star = pattern.indexOf("*");
  if (star < 0) return pattern === value;
  return (
    value.startsWith(pattern.slice(0, star)) &&
    value.endsWith(pattern.slice(star + 1)) &&
    value.length > pattern.length - 1
  );
}

/**
 * The first SAN the policy does not allow, with the reason, or undefined when all are.
 */
export function sanRefusedByPolicy(
  sans: readonly SubjectAltName[],
  policy: SanPolicy,
): string | undefined {
  for (const san of sans) {
    let ok = false;
    switch (san.type) {
      case "DNS":
        ok = policy.dns.some((p) =>
          p.startsWith("*.") ? san.value.endsWith(p.slice(1)) : san.value === p,
        );
        break;
      case "IP":
        ok = policy.ip.some((r) => ipInRange(san.value, r));
        break;
      case "URI":
        ok = policy.uri.some((p) => glob(p, san.value));
        break;
      case "email":
        ok = policy.email.some((p) => glob(p, san.value.toLowerCase()));
        break;
    }
    if (!ok) {
      return `${formatSan(san)} is not allowed by the CA's policy (--allow-san ${policy.patterns.join(" ")})`;
    }
  }
  return undefined;
}

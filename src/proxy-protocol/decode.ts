/**
 * PROXY protocol header decoder (versions 1 and 2): the header a load balancer sends
 * before the client's bytes to pass on the original connection's addresses. Pure and
 * synchronous: bytes in, readonly data out; a hostile byte string costs time linear in
 * its length and never more than {@link PROXY_V2_MAX_SIZE} bytes are looked at.
 *
 * Version 1 (text, at most 107 bytes with the CRLF):
 * ```
 * "PROXY" SP ("TCP4" | "TCP6") SP src SP dst SP srcport SP dstport CRLF
 * "PROXY" SP "UNKNOWN" [anything] CRLF
 * ```
 * Version 2 (binary):
 * ```
 * struct proxy_hdr_v2 {
 *     uint8_t sig[12];  // \x0D \x0A \x0D \x0A \x00 \x0D \x0A \x51 \x55 \x49 \x54 \x0A
 *     uint8_t ver_cmd;  // protocol version (0x2) and command (0x0 LOCAL, 0x1 PROXY)
 *     uint8_t fam;      // address family (high nibble) and transport (low nibble)
 *     uint16_t len;     // bytes of address block and TLVs that follow, network order
 * };
 * ```
 * Source: HAProxy "The PROXY protocol, Versions 1 & 2" (proxy-protocol.txt) §2.1, §2.2,
 * §2.2.x (TLVs); nginx 1.22 `ngx_proxy_protocol.c` for the receiver's behaviour.
 * @module
 */
import { ipv6Text } from "../capture/ip.ts";
import { ParseError } from "../errors.ts";
import { PP1_MAX_LENGTH, PP1_PREFIX, PP2_HEADER_LENGTH, PP2_SIGNATURE } from "./constants.ts";

/** Longest version 2 header: the fixed part plus a 16-bit `len`, in bytes. */
export const PROXY_V2_MAX_SIZE = PP2_HEADER_LENGTH + 0xffff;

/**
 * Address family and transport, in version 1's words where it has one (`TCP4`, `TCP6`,
 * `UNKNOWN`); version 2 adds `UDP4`, `UDP6`, `UNIX_STREAM`, `UNIX_DGRAM`, and gives
 * `UNKNOWN` for `AF_UNSPEC`.
 */
export type ProxyFamily =
  | "TCP4"
  | "TCP6"
  | "UDP4"
  | "UDP6"
  | "UNIX_STREAM"
  | "UNIX_DGRAM"
  | "UNKNOWN";

/** An IP address in text form (IPv6 as RFC 5952 for version 2; as sent for version 1) and a port. */
export interface ProxyAddress {
  readonly address: string;
  readonly port: number;
}

/** One version 2 Type-Length-Value (proxy-protocol.txt §2.2.x), e.g. `PP2_TYPE_ALPN` (0x01). */
export interface ProxyTlv {
  readonly type: number;
  /** A view of the value bytes. */
  readonly value: Uint8Array;
}

/** A decoded PROXY protocol header. */
export interface ProxyHeader {
  readonly version: 1 | 2;
  /** `LOCAL` (v2 only): the connection was made by the proxy itself; addresses are to be ignored. */
  readonly command: "PROXY" | "LOCAL";
  readonly family: ProxyFamily;
  /** The original client: absent for `LOCAL`, `UNKNOWN` and UNIX families. */
  readonly source?: ProxyAddress;
  /** The address the client connected to (the proxy's): absent like `source`. */
  readonly destination?: ProxyAddress;
  /** Version 2 TLVs after the address block, in order (none for version 1). */
  readonly tlvs: readonly ProxyTlv[];
  /** The whole header, a view of the input. */
  readonly raw: Uint8Array;
}

/** What {@link decodeProxyHeader} returns. */
export type ProxyDecodeResult =
  /** A complete header that took the first `size` bytes. */
  | { readonly kind: "header"; readonly header: ProxyHeader; readonly size: number }
  /** Not enough bytes yet: at least `needed` bytes in total are needed to go on. */
  | { readonly kind: "more"; readonly needed: number };

/**
 * Decodes the PROXY protocol header at the start of `bytes`, version 1 or 2 (told apart
 * by the first byte: `P` or `\r`).
 * @param bytes the first bytes received on the connection
 * @returns `{ kind: "header", header, size }` (`size` bytes used), or `{ kind: "more",
 *   needed }` when `bytes` is a valid but incomplete beginning (`needed`: total bytes known
 *   to be required, at least `bytes.length + 1`)
 * @throws {ParseError} when the bytes cannot start a valid header ("broken header" in
 *   nginx's words); `offset` is the first byte that is wrong
 * @see proxy-protocol.txt §2.1 (v1), §2.2 (v2)
 * @example
 * ```ts
 * const r = decodeProxyHeader(new TextEncoder().encode("PROXY TCP4 192.0.2.1 198.51.100.2 51000 443\r\n"));
 * if (r.kind === "header") r.header.source; // { address: "192.0.2.1", port: 51000 }
 * ```
 */
export function decodeProxyHeader(bytes: Uint8Array): ProxyDecodeResult {
  const first = bytes[0];
  if (first === undefined) return { kind: "more", needed: 1 };
  if (first === PP2_SIGNATURE[0]) return decodeV2(bytes);
  if (first === PP1_PREFIX.charCodeAt(0)) return decodeV1(bytes);
  throw new ParseError(
    `Invalid PROXY protocol header: first byte 0x${hex2(first)}, expected "P" (v1) or 0x0d (v2 signature)`,
    0,
  );
}

function hex2(b: number): string {
  return b.toString(16).padStart(2, "0");
}

function decodeV1(bytes: Uint8Array): ProxyDecodeResult {
  const limit = Math.min(bytes.length, PP1_MAX_LENGTH);
  for (let i = 0; i < Math.min(limit, PP1_PREFIX.length); i++) {
    if (bytes[i] !== PP1_PREFIX.charCodeAt(i)) {
      throw new ParseError(
        `Invalid PROXY protocol v1 header: byte 0x${hex2(bytes[i] ?? 0)}, expected "${PP1_PREFIX[i]}" of "PROXY "`,
        i,
      );
    }
  }
  let cr = -1;
  for (let i = PP1_PREFIX.length; i < limit; i++) {
    const b = bytes[i] as number;
    if (b === 0x0d) {
      cr = i;
      break;
    }
    if (b < 0x20 || b > 0x7e) {
      throw new ParseError(
        `Invalid PROXY protocol v1 header: byte 0x${hex2(b)}, expected printable US-ASCII before CRLF`,
        i,
      );
    }
  }
  if (cr < 0) {
    if (bytes.length >= PP1_MAX_LENGTH) {
      throw new ParseError(
        `Invalid PROXY protocol v1 header: no CRLF in the first ${PP1_MAX_LENGTH} bytes, expected at most ${PP1_MAX_LENGTH} bytes`,
        PP1_MAX_LENGTH - 1,
      );
    }
    return { kind: "more", needed: bytes.length + 1 };
  }
  if (cr + 1 >= bytes.length) return { kind: "more", needed: cr + 2 };
  if (bytes[cr + 1] !== 0x0a) {
    throw new ParseError(
      `Invalid PROXY protocol v1 header: byte 0x${hex2(bytes[cr + 1] ?? 0)} after CR, expected LF`,
      cr + 1,
    );
  }
  const size = cr + 2;
  const raw = bytes.subarray(0, size);
  const line = String.fromCharCode(...bytes.subarray(PP1_PREFIX.length, cr));
  if (line.startsWith("UNKNOWN")) {
    return {
      kind: "header",
      size,
      header: { version: 1, command: "PROXY", family: "UNKNOWN", tlvs: [], raw },
    };
  }
  const fields = line.split(" ");
  const [proto, src, dst, sport, dport] = fields;
  if (proto !== "TCP4" && proto !== "TCP6") {
    throw new ParseError(
      `Invalid PROXY protocol v1 header: protocol "${clip(proto ?? "")}", expected TCP4, TCP6 or UNKNOWN`,
      PP1_PREFIX.length,
    );
  }
  if (fields.length !== 5) {
    throw new ParseError(
      `Invalid PROXY protocol v1 header: ${fields.length - 1} fields after ${proto}, expected 4 separated by single spaces (source, destination, source port, destination port)`,
      PP1_PREFIX.length + proto.length,
    );
  }
  const valid = proto === "TCP4" ? isIpv4 : isIpv6;
  let at = PP1_PREFIX.length + proto.length + 1;
  for (const [what, value] of [
    ["source address", src],
    ["destination address", dst],
  ] as const) {
    if (!valid(value ?? "")) {
      throw new ParseError(
        `Invalid PROXY protocol v1 header: ${what} "${clip(value ?? "")}", expected an ${proto === "TCP4" ? "IPv4" : "IPv6"} address for ${proto}`,
        at,
      );
    }
    at += (value ?? "").length + 1;
  }
  const ports = [sport, dport].map((p, i) => {
    const n = /^[0-9]{1,5}$/.test(p ?? "") ? Number(p) : -1;
    if (n < 0 || n > 65535) {
      throw new ParseError(
        `Invalid PROXY protocol v1 header: ${i === 0 ? "source" : "destination"} port "${clip(p ?? "")}", expected 0-65535`,
        at,
      );
    }
    at += (p ?? "").length + 1;
    return n;
  });
  return {
    kind: "header",
    size,
    header: {
      version: 1,
      command: "PROXY",
      family: proto,
      source: { address: src as string, port: ports[0] as number },
      destination: { address: dst as string, port: ports[1] as number },
      tlvs: [],
      raw,
    },
  };
}

function clip(s: string): string {
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}

const V2_FAMILIES: Readonly<Record<number, { family: ProxyFamily; addressBytes: number }>> = {
  0: { family: "UNKNOWN", addressBytes: 0 },
  17: { family: "TCP4", addressBytes: 12 },
  18: { family: "UDP4", addressBytes: 12 },
  33: { family: "TCP6", addressBytes: 36 },
  34: { family: "UDP6", addressBytes: 36 },
  49: { family: "UNIX_STREAM", addressBytes: 216 },
  50: { family: "UNIX_DGRAM", addressBytes: 216 },
};

function decodeV2(bytes: Uint8Array): ProxyDecodeResult {
  const sig = Math.min(bytes.length, PP2_SIGNATURE.length);
  for (let i = 0; i < sig; i++) {
    if (bytes[i] !== PP2_SIGNATURE[i]) {
      throw new ParseError(
        `Invalid PROXY protocol v2 header: signature byte ${i} is 0x${hex2(bytes[i] ?? 0)}, expected 0x${hex2(PP2_SIGNATURE[i] ?? 0)}`,
        i,
      );
    }
  }
  if (bytes.length < PP2_HEADER_LENGTH) {
    // Check what we have of ver_cmd early so garbage fails before the rest arrives.
    if (bytes.length > 12) checkVerCmd(bytes[12] as number);
    return { kind: "more", needed: PP2_HEADER_LENGTH };
  }
  const verCmd = bytes[12] as number;
  checkVerCmd(verCmd);
  const fam = bytes[13] as number;
  const len = ((bytes[14] as number) << 8) | (bytes[15] as number);
  const size = PP2_HEADER_LENGTH + len;
  const local = (verCmd & 0x0f) === 0x0;
  const spec = V2_FAMILIES[fam];
  if (!spec && !local) {
    throw new ParseError(
      `Invalid PROXY protocol v2 header: family and transport 0x${hex2(fam)}, expected 0x00, 0x11, 0x12, 0x21, 0x22, 0x31 or 0x32`,
      13,
    );
  }
  const addressBytes = spec?.addressBytes ?? 0;
  if (len < addressBytes) {
    throw new ParseError(
      `Invalid PROXY protocol v2 header: length ${len} is shorter than the ${addressBytes}-byte ${spec?.family ?? ""} address block`,
      14,
    );
  }
  if (bytes.length < size) return { kind: "more", needed: size };
  const raw = bytes.subarray(0, size);
  const block = raw.subarray(PP2_HEADER_LENGTH, PP2_HEADER_LENGTH + addressBytes);
  const tlvs = local ? [] : readTlvs(raw, PP2_HEADER_LENGTH + addressBytes);
  const family = local ? (spec?.family ?? "UNKNOWN") : (spec as { family: ProxyFamily }).family;
  const addresses = local ? undefined : ipAddresses(family, block);
  return {
    kind: "header",
    size,
    header: {
      version: 2,
      command: local ? "LOCAL" : "PROXY",
      family,
      ...(addresses ?? {}),
      tlvs,
      raw,
    },
  };
}

function checkVerCmd(verCmd: number): void {
  if (verCmd >> 4 !== 0x2) {
    throw new ParseError(
      `Invalid PROXY protocol v2 header: version ${verCmd >> 4}, expected 2`,
      12,
    );
  }
  if ((verCmd & 0x0f) > 0x1) {
    throw new ParseError(
      `Invalid PROXY protocol v2 header: command ${verCmd & 0x0f}, expected 0 (LOCAL) or 1 (PROXY)`,
      12,
    );
  }
}

function readTlvs(raw: Uint8Array, start: number): ProxyTlv[] {
  const out: ProxyTlv[] = [];
  let at = start;
  while (at < raw.length) {
    if (raw.length - at < 3) {
      throw new ParseError(
        `Invalid PROXY protocol v2 TLV: needs 3 header bytes, ${raw.length - at} remaining`,
        at,
      );
    }
    const type = raw[at] as number;
    const length = ((raw[at + 1] as number) << 8) | (raw[at + 2] as number);
    if (raw.length - at - 3 < length) {
      throw new ParseError(
        `Invalid PROXY protocol v2 TLV: type 0x${hex2(type)} length ${length}, ${raw.length - at - 3} bytes remaining`,
        at + 1,
      );
    }
    out.push({ type, value: raw.subarray(at + 3, at + 3 + length) });
    at += 3 + length;
  }
  return out;
}

function ipAddresses(
  family: ProxyFamily,
  block: Uint8Array,
): Pick<ProxyHeader, "source" | "destination"> | undefined {
  const port = (at: number) => ((block[at] as number) << 8) | (block[at + 1] as number);
  if (family === "TCP4" || family === "UDP4") {
    return {
      source: { address: formatIpv4(block.subarray(0, 4)), port: port(8) },
      destination: { address: formatIpv4(block.subarray(4, 8)), port: port(10) },
    };
  }
  if (family === "TCP6" || family === "UDP6") {
    return {
      source: { address: formatIpv6(block.subarray(0, 16)), port: port(32) },
      destination: { address: formatIpv6(block.subarray(16, 32)), port: port(34) },
    };
  }
  return undefined;
}

/**
 * Dotted-quad text of 4 address bytes.
 * @param b 4 bytes, network order
 * @returns e.g. `192.0.2.1`
 */
export function formatIpv4(b: Uint8Array): string {
  return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
}

/**
 * RFC 5952 text of 16 address bytes: lowercase, no leading zeros, the longest run of two or
 * more zero groups (the first on a tie) as `::`; IPv4-mapped addresses as `::ffff:a.b.c.d`
 * (as nginx's `ngx_inet6_ntop` prints them); all others by `capture/ip.ts` `ipv6Text`.
 * @param b 16 bytes, network order
 * @returns e.g. `2001:db8::1`
 */
export function formatIpv6(b: Uint8Array): string {
  const groups = Array.from({ length: 8 }, (_, i) => ((b[2 * i] ?? 0) << 8) | (b[2 * i + 1] ?? 0));
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return `::ffff:${formatIpv4(b.subarray(12, 16))}`;
  }
  return ipv6Text(b);
}

const IPV4 =
  /^(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(?:\.(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}$/;
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;

/** True for a dotted-quad IPv4 address without leading zeros. */
export function isIpv4(s: string): boolean {
  return IPV4.test(s);
}

/** True for an IPv6 address in RFC 4291 §2.2 text form (`::` once at most, optional IPv4 tail). */
export function isIpv6(s: string): boolean {
  if (s.length < 2 || s.length > 45) return false;
  let head = s;
  if (s.includes(".")) {
    const colon = s.lastIndexOf(":");
    if (colon < 0 || !isIpv4(s.slice(colon + 1))) return false;
    head = `${s.slice(0, colon + 1)}0:0`;
  }
  const dbl = head.indexOf("::");
  if (dbl !== head.lastIndexOf("::")) return false;
  if (dbl < 0) {
    const g = head.split(":");
    return g.length === 8 && g.every((x) => HEX_GROUP.test(x));
  }
  const left = head.slice(0, dbl);
  const right = head.slice(dbl + 2);
  const l = left === "" ? [] : left.split(":");
  const r = right === "" ? [] : right.split(":");
  return l.length + r.length <= 7 && [...l, ...r].every((x) => HEX_GROUP.test(x));
}

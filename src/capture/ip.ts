/**
 * IPv4 (RFC 791) and IPv6 (RFC 8200) header decoding down to the transport payload.
 * @module
 */
import { ParseError } from "../errors.ts";
import { ByteReader } from "../tls/byte-reader.ts";

/** IP protocol numbers the decoder knows (IANA "Assigned Internet Protocol Numbers"). */
export const IpProtocol = {
  HOP_BY_HOP: 0,
  TCP: 6,
  UDP: 17,
  ROUTING: 43,
  FRAGMENT: 44,
  ESP: 50,
  AH: 51,
  NO_NEXT_HEADER: 59,
  DESTINATION_OPTIONS: 60,
} as const;

/** A decoded IP header and its payload. */
export interface IpPacket {
  readonly version: 4 | 6;
  /** Source address in text form (dotted quad, or RFC 5952 IPv6). */
  readonly src: string;
  /** Destination address in text form. */
  readonly dst: string;
  /** The transport protocol (after IPv6 extension headers). */
  readonly protocol: number;
  /** The transport payload, trimmed to the IP length (Ethernet padding removed). */
  readonly payload: Uint8Array;
  /** Fragment information when the packet is a fragment, else undefined. */
  readonly fragment:
    | {
        /** IPv4 identification or IPv6 fragment identification. */
        readonly id: number;
        /** Offset of this fragment's data, in bytes. */
        readonly offset: number;
        /** True when more fragments follow. */
        readonly more: boolean;
      }
    | undefined;
  /** True when the packet was cut by the snap length (payload shorter than the IP length). */
  readonly truncated: boolean;
  /** The IP header bytes (IPv6: including extension headers). */
  readonly raw: Uint8Array;
}

const MAX_EXTENSION_HEADERS = 16;

/**
 * Decodes an IPv4 or IPv6 header.
 * @param data the IP packet, starting at the version nibble
 * @returns the header fields and transport payload
 * @throws {ParseError} when the header is malformed or cut short
 */
export function decodeIp(data: Uint8Array): IpPacket {
  const version = data.length > 0 ? data[0]! >> 4 : -1;
  if (version === 4) return decodeIpv4(data);
  if (version === 6) return decodeIpv6(data);
  throw new ParseError(`Cannot read IP header: version ${version} is not 4 or 6`, 0);
}

function decodeIpv4(data: Uint8Array): IpPacket {
  const r = new ByteReader(data);
  const vihl = r.u8("IPv4 version/IHL");
  const ihl = (vihl & 0x0f) * 4;
  if (ihl < 20) throw new ParseError(`Cannot read IPv4 header: IHL ${ihl} bytes is below 20`, 0);
  r.u8(); // DSCP/ECN
  const totalLength = r.u16("IPv4 total length");
  const id = r.u16();
  const flagsFrag = r.u16();
  r.u8(); // TTL
  const protocol = r.u8();
  r.u16(); // checksum
  r.skip(4, "IPv4 source");
  r.skip(4, "IPv4 destination");
  const src = ipv4Text(data, 12);
  const dst = ipv4Text(data, 16);
  r.skip(ihl - 20, "IPv4 options");
  // totalLength 0 happens with TCP segmentation offload captures: take what was captured.
  const end = totalLength === 0 ? data.length : Math.min(totalLength, data.length);
  if (end < ihl)
    throw new ParseError(
      `Cannot read IPv4 header: total length ${totalLength} is below IHL ${ihl}`,
      2,
    );
  const more = (flagsFrag & 0x2000) !== 0;
  const offset = (flagsFrag & 0x1fff) * 8;
  return {
    version: 4,
    src,
    dst,
    protocol,
    payload: data.subarray(ihl, end),
    fragment: more || offset > 0 ? { id, offset, more } : undefined,
    truncated: totalLength > data.length,
    raw: data.subarray(0, ihl),
  };
}

/** Dotted-quad texts of the addresses seen lately, by address (most captures have few). */
const IPV4_TEXT = new Map<number, string>();
const IPV4_TEXT_MAX = 4096;

/** The dotted-quad text of the IPv4 address at `at` (4 bytes present). */
function ipv4Text(data: Uint8Array, at: number): string {
  const a = data[at]!;
  const b = data[at + 1]!;
  const c = data[at + 2]!;
  const d = data[at + 3]!;
  const key = ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
  let text = IPV4_TEXT.get(key);
  if (text === undefined) {
    text = `${a}.${b}.${c}.${d}`;
    if (IPV4_TEXT.size >= IPV4_TEXT_MAX) IPV4_TEXT.clear();
    IPV4_TEXT.set(key, text);
  }
  return text;
}

function decodeIpv6(data: Uint8Array): IpPacket {
  const r = new ByteReader(data);
  r.u32("IPv6 version/class/flow");
  const payloadLength = r.u16("IPv6 payload length");
  let next = r.u8();
  r.u8(); // hop limit
  const src = ipv6Text(r.bytesView(16, "IPv6 source"));
  const dst = ipv6Text(r.bytesView(16, "IPv6 destination"));
  let fragment: IpPacket["fragment"];
  for (let n = 0; ; n++) {
    if (n > MAX_EXTENSION_HEADERS) {
      throw new ParseError(
        `Cannot read IPv6 extension headers: more than ${MAX_EXTENSION_HEADERS}`,
        r.position,
      );
    }
    if (
      next === IpProtocol.HOP_BY_HOP ||
      next === IpProtocol.ROUTING ||
      next === IpProtocol.DESTINATION_OPTIONS
    ) {
      const nh = r.u8("IPv6 extension next header");
      const len = (r.u8("IPv6 extension length") + 1) * 8;
      r.skip(len - 2, "IPv6 extension header");
      next = nh;
    } else if (next === IpProtocol.AH) {
      const nh = r.u8("AH next header");
      const len = (r.u8("AH length") + 2) * 4;
      r.skip(len - 2, "AH header");
      next = nh;
    } else if (next === IpProtocol.FRAGMENT) {
      const nh = r.u8("IPv6 fragment next header");
      r.u8();
      const offMore = r.u16();
      const id = r.u32();
      const offset = offMore & 0xfff8;
      const more = (offMore & 1) !== 0;
      if (more || offset > 0) fragment = { id, offset, more };
      next = nh;
    } else break;
  }
  const end = payloadLength === 0 ? data.length : Math.min(40 + payloadLength, data.length);
  const start = Math.min(r.position, end);
  return {
    version: 6,
    src,
    dst,
    protocol: next,
    payload: data.subarray(start, end),
    fragment,
    truncated: 40 + payloadLength > data.length,
    raw: data.subarray(0, start),
  };
}

/**
 * Formats 16 bytes as an RFC 5952 IPv6 address (lowercase, longest zero run compressed).
 * @param b 16 bytes
 * @returns the text form, e.g. `2001:db8::1`
 */
export function ipv6Text(b: Uint8Array): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((b[i]! << 8) | b[i + 1]!);
  let bestAt = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestAt = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestAt < 0) return hex.join(":");
  return `${hex.slice(0, bestAt).join(":")}::${hex.slice(bestAt + bestLen).join(":")}`;
}

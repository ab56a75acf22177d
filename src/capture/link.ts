/**
 * Link-layer decoding down to the network-layer payload.
 * Sources: tcpdump.org LINKTYPE_ registry; IEEE 802.1Q (VLAN tag 0x8100, QinQ 0x88a8).
 * @module
 */
import { LinkType } from "./packet.ts";

/** EtherTypes the decoder follows. */
export const EtherType = {
  IPV4: 0x0800,
  IPV6: 0x86dd,
  VLAN: 0x8100,
  QINQ: 0x88a8,
  QINQ_OLD: 0x9100,
} as const;

/** The result of link-layer decoding. */
export type LinkPayload =
  /** An IP packet (version from the link header or the first nibble). */
  | { readonly kind: "ip"; readonly version: 4 | 6; readonly payload: Uint8Array }
  /** A protocol we do not follow (ARP, LLDP...): `protocol` is the EtherType or family. */
  | { readonly kind: "other"; readonly protocol: number }
  /** The frame is too short for its link header. */
  | { readonly kind: "malformed"; readonly reason: string }
  /** The link type is not one we decode. */
  | { readonly kind: "unsupported"; readonly linkType: number };

const MAX_VLAN_TAGS = 4;

/**
 * Strips the link-layer header of a frame.
 * @param linkType the interface's LINKTYPE_ value (see {@link LinkType})
 * @param data the captured frame
 * @returns the network-layer payload, or why there is none; never throws
 * @example
 * ```ts
 * const l = decodeLink(LinkType.ETHERNET, packet.data);
 * if (l.kind === "ip") decodeIp(l.payload);
 * ```
 */
export function decodeLink(linkType: number, data: Uint8Array): LinkPayload {
  switch (linkType) {
    case LinkType.ETHERNET:
      return ethernet(data);
    case LinkType.LINUX_SLL:
      if (data.length < 16) return malformed("Linux SLL header", 16, data.length);
      return byEtherType(u16(data, 14), data.subarray(16));
    case LinkType.LINUX_SLL2:
      if (data.length < 20) return malformed("Linux SLL2 header", 20, data.length);
      return byEtherType(u16(data, 0), data.subarray(20));
    case LinkType.RAW:
      return rawIp(data);
    case LinkType.IPV4:
      return { kind: "ip", version: 4, payload: data };
    case LinkType.IPV6:
      return { kind: "ip", version: 6, payload: data };
    case LinkType.NULL:
    case LinkType.LOOP: {
      if (data.length < 4) return malformed("loopback header", 4, data.length);
      // NULL: host byte order of the writer; LOOP: network order. Families: 2 = AF_INET,
      // 24/28/30 = AF_INET6 on the BSDs and macOS.
      const family =
        linkType === LinkType.LOOP || data[0] === 0
          ? (data[0]! << 24) | (data[1]! << 16) | (data[2]! << 8) | data[3]!
          : data[0]! | (data[1]! << 8) | (data[2]! << 16) | (data[3]! << 24);
      const payload = data.subarray(4);
      if (family === 2) return { kind: "ip", version: 4, payload };
      if (family === 24 || family === 28 || family === 30)
        return { kind: "ip", version: 6, payload };
      return { kind: "other", protocol: family };
    }
    default:
      return { kind: "unsupported", linkType };
  }
}

function u16(data: Uint8Array, at: number): number {
  return (data[at]! << 8) | data[at + 1]!;
}

function malformed(what: string, need: number, have: number): LinkPayload {
  return { kind: "malformed", reason: `${what} needs ${need} bytes, ${have} captured` };
}

function ethernet(data: Uint8Array): LinkPayload {
  if (data.length < 14) return malformed("Ethernet header", 14, data.length);
  let type = u16(data, 12);
  let at = 14;
  for (
    let tags = 0;
    type === EtherType.VLAN || type === EtherType.QINQ || type === EtherType.QINQ_OLD;
    tags++
  ) {
    if (tags >= MAX_VLAN_TAGS)
      return { kind: "malformed", reason: `more than ${MAX_VLAN_TAGS} VLAN tags` };
    if (data.length < at + 4) return malformed("802.1Q tag", at + 4, data.length);
    type = u16(data, at + 2);
    at += 4;
  }
  return byEtherType(type, data.subarray(at));
}

function byEtherType(type: number, payload: Uint8Array): LinkPayload {
  if (type === EtherType.IPV4) return { kind: "ip", version: 4, payload };
  if (type === EtherType.IPV6) return { kind: "ip", version: 6, payload };
  return { kind: "other", protocol: type };
}

function rawIp(data: Uint8Array): LinkPayload {
  if (data.length < 1) return malformed("raw IP packet", 1, 0);
  const v = data[0]! >> 4;
  if (v === 4 || v === 6) return { kind: "ip", version: v, payload: data };
  return { kind: "malformed", reason: `raw IP version nibble ${v} is not 4 or 6` };
}

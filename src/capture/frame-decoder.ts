/**
 * From a captured frame to its TCP segment: link layer, IP, TCP.
 * @module
 */
import { ParseError } from "../errors.ts";
import { decodeIp, type IpPacket, IpProtocol } from "./ip.ts";
import { decodeLink } from "./link.ts";
import type { Packet } from "./packet.ts";
import { decodeTcp, type TcpSegment } from "./tcp.ts";
import { decodeUdp, type UdpDatagram } from "./udp.ts";

/** What a frame decodes to. */
export type DecodedFrame =
  | { readonly kind: "tcp"; readonly ip: IpPacket; readonly tcp: TcpSegment }
  | { readonly kind: "udp"; readonly ip: IpPacket; readonly udp: UdpDatagram }
  /** An IP fragment of a TCP or UDP datagram: give it to an `IpDefragmenter`. */
  | { readonly kind: "fragment"; readonly ip: IpPacket }
  /** The interface's link type is not decoded. */
  | { readonly kind: "unsupported-link"; readonly linkType: number }
  /** Not TCP or UDP over IP (ARP, ICMP...). */
  | { readonly kind: "other" }
  /** A header that does not parse; `reason` says which. */
  | { readonly kind: "malformed"; readonly reason: string };

/**
 * Decodes a frame down to TCP or UDP. Never throws: malformed headers come back as `malformed`.
 * @param packet a frame from a capture reader
 * @returns the TCP segment with its IP header, or why there is none
 * @example
 * ```ts
 * const d = decodeFrame(packet);
 * if (d.kind === "tcp") reassembler.push(packet.frame, d);
 * ```
 */
export function decodeFrame(packet: Packet): DecodedFrame {
  const link = decodeLink(packet.linkType, packet.data);
  if (link.kind === "unsupported") return { kind: "unsupported-link", linkType: link.linkType };
  if (link.kind === "malformed") return { kind: "malformed", reason: link.reason };
  if (link.kind === "other") return { kind: "other" };
  try {
    const ip = decodeIp(link.payload);
    if (ip.fragment) {
      if (ip.protocol !== IpProtocol.TCP && ip.protocol !== IpProtocol.UDP)
        return { kind: "other" };
      return { kind: "fragment", ip };
    }
    return decodeTransport(ip);
  } catch (e) {
    if (e instanceof ParseError) return { kind: "malformed", reason: e.message };
    throw e;
  }
}

/**
 * Decodes the TCP or UDP header of a whole (unfragmented or reassembled) IP packet.
 * Never throws: a malformed header comes back as `malformed`.
 * @param ip the IP packet
 * @returns the segment or datagram, `other` for other protocols
 */
export function decodeTransport(ip: IpPacket): DecodedFrame {
  try {
    if (ip.protocol === IpProtocol.UDP) return { kind: "udp", ip, udp: decodeUdp(ip.payload) };
    if (ip.protocol === IpProtocol.TCP) return { kind: "tcp", ip, tcp: decodeTcp(ip.payload) };
    return { kind: "other" };
  } catch (e) {
    if (e instanceof ParseError) return { kind: "malformed", reason: e.message };
    throw e;
  }
}

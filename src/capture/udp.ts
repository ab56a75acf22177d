/**
 * UDP header decoding (RFC 768).
 * @module
 */
import { ByteReader } from "../tls/byte-reader.ts";

/** A decoded UDP datagram. */
export interface UdpDatagram {
  readonly srcPort: number;
  readonly dstPort: number;
  /** The datagram's data, trimmed to the UDP length field when it is consistent. */
  readonly payload: Uint8Array;
  /** The 8 header bytes. */
  readonly raw: Uint8Array;
}

/**
 * Decodes a UDP header.
 * @param data the IP payload
 * @returns ports and payload view
 * @throws {ParseError} when fewer than 8 bytes are captured
 */
export function decodeUdp(data: Uint8Array): UdpDatagram {
  const r = new ByteReader(data);
  const srcPort = r.u16("UDP source port");
  const dstPort = r.u16("UDP destination port");
  const length = r.u16("UDP length");
  r.u16("UDP checksum");
  const end = length >= 8 && length <= data.length ? length : data.length;
  return { srcPort, dstPort, payload: data.subarray(8, end), raw: data.subarray(0, 8) };
}

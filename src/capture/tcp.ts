/**
 * TCP header decoding (RFC 9293 §3.1).
 * @module
 */
import { ParseError } from "../errors.ts";
import { ByteReader } from "../tls/byte-reader.ts";

/** TCP control bits (RFC 9293 §3.1). */
export const TcpFlag = {
  FIN: 0x01,
  SYN: 0x02,
  RST: 0x04,
  PSH: 0x08,
  ACK: 0x10,
  URG: 0x20,
} as const;

/** A decoded TCP segment. */
export interface TcpSegment {
  readonly srcPort: number;
  readonly dstPort: number;
  /** Sequence number (unsigned 32-bit). */
  readonly seq: number;
  /** Acknowledgment number (unsigned 32-bit). */
  readonly ack: number;
  /** Control bits (see {@link TcpFlag}). */
  readonly flags: number;
  /** Receive window, unscaled. */
  readonly window: number;
  /** The segment's data (may be shorter than sent when the capture was truncated). */
  readonly payload: Uint8Array;
  /** The header bytes, options included. */
  readonly raw: Uint8Array;
}

/**
 * Decodes a TCP header.
 * @param data the TCP segment (IP payload)
 * @returns ports, numbers, flags and payload view
 * @throws {ParseError} when the header is cut short or its data offset is below 20 bytes
 */
export function decodeTcp(data: Uint8Array): TcpSegment {
  const r = new ByteReader(data);
  const srcPort = r.u16("TCP source port");
  const dstPort = r.u16("TCP destination port");
  const seq = r.u32("TCP sequence number");
  const ack = r.u32("TCP acknowledgment number");
  const offFlags = r.u16("TCP data offset/flags");
  const window = r.u16("TCP window");
  const headerLength = (offFlags >> 12) * 4;
  if (headerLength < 20) {
    throw new ParseError(
      `Cannot read TCP header: data offset ${headerLength} bytes is below 20`,
      12,
    );
  }
  if (headerLength > data.length) {
    throw new ParseError(
      `Cannot read TCP options: data offset ${headerLength} bytes, ${data.length} captured`,
      12,
    );
  }
  return {
    srcPort,
    dstPort,
    seq,
    ack,
    flags: offFlags & 0x3f,
    window,
    payload: data.subarray(headerLength),
    raw: data.subarray(0, headerLength),
  };
}

/**
 * Recognises a capture file by its first bytes and makes the matching reader.
 * @module
 */
import { ParseError } from "../errors.ts";
import type { CaptureReader } from "./packet.ts";
import { PcapReader } from "./pcap-reader.ts";
import { PcapngReader } from "./pcapng-reader.ts";

/** What the first bytes of a file say it is. */
export type CaptureFormat = "pcap" | "pcapng" | "gzip" | "unknown";

/**
 * Names the format of a capture from its first 4 bytes.
 * @param firstBytes the start of the file (4 bytes suffice)
 * @returns "pcap" (any magic, either byte order), "pcapng" (SHB), "gzip" (1f 8b) or "unknown"
 * @example
 * ```ts
 * detectFormat(new Uint8Array([0x0a, 0x0d, 0x0d, 0x0a])); // "pcapng"
 * ```
 */
export function detectFormat(firstBytes: Uint8Array): CaptureFormat {
  if (firstBytes.length >= 2 && firstBytes[0] === 0x1f && firstBytes[1] === 0x8b) return "gzip";
  if (firstBytes.length < 4) return "unknown";
  const dv = new DataView(firstBytes.buffer, firstBytes.byteOffset, 4);
  const be = dv.getUint32(0);
  if (be === 0x0a0d0d0a) return "pcapng";
  const le = dv.getUint32(0, true);
  for (const m of [be, le]) if (m === 0xa1b2c3d4 || m === 0xa1b23c4d) return "pcap";
  return "unknown";
}

/**
 * Makes the reader for a capture whose first bytes are `firstBytes`.
 * @throws {ParseError} when the format is neither pcap nor pcapng (gzip must be inflated first)
 */
export function createCaptureReader(firstBytes: Uint8Array): CaptureReader {
  const format = detectFormat(firstBytes);
  if (format === "pcap") return new PcapReader();
  if (format === "pcapng") return new PcapngReader();
  throw new ParseError(
    `Not a pcap or pcapng file (first bytes ${[...firstBytes.subarray(0, 4)].map((b) => b.toString(16).padStart(2, "0")).join(" ")})`,
    0,
  );
}

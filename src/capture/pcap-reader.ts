/**
 * Incremental reader for classic libpcap files.
 *
 * File header (24 bytes): magic u32, version_major u16, version_minor u16, thiszone i32,
 * sigfigs u32, snaplen u32, network (link type) u32. Record header (16 bytes): ts_sec,
 * ts_usec (or ts_nsec), incl_len, orig_len. Magic 0xa1b2c3d4 = microseconds,
 * 0xa1b23c4d = nanoseconds; byte-swapped magics mean the other byte order
 * (draft-ietf-opsawg-pcap §4, §5).
 * @module
 */
import { ParseError } from "../errors.ts";
import { ByteReader } from "../tls/byte-reader.ts";
import { ChunkQueue } from "./chunk-queue.ts";
import {
  type CaptureReader,
  type DecryptionSecrets,
  type IncompleteUnit,
  MAX_BLOCK_BYTES,
  type Packet,
} from "./packet.ts";

const MAGIC_MICRO = 0xa1b2c3d4;
const MAGIC_NANO = 0xa1b23c4d;

/** What the pcap file header says. */
export interface PcapHeader {
  readonly littleEndian: boolean;
  readonly nanosecond: boolean;
  readonly versionMajor: number;
  readonly versionMinor: number;
  readonly snaplen: number;
  readonly linkType: number;
}

/**
 * Parses a classic pcap file fed in chunks of any size.
 *
 * @example
 * ```ts
 * const reader = new PcapReader();
 * for await (const chunk of stream) for (const p of reader.push(chunk)) handle(p);
 * reader.end();
 * ```
 */
export class PcapReader implements CaptureReader {
  #queue = new ChunkQueue();
  #header: PcapHeader | undefined;
  #frame = 0;
  #offset = 0;
  readonly secrets: readonly DecryptionSecrets[] = [];

  /** The file header, once read. */
  get header(): PcapHeader | undefined {
    return this.#header;
  }

  /**
   * Parses the frames `chunk` completes.
   * @param chunk the next bytes of the file (kept by reference)
   * @returns the completed frames, in file order
   * @throws {ParseError} on a bad magic or a record length over 256 MiB
   */
  push(chunk: Uint8Array): Packet[] {
    this.#queue.push(chunk);
    const out: Packet[] = [];
    if (!this.#header) {
      if (this.#queue.length < 24) return out;
      this.#header = parsePcapHeader(this.#queue.read(24));
      this.#offset = 24;
    }
    const h = this.#header;
    while (this.#queue.length >= 16) {
      const r = new ByteReader(this.#queue.peek(16), this.#offset);
      const u32 = h.littleEndian ? () => r.u32le() : () => r.u32();
      const sec = u32();
      const frac = u32();
      const incl = u32();
      const orig = u32();
      if (incl > MAX_BLOCK_BYTES) {
        throw new ParseError(
          `Cannot read pcap record: incl_len ${incl} exceeds the ${MAX_BLOCK_BYTES}-byte limit`,
          this.#offset + 8,
        );
      }
      if (this.#queue.length < 16 + incl) break;
      this.#queue.consume(16);
      const data = this.#queue.read(incl);
      this.#offset += 16 + incl;
      out.push({
        frame: ++this.#frame,
        interfaceId: 0,
        linkType: h.linkType,
        seconds: sec,
        nanoseconds: h.nanosecond ? frac % 1e9 : (frac % 1e6) * 1000,
        capturedLength: incl,
        originalLength: orig,
        truncated: incl < orig,
        data,
      });
    }
    return out;
  }

  /** @returns bytes left in an incomplete record (0 for a clean end) */
  end(): number {
    return this.#queue.length;
  }

  /**
   * @returns the file header (under 24 bytes) or the record the input ended inside of;
   *   undefined after a clean end or when nothing was pushed
   */
  incomplete(): IncompleteUnit | undefined {
    const present = this.#queue.length;
    if (present === 0) return undefined;
    if (!this.#header) return { unit: "file header", packet: 0, offset: 0, present, expected: 24 };
    let expected: number | undefined;
    if (present >= 16) {
      const r = new ByteReader(this.#queue.peek(16), this.#offset);
      r.skip(8);
      expected = 16 + (this.#header.littleEndian ? r.u32le() : r.u32());
    }
    return { unit: "packet", packet: this.#frame + 1, offset: this.#offset, present, expected };
  }
}

/**
 * Parses the 24-byte pcap file header.
 * @param bytes at least 24 bytes
 * @returns the header fields
 * @throws {ParseError} when the magic is not a pcap magic
 */
export function parsePcapHeader(bytes: Uint8Array): PcapHeader {
  const r = new ByteReader(bytes);
  const magicBe = r.u32("pcap magic");
  let littleEndian: boolean;
  let nanosecond: boolean;
  if (magicBe === MAGIC_MICRO || magicBe === MAGIC_NANO) {
    littleEndian = false;
    nanosecond = magicBe === MAGIC_NANO;
  } else {
    const magicLe = new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true);
    if (magicLe !== MAGIC_MICRO && magicLe !== MAGIC_NANO) {
      throw new ParseError(
        `Cannot read pcap header: magic 0x${magicBe.toString(16).padStart(8, "0")} is not 0xa1b2c3d4 or 0xa1b23c4d in either byte order`,
        0,
      );
    }
    littleEndian = true;
    nanosecond = magicLe === MAGIC_NANO;
  }
  const u16 = littleEndian ? () => r.u16le() : () => r.u16();
  const u32 = littleEndian ? () => r.u32le() : () => r.u32();
  const versionMajor = u16();
  const versionMinor = u16();
  u32(); // thiszone
  u32(); // sigfigs
  const snaplen = u32();
  const linkType = u32() & 0x0fffffff; // upper bits: FCS length (draft §5)
  return { littleEndian, nanosecond, versionMajor, versionMinor, snaplen, linkType };
}

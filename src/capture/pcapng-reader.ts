/**
 * Incremental reader for pcapng files (draft-ietf-opsawg-pcapng).
 *
 * Every block: `block_type u32, block_total_length u32, body, block_total_length u32`
 * (§3.1), in the byte order the Section Header Block's byte-order magic 0x1a2b3c4d sets
 * (§4.1). Handled: SHB (§4.1, several sections), IDB (§4.2, link type and `if_tsresol`),
 * EPB (§4.3), SPB (§4.4), the obsolete Packet Block (Appendix A), DSB (§4.7: secrets kept);
 * NRB (§4.5), ISB (§4.6) and unknown blocks are skipped by their length.
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

/** pcapng block types (draft-ietf-opsawg-pcapng §10.1). */
export const BlockType = {
  SECTION_HEADER: 0x0a0d0d0a,
  INTERFACE_DESCRIPTION: 0x00000001,
  PACKET_OBSOLETE: 0x00000002,
  SIMPLE_PACKET: 0x00000003,
  NAME_RESOLUTION: 0x00000004,
  INTERFACE_STATISTICS: 0x00000005,
  ENHANCED_PACKET: 0x00000006,
  DECRYPTION_SECRETS: 0x0000000a,
} as const;

const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
const OPT_IF_TSRESOL = 9;

/** An interface as its Interface Description Block describes it (§4.2). */
export interface PcapngInterface {
  readonly linkType: number;
  readonly snaplen: number;
  /** Timestamp units per second (10^6 unless `if_tsresol` says otherwise). */
  readonly unitsPerSecond: bigint;
}

/**
 * Parses a pcapng file fed in chunks of any size.
 *
 * @example
 * ```ts
 * const reader = new PcapngReader();
 * for await (const chunk of stream) for (const p of reader.push(chunk)) handle(p);
 * reader.end();
 * ```
 */
export class PcapngReader implements CaptureReader {
  #queue = new ChunkQueue();
  #littleEndian: boolean | undefined;
  #interfaces: PcapngInterface[] = [];
  #frame = 0;
  #offset = 0;
  readonly #secrets: DecryptionSecrets[] = [];

  /** Decryption secrets met so far (§4.7). */
  get secrets(): readonly DecryptionSecrets[] {
    return this.#secrets;
  }

  /** Interfaces of the current section. */
  get interfaces(): readonly PcapngInterface[] {
    return this.#interfaces;
  }

  /**
   * Parses the frames `chunk` completes.
   * @param chunk the next bytes of the file (kept by reference)
   * @returns the completed frames, in file order
   * @throws {ParseError} on a malformed block (bad length, no SHB first, unknown interface)
   */
  push(chunk: Uint8Array): Packet[] {
    this.#queue.push(chunk);
    const out: Packet[] = [];
    while (this.#queue.length >= 12) {
      const head = this.#queue.peek(12);
      const dv = new DataView(head.buffer, head.byteOffset, 12);
      const typeBe = dv.getUint32(0);
      if (typeBe === BlockType.SECTION_HEADER) {
        const bom = dv.getUint32(8);
        if (bom === BYTE_ORDER_MAGIC) this.#littleEndian = false;
        else if (dv.getUint32(8, true) === BYTE_ORDER_MAGIC) this.#littleEndian = true;
        else {
          throw new ParseError(
            `Cannot read pcapng Section Header Block: byte-order magic 0x${bom.toString(16)} is not 0x1a2b3c4d`,
            this.#offset + 8,
          );
        }
      } else if (this.#littleEndian === undefined) {
        throw new ParseError(
          `Cannot read pcapng file: first block type 0x${typeBe.toString(16)} is not a Section Header Block (0x0a0d0d0a)`,
          this.#offset,
        );
      }
      const le = this.#littleEndian;
      const type = dv.getUint32(0, le);
      const total = dv.getUint32(4, le);
      if (total < 12 || total % 4 !== 0 || total > MAX_BLOCK_BYTES) {
        throw new ParseError(
          `Cannot read pcapng block 0x${type.toString(16)}: block_total_length ${total} is not a multiple of 4 in 12..${MAX_BLOCK_BYTES}`,
          this.#offset + 4,
        );
      }
      if (this.#queue.length < total) break;
      const block = this.#queue.read(total);
      const base = this.#offset;
      this.#offset += total;
      const body = new ByteReader(block.subarray(8, total - 4), base + 8);
      const packet = this.#block(type, body, le);
      if (packet) out.push(packet);
    }
    return out;
  }

  /** @returns bytes left in an incomplete block (0 for a clean end) */
  end(): number {
    return this.#queue.length;
  }

  /**
   * @returns the block the input ended inside of (`file header` for the first Section Header
   *   Block, `packet` for packet blocks); undefined after a clean end or when nothing was pushed
   */
  incomplete(): IncompleteUnit | undefined {
    const present = this.#queue.length;
    if (present === 0) return undefined;
    const offset = this.#offset;
    let type: number | undefined;
    let expected: number | undefined;
    if (present >= 8 && this.#littleEndian !== undefined) {
      const head = this.#queue.peek(8);
      const dv = new DataView(head.buffer, head.byteOffset, 8);
      type = dv.getUint32(0, this.#littleEndian);
      expected = dv.getUint32(4, this.#littleEndian);
    }
    if (offset === 0) return { unit: "file header", packet: 0, offset, present, expected };
    const packet =
      type === BlockType.ENHANCED_PACKET ||
      type === BlockType.SIMPLE_PACKET ||
      type === BlockType.PACKET_OBSOLETE;
    return packet
      ? { unit: "packet", packet: this.#frame + 1, offset, present, expected }
      : { unit: "block", packet: 0, offset, present, expected };
  }

  #block(type: number, r: ByteReader, le: boolean): Packet | undefined {
    const u16 = () => (le ? r.u16le() : r.u16());
    const u32 = () => (le ? r.u32le() : r.u32());
    switch (type) {
      case BlockType.SECTION_HEADER:
        this.#interfaces = [];
        return undefined;
      case BlockType.INTERFACE_DESCRIPTION: {
        const linkType = u16();
        u16();
        const snaplen = u32();
        let unitsPerSecond = 1_000_000n;
        for (const [code, value] of readOptions(r, le)) {
          if (code === OPT_IF_TSRESOL && value.length >= 1) {
            const v = value[0]!;
            const exp = BigInt(v & 0x7f);
            if (exp <= 64n) unitsPerSecond = v & 0x80 ? 1n << exp : 10n ** exp;
          }
        }
        this.#interfaces.push({ linkType, snaplen, unitsPerSecond });
        return undefined;
      }
      case BlockType.ENHANCED_PACKET:
      case BlockType.PACKET_OBSOLETE: {
        const interfaceId = type === BlockType.ENHANCED_PACKET ? u32() : u16();
        if (type === BlockType.PACKET_OBSOLETE) u16(); // drops_count
        const hi = u32();
        const lo = u32();
        const caplen = u32();
        const orig = u32();
        const data = r.bytesView(caplen, "packet data");
        return this.#packet(interfaceId, (BigInt(hi) << 32n) | BigInt(lo), data, orig, r.base);
      }
      case BlockType.SIMPLE_PACKET: {
        const orig = u32();
        const iface = this.#iface(0, r.base);
        let caplen = Math.min(orig, r.remaining);
        if (iface.snaplen > 0) caplen = Math.min(caplen, iface.snaplen);
        return this.#packet(0, undefined, r.bytesView(caplen, "packet data"), orig, r.base);
      }
      case BlockType.DECRYPTION_SECRETS: {
        const secretsType = u32();
        const length = u32();
        this.#secrets.push({
          type: secretsType,
          data: r.bytesView(length, "secrets data").slice(),
        });
        return undefined;
      }
      default:
        return undefined; // NRB, ISB, custom and unknown blocks: skipped by length
    }
  }

  #iface(id: number, at: number): PcapngInterface {
    const iface = this.#interfaces[id];
    if (!iface) {
      throw new ParseError(
        `Cannot read pcapng packet: interface ${id} not described (${this.#interfaces.length} IDBs in this section)`,
        at,
      );
    }
    return iface;
  }

  #packet(
    interfaceId: number,
    units: bigint | undefined,
    data: Uint8Array,
    orig: number,
    at: number,
  ): Packet {
    const iface = this.#iface(interfaceId, at);
    let seconds = 0;
    let nanoseconds = 0;
    if (units !== undefined) {
      const per = iface.unitsPerSecond;
      seconds = Number(units / per);
      nanoseconds = Number(((units % per) * 1_000_000_000n) / per);
    }
    return {
      frame: ++this.#frame,
      interfaceId,
      linkType: iface.linkType,
      seconds,
      nanoseconds,
      capturedLength: data.length,
      originalLength: orig,
      truncated: data.length < orig,
      data,
    };
  }
}

/**
 * Reads pcapng options (§3.5): `option_code u16, option_length u16, value padded to 32 bits`,
 * up to `opt_endofopt` (code 0) or the end of the block body.
 * @returns [code, value view] pairs
 */
function readOptions(r: ByteReader, le: boolean): [number, Uint8Array][] {
  const out: [number, Uint8Array][] = [];
  while (r.remaining >= 4) {
    const code = le ? r.u16le() : r.u16();
    const len = le ? r.u16le() : r.u16();
    if (code === 0) break;
    if (len > r.remaining) break;
    out.push([code, r.bytesView(len)]);
    r.skip(Math.min((4 - (len % 4)) % 4, r.remaining));
  }
  return out;
}

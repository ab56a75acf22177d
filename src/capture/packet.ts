/**
 * A captured frame as the pcap and pcapng readers return it.
 * @module
 */

/** Link-layer header types used by the readers (tcpdump.org LINKTYPE_ values). */
export const LinkType = {
  /** BSD loopback: 4-byte address family in the writer's byte order. */
  NULL: 0,
  /** IEEE 802.3 Ethernet. */
  ETHERNET: 1,
  /** Raw IP (IPv4 or IPv6 by the version nibble). */
  RAW: 101,
  /** OpenBSD loopback: 4-byte address family in network byte order. */
  LOOP: 108,
  /** Linux "cooked" capture v1. */
  LINUX_SLL: 113,
  /** Raw IPv4. */
  IPV4: 228,
  /** Raw IPv6. */
  IPV6: 229,
  /** Linux "cooked" capture v2. */
  LINUX_SLL2: 276,
} as const;

/** A captured frame. Its `data` is a view into the bytes pushed to the reader (not a copy). */
export interface Packet {
  /** 1-based frame number in file order across all sections, as Wireshark numbers frames. */
  readonly frame: number;
  /** pcapng interface index (0 for classic pcap). */
  readonly interfaceId: number;
  /** LINKTYPE_ value of the interface that captured the frame. */
  readonly linkType: number;
  /** Timestamp: whole seconds since the Unix epoch. */
  readonly seconds: number;
  /** Timestamp: nanoseconds within `seconds` (0..999999999). */
  readonly nanoseconds: number;
  /** Bytes captured (the length of `data`). */
  readonly capturedLength: number;
  /** Bytes on the wire. */
  readonly originalLength: number;
  /** True when the snap length cut the frame (`capturedLength < originalLength`). */
  readonly truncated: boolean;
  /** The captured bytes, starting with the link-layer header. */
  readonly data: Uint8Array;
}

/** A decryption secret carried in a pcapng Decryption Secrets Block (pcapng draft §4.7). */
export interface DecryptionSecrets {
  /** Secrets type, e.g. 0x544c534b ("TLSK": an NSS key log). */
  readonly type: number;
  /** The secrets bytes (for TLSK: key log text, UTF-8). */
  readonly data: Uint8Array;
}

/** Secrets type of a TLS key log in a Decryption Secrets Block (pcapng draft §4.7). */
export const SECRETS_TYPE_TLS_KEY_LOG = 0x544c534b;

/** The unit of a capture file that the input ended inside of. */
export interface IncompleteUnit {
  /** `file header` (pcap header, first pcapng SHB), `packet` (record or packet block), `block` (other pcapng block). */
  readonly unit: "file header" | "packet" | "block";
  /** Number the packet would have had (1-based, as tshark counts); 0 for other units. */
  readonly packet: number;
  /** Offset of the unit in the file, in bytes. */
  readonly offset: number;
  /** Bytes of the unit present, in bytes. */
  readonly present: number;
  /** Bytes the unit needs, when its length was read; else undefined. */
  readonly expected: number | undefined;
}

/** What an incremental capture reader offers: push bytes, get the frames they complete. */
export interface CaptureReader {
  /**
   * Parses as many frames as `chunk` completes. Returned `data` views point into the
   * chunks pushed, which must not be modified afterwards.
   * @throws {ParseError} on a malformed file
   */
  push(chunk: Uint8Array): Packet[];
  /**
   * Signals the end of input.
   * @returns the number of bytes left over in an incomplete block or record (0 when the file
   *   ended cleanly)
   */
  end(): number;
  /**
   * Names what the input ended inside of, for a message such as `capture ends in the middle
   * of packet 4 (at byte 286 of the file): 214 of 247 bytes present`.
   * @returns undefined when the input ended cleanly (or nothing was pushed)
   */
  incomplete(): IncompleteUnit | undefined;
  /** Decryption secrets met so far (pcapng only). */
  readonly secrets: readonly DecryptionSecrets[];
}

/** Largest frame or block a reader accepts, in bytes (256 MiB): a hard limit against hostile lengths. */
export const MAX_BLOCK_BYTES = 256 * 1024 * 1024;

/**
 * QUIC Initial packets: header parsing, Initial key derivation, header-protection removal,
 * AEAD decryption and CRYPTO frame extraction — everything needed to read the TLS
 * ClientHello and ServerHello that QUIC carries, without any key log.
 *
 * Sources: RFC 9000 §17.2 (long header), §17.2.2 (Initial), §16 (variable-length integers),
 * §19 (frames); RFC 9001 §5.2 (Initial secrets), §5.3 (AEAD), §5.4 (header protection);
 * RFC 9369 §3 (QUIC v2 salt, labels and packet types).
 * @module
 */
import { createCipheriv, createDecipheriv, createHmac } from "node:crypto";
import { ParseError } from "../errors.ts";
import { ByteReader } from "../tls/byte-reader.ts";

const V1 = 0x00000001;
const V2 = 0x6b3343cf;

interface VersionParams {
  readonly salt: Buffer;
  readonly labels: readonly [key: string, iv: string, hp: string];
  /** The long-header packet type bits (0..3) of Initial packets. */
  readonly initialType: number;
}

/** Initial salts (RFC 9001 §5.2, RFC 9369 §3.3.1, draft-ietf-quic-tls-29 §5.2). */
function versionParams(version: number): VersionParams | undefined {
  if (version === V1) {
    return {
      salt: Buffer.from("38762cf7f55934b34d179ae6a4c80cadccbb7f0a", "hex"),
      labels: ["quic key", "quic iv", "quic hp"],
      initialType: 0,
    };
  }
  if (version === V2) {
    return {
      salt: Buffer.from("0dede3def700a6db819381be6e269dcbf9bd2ed9", "hex"),
      labels: ["quicv2 key", "quicv2 iv", "quicv2 hp"],
      initialType: 1,
    };
  }
  if (version >= 0xff00001d && version <= 0xff000020) {
    return {
      salt: Buffer.from("afbfec289993d24c9e9786f19c6111e04390a899", "hex"),
      labels: ["quic key", "quic iv", "quic hp"],
      initialType: 0,
    };
  }
  return undefined;
}

/** One long-header packet inside a UDP datagram (RFC 9000 §17.2). */
export interface QuicLongPacket {
  readonly version: number;
  /** True for an Initial packet of a known version. */
  readonly initial: boolean;
  readonly dcid: Uint8Array;
  readonly scid: Uint8Array;
  /** Offset of the Packet Number field within `raw`. */
  readonly pnOffset: number;
  /** The whole packet (header and protected payload). */
  readonly raw: Uint8Array;
}

/**
 * Reads a QUIC variable-length integer (RFC 9000 §16).
 * @throws {ParseError} at end of input
 */
export function readVarint(r: ByteReader): number {
  const first = r.u8("varint");
  const len = 1 << (first >> 6);
  let v = first & 0x3f;
  for (let i = 1; i < len; i++) v = v * 256 + r.u8("varint");
  return v;
}

/**
 * Splits a UDP datagram into its coalesced long-header packets (RFC 9000 §12.2). Stops at a
 * short-header packet or at anything that does not parse.
 * @param datagram the UDP payload
 * @returns the long-header packets found (possibly none)
 */
export function parseLongHeaders(datagram: Uint8Array): QuicLongPacket[] {
  const out: QuicLongPacket[] = [];
  let at = 0;
  try {
    while (at < datagram.length) {
      const rest = datagram.subarray(at);
      const r = new ByteReader(rest);
      const first = r.u8();
      if ((first & 0xc0) !== 0xc0) break; // short header or not QUIC
      const version = r.u32();
      if (version === 0) break; // Version Negotiation
      const params = versionParams(version);
      const dcid = r.vector(1).rest();
      const scid = r.vector(1).rest();
      if (dcid.length > 20 || scid.length > 20) break;
      const type = (first >> 4) & 0x03;
      const initial = params !== undefined && type === params.initialType;
      if (initial) r.skip(readVarint(r), "token");
      if (params && type === (params.initialType + 3) % 4) break; // Retry: no Length field
      const length = readVarint(r);
      const pnOffset = r.position;
      r.skip(length, "packet payload");
      out.push({ version, initial, dcid, scid, pnOffset, raw: rest.subarray(0, r.position) });
      at += r.position;
    }
  } catch (e) {
    if (!(e instanceof ParseError)) throw e;
  }
  return out;
}

/** Initial packet protection keys for one direction (RFC 9001 §5.2). */
export interface InitialKeys {
  readonly key: Buffer;
  readonly iv: Buffer;
  readonly hp: Buffer;
}

function hkdfExpandLabel(secret: Buffer, label: string, length: number): Buffer {
  const full = Buffer.from(`tls13 ${label}`, "ascii");
  const info = Buffer.concat([
    Buffer.from([length >> 8, length & 0xff, full.length]),
    full,
    Buffer.from([0]),
  ]);
  // One HKDF-Expand block suffices: every output here is at most 32 bytes (RFC 5869 §2.3).
  return createHmac("sha256", secret)
    .update(Buffer.concat([info, Buffer.from([1])]))
    .digest()
    .subarray(0, length);
}

/**
 * Derives the Initial keys of one side from the client's Destination Connection ID.
 * @param version the QUIC version (1, v2 0x6b3343cf, or drafts 29..32)
 * @param dcid the Destination Connection ID of the client's first Initial packet
 * @param side "client" or "server"
 * @returns the keys, or undefined for an unknown version
 */
export function deriveInitialKeys(
  version: number,
  dcid: Uint8Array,
  side: "client" | "server",
): InitialKeys | undefined {
  const params = versionParams(version);
  if (!params) return undefined;
  const initial = createHmac("sha256", params.salt).update(dcid).digest();
  const secret = hkdfExpandLabel(initial, side === "client" ? "client in" : "server in", 32);
  const [k, i, h] = params.labels;
  return {
    key: hkdfExpandLabel(secret, k, 16),
    iv: hkdfExpandLabel(secret, i, 12),
    hp: hkdfExpandLabel(secret, h, 16),
  };
}

/**
 * Removes header protection and decrypts an Initial packet (RFC 9001 §5.3, §5.4).
 * @param packet a packet from {@link parseLongHeaders} with `initial` true
 * @param keys the sender's Initial keys
 * @returns the plaintext frames, or undefined when the packet does not authenticate
 */
export function decryptInitial(packet: QuicLongPacket, keys: InitialKeys): Uint8Array | undefined {
  const raw = packet.raw;
  const sampleAt = packet.pnOffset + 4;
  if (raw.length < sampleAt + 16) return undefined;
  const ecb = createCipheriv("aes-128-ecb", keys.hp, null);
  const mask = ecb.update(raw.subarray(sampleAt, sampleAt + 16));
  const header = Buffer.from(raw.subarray(0, packet.pnOffset + 4));
  header[0] = header[0]! ^ (mask[0]! & 0x0f);
  const pnLength = (header[0]! & 0x03) + 1;
  let pn = 0;
  for (let i = 0; i < pnLength; i++) {
    header[packet.pnOffset + i] = header[packet.pnOffset + i]! ^ mask[1 + i]!;
    pn = pn * 256 + header[packet.pnOffset + i]!;
  }
  const aad = header.subarray(0, packet.pnOffset + pnLength);
  const body = raw.subarray(packet.pnOffset + pnLength);
  if (body.length < 16) return undefined;
  const nonce = Buffer.from(keys.iv);
  for (let i = 0; i < 8; i++) {
    nonce[11 - i] = nonce[11 - i]! ^ (Math.floor(pn / 2 ** (8 * i)) & 0xff);
  }
  try {
    const gcm = createDecipheriv("aes-128-gcm", keys.key, nonce);
    gcm.setAAD(aad);
    gcm.setAuthTag(body.subarray(body.length - 16));
    const plain = Buffer.concat([gcm.update(body.subarray(0, body.length - 16)), gcm.final()]);
    return new Uint8Array(plain.buffer, plain.byteOffset, plain.byteLength);
  } catch {
    return undefined; // not authentic: wrong keys or not an Initial of this connection
  }
}

/** A CRYPTO frame's data at its offset in the crypto stream (RFC 9000 §19.6). */
export interface CryptoChunk {
  readonly offset: number;
  readonly data: Uint8Array;
}

/**
 * Extracts the CRYPTO frames from decrypted Initial payload; stops at a frame type an
 * Initial packet may not carry (RFC 9000 §12.4, Table 3).
 * @param payload decrypted frames
 * @returns the CRYPTO chunks in packet order
 */
export function cryptoFrames(payload: Uint8Array): CryptoChunk[] {
  const out: CryptoChunk[] = [];
  const r = new ByteReader(payload);
  try {
    while (!r.done) {
      const type = readVarint(r);
      if (type === 0x00 || type === 0x01) continue; // PADDING, PING
      if (type === 0x02 || type === 0x03) {
        readVarint(r); // Largest Acknowledged
        readVarint(r); // ACK Delay
        const ranges = readVarint(r);
        readVarint(r); // First ACK Range
        for (let i = 0; i < ranges; i++) {
          readVarint(r);
          readVarint(r);
        }
        if (type === 0x03) for (let i = 0; i < 3; i++) readVarint(r);
      } else if (type === 0x06) {
        const offset = readVarint(r);
        const length = readVarint(r);
        out.push({ offset, data: r.bytesView(length, "CRYPTO data") });
      } else if (type === 0x1c || type === 0x1d) {
        readVarint(r);
        if (type === 0x1c) readVarint(r);
        r.skip(readVarint(r), "reason phrase");
      } else break;
    }
  } catch (e) {
    if (!(e instanceof ParseError)) throw e;
  }
  return out;
}

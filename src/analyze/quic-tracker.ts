/**
 * Follows QUIC connections far enough to read the TLS handshake messages in their Initial
 * packets (ClientHello, ServerHello), keyed by UDP 4-tuple. CRYPTO data is reassembled by
 * offset (RFC 9000 §19.6: frames may arrive in any order, Chrome scrambles them) and framed
 * into handshake messages (RFC 9001 §4.1.3).
 * @module
 */
import type { IpPacket } from "../capture/ip.ts";
import type { Direction, Endpoint } from "../capture/tcp-reassembler.ts";
import type { UdpDatagram } from "../capture/udp.ts";
import { ParseError } from "../errors.ts";
import { HandshakeFramer } from "../tls/handshake-framer.ts";
import type { AnalyzerEvent, HandshakeEvent } from "./events.ts";
import { readHandshakeFields } from "./hello-fields.ts";
import {
  type CryptoChunk,
  cryptoFrames,
  decryptInitial,
  deriveInitialKeys,
  type InitialKeys,
  parseLongHeaders,
} from "./quic-initial.ts";

/** Crypto bytes buffered ahead of a hole per direction, in bytes. */
const MAX_PENDING_BYTES = 256 * 1024;
/** CRYPTO chunks buffered ahead of a hole per direction (bounds the linear search). */
const MAX_PENDING_CHUNKS = 256;
/** QUIC connections remembered at once; the oldest are forgotten beyond this. */
const MAX_CONNECTIONS = 65536;

interface CryptoHalf {
  next: number;
  pending: CryptoChunk[];
  pendingBytes: number;
  framer: HandshakeFramer;
  broken: boolean;
}

interface QuicConnection {
  readonly index: number;
  readonly client: Endpoint;
  readonly server: Endpoint;
  readonly clientKey: string;
  dcid: Uint8Array;
  version: number;
  keys: [InitialKeys | undefined, InitialKeys | undefined];
  readonly halves: [CryptoHalf, CryptoHalf];
}

function newHalf(): CryptoHalf {
  return { next: 0, pending: [], pendingBytes: 0, framer: new HandshakeFramer(), broken: false };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Reads the TLS handshake messages of QUIC Initial packets.
 *
 * @example
 * ```ts
 * const quic = new QuicTracker();
 * if (d.kind === "udp") events.push(...quic.datagram(packet.frame, d));
 * ```
 */
export class QuicTracker {
  readonly #connections = new Map<string, QuicConnection>();
  #count = 0;

  /**
   * Feeds one UDP datagram.
   * @param frame its frame number
   * @param datagram its IP and UDP headers
   * @returns `quic-handshake` events for the handshake messages it completes
   */
  datagram(
    frame: number,
    datagram: { readonly ip: IpPacket; readonly udp: UdpDatagram },
  ): AnalyzerEvent[] {
    const { ip, udp } = datagram;
    const packets = parseLongHeaders(udp.payload);
    if (packets.length === 0) return [];
    const src = `${ip.src}|${udp.srcPort}`;
    const dst = `${ip.dst}|${udp.dstPort}`;
    const key = src < dst ? `${src}|${dst}` : `${dst}|${src}`;
    const out: AnalyzerEvent[] = [];
    for (const packet of packets) {
      if (!packet.initial) continue;
      let conn = this.#connections.get(key);
      if (!conn) {
        if (this.#connections.size >= MAX_CONNECTIONS) {
          const oldest = this.#connections.keys().next().value;
          if (oldest !== undefined) this.#connections.delete(oldest);
        }
        conn = {
          index: this.#count++,
          client: { address: ip.src, port: udp.srcPort },
          server: { address: ip.dst, port: udp.dstPort },
          clientKey: src,
          dcid: packet.dcid.slice(),
          version: packet.version,
          keys: [undefined, undefined],
          halves: [newHalf(), newHalf()],
        };
        this.#connections.set(key, conn);
      }
      const dir: Direction = src === conn.clientKey ? 0 : 1;
      if (dir === 0 && (!sameBytes(packet.dcid, conn.dcid) || packet.version !== conn.version)) {
        // After a Retry or Version Negotiation the client picks a new DCID (RFC 9001 §5.2).
        conn.dcid = packet.dcid.slice();
        conn.version = packet.version;
        conn.keys = [undefined, undefined];
      }
      const side = dir === 0 ? "client" : "server";
      conn.keys[dir] ??= deriveInitialKeys(conn.version, conn.dcid, side);
      const keys = conn.keys[dir];
      if (!keys) continue;
      const plain = decryptInitial(packet, keys);
      if (!plain) continue;
      const handshakes: HandshakeEvent[] = [];
      for (const chunk of cryptoFrames(plain))
        this.#crypto(conn.halves[dir], dir, chunk, handshakes);
      if (handshakes.length > 0)
        out.push({
          kind: "quic-handshake",
          frame,
          connection: conn.index,
          client: conn.client,
          server: conn.server,
          direction: dir,
          handshakes,
        });
    }
    return out;
  }

  #crypto(half: CryptoHalf, dir: Direction, chunk: CryptoChunk, into: HandshakeEvent[]): void {
    if (half.broken) return;
    if (chunk.offset + chunk.data.length <= half.next) return; // retransmitted
    if (chunk.offset > half.next) {
      if (
        half.pendingBytes + chunk.data.length > MAX_PENDING_BYTES ||
        half.pending.length >= MAX_PENDING_CHUNKS
      ) {
        half.broken = true;
        return;
      }
      half.pending.push({ offset: chunk.offset, data: chunk.data.slice() });
      half.pendingBytes += chunk.data.length;
      return;
    }
    this.#deliver(half, dir, chunk.data.subarray(half.next - chunk.offset), into);
    for (;;) {
      const i = half.pending.findIndex((p) => p.offset <= half.next);
      if (i < 0) break;
      const p = half.pending.splice(i, 1)[0]!;
      half.pendingBytes -= p.data.length;
      if (p.offset + p.data.length > half.next) {
        this.#deliver(half, dir, p.data.subarray(half.next - p.offset), into);
      }
    }
  }

  #deliver(half: CryptoHalf, dir: Direction, data: Uint8Array, into: HandshakeEvent[]): void {
    half.next += data.length;
    try {
      for (const m of half.framer.push(data)) {
        into.push({
          msgType: m.msgType,
          length: m.length,
          raw: m.raw,
          ...readHandshakeFields(m, { direction: dir === 0 ? "client" : "server", tls13: true }),
        });
      }
    } catch (e) {
      if (!(e instanceof ParseError)) throw e;
      half.broken = true;
    }
  }
}

/**
 * TCP stream reassembly: connections by 4-tuple, stream indexes in order of first packet
 * (as Wireshark's `tcp.stream`), each byte delivered once in sequence order.
 *
 * Sources: RFC 9293 §3.4 (sequence numbers, modulo 2^32 comparison), §3.5 (SYN, port
 * reuse), §3.6 (FIN, RST).
 * @module
 */
import type { IpPacket } from "./ip.ts";
import { TcpFlag, type TcpSegment } from "./tcp.ts";

/** 0 = client to server, 1 = server to client. */
export type Direction = 0 | 1;

/** One end of a connection. */
export interface Endpoint {
  readonly address: string;
  readonly port: number;
}

/** What the reassembler reports. */
export type StreamEvent =
  /** A new connection (its first packet). `midstream` when no SYN was seen first. */
  | {
      readonly kind: "open";
      readonly stream: number;
      readonly frame: number;
      readonly client: Endpoint;
      readonly server: Endpoint;
      readonly midstream: boolean;
    }
  /** Contiguous bytes of one direction. */
  | {
      readonly kind: "data";
      readonly stream: number;
      readonly direction: Direction;
      /** Offset of `data[0]` in the direction's byte stream (gaps included). */
      readonly offset: number;
      readonly data: Uint8Array;
      /** The frame whose arrival made these bytes contiguous (where a PDU "completes"). */
      readonly frame: number;
      /** The frame that carried these bytes (differs from `frame` for out-of-order data). */
      readonly sourceFrame: number;
    }
  /** Bytes never seen: `length` bytes at `offset` are missing. */
  | {
      readonly kind: "gap";
      readonly stream: number;
      readonly direction: Direction;
      readonly offset: number;
      readonly length: number;
      readonly frame: number;
    }
  /** The connection ended (FIN both ways, RST, or end of capture); its buffers are freed. */
  | {
      readonly kind: "close";
      readonly stream: number;
      readonly frame: number;
      readonly reason: "fin" | "rst" | "end";
    };

/** Options of {@link TcpReassembler}. */
export interface TcpReassemblerOptions {
  /** Out-of-order bytes buffered per direction before the oldest hole is declared a gap; default 4 MiB. */
  readonly maxBufferedBytes?: number;
  /** Out-of-order bytes buffered across all connections; default 64 MiB. Past it, the direction receiving a segment gives up its oldest hole. */
  readonly maxTotalBufferedBytes?: number;
}

interface Pending {
  readonly offset: number;
  readonly data: Uint8Array;
  readonly frame: number;
}

interface Half {
  /** Next expected sequence number (u32), undefined until the first segment. */
  next: number | undefined;
  /** Bytes of this direction accounted for (delivered or gap). */
  offset: number;
  pending: Pending[];
  pendingBytes: number;
  /** Stream offset of the FIN, once seen. */
  finAt: number | undefined;
}

interface Connection {
  readonly stream: number;
  readonly client: Endpoint;
  readonly clientKey: string;
  halves: [Half, Half];
  /** Client's SYN sequence number, when a SYN was seen. */
  synSeq: number | undefined;
  closed: boolean;
}

/**
 * Out-of-order segments held per direction: bounds the sorted insert (linear in this count)
 * so a flood of tiny reordered segments costs linear time overall.
 */
const MAX_PENDING_SEGMENTS = 1024;

/** Closed connections remembered (a few hundred bytes each) so late packets keep their stream. */
const MAX_CLOSED = 65536;

function newHalf(): Half {
  return { next: undefined, offset: 0, pending: [], pendingBytes: 0, finAt: undefined };
}

/**
 * Reassembles TCP connections from decoded segments, in capture order.
 *
 * @example
 * ```ts
 * const tcp = new TcpReassembler();
 * for (const p of packets) {
 *   const d = decodeFrame(p);
 *   if (d.kind === "tcp") for (const ev of tcp.push(p.frame, d)) handle(ev);
 * }
 * for (const ev of tcp.finish(lastFrame)) handle(ev);
 * ```
 */
export class TcpReassembler {
  readonly #maxBuffered: number;
  readonly #maxTotal: number;
  #totalBuffered = 0;
  readonly #connections = new Map<string, Connection>();
  #streams = 0;
  #closedCount = 0;

  /** @param options see {@link TcpReassemblerOptions} */
  constructor(options: TcpReassemblerOptions = {}) {
    this.#maxBuffered = options.maxBufferedBytes ?? 4 * 1024 * 1024;
    this.#maxTotal = options.maxTotalBufferedBytes ?? 64 * 1024 * 1024;
  }

  /** Number of connections seen so far (the next stream index). */
  get streamCount(): number {
    return this.#streams;
  }

  /**
   * Feeds one segment.
   * @param frame the frame number carrying it
   * @param segment its IP and TCP headers
   * @returns the events it causes, in order
   */
  push(frame: number, segment: { readonly ip: IpPacket; readonly tcp: TcpSegment }): StreamEvent[] {
    const { ip, tcp } = segment;
    const srcKey = `${ip.src}|${tcp.srcPort}`;
    const dstKey = `${ip.dst}|${tcp.dstPort}`;
    const key = srcKey < dstKey ? `${srcKey}|${dstKey}` : `${dstKey}|${srcKey}`;
    const out: StreamEvent[] = [];
    const isSyn = (tcp.flags & (TcpFlag.SYN | TcpFlag.ACK)) === TcpFlag.SYN;
    let conn = this.#connections.get(key);
    if (conn && isSyn) {
      const reused =
        conn.closed ||
        (conn.synSeq !== undefined ? conn.synSeq !== tcp.seq : conn.halves[0].next !== undefined);
      if (reused) {
        if (!conn.closed) this.#close(conn, frame, "end", out);
        this.#connections.delete(key);
        this.#closedCount--;
        conn = undefined;
      }
    }
    if (!conn) {
      const synAck = (tcp.flags & (TcpFlag.SYN | TcpFlag.ACK)) === (TcpFlag.SYN | TcpFlag.ACK);
      const src = { address: ip.src, port: tcp.srcPort };
      const dst = { address: ip.dst, port: tcp.dstPort };
      // Without a SYN (capture started mid-connection) the endpoint with the lower port is
      // taken for the server: servers listen on low or registered ports, clients use
      // ephemeral ones (RFC 6335 §6), whoever happens to send first.
      const fromServer = synAck || (!isSyn && tcp.srcPort < tcp.dstPort);
      const [client, server] = fromServer ? [dst, src] : [src, dst];
      conn = {
        stream: this.#streams++,
        client,
        clientKey: fromServer ? dstKey : srcKey,
        halves: [newHalf(), newHalf()],
        synSeq: undefined,
        closed: false,
      };
      this.#connections.set(key, conn);
      out.push({ kind: "open", stream: conn.stream, frame, client, server, midstream: !isSyn });
    }
    if (conn.closed) return out;
    const dir: Direction = srcKey === conn.clientKey ? 0 : 1;
    const half = conn.halves[dir];
    if (tcp.flags & TcpFlag.RST) {
      this.#close(conn, frame, "rst", out);
      return out;
    }
    let seq = tcp.seq;
    if (tcp.flags & TcpFlag.SYN) {
      if (dir === 0 && isSyn) conn.synSeq = tcp.seq;
      seq = (seq + 1) >>> 0;
      if (half.next === undefined) half.next = seq;
    }
    if (half.next === undefined) half.next = seq;
    const payload = tcp.payload;
    if (payload.length > 0) this.#segment(conn, dir, seq, payload, frame, out);
    if (tcp.flags & TcpFlag.FIN && half.finAt === undefined) {
      half.finAt = half.offset + ((seq + payload.length - half.next) | 0);
    }
    const [a, b] = conn.halves;
    if (
      a.finAt !== undefined &&
      b.finAt !== undefined &&
      a.offset >= a.finAt &&
      b.offset >= b.finAt
    ) {
      this.#close(conn, frame, "fin", out);
    }
    return out;
  }

  /**
   * Ends the capture: open connections report their buffered data (with gaps) and close.
   * @param frame the last frame number, for the events' `frame`
   * @returns the final events
   */
  finish(frame: number): StreamEvent[] {
    const out: StreamEvent[] = [];
    for (const conn of this.#connections.values()) {
      if (!conn.closed) this.#close(conn, frame, "end", out);
    }
    this.#connections.clear();
    return out;
  }

  #segment(
    conn: Connection,
    dir: Direction,
    seq: number,
    payload: Uint8Array,
    frame: number,
    out: StreamEvent[],
  ): void {
    const half = conn.halves[dir];
    const next = half.next!;
    const d = (seq - next) | 0;
    if (d <= 0) {
      const skip = -d;
      if (skip >= payload.length) return; // retransmission of bytes already delivered
      const data = payload.subarray(skip);
      this.#deliver(conn, dir, data, frame, frame, out);
      this.#drain(conn, dir, frame, out);
      return;
    }
    // Ahead of the next expected byte: keep a copy (the chunk it points into is not ours).
    const offset = half.offset + d;
    insertPending(half, { offset, data: payload.slice(), frame });
    this.#totalBuffered += payload.length;
    while (
      (half.pendingBytes > this.#maxBuffered ||
        this.#totalBuffered > this.#maxTotal ||
        half.pending.length > MAX_PENDING_SEGMENTS) &&
      half.pending.length > 0
    ) {
      this.#skipToPending(conn, dir, frame, out);
      this.#drain(conn, dir, frame, out);
    }
  }

  #deliver(
    conn: Connection,
    dir: Direction,
    data: Uint8Array,
    frame: number,
    sourceFrame: number,
    out: StreamEvent[],
  ): void {
    const half = conn.halves[dir];
    out.push({
      kind: "data",
      stream: conn.stream,
      direction: dir,
      offset: half.offset,
      data,
      frame,
      sourceFrame,
    });
    half.offset += data.length;
    half.next = (half.next! + data.length) >>> 0;
  }

  #drain(conn: Connection, dir: Direction, frame: number, out: StreamEvent[]): void {
    const half = conn.halves[dir];
    while (half.pending.length > 0) {
      const p = half.pending[0]!;
      if (p.offset > half.offset) return;
      half.pending.shift();
      half.pendingBytes -= p.data.length;
      this.#totalBuffered -= p.data.length;
      const skip = half.offset - p.offset;
      if (skip < p.data.length)
        this.#deliver(conn, dir, p.data.subarray(skip), frame, p.frame, out);
    }
  }

  #skipToPending(conn: Connection, dir: Direction, frame: number, out: StreamEvent[]): void {
    const half = conn.halves[dir];
    const p = half.pending[0]!;
    const length = p.offset - half.offset;
    if (length <= 0) return;
    out.push({
      kind: "gap",
      stream: conn.stream,
      direction: dir,
      offset: half.offset,
      length,
      frame,
    });
    half.offset += length;
    half.next = (half.next! + length) >>> 0;
  }

  #close(conn: Connection, frame: number, reason: "fin" | "rst" | "end", out: StreamEvent[]): void {
    for (const dir of [0, 1] as const) {
      const half = conn.halves[dir];
      while (half.pending.length > 0) {
        this.#skipToPending(conn, dir, frame, out);
        this.#drain(conn, dir, frame, out);
      }
      half.pendingBytes = 0;
    }
    conn.closed = true;
    conn.halves[0] = newHalf();
    conn.halves[1] = newHalf();
    out.push({ kind: "close", stream: conn.stream, frame, reason });
    if (++this.#closedCount > MAX_CLOSED) this.#evictClosed();
  }

  /** Forgets the oldest half of the closed connections kept to recognise late packets. */
  #evictClosed(): void {
    let drop = MAX_CLOSED / 2;
    for (const [key, c] of this.#connections) {
      if (drop === 0) break;
      if (!c.closed) continue;
      this.#connections.delete(key);
      this.#closedCount--;
      drop--;
    }
  }
}

function insertPending(half: Half, p: Pending): void {
  const list = half.pending;
  let i = list.length;
  while (i > 0 && list[i - 1]!.offset > p.offset) i--;
  list.splice(i, 0, p);
  half.pendingBytes += p.data.length;
}

/**
 * IP fragment reassembly for IPv4 (RFC 791 §3.2, "Fragmentation and Reassembly") and IPv6
 * (RFC 8200 §4.5), bounded in datagrams and bytes. Overlapping fragments are resolved
 * first-come (RFC 5722 forbids overlaps for IPv6: such a datagram is dropped).
 * @module
 */
import type { IpPacket } from "./ip.ts";

/** Options of {@link IpDefragmenter}. */
export interface IpDefragmenterOptions {
  /** Datagrams being reassembled at once; the oldest is dropped beyond it. Default 1024. */
  readonly maxDatagrams?: number;
  /** Fragment bytes held at once; the oldest datagrams are dropped beyond it. Default 16 MiB. */
  readonly maxBytes?: number;
}

interface Pending {
  readonly parts: { offset: number; data: Uint8Array }[];
  total: number | undefined;
  bytes: number;
  firstPacket: IpPacket | undefined;
  overlap: boolean;
}

/** Largest reassembled payload, in bytes (the 16-bit IP length limit). */
const MAX_DATAGRAM = 65535;

/**
 * Collects fragments and returns each datagram once all its fragments arrived.
 *
 * @example
 * ```ts
 * const defrag = new IpDefragmenter();
 * const whole = ip.fragment ? defrag.push(ip) : ip;
 * if (whole) decodeTransport(whole);
 * ```
 */
export class IpDefragmenter {
  readonly #maxDatagrams: number;
  readonly #maxBytes: number;
  readonly #pending = new Map<string, Pending>();
  #bytes = 0;
  #dropped = 0;

  /** @param options see {@link IpDefragmenterOptions} */
  constructor(options: IpDefragmenterOptions = {}) {
    this.#maxDatagrams = options.maxDatagrams ?? 1024;
    this.#maxBytes = options.maxBytes ?? 16 * 1024 * 1024;
  }

  /** Datagrams still waiting for fragments. */
  get pending(): number {
    return this.#pending.size;
  }

  /** Datagrams given up (limits, overlaps, oversize). */
  get dropped(): number {
    return this.#dropped;
  }

  /**
   * Adds a fragment.
   * @param ip a packet whose `fragment` is set (others are returned unchanged)
   * @returns the reassembled packet (with `fragment` undefined) when complete, else undefined
   */
  push(ip: IpPacket): IpPacket | undefined {
    const f = ip.fragment;
    if (!f) return ip;
    const key = `${ip.version}|${ip.src}|${ip.dst}|${ip.protocol}|${f.id}`;
    let p = this.#pending.get(key);
    if (!p) {
      p = { parts: [], total: undefined, bytes: 0, firstPacket: undefined, overlap: false };
      this.#pending.set(key, p);
    }
    const end = f.offset + ip.payload.length;
    if (end > MAX_DATAGRAM) {
      this.#drop(key, p);
      return undefined;
    }
    for (const q of p.parts) {
      if (f.offset < q.offset + q.data.length && q.offset < end) p.overlap = true;
    }
    if (p.overlap && ip.version === 6) {
      this.#drop(key, p); // RFC 5722 §4
      return undefined;
    }
    p.parts.push({ offset: f.offset, data: ip.payload.slice() });
    p.bytes += ip.payload.length;
    this.#bytes += ip.payload.length;
    if (f.offset === 0) p.firstPacket = ip;
    if (!f.more) p.total = end;
    this.#enforce(key);
    if (p.total === undefined || !p.firstPacket || !this.#pending.has(key)) return undefined;
    const out = new Uint8Array(p.total);
    const covered = new Uint8Array(p.total);
    let have = 0;
    // First-come wins on overlaps (IPv4): write parts in arrival order, skipping covered bytes.
    for (const q of p.parts) {
      for (let i = 0; i < q.data.length && q.offset + i < p.total; i++) {
        const at = q.offset + i;
        if (covered[at]) continue;
        covered[at] = 1;
        out[at] = q.data[i]!;
        have++;
      }
    }
    if (have < p.total) return undefined;
    this.#pending.delete(key);
    this.#bytes -= p.bytes;
    return { ...p.firstPacket, payload: out, fragment: undefined, truncated: false };
  }

  #drop(key: string, p: Pending): void {
    this.#pending.delete(key);
    this.#bytes -= p.bytes;
    this.#dropped++;
  }

  #enforce(current: string): void {
    for (const [key, p] of this.#pending) {
      if (this.#pending.size <= this.#maxDatagrams && this.#bytes <= this.#maxBytes) return;
      if (key === current && this.#pending.size === 1) return;
      this.#drop(key, p);
    }
  }
}

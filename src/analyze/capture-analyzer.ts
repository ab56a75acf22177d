/**
 * From capture bytes to TLS events: format detection, frame decoding, TCP reassembly and
 * per-connection TLS dissection, all streaming with bounded memory.
 * @module
 */
import { ChunkQueue } from "../capture/chunk-queue.ts";
import { createCaptureReader } from "../capture/detect-format.ts";
import { type DecodedFrame, decodeFrame, decodeTransport } from "../capture/frame-decoder.ts";
import { IpDefragmenter } from "../capture/ip-defragmenter.ts";
import type { CaptureReader, DecryptionSecrets, IncompleteUnit } from "../capture/packet.ts";
import { PcapReader } from "../capture/pcap-reader.ts";
import { type StreamEvent, TcpReassembler } from "../capture/tcp-reassembler.ts";
import { ParseError } from "../errors.ts";
import { ConnectionDissector } from "./connection-dissector.ts";
import type { AnalyzerEvent } from "./events.ts";
import { QuicTracker } from "./quic-tracker.ts";

/** Options of {@link CaptureAnalyzer}. */
export interface CaptureAnalyzerOptions {
  /** Out-of-order bytes buffered per TCP direction, in bytes; default 4 MiB. */
  readonly maxBufferedBytes?: number;
  /**
   * TCP ports whose connections are dissected as TLS whatever their first bytes look like
   * (`--decode-as PORT`, tshark's `-d tcp.port==PORT,tls`); default none. TLS is found on
   * any port without it; this forces it where the first bytes are not a record header.
   */
  readonly decodeAs?: readonly number[];
}

/**
 * Analyzes a pcap or pcapng file fed in chunks.
 *
 * @example
 * ```ts
 * const analyzer = new CaptureAnalyzer();
 * for await (const chunk of stream) handle(analyzer.push(chunk));
 * handle(analyzer.finish());
 * ```
 */
export class CaptureAnalyzer {
  readonly #head = new ChunkQueue();
  #reader: CaptureReader | undefined;
  readonly #tcp: TcpReassembler;
  readonly #connections = new Map<number, ConnectionDissector>();
  readonly #quic = new QuicTracker();
  readonly #defrag = new IpDefragmenter();
  readonly #warnedInterfaces = new Set<number>();
  readonly #decodeAs: ReadonlySet<number>;
  #lastFrame = 0;
  #fragments = 0;
  #malformed = 0;

  /** @param options see {@link CaptureAnalyzerOptions} */
  constructor(options: CaptureAnalyzerOptions = {}) {
    this.#tcp = new TcpReassembler(
      options.maxBufferedBytes === undefined ? {} : { maxBufferedBytes: options.maxBufferedBytes },
    );
    this.#decodeAs = new Set(options.decodeAs ?? []);
  }

  /** Frames read so far. */
  get frames(): number {
    return this.#lastFrame;
  }

  /** TCP connections seen so far. */
  get streams(): number {
    return this.#tcp.streamCount;
  }

  /** Decryption secrets found in the capture (pcapng DSB). */
  get secrets(): readonly DecryptionSecrets[] {
    return this.#reader?.secrets ?? [];
  }

  /**
   * Feeds the next bytes of the capture file.
   * @param chunk any number of bytes (kept by reference until used)
   * @returns the events they cause, in frame order
   * @throws {ParseError} when the file is not pcap/pcapng or a block is malformed
   */
  push(chunk: Uint8Array): AnalyzerEvent[] {
    if (!this.#reader) {
      this.#head.push(chunk);
      if (this.#head.length < 4) return [];
      this.#reader = createCaptureReader(this.#head.peek(4));
      chunk = this.#head.read(this.#head.length);
    }
    const out: AnalyzerEvent[] = [];
    for (const packet of this.#reader.push(chunk)) {
      this.#lastFrame = packet.frame;
      let d: DecodedFrame = decodeFrame(packet);
      if (d.kind === "fragment") {
        this.#fragments++;
        const whole = this.#defrag.push(d.ip);
        if (!whole) continue;
        d = decodeTransport(whole);
      }
      switch (d.kind) {
        case "tcp":
          for (const ev of this.#tcp.push(packet.frame, d)) this.#stream(ev, out);
          break;
        case "udp":
          out.push(...this.#quic.datagram(packet.frame, d));
          break;
        case "unsupported-link":
          if (!this.#warnedInterfaces.has(packet.interfaceId)) {
            this.#warnedInterfaces.add(packet.interfaceId);
            out.push({
              kind: "warning",
              frame: packet.frame,
              stream: undefined,
              message: `Link type ${d.linkType} of interface ${packet.interfaceId} is not supported: its frames are skipped`,
            });
          }
          break;
        case "fragment":
          break;
        case "malformed":
          this.#malformed++;
          break;
        case "other":
          break;
      }
    }
    return out;
  }

  /**
   * Ends the input: flushes buffered TCP data and reports what was skipped. A file cut
   * short inside a packet is a warning (with `cut: "both"`, before the connections close,
   * so verdicts know their ends are missing).
   * @returns the last events
   * @throws {ParseError} (offset 0) when nothing could be read: an empty file, or one that
   *   ends inside its file header
   */
  finish(): AnalyzerEvent[] {
    const out: AnalyzerEvent[] = [];
    if (!this.#reader) {
      const n = this.#head.length;
      throw new ParseError(
        n === 0 ? "Empty file" : `Truncated file header (${n} bytes): too short for pcap or pcapng`,
        0,
      );
    }
    const cut = this.#reader.incomplete();
    if (cut?.unit === "file header") {
      const format = this.#reader instanceof PcapReader ? "pcap" : "pcapng";
      const of = cut.expected === undefined ? "" : ` of ${cut.expected}`;
      throw new ParseError(`Truncated ${format} file header (${cut.present}${of} bytes)`, 0);
    }
    if (cut)
      out.push({
        kind: "warning",
        frame: 0,
        stream: undefined,
        message: cutMessage(cut),
        cut: "both",
      });
    for (const ev of this.#tcp.finish(this.#lastFrame)) this.#stream(ev, out);
    const frame = this.#lastFrame;
    const incomplete = this.#defrag.dropped + this.#defrag.pending;
    if (incomplete > 0) {
      out.push({
        kind: "warning",
        frame,
        stream: undefined,
        message: `${incomplete} fragmented IP datagrams could not be reassembled (of ${this.#fragments} fragments)`,
      });
    }
    if (this.#malformed > 0) {
      out.push({
        kind: "warning",
        frame,
        stream: undefined,
        message: `${this.#malformed} frames had malformed headers and were skipped`,
      });
    }
    return out;
  }

  #stream(ev: StreamEvent, out: AnalyzerEvent[]): void {
    switch (ev.kind) {
      case "open":
        this.#connections.set(
          ev.stream,
          new ConnectionDissector(ev.stream, {
            midstream: ev.midstream,
            forceTls: this.#decodeAs.has(ev.client.port) || this.#decodeAs.has(ev.server.port),
          }),
        );
        out.push({
          kind: "connection-open",
          frame: ev.frame,
          stream: ev.stream,
          client: ev.client,
          server: ev.server,
        });
        break;
      case "data": {
        const d = this.#connections.get(ev.stream);
        if (d) out.push(...d.data(ev.direction, ev.data, ev.frame));
        break;
      }
      case "gap": {
        const d = this.#connections.get(ev.stream);
        if (d) out.push(...d.gap(ev.direction, ev.frame, ev.length));
        break;
      }
      case "close": {
        const d = this.#connections.get(ev.stream);
        if (d) out.push(...d.end(0, ev.frame), ...d.end(1, ev.frame));
        this.#connections.delete(ev.stream);
        out.push({
          kind: "connection-close",
          frame: ev.frame,
          stream: ev.stream,
          client: undefined,
          server: undefined,
        });
        break;
      }
    }
  }
}

/** `Capture ends in the middle of packet 4 (at byte 286 of the file): 214 of 247 bytes present` */
function cutMessage(cut: IncompleteUnit): string {
  const what = cut.unit === "packet" ? `packet ${cut.packet}` : "a pcapng block";
  const present =
    cut.expected === undefined
      ? `${cut.present} bytes present, its header cut short`
      : `${cut.present} of ${cut.expected} bytes present`;
  return `Capture ends in the middle of ${what} (at byte ${cut.offset} of the file): ${present}`;
}

/**
 * Dissects the two byte streams of one TCP connection into TLS record events.
 *
 * Tracks what decides how a record reads: ChangeCipherSpec per direction (after it,
 * TLS ≤ 1.2 handshake and alert records are encrypted, RFC 5246 §7.1), and TLS 1.3 once a
 * ServerHello or HelloRetryRequest selects 0x0304 in `supported_versions` (then
 * `application_data` records are protected records whose real type is hidden, RFC 8446
 * §5.2, and ChangeCipherSpec is the middlebox-compatibility dummy, RFC 8446 Appendix D.4).
 * @module
 */
import type { Direction } from "../capture/tcp-reassembler.ts";
import { ParseError } from "../errors.ts";
import { HandshakeFramer } from "../tls/handshake-framer.ts";
import { ContentType, RecordFramer, type TlsRecord } from "../tls/record.ts";
import type { AnalyzerEvent, HandshakeEvent, RecordEvent } from "./events.ts";
import { readHandshakeFields } from "./hello-fields.ts";
import { readProxyPrefix } from "./proxy-protocol-prefix.ts";
import { readSslv2Record } from "./sslv2-record.ts";
import { findRecordBoundary, guessTls } from "./tls-detector.ts";

interface Half {
  started: boolean;
  broken: boolean;
  /** The direction is framed as SSL 2.0 records (until an SSLv2-compatible hello switches it). */
  v2: boolean;
  v2Buffer: Uint8Array;
  ccs: boolean;
  records: RecordFramer;
  handshakes: HandshakeFramer;
  /** After a gap: looking for the next record header before framing again. */
  resync: boolean;
  /** Bytes looked through for a record boundary on a connection captured mid-stream. */
  searched: number;
}

function newHalf(): Half {
  return {
    started: false,
    broken: false,
    v2: false,
    v2Buffer: new Uint8Array(0),
    ccs: false,
    records: new RecordFramer(),
    handshakes: new HandshakeFramer({ maxMessageSize: MAX_HANDSHAKE_MESSAGE }),
    resync: false,
    searched: 0,
  };
}

/**
 * Bytes of a direction looked through for a record boundary when the capture started
 * mid-connection (64 KiB: several records of any TLS stream) before it is judged not TLS.
 */
const MIDSTREAM_SEARCH_BYTES = 64 * 1024;

/** Largest SSL 2.0 backlog kept, in bytes: an SSL 2.0 record is at most 32767 + 3 bytes. */
const MAX_V2_BUFFER = 32770;

/**
 * Largest handshake message followed, in bytes (1 MiB): bounds what one direction can hold
 * (the 339,629-byte Certificate of zeek/tls-fragmented-handshake fits).
 */
const MAX_HANDSHAKE_MESSAGE = 1024 * 1024;

/** SSL 2.0 message types (draft-hickman-netscape-ssl-00). */
const V2_CLIENT_HELLO = 1;
const V2_CLIENT_MASTER_KEY = 2;
const V2_SERVER_HELLO = 4;
/** The version SSL 2.0 records are reported with (the record layer has no version field). */
const SSL2_VERSION = 0x0002;

/**
 * Turns the reassembled bytes of one connection into {@link RecordEvent}s.
 *
 * @example
 * ```ts
 * const d = new ConnectionDissector(ev.stream);
 * const events = d.data(ev.direction, ev.data, ev.frame);
 * ```
 */
export class ConnectionDissector {
  readonly stream: number;
  #mode: "unknown" | "tls" | "sslv2" | "not-tls" = "unknown";
  #tls13 = false;
  #serverHello = false;
  #v2Encrypted = false;
  readonly #halves: [Half, Half] = [newHalf(), newHalf()];
  /** Client bytes held while they may still be a PROXY protocol header; undefined once decided. */
  #proxy: Uint8Array | undefined = new Uint8Array(0);

  readonly #midstream: boolean;
  readonly #forceTls: boolean;

  /**
   * @param stream the TCP stream index
   * @param options `midstream`: the capture started after the connection did (no SYN seen),
   *   so its first bytes may lie inside a record; `forceTls`: dissect it as TLS whatever its
   *   first bytes look like (`--decode-as PORT`). Both default false.
   */
  constructor(
    stream: number,
    options: { readonly midstream?: boolean; readonly forceTls?: boolean } = {},
  ) {
    this.stream = stream;
    this.#midstream = options.midstream === true;
    this.#forceTls = options.forceTls === true;
  }

  /** True once the connection was recognised as TLS or SSL 2.0. */
  get isTls(): boolean {
    return this.#mode === "tls" || this.#mode === "sslv2";
  }

  /** True once TLS 1.3 was negotiated. */
  get tls13(): boolean {
    return this.#tls13;
  }

  /**
   * Feeds contiguous bytes of one direction.
   * @param direction 0 client to server, 1 server to client
   * @param bytes the bytes (a view; not kept beyond records that span chunks)
   * @param frame the frame in which these bytes became contiguous
   * @returns the records (and warnings) they complete
   */
  data(direction: Direction, bytes: Uint8Array, frame: number): AnalyzerEvent[] {
    const half = this.#halves[direction];
    if (half.broken || this.#mode === "not-tls" || bytes.length === 0) return [];
    let data = bytes;
    const pre: AnalyzerEvent[] = [];
    if (direction === 0 && this.#proxy !== undefined && !half.started) {
      const after = this.#proxyPrefix(data, frame, pre);
      if (after === undefined || after.length === 0) return pre;
      data = after;
    }
    if (!half.started && (this.#midstream || this.#forceTls) && guessTls(data) === "not-tls") {
      // The capture started inside a record (or --decode-as says this is TLS): skip to the
      // first record boundary rather than give the connection up.
      const at = this.#mode === "sslv2" ? -1 : findRecordBoundary(data);
      if (at > 0) {
        pre.push(
          this.#warning(
            frame,
            `Direction ${direction} starts inside a TLS record (capture started mid-connection): skipped ${at} bytes to the next record header`,
          ),
        );
        data = data.subarray(at);
      } else if (this.#forceTls && at < 0) {
        // Forced: keep looking for a record header in the bytes that follow.
        half.started = true;
        half.resync = true;
        if (this.#mode === "unknown") this.#mode = "tls";
        return [];
      } else if (at < 0) {
        half.searched += data.length;
        if (half.searched <= MIDSTREAM_SEARCH_BYTES) return [];
      }
    }
    if (!half.started) {
      half.started = true;
      const guess = guessTls(data);
      if (this.#mode === "unknown") {
        if (guess === "not-tls") {
          this.#mode = "not-tls";
          return [];
        }
        this.#mode = guess;
      }
      if (guess === "sslv2" || (this.#mode === "sslv2" && guess === "not-tls")) half.v2 = true;
      else if (guess === "not-tls") {
        half.broken = true;
        return [this.#warning(frame, `Direction ${direction} does not start with a TLS record`)];
      }
    }
    const out: AnalyzerEvent[] = pre;
    let rest = data;
    if (half.v2) rest = this.#v2(half, direction, rest, frame, out);
    if (half.resync) {
      const at = findRecordStart(rest);
      if (at < 0) return out;
      half.resync = false;
      rest = rest.subarray(at);
    }
    if (half.broken || half.v2 || rest.length === 0) return out;
    let records: TlsRecord[];
    const atBoundary = half.records.buffered === 0;
    try {
      // `rest` is a view into a capture chunk (up to 1 MiB) that must not stay pinned by an
      // idle connection: the framer copies the bytes of a record left unfinished (own()),
      // and the records returned are views that live only as long as their events.
      records = half.records.push(rest);
      half.records.own();
    } catch (e) {
      if (!(e instanceof ParseError)) throw e;
      half.broken = true;
      out.push(
        this.#warning(frame, `Cannot frame TLS records in direction ${direction}: ${e.message}`),
      );
      return out;
    }
    for (const record of records) out.push(this.#record(half, direction, record, frame, out));
    if (atBoundary && records.length === 0) {
      out.push({ kind: "record-start", frame, stream: this.stream, direction });
    }
    return out;
  }

  /**
   * Reports bytes lost in one direction: its framing cannot be trusted afterwards.
   * @returns a warning when the direction was being dissected
   */
  gap(direction: Direction, frame: number, length: number): AnalyzerEvent[] {
    const half = this.#halves[direction];
    if (!this.isTls || half.broken) return [];
    if (half.v2) {
      half.broken = true;
      return [
        this.#warning(
          frame,
          `${length} bytes missing in direction ${direction}: stopped dissecting it`,
          direction,
        ),
      ];
    }
    // Framing state is lost: start afresh at the next plausible record header. Cipher
    // state (ChangeCipherSpec seen, TLS 1.3) carries over.
    half.records = new RecordFramer();
    half.handshakes = new HandshakeFramer({ maxMessageSize: MAX_HANDSHAKE_MESSAGE });
    half.resync = true;
    return [
      this.#warning(
        frame,
        `${length} bytes missing in direction ${direction}: resynchronising at the next record header`,
        direction,
      ),
    ];
  }

  /**
   * Reports bytes held for a record or handshake message that never completed, at the end
   * of the connection (the capture stopped inside it, or the peer did).
   * @param direction 0 client to server, 1 server to client
   * @param frame the frame the connection ended in
   * @returns a warning (with `cut`) when the direction is dissected as TLS and holds bytes
   */
  end(direction: Direction, frame: number): AnalyzerEvent[] {
    const half = this.#halves[direction];
    if (!this.isTls || half.broken || half.v2) return [];
    const records = half.records.buffered;
    const handshake = half.handshakes.buffered;
    if (records === 0 && handshake === 0) return [];
    const side = direction === 0 ? "client" : "server";
    const what =
      records > 0
        ? `inside a TLS record from the ${side} (${records} bytes of it captured)`
        : `inside a handshake message from the ${side} (${handshake} bytes of it captured)`;
    return [this.#warning(frame, `Connection ends ${what}`, direction)];
  }

  /**
   * Skips a PROXY protocol header at the start of the client's direction (pushing a
   * `proxy-protocol` event into `out`).
   * @returns the bytes after it (the bytes as given when there is none), or undefined while
   *   the header is incomplete (the bytes are held)
   */
  #proxyPrefix(bytes: Uint8Array, frame: number, out: AnalyzerEvent[]): Uint8Array | undefined {
    const held = this.#proxy ?? new Uint8Array(0);
    let buf = bytes;
    if (held.length > 0) {
      buf = new Uint8Array(held.length + bytes.length);
      buf.set(held);
      buf.set(bytes, held.length);
    }
    const r = readProxyPrefix(buf);
    if (r.kind === "more") {
      this.#proxy = buf.slice();
      return undefined;
    }
    this.#proxy = undefined;
    if (r.kind === "none") return buf;
    if (r.kind === "invalid") {
      out.push({
        kind: "proxy-protocol",
        frame,
        stream: this.stream,
        direction: 0,
        version: r.version,
        command: "PROXY",
        family: "UNKNOWN",
        source: undefined,
        destination: undefined,
        length: r.size,
        invalid: r.message,
      });
      return buf.subarray(r.size);
    }
    const h = r.header;
    out.push({
      kind: "proxy-protocol",
      frame,
      stream: this.stream,
      direction: 0,
      version: h.version,
      command: h.command,
      family: h.family,
      source: h.source,
      destination: h.destination,
      length: r.size,
    });
    return buf.subarray(r.size);
  }

  #warning(frame: number, message: string, cut?: Direction): AnalyzerEvent {
    return cut === undefined
      ? { kind: "warning", frame, stream: this.stream, message }
      : { kind: "warning", frame, stream: this.stream, message, cut };
  }

  #record(
    half: Half,
    direction: Direction,
    record: TlsRecord,
    frame: number,
    out: AnalyzerEvent[],
  ): RecordEvent {
    const type = record.contentType;
    let encrypted = false;
    let opaqueType: number | undefined;
    const handshakes: HandshakeEvent[] = [];
    let alert: RecordEvent["alert"];
    switch (type) {
      case ContentType.application_data:
        encrypted = true;
        if (this.#tls13) opaqueType = type;
        break;
      case ContentType.change_cipher_spec:
        // Switches to the pending cipher state (RFC 5246 §7.1), which exists only once a
        // ServerHello chose the cipher; in TLS 1.3 it is the compatibility dummy.
        if (!this.#tls13 && this.#serverHello) half.ccs = true;
        break;
      case ContentType.alert:
        if (half.ccs) encrypted = true;
        else if (record.fragment.length >= 2) {
          alert = { level: record.fragment[0]!, description: record.fragment[1]! };
        }
        break;
      case ContentType.handshake:
        if (half.ccs) encrypted = true;
        else this.#handshake(half, direction, record.fragment, frame, handshakes, out);
        break;
      default:
        if (half.ccs) encrypted = true;
    }
    return {
      kind: "record",
      frame,
      stream: this.stream,
      direction,
      version: record.version,
      contentType: opaqueType === undefined ? type : undefined,
      opaqueType,
      encrypted,
      length: record.fragment.length,
      handshakes,
      alert,
      raw: record.raw,
    };
  }

  #handshake(
    half: Half,
    direction: Direction,
    fragment: Uint8Array,
    frame: number,
    into: HandshakeEvent[],
    out: AnalyzerEvent[],
  ): void {
    let messages: ReturnType<HandshakeFramer["push"]>;
    try {
      messages = half.handshakes.push(fragment);
      half.handshakes.own();
    } catch (e) {
      if (!(e instanceof ParseError)) throw e;
      half.broken = true;
      out.push(
        this.#warning(
          frame,
          `Cannot frame handshake messages in direction ${direction}: ${e.message}`,
        ),
      );
      return;
    }
    for (const m of messages) {
      const fields = readHandshakeFields(m, {
        direction: direction === 0 ? "client" : "server",
        tls13: this.#tls13,
      });
      if (m.msgType === 2 && direction === 1 && !fields.helloRetryRequest) this.#serverHello = true;
      if (
        m.msgType === 2 &&
        fields.selectedVersion !== undefined &&
        isTls13(fields.selectedVersion)
      ) {
        this.#tls13 = true;
      }
      into.push({ msgType: m.msgType, length: m.length, raw: m.raw, ...fields });
    }
  }

  /** Frames SSL 2.0 records; returns bytes left for the TLS framer after a compatible hello. */
  #v2(
    half: Half,
    direction: Direction,
    data: Uint8Array,
    frame: number,
    out: AnalyzerEvent[],
  ): Uint8Array {
    let buf = data;
    if (half.v2Buffer.length > 0) {
      buf = new Uint8Array(half.v2Buffer.length + data.length);
      buf.set(half.v2Buffer);
      buf.set(data, half.v2Buffer.length);
    }
    let at = 0;
    for (;;) {
      const got = readSslv2Record(buf, at);
      if (!got) break;
      at += got.size;
      const msg = got.record.data;
      const handshakes: HandshakeEvent[] = [];
      let helloVersion = 0;
      if (!this.#v2Encrypted && msg.length > 0) {
        const type = msg[0]!;
        if (type === V2_CLIENT_HELLO && msg.length >= 3) helloVersion = (msg[1]! << 8) | msg[2]!;
        handshakes.push({
          msgType: type,
          length: msg.length - 1,
          message: undefined,
          cipherSuites: [],
          selectedVersion: undefined,
          helloRetryRequest: false,
          certificateCount: undefined,
          raw: msg,
        });
        if (type === V2_CLIENT_MASTER_KEY) this.#v2Encrypted = true;
        if (type === V2_SERVER_HELLO && msg[1] !== 0) this.#v2Encrypted = true; // session-id-hit
      }
      out.push({
        kind: "record",
        frame,
        stream: this.stream,
        direction,
        version: SSL2_VERSION,
        contentType: undefined,
        opaqueType: undefined,
        encrypted: handshakes.length === 0,
        length: msg.length,
        handshakes,
        alert: undefined,
        raw: got.record.raw,
      });
      if (handshakes[0]?.msgType === V2_CLIENT_HELLO && helloVersion >> 8 === 3) {
        // SSLv2-compatible ClientHello (RFC 5246 Appendix E.2): TLS records follow.
        half.v2 = false;
        return buf.subarray(at);
      }
    }
    const left = buf.subarray(at);
    if (left.length > MAX_V2_BUFFER) {
      half.broken = true;
      out.push(
        this.#warning(
          frame,
          `SSL 2.0 record in direction ${direction} exceeds ${MAX_V2_BUFFER} bytes`,
        ),
      );
      return new Uint8Array(0);
    }
    half.v2Buffer = left.slice();
    return new Uint8Array(0);
  }
}

/**
 * Finds the first offset where a record header starts whose record either ends exactly at
 * the end of `data` or is followed by another plausible header (or by bytes too few to tell).
 * @returns the offset, or -1
 */
function findRecordStart(data: Uint8Array): number {
  for (let i = 0; i + 5 <= data.length; i++) {
    if (guessTls(data.subarray(i, i + 5)) !== "tls") continue;
    const next = i + 5 + ((data[i + 3]! << 8) | data[i + 4]!);
    if (next >= data.length || guessTls(data.subarray(next, next + 5)) === "tls") return i;
  }
  return -1;
}

/** TLS 1.3 (0x0304) or one of its drafts (0x7f00 + n, RFC 8446 §4.2.1 note). */
function isTls13(version: number): boolean {
  return version === 0x0304 || version >> 8 === 0x7f;
}

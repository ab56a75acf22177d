/**
 * `mtls analyze`: reads a packet capture, reassembles TCP, dissects every TLS record and
 * prints one of three views.
 *
 * ```
 * mtls analyze FILE [--format text|summary|tshark-fields|json] [--summary] [--json]
 *   [--stream N] [--host IP] [--port N] [--decode-as PORT]
 * ```
 * FILE is a pcap or pcapng file, optionally gzip-compressed, or `-` for standard input.
 * - `text` (default): the seed's Wireshark walk-through per TLS connection: a ladder of
 *   messages with frame numbers, each message's fields as a tree, the mutual-TLS verdict.
 * - `summary`: one line per TLS connection: stream, client -> server, version,
 *   cipher suite, cert-requested, client-cert, outcome.
 * - `tshark-fields`: exactly `tshark -Y tls -T fields -e frame.number -e tcp.stream
 *   -e tls.record.version -e tls.record.content_type -e tls.handshake.type
 *   -e tls.handshake.ciphersuite -e tls.alert_message.desc -E separator=/t` (keyless).
 * - `json`: JSON Lines, one object per TLS connection (docs/analyzer/json-schema.md).
 * Warnings (unsupported link types, gaps, truncated files) go to stderr as `mtls: warning: ...`;
 * a file cut short is analyzed up to its last whole packet (exit 0), one from which nothing
 * can be read (empty, truncated file header, not a capture) is an error (exit 1). When no TLS
 * connection matches the filters, one stderr line says what the capture has (exit 0).
 * `--host` takes an IP address; `--keylog` warns when it holds no TLS 1.3 secrets.
 * The file is streamed: memory stays bounded whatever its size.
 * @module
 */

import { createReadStream, statSync } from "node:fs";
import { isIP } from "node:net";
import { Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import type { Command } from "commander";
import { CaptureAnalyzer } from "../analyze/capture-analyzer.ts";
import { ConnectionSummarizer, formatSummary } from "../analyze/connection-summary.ts";
import { ConnectionTranscriber } from "../analyze/connection-transcript.ts";
import { type ConnectionFilter, EventFilter } from "../analyze/event-filter.ts";
import type { AnalyzerEvent } from "../analyze/events.ts";
import { KeyLog, type KeyLogStats } from "../analyze/key-log.ts";
import { PROGRESS_MIN_BYTES, ProgressBar } from "../analyze/progress-bar.ts";
import { QuicTranscriber } from "../analyze/quic-transcript.ts";
import { streamRanges } from "../analyze/stream-ranges.ts";
import { Tls13RecordDecryptor } from "../analyze/tls13-record-decryptor.ts";
import { TranscriptJsonWriter } from "../analyze/transcript-json.ts";
import { TsharkFieldsWriter } from "../analyze/tshark-fields.ts";
import { WalkthroughWriter } from "../analyze/walkthrough-text.ts";
import { SECRETS_TYPE_TLS_KEY_LOG } from "../capture/packet.ts";
import { ErrorCode, isErrno, MtlsError, ParseError } from "../errors.ts";
import { describeReadError, readFileChecked } from "../files.ts";
import { applyCommonOptions } from "./run.ts";

const FORMATS = ["text", "summary", "tshark-fields", "json"] as const;
type Format = (typeof FORMATS)[number];

interface AnalyzeFlags {
  readonly format?: string;
  readonly summary?: boolean;
  readonly json?: boolean;
  readonly stream?: string;
  readonly host?: string;
  readonly port?: string;
  readonly keylog?: string;
  readonly progress?: boolean;
  readonly decodeAs?: readonly string[];
}

interface Renderer {
  add(events: readonly AnalyzerEvent[]): string;
  finish(): string;
}

function renderer(format: Format): Renderer {
  switch (format) {
    case "tshark-fields": {
      const w = new TsharkFieldsWriter();
      return {
        add: (events) => {
          w.add(events);
          return w.flush();
        },
        finish: () => w.flush(),
      };
    }
    case "summary": {
      const s = new ConnectionSummarizer();
      const quic = new QuicTranscriber();
      const lines = (list: ReturnType<ConnectionSummarizer["add"]>) =>
        list.map((x) => `${formatSummary(x)}\n`).join("");
      return {
        add: (events) => {
          for (const ev of events) if (ev.kind === "quic-handshake") quic.add(ev);
          return lines(s.add(events));
        },
        finish: () => lines([...s.finish(), ...quic.finish().map((t) => t.summary)]),
      };
    }
    case "json": {
      const w = new TranscriptJsonWriter(new ConnectionTranscriber());
      return { add: (events) => w.add(events), finish: () => w.finish() };
    }
    case "text": {
      const w = new WalkthroughWriter(new ConnectionTranscriber());
      return { add: (events) => w.add(events), finish: () => w.finish() };
    }
  }
}

function root(cmd: Command): Command {
  let r = cmd;
  while (r.parent) r = r.parent;
  return r;
}

/**
 * Yields the file's bytes, inflating gzip (detected by its magic 1f 8b) on the fly.
 * @param read called with the number of file bytes read so far (before inflating)
 */
async function* captureChunks(
  source: Readable,
  read: (bytes: number) => void,
): AsyncGenerator<Uint8Array> {
  const it = source[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const first = await it.next();
  if (first.done) return;
  const head = first.value;
  let total = head.length;
  read(total);
  async function* all(): AsyncGenerator<Buffer> {
    yield head;
    for (;;) {
      const n = await it.next();
      if (n.done) return;
      total += n.value.length;
      read(total);
      yield n.value;
    }
  }
  if (head[0] === 0x1f && head[1] === 0x8b) {
    const gunzip = Readable.from(all()).pipe(createGunzip());
    for await (const chunk of gunzip) yield chunk as Buffer;
  } else {
    yield* all();
  }
}

/** Registers `mtls analyze`. */
export function registerAnalyze(program: Command): void {
  applyCommonOptions(program.command("analyze"))
    .description("dissect the TLS connections in a capture (pcap, pcapng, .gz; - for stdin)")
    .argument("<file>", "capture file, or - for standard input")
    .option("--format <format>", `output: ${FORMATS.join(", ")}`, "text")
    .option("--summary", "one line per connection (same as --format summary)")
    .option("--json", "JSON Lines, one object per connection (same as --format json)")
    .option("--stream <n>", "only TCP stream N (tshark's tcp.stream)")
    .option("--host <ip>", "only connections with this IP address at either end")
    .option("--port <n>", "only connections with this TCP port at either end")
    .option("--no-progress", "no progress bar on standard error")
    .option(
      "--decode-as <port>",
      "dissect TCP connections on this port as TLS even where they do not start with a record header (repeatable)",
      (value: string, list: readonly string[] = []) => [...list, value],
    )
    .option(
      "--keylog <file>",
      "NSS key log (SSLKEYLOGFILE) to decrypt TLS 1.3 handshakes and alerts; pcapng DSB secrets are used too",
    )
    .action(async (file: string, flags: AnalyzeFlags, cmd: Command) => {
      const format: string = flags.json
        ? "json"
        : flags.summary
          ? "summary"
          : (flags.format ?? "text");
      if (!(FORMATS as readonly string[]).includes(format)) {
        throw new MtlsError(
          ErrorCode.USAGE,
          `Bad --format '${format}': expected one of ${FORMATS.join(", ")}`,
        );
      }
      const out = root(cmd).configureOutput();
      const write = (s: string) => {
        if (s.length === 0) return;
        if (out.writeOut) out.writeOut(s);
        else process.stdout.write(s);
      };
      const warn = (s: string) => {
        if (out.writeErr) out.writeErr(s);
        else process.stderr.write(s);
      };
      // A progress bar only on a terminal, for files over a few MB.
      let progress: ProgressBar | undefined;
      if (file !== "-" && process.stderr.isTTY && flags.progress !== false) {
        const size = fileSize(file);
        if (size >= PROGRESS_MIN_BYTES) progress = new ProgressBar(size, warn);
      }
      const filter: ConnectionFilter = {
        ...(flags.stream !== undefined ? { stream: integerFlag("--stream", flags.stream, 0) } : {}),
        ...(flags.host !== undefined ? { host: hostFlag(flags.host) } : {}),
        ...(flags.port !== undefined ? { port: integerFlag("--port", flags.port, 65535) } : {}),
      };
      const keyLog = new KeyLog();
      // A key log already warned about (no TLS 1.3 secrets) is not warned about twice.
      let keyLogWarned = false;
      if (flags.keylog !== undefined) {
        const text = readFileChecked(flags.keylog, "key log").toString("utf8");
        const stats = keyLog.read(text);
        keyLogWarned = stats.tls13 === 0;
        for (const line of keyLogWarnings(flags.keylog, stats)) {
          warn(`mtls: warning: ${line}\n`);
        }
      }
      const filterText = [
        ...(flags.stream !== undefined ? [`--stream ${flags.stream}`] : []),
        ...(flags.host !== undefined ? [`--host ${flags.host}`] : []),
        ...(flags.port !== undefined ? [`--port ${flags.port}`] : []),
      ].join(" ");
      const decodeAs = (flags.decodeAs ?? []).map((p) => integerFlag("--decode-as", p, 65535));
      await analyzeFile(file, format as Format, {
        decodeAs,
        write,
        warn,
        filter,
        filterText,
        keyLog,
        keyLogFile: flags.keylog,
        keyLogWarned,
        progress,
      });
    });
}

function fileSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0; // reported when the file is opened
  }
}

/** `--host` takes an address as the capture shows it; names are not resolved (no DNS). */
function hostFlag(value: string): string {
  if (isIP(value) === 0) {
    throw new MtlsError(
      ErrorCode.USAGE,
      `Bad --host '${value}': expected an IPv4 or IPv6 address (host names are not resolved)`,
    );
  }
  return value;
}

/**
 * What `--keylog FILE` gave: nothing usable, or TLS 1.2 lines it cannot use.
 * @returns warning lines (without the `mtls: warning: ` prefix)
 */
function keyLogWarnings(file: string, stats: KeyLogStats): string[] {
  const out: string[] = [];
  if (stats.tls13 === 0) {
    out.push(
      `No TLS 1.3 secrets in ${file}: lines must look like 'CLIENT_HANDSHAKE_TRAFFIC_SECRET <client_random> <secret>'${stats.malformed > 0 ? ` (${lines(stats.malformed)} not in key log format)` : ""}`,
    );
  }
  if (stats.clientRandom > 0) {
    out.push(
      `TLS 1.2 decryption is not supported: ${stats.clientRandom} CLIENT_RANDOM ${stats.clientRandom === 1 ? "line" : "lines"} ignored`,
    );
  }
  return out;
}

/**
 * A key log with TLS 1.3 secrets none of which belongs to the capture's TLS 1.3 connections:
 * a wrong key log, which would otherwise look like no key log at all.
 * @returns the warning line (without the `mtls: warning: ` prefix), or undefined
 */
function unmatchedKeyLogWarning(
  file: string | undefined,
  keyLog: KeyLog,
  decryptor: Tls13RecordDecryptor,
): string | undefined {
  const n = decryptor.tls13Connections;
  if (keyLog.size === 0 || n === 0 || decryptor.matchedConnections > 0) return undefined;
  const source = file ?? "the capture's decryption secrets";
  return `No secret in ${source} matches the ${n} TLS 1.3 ${n === 1 ? "connection" : "connections"} of the capture (client randoms differ)`;
}

function lines(n: number): string {
  return n === 1 ? "1 line is" : `${n} lines are`;
}

function integerFlag(name: string, value: string, max: number): number {
  const n = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || (max > 0 && n > max)) {
    throw new MtlsError(
      ErrorCode.USAGE,
      `Bad ${name} '${value}': expected a whole number${max > 0 ? ` from 0 to ${max}` : ""}`,
    );
  }
  return n;
}

/** Capture bytes fed to the analyzer at a time, in bytes (64 KiB). */
const BATCH_BYTES = 64 * 1024;

async function analyzeFile(
  file: string,
  format: Format,
  io: {
    write(s: string): void;
    warn(s: string): void;
    filter: ConnectionFilter;
    /** The filter flags as typed, for the "no connection matched" line; "" without filters. */
    filterText: string;
    keyLog: KeyLog;
    /** Where the key log came from (`--keylog FILE`), for the "no secret matches" warning. */
    keyLogFile: string | undefined;
    /** The key log was already warned about: no second warning. */
    keyLogWarned: boolean;
    progress: ProgressBar | undefined;
    /** `--decode-as` ports. */
    decodeAs: readonly number[];
  },
): Promise<void> {
  const source =
    file === "-" ? process.stdin : createReadStream(file, { highWaterMark: 1024 * 1024 });
  const analyzer = new CaptureAnalyzer({ decodeAs: io.decodeAs });
  const view = renderer(format);
  const filter = new EventFilter(io.filter);
  const decryptor = new Tls13RecordDecryptor(io.keyLog);
  let secretsRead = 0;
  const seen = new MatchReport();
  const warnings = new WarningLimiter();
  const handle = (all: AnalyzerEvent[]) => {
    seen.before(all);
    // Key logs embedded in the capture (pcapng Decryption Secrets Blocks) precede the
    // packets they unlock (pcapng draft §4.7).
    const secrets = analyzer.secrets;
    for (; secretsRead < secrets.length; secretsRead++) {
      const dsb = secrets[secretsRead];
      if (dsb?.type === SECRETS_TYPE_TLS_KEY_LOG) io.keyLog.add(new TextDecoder().decode(dsb.data));
    }
    const events = filter.apply(io.keyLog.size > 0 ? decryptor.apply(all) : all);
    seen.after(events);
    for (const ev of events) {
      if (ev.kind === "warning") {
        // Frame 0: about the file, not a frame (a file cut short names its packet itself).
        const where = [
          ...(ev.frame > 0 ? [`frame ${ev.frame}`] : []),
          ...(ev.stream !== undefined ? [`stream ${ev.stream}`] : []),
        ].join(", ");
        if (!warnings.admit(ev.message)) continue;
        io.progress?.clear();
        io.warn(`mtls: warning: ${where ? `${where}: ` : ""}${ev.message}\n`);
      }
    }
    const text = view.add(events);
    if (text.length > 0) {
      io.progress?.clear();
      io.write(text);
    }
  };
  try {
    let read = 0;
    for await (const chunk of captureChunks(source, (n) => {
      read = n;
    })) {
      io.progress?.update(read);
      // A plain Uint8Array view: its subarray() is cheaper than Buffer's. Fed in slices of
      // at most BATCH_BYTES so the events of one slice die young (a whole 1 MiB read's events
      // outlived the young generation and grew the heap).
      const bytes = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      for (let at = 0; at < bytes.length; at += BATCH_BYTES) {
        handle(analyzer.push(bytes.subarray(at, at + BATCH_BYTES)));
      }
    }
    io.progress?.clear();
    handle(analyzer.finish());
    io.write(view.finish());
    for (const line of warnings.summary()) io.warn(`mtls: warning: ${line}\n`);
    const unmatched = io.keyLogWarned
      ? undefined
      : unmatchedKeyLogWarning(io.keyLogFile, io.keyLog, decryptor);
    if (unmatched) io.warn(`mtls: warning: ${unmatched}\n`);
    const note = seen.note(io.filterText, analyzer);
    if (note) io.warn(`mtls: ${note}\n`);
  } catch (e) {
    io.progress?.clear();
    const systemError = ["ENOENT", "EACCES", "EPERM", "EISDIR"].some((code) => isErrno(e, code));
    const reason = systemError ? describeReadError(e) : undefined;
    if (reason !== undefined) {
      throw new MtlsError(ErrorCode.FILE, `Cannot read capture ${file}: ${reason}`, {
        cause: e,
        details: { path: file },
      });
    }
    if (e instanceof ParseError) {
      // Offset 0 without a path says nothing the reason does not (empty file, bad magic).
      const text = e.offset === 0 && e.path.length === 0 ? e.reason : e.message;
      throw new MtlsError(
        ErrorCode.CAPTURE,
        `Cannot read capture ${file}: ${text.charAt(0).toLowerCase()}${text.slice(1)}`,
        {
          cause: e,
          ...(e.reason.startsWith("Not a pcap")
            ? { hint: "mtls analyze reads pcap and pcapng files (optionally gzip-compressed)" }
            : {}),
        },
      );
    }
    if (
      e instanceof Error &&
      "code" in e &&
      String((e as NodeJS.ErrnoException).code).startsWith("Z_")
    ) {
      throw new MtlsError(ErrorCode.CAPTURE, `Cannot inflate capture ${file}: ${e.message}`, {
        cause: e,
      });
    }
    throw e;
  }
}

/**
 * Tells an empty answer from a silent one: which TLS connections the capture has (streams,
 * server addresses and ports, a few kept) and whether any passed the filters.
 */
class MatchReport {
  #streams = 0;
  readonly #tls = new Set<number>();
  readonly #hosts = new Set<string>();
  readonly #ports = new Set<number>();
  #matched = false;
  #quic = false;

  /** Sees the events before filtering. */
  before(events: readonly AnalyzerEvent[]): void {
    for (const ev of events) {
      if (ev.kind === "quic-handshake") this.#quic = true;
      if (ev.kind !== "record" || this.#tls.has(ev.stream)) continue;
      if (this.#tls.size < 1024) this.#tls.add(ev.stream);
      this.#streams++;
    }
    for (const ev of events) {
      if (ev.kind !== "connection-open") continue;
      for (const e of [ev.client, ev.server]) {
        if (e && this.#hosts.size < 8) this.#hosts.add(e.address);
      }
      if (ev.server && this.#ports.size < 8) this.#ports.add(ev.server.port);
    }
  }

  /** Sees the events that passed the filters. */
  after(events: readonly AnalyzerEvent[]): void {
    if (!this.#matched) this.#matched = events.some((e) => e.kind === "record");
  }

  /** @returns the stderr note, or undefined when something was shown */
  note(filterText: string, analyzer: CaptureAnalyzer): string | undefined {
    if (this.#matched || this.#quic) return undefined;
    if (this.#streams === 0) {
      const s = analyzer.streams;
      return `no TLS connection in the capture (${analyzer.frames} packets, ${s} TCP stream${s === 1 ? "" : "s"})`;
    }
    if (filterText === "") return undefined;
    const list = (set: Set<unknown>) => [...set].join(", ");
    const streams = streamRanges(this.#tls, { total: this.#streams });
    return `no connection matched ${filterText} (the capture has TLS in stream${this.#streams === 1 ? "" : "s"} ${streams}; hosts ${list(this.#hosts)}; server ports ${list(this.#ports)})`;
  }
}

/** Warnings of one kind (same text but for its numbers) printed before the rest are counted. */
const WARNINGS_PER_KIND = 5;

/**
 * Keeps stderr readable: a capture of 50 connections all cut mid-record gets 5 lines and a
 * count, not 50.
 */
class WarningLimiter {
  readonly #kinds = new Map<string, { shown: number; hidden: number; example: string }>();

  /** @returns true when the warning is to be printed */
  admit(message: string): boolean {
    const kind = message.replace(/\d+/g, "N");
    const k = this.#kinds.get(kind) ?? { shown: 0, hidden: 0, example: message };
    this.#kinds.set(kind, k);
    if (k.shown < WARNINGS_PER_KIND) {
      k.shown++;
      return true;
    }
    k.hidden++;
    return false;
  }

  /** @returns one line per kind with hidden warnings */
  summary(): string[] {
    return [...this.#kinds.values()]
      .filter((k) => k.hidden > 0)
      .map((k) => `${k.hidden} more like '${k.example}' not shown`);
  }
}

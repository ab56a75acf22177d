/**
 * `mtls analyze`: reads a packet capture, reassembles TCP, dissects every TLS record and
 * prints one of three views.
 *
 * ```
 * mtls analyze FILE [--format text|summary|tshark-fields|json] [--summary] [--json]
 *   [--stream N] [--host IP] [--port N]
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
 * can be read (empty, truncated file header, not a capture) is an error (exit 1).
 * The file is streamed: memory stays bounded whatever its size.
 * @module
 */
import { createReadStream, statSync } from "node:fs";
import { Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import type { Command } from "commander";
import { CaptureAnalyzer } from "../analyze/capture-analyzer.ts";
import { ConnectionSummarizer, formatSummary } from "../analyze/connection-summary.ts";
import { ConnectionTranscriber } from "../analyze/connection-transcript.ts";
import { type ConnectionFilter, EventFilter } from "../analyze/event-filter.ts";
import type { AnalyzerEvent } from "../analyze/events.ts";
import { KeyLog } from "../analyze/key-log.ts";
import { PROGRESS_MIN_BYTES, ProgressBar } from "../analyze/progress-bar.ts";
import { Tls13RecordDecryptor } from "../analyze/tls13-record-decryptor.ts";
import { TranscriptJsonWriter } from "../analyze/transcript-json.ts";
import { TsharkFieldsWriter } from "../analyze/tshark-fields.ts";
import { WalkthroughWriter } from "../analyze/walkthrough-text.ts";
import { SECRETS_TYPE_TLS_KEY_LOG } from "../capture/packet.ts";
import { ErrorCode, isErrno, MtlsError, ParseError } from "../errors.ts";
import { readFileChecked } from "../files.ts";
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
      const lines = (list: ReturnType<ConnectionSummarizer["add"]>) =>
        list.map((x) => `${formatSummary(x)}\n`).join("");
      return { add: (events) => lines(s.add(events)), finish: () => lines(s.finish()) };
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
        ...(flags.host !== undefined ? { host: flags.host } : {}),
        ...(flags.port !== undefined ? { port: integerFlag("--port", flags.port, 65535) } : {}),
      };
      const keyLog = new KeyLog();
      if (flags.keylog !== undefined) {
        keyLog.add(readFileChecked(flags.keylog, "key log").toString("utf8"));
      }
      await analyzeFile(file, format as Format, { write, warn, filter, keyLog, progress });
    });
}

function fileSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0; // reported when the file is opened
  }
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

async function analyzeFile(
  file: string,
  format: Format,
  io: {
    write(s: string): void;
    warn(s: string): void;
    filter: ConnectionFilter;
    keyLog: KeyLog;
    progress: ProgressBar | undefined;
  },
): Promise<void> {
  const source =
    file === "-" ? process.stdin : createReadStream(file, { highWaterMark: 1024 * 1024 });
  const analyzer = new CaptureAnalyzer();
  const view = renderer(format);
  const filter = new EventFilter(io.filter);
  const decryptor = new Tls13RecordDecryptor(io.keyLog);
  let secretsRead = 0;
  const handle = (all: AnalyzerEvent[]) => {
    // Key logs embedded in the capture (pcapng Decryption Secrets Blocks) precede the
    // packets they unlock (pcapng draft §4.7).
    const secrets = analyzer.secrets;
    for (; secretsRead < secrets.length; secretsRead++) {
      const dsb = secrets[secretsRead];
      if (dsb?.type === SECRETS_TYPE_TLS_KEY_LOG) io.keyLog.add(new TextDecoder().decode(dsb.data));
    }
    const events = filter.apply(io.keyLog.size > 0 ? decryptor.apply(all) : all);
    for (const ev of events) {
      if (ev.kind === "warning") {
        // Frame 0: about the file, not a frame (a file cut short names its packet itself).
        const where = [
          ...(ev.frame > 0 ? [`frame ${ev.frame}`] : []),
          ...(ev.stream !== undefined ? [`stream ${ev.stream}`] : []),
        ].join(", ");
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
      // A plain Uint8Array view: its subarray() is cheaper than Buffer's.
      handle(analyzer.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)));
    }
    io.progress?.clear();
    handle(analyzer.finish());
    io.write(view.finish());
  } catch (e) {
    io.progress?.clear();
    const reason = isErrno(e, "ENOENT")
      ? "no such file"
      : isErrno(e, "EACCES")
        ? "permission denied"
        : isErrno(e, "EISDIR")
          ? "is a directory"
          : undefined;
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

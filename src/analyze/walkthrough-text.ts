/**
 * The default text output of `mtls analyze`: the seed's Wireshark walk-through per TLS
 * connection — a ladder of messages in wire order with frame numbers, each message's fields
 * as an indented tree, then the mutual-TLS verdict.
 * @module
 */
import { cipherSuiteName, versionName } from "../tls/names.ts";
import type {
  ConnectionTranscriber,
  Transcript,
  TranscriptMessage,
} from "./connection-transcript.ts";
import type { AnalyzerEvent } from "./events.ts";
import type { FieldTree, FieldValue } from "./message-fields.ts";
import { mtlsVerdict } from "./mtls-verdict.ts";
import { endpointString } from "./transcript-json.ts";

/** Options of {@link renderWalkthrough}. */
export interface WalkthroughOptions {
  /** Lists whose one-line form is longer than this many characters go one item a line; default 100. */
  readonly width?: number;
}

function isScalar(v: FieldValue): v is string | number | boolean | null {
  return v === null || typeof v !== "object";
}

function tree(fields: FieldTree, indent: string, width: number, out: string[]): void {
  for (const [name, value] of Object.entries(fields)) field(name, value, indent, width, out);
}

function field(
  name: string,
  value: FieldValue,
  indent: string,
  width: number,
  out: string[],
): void {
  if (isScalar(value)) {
    out.push(`${indent}${name}: ${value === null ? "(none)" : String(value)}`);
    return;
  }
  if (Array.isArray(value)) {
    const list = value as readonly FieldValue[];
    if (list.every(isScalar)) {
      const line = `${indent}${name} (${list.length}): ${list.join(", ")}`;
      if (line.length <= width || list.length === 0) {
        out.push(list.length === 0 ? `${indent}${name}: (empty)` : line);
        return;
      }
      out.push(`${indent}${name} (${list.length}):`);
      for (const item of list) out.push(`${indent}    ${String(item)}`);
      return;
    }
    out.push(`${indent}${name} (${list.length}):`);
    for (const [i, item] of list.entries()) {
      if (isScalar(item) || Array.isArray(item)) field(`[${i}]`, item, `${indent}    `, width, out);
      else {
        out.push(`${indent}    [${i}]`);
        tree(item as FieldTree, `${indent}        `, width, out);
      }
    }
    return;
  }
  const obj = value as FieldTree;
  out.push(`${indent}${name}${Object.keys(obj).length === 0 ? ": (none)" : ":"}`);
  tree(obj, `${indent}    `, width, out);
}

function frames(m: TranscriptMessage): string {
  return m.lastFrame !== m.frame ? `${m.frame}-${m.lastFrame}` : String(m.frame);
}

function label(m: TranscriptMessage): string {
  const count = m.count > 1 ? ` ×${m.count}` : "";
  const size = m.kind === "change_cipher_spec" ? "" : ` (${m.length} bytes)`;
  const alert =
    m.kind === "alert" && m.fields && typeof m.fields.description === "string"
      ? `: ${String(m.fields.level).replace(/ \(\d+\)$/, "")} ${m.fields.description.replace(/ \(\d+\)$/, "")}`
      : "";
  return `${m.name}${alert}${count}${size}${m.decrypted ? " [decrypted]" : ""}`;
}

/**
 * Renders one connection.
 * @param t the transcript
 * @param options see {@link WalkthroughOptions}
 * @returns the text, ending with a newline
 * @example
 * ```ts
 * for (const t of transcriber.add(events)) out.write(renderWalkthrough(t));
 * ```
 */
export function renderWalkthrough(t: Transcript, options: WalkthroughOptions = {}): string {
  const width = options.width ?? 100;
  const s = t.summary;
  const v = mtlsVerdict(t);
  const client = endpointString(s.client) ?? "client";
  const server = endpointString(s.server) ?? "server";
  const out: string[] = [];
  const version = s.version === undefined ? "version unknown" : versionName(s.version);
  const suite = s.cipherSuite === undefined ? "" : `, ${cipherSuiteName(s.cipherSuite)}`;
  const flags = `${s.helloRetryRequest ? ", HelloRetryRequest" : ""}${s.resumed ? ", resumed" : ""}`;
  const quic = s.transport === "quic";
  const title = quic ? `QUIC connection ${s.stream}` : `Stream ${s.stream}`;
  out.push(`${title}: client ${client} ⇄ server ${server} (${version}${suite}${flags})`);
  const prints = [
    t.ja3 ? `JA3 ${t.ja3.hash}` : "",
    t.ja3s ? `JA3S ${t.ja3s.hash}` : "",
    t.ja4 ? `JA4 ${t.ja4.hash}` : "",
  ].filter((x) => x.length > 0);
  if (prints.length > 0) out.push(`  ${prints.join("  ")}`);
  const pp = t.proxyProtocol;
  if (pp) {
    const carried =
      pp.invalid !== undefined
        ? `invalid (${pp.invalid})`
        : pp.source && pp.destination
          ? `source ${endpointString(pp.source)}, destination ${endpointString(pp.destination)}`
          : `${pp.command} ${pp.family}, no addresses`;
    out.push(
      `  PROXY protocol v${pp.version} header (frame ${pp.frame}, ${pp.length} bytes): ${carried}`,
    );
  }
  out.push("");
  const frameWidth = Math.max(5, ...t.messages.map((m) => frames(m).length));
  for (const m of t.messages) {
    const arrow = m.from === "client" ? "client ───▶ server" : "client ◀─── server";
    out.push(`  ${frames(m).padStart(frameWidth)}  ${arrow}  ${label(m)}`);
  }
  if (t.messagesNotListed > 0) out.push(`  … ${t.messagesNotListed} more messages not listed`);
  const detailed = t.messages.filter((m) => m.fields && Object.keys(m.fields).length > 0);
  if (detailed.length > 0) {
    out.push("");
    for (const m of detailed) {
      out.push(
        `  ${m.name} (frame ${frames(m)}, ${m.from} → ${m.from === "client" ? "server" : "client"})${m.decrypted ? " [decrypted]" : ""}`,
      );
      tree(m.fields ?? {}, "      ", width, out);
    }
  }
  out.push("");
  const yesNo = (b: boolean | null, hidden: string) => (b === null ? hidden : b ? "yes" : "no");
  const hidden = quic
    ? "unknown (in QUIC Handshake packets, not decrypted)"
    : s.version === 0x0304
      ? "unknown (encrypted; use --keylog)"
      : "unknown";
  const cas = v.clientAuth.acceptableCAs;
  out.push(
    `  Mutual TLS: client certificate requested: ${yesNo(v.clientAuth.requested, hidden)}${cas.length > 0 ? ` (acceptable CAs: ${cas.join("; ")})` : ""}`,
  );
  const certs = v.clientAuth.certificates;
  out.push(
    `              client certificate sent: ${yesNo(v.clientAuth.sent, hidden)}${certs.length > 0 ? ` (${certs.length}: ${certs.join("; ")})` : ""}`,
  );
  for (const a of t.alerts) {
    out.push(
      `  Alert: ${a.description === null ? "encrypted" : `${a.level} ${a.description}`} from ${a.from} (frame ${a.frame})`,
    );
  }
  out.push(`  Outcome: ${v.outcome}: ${v.reason}`);
  if (s.diagnosis) out.push(`  Diagnosis: ${s.diagnosis}`);
  return `${out.join("\n")}\n\n`;
}

/**
 * Streams the walk-through: one block per closed connection.
 *
 * @example
 * ```ts
 * const w = new WalkthroughWriter(new ConnectionTranscriber());
 * out.write(w.add(analyzer.push(chunk)));
 * out.write(w.finish());
 * ```
 */
export class WalkthroughWriter {
  readonly #t: ConnectionTranscriber;
  readonly #options: WalkthroughOptions;

  /**
   * @param transcriber where events go
   * @param options see {@link WalkthroughOptions}
   */
  constructor(transcriber: ConnectionTranscriber, options: WalkthroughOptions = {}) {
    this.#t = transcriber;
    this.#options = options;
  }

  /** @returns the text of the connections these events closed */
  add(events: readonly AnalyzerEvent[]): string {
    return this.#t
      .add(events)
      .map((t) => renderWalkthrough(t, this.#options))
      .join("");
  }

  /** @returns the text of the connections still open at the end */
  finish(): string {
    return this.#t
      .finish()
      .map((t) => renderWalkthrough(t, this.#options))
      .join("");
  }
}

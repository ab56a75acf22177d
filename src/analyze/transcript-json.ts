/**
 * `mtls analyze --json`: one JSON object per TLS connection (JSON Lines), in the stable
 * schema documented in `docs/analyzer/json-schema.md`.
 * @module
 */
import type { Endpoint } from "../capture/tcp-reassembler.ts";
import { cipherSuiteName, versionName } from "../tls/names.ts";
import type { ConnectionTranscriber, Transcript } from "./connection-transcript.ts";
import type { AnalyzerEvent, ProxyProtocolEvent } from "./events.ts";
import { fieldsJson } from "./message-fields.ts";
import { mtlsVerdict } from "./mtls-verdict.ts";

/** Version of the JSON schema; bumped on any incompatible change. */
export const JSON_SCHEMA_VERSION = 1;

/** Formats an endpoint as `ip:port` (`[ip]:port` for IPv6). */
export function endpointString(e: Endpoint | undefined): string | null {
  if (!e) return null;
  return e.address.includes(":") ? `[${e.address}]:${e.port}` : `${e.address}:${e.port}`;
}

/** `0x0303` texts of record versions (a handful per capture). */
const HEX4 = new Map<number, string>();

function hex4(v: number): string {
  let text = HEX4.get(v);
  if (text === undefined) {
    text = `0x${v.toString(16).padStart(4, "0")}`;
    if (HEX4.size < 1024) HEX4.set(v, text);
  }
  return text;
}

/**
 * The JSON object of one connection (schema version {@link JSON_SCHEMA_VERSION}).
 * @param t the transcript
 * @returns a plain object ready for `JSON.stringify`
 * @see docs/analyzer/json-schema.md
 */
export function transcriptJson(t: Transcript): Record<string, unknown> {
  return {
    ...connectionJson(t),
    messages: t.messages.map((m) => ({
      frame: m.frame,
      ...(m.count > 1 ? { lastFrame: m.lastFrame, count: m.count } : {}),
      from: m.from,
      kind: m.kind,
      type: m.name,
      length: m.length,
      recordVersion: m.recordVersion === undefined ? null : hex4(m.recordVersion),
      decrypted: m.decrypted,
      ...(m.fields ? { fields: m.fields } : {}),
    })),
    ...(t.messagesNotListed > 0 ? { messagesNotListed: t.messagesNotListed } : {}),
  };
}

/** The members of {@link transcriptJson} before `messages`, in schema order. */
function connectionJson(t: Transcript): Record<string, unknown> {
  const s = t.summary;
  const v = mtlsVerdict(t);
  return {
    schema: JSON_SCHEMA_VERSION,
    ...(s.transport === "quic"
      ? { stream: null, transport: "quic", quicConnection: s.stream }
      : { stream: s.stream }),
    client: endpointString(s.client),
    server: endpointString(s.server),
    ...(t.proxyProtocol ? { proxyProtocol: proxyProtocolJson(t.proxyProtocol) } : {}),
    version: s.version === undefined ? null : versionName(s.version),
    cipherSuite: s.cipherSuite === undefined ? null : cipherSuiteName(s.cipherSuite),
    helloRetryRequest: s.helloRetryRequest,
    resumed: s.resumed,
    ja3: t.ja3?.hash ?? null,
    ja3s: t.ja3s?.hash ?? null,
    ja4: t.ja4?.hash ?? null,
    clientAuth: v.clientAuth,
    serverCertificate: s.serverCertificate?.subject ?? null,
    alerts: t.alerts.map((a) => ({
      frame: a.frame,
      from: a.from,
      level: a.level,
      description: a.description,
    })),
    outcome: v.outcome,
    reason: v.reason,
    diagnosis: s.diagnosis ?? null,
  };
}

/** The `proxyProtocol` member: the PROXY header the client's direction began with. */
function proxyProtocolJson(p: ProxyProtocolEvent): Record<string, unknown> {
  return {
    frame: p.frame,
    version: p.version,
    command: p.command,
    family: p.family,
    source: endpointString(p.source),
    destination: endpointString(p.destination),
    length: p.length,
    ...(p.invalid !== undefined ? { invalid: p.invalid } : {}),
  };
}

/**
 * Streams JSON Lines: feeds events to a transcriber and writes one line per closed
 * connection.
 *
 * @example
 * ```ts
 * const w = new TranscriptJsonWriter(new ConnectionTranscriber());
 * out.write(w.add(analyzer.push(chunk)));
 * out.write(w.finish());
 * ```
 */
export class TranscriptJsonWriter {
  readonly #t: ConnectionTranscriber;

  /** @param transcriber where events go */
  constructor(transcriber: ConnectionTranscriber) {
    this.#t = transcriber;
  }

  /** @returns JSON lines for the connections these events closed ("" when none) */
  add(events: readonly AnalyzerEvent[]): string {
    return lines(this.#t.add(events));
  }

  /** @returns JSON lines for the connections still open at the end */
  finish(): string {
    return lines(this.#t.finish());
  }
}

/**
 * One JSON line, byte for byte `JSON.stringify(transcriptJson(t))`, written directly: the
 * message entries are formatted without building their objects, and shared field trees are
 * serialised once per capture (see {@link fieldsJson}).
 * @param t the transcript
 * @returns the line, without a newline
 */
export function transcriptJsonLine(t: Transcript): string {
  let s = JSON.stringify(connectionJson(t));
  s = `${s.slice(0, -1)},"messages":[`;
  const messages = t.messages;
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i]!;
    if (i > 0) s += ",";
    s += `{"frame":${m.frame}`;
    if (m.count > 1) s += `,"lastFrame":${m.lastFrame},"count":${m.count}`;
    s += `,"from":"${m.from}","kind":"${m.kind}","type":${nameJson(m.name)},"length":${m.length},"recordVersion":${m.recordVersion === undefined ? "null" : `"${hex4(m.recordVersion)}"`},"decrypted":${m.decrypted}`;
    s += m.fields ? `,"fields":${fieldsJson(m.fields)}}` : "}";
  }
  s += "]";
  if (t.messagesNotListed > 0) s += `,"messagesNotListed":${t.messagesNotListed}`;
  return `${s}}`;
}

/** JSON texts of message names (a few dozen distinct ones per capture). */
const NAME_JSON = new Map<string, string>();

function nameJson(name: string): string {
  let text = NAME_JSON.get(name);
  if (text === undefined) {
    text = JSON.stringify(name);
    if (NAME_JSON.size < 1024) NAME_JSON.set(name, text);
  }
  return text;
}

function lines(ts: readonly Transcript[]): string {
  let out = "";
  for (const t of ts) out += `${transcriptJsonLine(t)}\n`;
  return out;
}

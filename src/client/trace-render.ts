import type { Extension } from "../tls/extensions.ts";
import type { HandshakeMessage } from "../tls/handshake.ts";
import {
  cipherSuiteName,
  clientCertificateTypeName,
  groupName,
  signatureSchemeName,
  versionName,
} from "../tls/names.ts";
import { contentTypeName } from "../tls/record.ts";
import type { TraceEvent, TraceRecord } from "./trace-event.ts";

/** Options of {@link renderTrace}. */
export interface RenderTraceOptions {
  /**
   * Also list every extension's decoded value and every cipher suite; default false (names
   * and key values only, the first 8 cipher suites).
   */
  readonly verbose?: boolean;
  /** Wrap field lines longer than this many characters at `, `; default 100, 0 = never. */
  readonly width?: number;
}

/**
 * Wraps `line` at `, ` separators so no piece is longer than `width` (a single item longer
 * than that stays whole); continuation lines are indented to the value's column.
 */
export function wrapList(line: string, width: number): string[] {
  if (width <= 0 || line.length <= width) return [line];
  const colon = line.indexOf(": ");
  const indent = " ".repeat(colon >= 0 ? colon + 2 : line.length - line.trimStart().length);
  const out: string[] = [];
  let current = "";
  for (const [i, part] of line.split(", ").entries()) {
    if (i === 0) current = part;
    else if (current.length + 2 + part.length <= width) current += `, ${part}`;
    else {
      out.push(`${current},`);
      current = indent + part;
    }
  }
  out.push(current);
  return out;
}

function hexPreview(bytes: Uint8Array): string {
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  return hex.length > 16
    ? `${hex.slice(0, 8)}…${hex.slice(-8)} (${bytes.length} bytes)`
    : `${hex} (${bytes.length} bytes)`;
}

function version(v: number): string {
  return `${versionName(v)} (0x${v.toString(16).padStart(4, "0")})`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** One extension as `name` or `name=value` with its key value. */
function extension(e: Extension): string {
  const v = e.value;
  if (!v) return e.name;
  switch (v.kind) {
    case "server_name":
      return v.server_name_list.length > 0
        ? `${e.name}=${v.server_name_list.map((n) => n.host_name).join(",")}`
        : e.name;
    case "supported_groups":
      return `${e.name}=${v.named_group_list.map(groupName).join(",")}`;
    case "application_layer_protocol_negotiation":
      return `${e.name}=${v.protocol_name_list.join(",")}`;
    case "supported_versions":
      return `${e.name}=${v.versions.map(versionName).join(",")}`;
    case "key_share":
      if (v.client_shares)
        return `${e.name}=${v.client_shares.map((s) => groupName(s.group)).join(",")}`;
      if (v.server_share) return `${e.name}=${groupName(v.server_share.group)}`;
      return v.selected_group === undefined
        ? e.name
        : `${e.name}=${groupName(v.selected_group)} (retry)`;
    case "signature_algorithms":
    case "signature_algorithms_cert":
      return `${e.name}=${plural(v.supported_signature_algorithms.length, "scheme")}`;
    default:
      return e.name;
  }
}

/** Long lists are cut to their first {@link LIST_PREVIEW} items unless `verbose`. */
const LIST_PREVIEW = 8;

function listed(items: readonly string[], verbose: boolean): string {
  if (verbose || items.length <= LIST_PREVIEW + 1) return items.join(", ");
  return `${items.slice(0, LIST_PREVIEW).join(", ")}, … ${items.length - LIST_PREVIEW} more (--trace-verbose lists all)`;
}

function fields(
  message: HandshakeMessage,
  event: TraceEvent & { kind: "handshake" },
  verbose: boolean,
): string[] {
  switch (message.type) {
    case "ClientHello":
      return [
        `version: ${version(message.legacy_version)}`,
        `random: ${hexPreview(message.random)}`,
        `session_id: ${message.legacy_session_id.length > 0 ? hexPreview(message.legacy_session_id) : "(empty)"}`,
        `cipher_suites (${message.cipher_suites.length}): ${listed(message.cipher_suites.map(cipherSuiteName), verbose)}`,
        `compression_methods: ${message.legacy_compression_methods.join(", ")}`,
        `extensions (${message.extensions.length}): ${message.extensions.map(extension).join(", ")}`,
      ];
    case "ServerHello":
    case "HelloRetryRequest":
      return [
        `version: ${version(message.version)}${message.version !== message.legacy_version ? ` (legacy_version ${versionName(message.legacy_version)})` : ""}`,
        `random: ${hexPreview(message.random)}`,
        `session_id: ${message.legacy_session_id_echo.length > 0 ? hexPreview(message.legacy_session_id_echo) : "(empty)"}`,
        `cipher_suite: ${cipherSuiteName(message.cipher_suite)}`,
        `compression_method: ${message.legacy_compression_method}`,
        `extensions (${message.extensions.length}): ${message.extensions.map(extension).join(", ")}`,
      ];
    case "Certificate": {
      const certs = event.certificates ?? [];
      if (message.certificate_list.length === 0)
        return ["certificate_list: (empty: no certificate sent)"];
      return message.certificate_list.flatMap((c, i) => {
        const s = certs[i];
        return s
          ? [
              `[${i}] subject: ${s.subject}`,
              `    issuer:  ${s.issuer}${s.notAfter ? `  (notAfter ${s.notAfter})` : ""}`,
            ]
          : [`[${i}] ${c.cert_data.length} bytes`];
      });
    }
    case "ServerKeyExchange":
      if (message.kind === "ecdhe") {
        return [
          `curve: ${groupName(message.named_curve ?? 0)}`,
          `public: ${hexPreview(message.public ?? new Uint8Array(0))}`,
          `signature: ${message.signature_algorithm === undefined ? "(none)" : signatureSchemeName(message.signature_algorithm)}`,
        ];
      }
      if (message.kind === "dhe") return [`dh_p: ${message.dh_p_bits} bits`];
      return [`params: ${message.raw.length - 4} bytes (undecoded)`];
    case "CertificateRequest":
      return [
        ...(message.certificate_types.length > 0
          ? [
              `certificate_types: ${message.certificate_types.map(clientCertificateTypeName).join(", ")}`,
            ]
          : []),
        `signature_algorithms (${message.supported_signature_algorithms.length}): ${message.supported_signature_algorithms.map(signatureSchemeName).join(", ")}`,
        `certificate_authorities: ${message.certificate_authorities.length > 0 ? message.certificate_authorities.join("; ") : "(none: any CA)"}`,
      ];
    case "CertificateVerify":
      return [
        `algorithm: ${signatureSchemeName(message.algorithm)}`,
        `signature: ${message.signature.length} bytes`,
      ];
    case "ClientKeyExchange":
      return [
        `${message.kind === "ecdh" ? "ecdh_Yc" : "exchange_keys"}: ${hexPreview(message.exchange_keys)}`,
      ];
    case "NewSessionTicket":
      return [
        `ticket_lifetime: ${message.ticket_lifetime} s`,
        `ticket: ${message.ticket.length} bytes`,
      ];
    case "Finished":
      return [`verify_data: ${hexPreview(message.verify_data)}`];
    case "EncryptedExtensions":
      return [`extensions: ${message.extensions.map(extension).join(", ")}`];
    case "CertificateStatus":
      return [`status_type: ${message.status_type}`, `response: ${message.response.length} bytes`];
    case "KeyUpdate":
      return [`request_update: ${message.request_update}`];
    case "ServerHelloDone":
    case "HelloRequest":
    case "EndOfEarlyData":
      return [];
    case "Unknown":
      return verbose ? [`body: ${hexPreview(message.body)}`] : [];
  }
}

function messageName(message: HandshakeMessage): string {
  return message.type === "Unknown" ? message.name : message.type;
}

function recordTag(r: TraceRecord): string {
  return `[record ${r.index}: ${contentTypeName(r.contentType)}, ${plural(r.length, "byte")}]`;
}

/**
 * Renders trace events as an annotated ladder, one event per line plus indented fields:
 *
 * ```
 * → ClientHello (226 bytes) [record 1: handshake, 230 bytes]
 *     version: TLS 1.2 (0x0303)
 *     cipher_suites (2): TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, ...
 * ← ServerHello (85 bytes) [record 1: handshake, 1180 bytes]
 * → ChangeCipherSpec [record 5: change_cipher_spec, 1 byte]
 * → Encrypted Handshake Message [record 6: handshake, 40 bytes]
 * ```
 * `→` is client to server, `←` server to client. Pure: events in, lines out.
 *
 * @param events the events, in wire order
 * @param options `verbose` (default false)
 * @returns the lines, without trailing newlines
 * @example
 * ```ts
 * process.stdout.write(`${renderTrace(tracer.events).join("\n")}\n`);
 * ```
 */
export function renderTrace(
  events: readonly TraceEvent[],
  options: RenderTraceOptions = {},
): string[] {
  const lines: string[] = [];
  for (const e of events) {
    const arrow = e.direction === "client" ? "→" : "←";
    switch (e.kind) {
      case "handshake":
        lines.push(
          `${arrow} ${messageName(e.message)} (${plural(e.message.raw.length - 4, "byte")}) ${recordTag(e.record)}${e.decrypted ? " (decrypted)" : ""}`,
        );
        for (const f of fields(e.message, e, options.verbose ?? false)) {
          lines.push(...wrapList(`      ${f}`, options.width ?? 100));
        }
        break;
      case "change_cipher_spec":
        lines.push(`${arrow} ChangeCipherSpec ${recordTag(e.record)}`);
        break;
      case "alert":
        lines.push(
          `${arrow} Alert: ${e.alert.levelName} ${e.alert.descriptionName} (${e.alert.description}) ${recordTag(e.record)}${e.decrypted ? " (decrypted)" : ""}`,
        );
        break;
      case "encrypted":
        lines.push(`${arrow} ${e.label} ${recordTag(e.record)}`);
        break;
      case "record":
        lines.push(
          `${arrow} ${contentTypeName(e.record.contentType)} record ${recordTag(e.record)}`,
        );
        break;
      case "error":
        lines.push(`${arrow} (trace stopped: ${e.message})`);
        break;
    }
  }
  return lines;
}

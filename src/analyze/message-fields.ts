/**
 * The fields of a handshake message as a plain tree, in RFC 8446 / RFC 5246 field names:
 * the one source of the text walk-through's indented tree and of `messages[].fields` in
 * `--json`. Values are display strings ("TLS_AES_128_GCM_SHA256 (0x1301)"), numbers,
 * booleans, lists and nested objects.
 * @module
 */
import type { Extension } from "../tls/extensions.ts";
import type { HandshakeMessage } from "../tls/handshake.ts";
import { cipherSuiteName, groupName, signatureSchemeName, versionName } from "../tls/names.ts";
import { certificateDetails } from "./certificate-details.ts";

/** A value in a field tree. */
export type FieldValue =
  | string
  | number
  | boolean
  | null
  | readonly FieldValue[]
  | { readonly [name: string]: FieldValue };

/** A message's fields: field name → value, in wire order. */
export type FieldTree = { readonly [name: string]: FieldValue };

/** ClientCertificateType names (RFC 5246 §7.4.4, RFC 8422 §5.5). */
const CERTIFICATE_TYPES: ReadonlyMap<number, string> = new Map([
  [1, "rsa_sign"],
  [2, "dss_sign"],
  [3, "rsa_fixed_dh"],
  [4, "dss_fixed_dh"],
  [64, "ecdsa_sign"],
  [65, "rsa_fixed_ecdh"],
  [66, "ecdsa_fixed_ecdh"],
]);

/** ECPointFormat names (RFC 8422 §5.1.2). */
const POINT_FORMATS: ReadonlyMap<number, string> = new Map([
  [0, "uncompressed"],
  [1, "ansiX962_compressed_prime"],
  [2, "ansiX962_compressed_char2"],
]);

/** PskKeyExchangeMode names (RFC 8446 §4.2.9). */
const PSK_MODES: ReadonlyMap<number, string> = new Map([
  [0, "psk_ke"],
  [1, "psk_dhe_ke"],
]);

function hex(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += b.toString(16).padStart(2, "0");
  return s;
}

function code(v: number): string {
  return `0x${v.toString(16).padStart(4, "0")}`;
}

function named(name: string, v: number): string {
  return name.includes(code(v)) ? name : `${name} (${code(v)})`;
}

/** Display strings of code points, memoised per registry (values are 16-bit). */
const SUITE_NAMES = new Map<number, string>();
const GROUP_NAMES = new Map<number, string>();
const SCHEME_NAMES = new Map<number, string>();

function memo(table: Map<number, string>, v: number, name: (v: number) => string): string {
  let s = table.get(v);
  if (s === undefined) {
    s = named(name(v), v);
    table.set(v, s);
  }
  return s;
}

function suite(v: number): string {
  return memo(SUITE_NAMES, v, cipherSuiteName);
}

function group(v: number): string {
  return memo(GROUP_NAMES, v, groupName);
}

function scheme(v: number): string {
  return memo(SCHEME_NAMES, v, signatureSchemeName);
}

/** Entries kept in each field cache below (cleared when full). */
const CACHE_SIZE = 2048;

/** Decoded values of extensions whose bytes recur from connection to connection. */
const extensionCache = new Map<string, FieldValue>();

/** Extension types whose data differs per connection (keys, tickets, PSKs): not cached. */
const VOLATILE_EXTENSIONS: ReadonlySet<number> = new Set([35, 41, 51, 21, 44]);

function latin1(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("latin1");
}

function version(v: number): string {
  return `${versionName(v)} (${code(v)})`;
}

function bytesOrEmpty(b: Uint8Array): string {
  return b.length === 0 ? "(empty)" : hex(b);
}

function extensionValue(e: Extension): FieldValue {
  if (VOLATILE_EXTENSIONS.has(e.type) || e.data.length > 1024) return decodeExtension(e);
  const key = `${e.type} ${latin1(e.data)}`;
  let value = extensionCache.get(key);
  if (value === undefined) {
    value = decodeExtension(e);
    if (extensionCache.size >= CACHE_SIZE) extensionCache.clear();
    extensionCache.set(key, value);
  }
  return value;
}

function decodeExtension(e: Extension): FieldValue {
  const v = e.value;
  if (!v) return e.data.length === 0 ? "(empty)" : `${e.data.length} bytes: ${hex(e.data)}`;
  switch (v.kind) {
    case "server_name":
      return v.server_name_list.length === 1
        ? (v.server_name_list[0]?.host_name ?? "")
        : v.server_name_list.map((n) => n.host_name);
    case "supported_groups":
      return v.named_group_list.map(group);
    case "ec_point_formats":
      return v.ec_point_format_list.map((f) => POINT_FORMATS.get(f) ?? `unknown(${f})`);
    case "signature_algorithms":
    case "signature_algorithms_cert":
      return v.supported_signature_algorithms.map(scheme);
    case "application_layer_protocol_negotiation":
      return v.protocol_name_list;
    case "supported_versions":
      return v.selected_version !== undefined
        ? version(v.selected_version)
        : v.versions.map(version);
    case "key_share":
      if (v.client_shares) {
        return v.client_shares.map((s) => `${group(s.group)}: ${s.key_exchange.length} bytes`);
      }
      if (v.server_share) {
        return `${group(v.server_share.group)}: ${hex(v.server_share.key_exchange)}`;
      }
      return v.selected_group === undefined
        ? "(empty)"
        : `selected_group ${group(v.selected_group)}`;
    case "psk_key_exchange_modes":
      return v.ke_modes.map((m) => PSK_MODES.get(m) ?? `unknown(${m})`);
    case "session_ticket":
      return v.ticket.length === 0 ? "(empty)" : `${v.ticket.length} bytes`;
    case "renegotiation_info":
      return bytesOrEmpty(v.renegotiated_connection);
    case "status_request":
      if (v.status_type === undefined) return "(empty)";
      return v.status_type === 1 ? "ocsp" : `status_type ${v.status_type}`;
    case "certificate_authorities":
      return v.authorities;
    case "padding":
      return `${v.length} bytes`;
    case "record_size_limit":
      return v.record_size_limit;
    case "cookie":
      return `${v.cookie.length} bytes`;
    case "encrypt_then_mac":
    case "extended_master_secret":
    case "post_handshake_auth":
    case "early_data":
      return "(empty)";
  }
}

/**
 * Extensions as IANA name → decoded value, in the order sent (`unknown(0x….)` and
 * `GREASE(0x….)` for others; a repeated type gets a ` #2` suffix so no key is lost).
 * @param extensions the parsed extensions
 * @returns the extension tree
 */
export function extensionFields(extensions: readonly Extension[]): FieldTree {
  const out: Record<string, FieldValue> = {};
  for (const e of extensions) {
    let key = e.name;
    for (let i = 2; key in out; i++) key = `${e.name} #${i}`;
    out[key] = extensionValue(e);
  }
  return out;
}

/**
 * The fields of certificates in a Certificate message: each certificate decoded.
 * @param ders the `cert_data` of each entry, leaf first
 */
function certificateList(ders: readonly Uint8Array[]): FieldValue[] {
  return ders.map((der) => {
    const d = certificateDetails(der);
    if (!d) return { undecodable: `${der.length} bytes` };
    return {
      subject: d.subject,
      issuer: d.issuer,
      serialNumber: d.serialNumber,
      notBefore: d.notBefore,
      notAfter: d.notAfter,
      subjectAltNames: d.subjectAltNames,
      publicKey: d.publicKey,
      extendedKeyUsage: d.extendedKeyUsage,
      ca: d.ca,
      sha256Fingerprint: d.sha256Fingerprint,
    };
  });
}

/**
 * The fields of one handshake message, named as in the RFC structs.
 * @param message the parsed message
 * @returns the tree (empty for ServerHelloDone, HelloRequest, EndOfEarlyData)
 * @see RFC 8446 §4, RFC 5246 §7.4, RFC 8422 §5.4
 * @example
 * ```ts
 * messageFields(clientHello).cipher_suites; // ["TLS_AES_128_GCM_SHA256 (0x1301)", ...]
 * ```
 */
export function messageFields(message: HandshakeMessage): FieldTree {
  if (!STABLE_MESSAGES.has(message.type) || message.raw.length > 65536) return fieldsOf(message);
  const key = `${message.type} ${latin1(message.raw)}`;
  let fields = messageCache.get(key);
  if (fields === undefined) {
    fields = fieldsOf(message);
    if (messageCache.size >= CACHE_SIZE) messageCache.clear();
    messageCache.set(key, fields);
    sharedJson.set(fields, "");
  }
  return fields;
}

/** Serialisations of shared field trees ("" until first asked). */
const sharedJson = new WeakMap<FieldTree, string>();

/**
 * `JSON.stringify(fields)`, remembered for the trees {@link messageFields} shares between
 * connections (a server's Certificate is serialised once per capture, not per connection).
 * @param fields a tree from {@link messageFields}
 * @returns its JSON text
 */
export function fieldsJson(fields: FieldTree): string {
  const known = sharedJson.get(fields);
  if (known) return known;
  const text = JSON.stringify(fields);
  if (known !== undefined) sharedJson.set(fields, text);
  return text;
}

/**
 * Messages that are often byte-identical across connections (same server, same client
 * certificate): their field trees are shared, which also lets the JSON writer reuse their
 * serialisation. The trees are frozen plain data, never modified.
 */
const STABLE_MESSAGES: ReadonlySet<HandshakeMessage["type"]> = new Set([
  "Certificate",
  "CertificateRequest",
  "EncryptedExtensions",
  "ServerHelloDone",
  "CertificateStatus",
]);

const messageCache = new Map<string, FieldTree>();

function fieldsOf(message: HandshakeMessage): FieldTree {
  switch (message.type) {
    case "ClientHello":
      return {
        legacy_version: version(message.legacy_version),
        random: hex(message.random),
        legacy_session_id: bytesOrEmpty(message.legacy_session_id),
        cipher_suites: message.cipher_suites.map(suite),
        legacy_compression_methods: message.legacy_compression_methods.map((m) =>
          m === 0 ? "null (0)" : `${m}`,
        ),
        extensions: extensionFields(message.extensions),
      };
    case "ServerHello":
    case "HelloRetryRequest":
      return {
        version: version(message.version),
        legacy_version: version(message.legacy_version),
        random: hex(message.random),
        legacy_session_id_echo: bytesOrEmpty(message.legacy_session_id_echo),
        cipher_suite: suite(message.cipher_suite),
        legacy_compression_method:
          message.legacy_compression_method === 0
            ? "null (0)"
            : `${message.legacy_compression_method}`,
        extensions: extensionFields(message.extensions),
      };
    case "Certificate":
      return {
        ...(message.certificate_request_context !== undefined
          ? { certificate_request_context: bytesOrEmpty(message.certificate_request_context) }
          : {}),
        certificate_list:
          message.certificate_list.length === 0
            ? "(empty: no certificate)"
            : certificateList(message.certificate_list.map((c) => c.cert_data)),
      };
    case "ServerKeyExchange":
      if (message.kind === "ecdhe") {
        return {
          curve_type: "named_curve (3)",
          named_curve: named(groupName(message.named_curve ?? 0), message.named_curve ?? 0),
          public: hex(message.public ?? new Uint8Array(0)),
          signature_algorithm:
            message.signature_algorithm === undefined
              ? "(none)"
              : named(
                  signatureSchemeName(message.signature_algorithm),
                  message.signature_algorithm,
                ),
          signature: `${message.signature?.length ?? 0} bytes`,
        };
      }
      if (message.kind === "dhe") {
        return {
          dh_p: `${message.dh_p_bits ?? 0} bits`,
          signature_algorithm:
            message.signature_algorithm === undefined
              ? "(none)"
              : named(
                  signatureSchemeName(message.signature_algorithm),
                  message.signature_algorithm,
                ),
          signature: `${message.signature?.length ?? 0} bytes`,
        };
      }
      return { params: `${message.raw.length - 4} bytes (undecoded)` };
    case "CertificateRequest":
      return {
        ...(message.certificate_request_context !== undefined
          ? { certificate_request_context: bytesOrEmpty(message.certificate_request_context) }
          : {}),
        ...(message.certificate_types.length > 0
          ? {
              certificate_types: message.certificate_types.map(
                (t) => CERTIFICATE_TYPES.get(t) ?? `unknown(${t})`,
              ),
            }
          : {}),
        supported_signature_algorithms: message.supported_signature_algorithms.map(scheme),
        certificate_authorities:
          message.certificate_authorities.length > 0
            ? message.certificate_authorities
            : "(none: any CA)",
        ...(message.extensions.length > 0
          ? { extensions: extensionFields(message.extensions) }
          : {}),
      };
    case "CertificateVerify":
      return {
        algorithm: named(signatureSchemeName(message.algorithm), message.algorithm),
        signature: `${message.signature.length} bytes`,
      };
    case "ClientKeyExchange":
      return message.kind === "ecdh"
        ? { ecdh_Yc: hex(message.exchange_keys) }
        : { exchange_keys: `${message.exchange_keys.length} bytes` };
    case "NewSessionTicket":
      return {
        ticket_lifetime: `${message.ticket_lifetime} s`,
        ...(message.ticket_age_add !== undefined ? { ticket_age_add: message.ticket_age_add } : {}),
        ...(message.ticket_nonce !== undefined
          ? { ticket_nonce: bytesOrEmpty(message.ticket_nonce) }
          : {}),
        ticket: `${message.ticket.length} bytes`,
        ...(message.extensions.length > 0
          ? { extensions: extensionFields(message.extensions) }
          : {}),
      };
    case "Finished":
      return { verify_data: hex(message.verify_data) };
    case "EncryptedExtensions":
      return { extensions: extensionFields(message.extensions) };
    case "CertificateStatus":
      return {
        status_type: message.status_type === 1 ? "ocsp (1)" : `${message.status_type}`,
        response: `${message.response.length} bytes`,
      };
    case "KeyUpdate":
      return {
        request_update:
          message.request_update === 1
            ? "update_requested (1)"
            : message.request_update === 0
              ? "update_not_requested (0)"
              : `${message.request_update}`,
      };
    case "ServerHelloDone":
    case "HelloRequest":
    case "EndOfEarlyData":
      return {};
    case "Unknown":
      return { body: `${message.body.length} bytes` };
  }
}

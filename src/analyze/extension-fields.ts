/**
 * Display helpers shared by the field trees, and the decoded values of extensions
 * (RFC 8446 §4.2, RFC 8422 §5.1, RFC 7301, RFC 6066), as `extensions` subtrees.
 * @module
 */
import type { Extension } from "../tls/extensions.ts";
import { cipherSuiteName, groupName, signatureSchemeName, versionName } from "../tls/names.ts";
import { shareFieldValue } from "./field-json.ts";
import type { FieldTree, FieldValue } from "./field-tree.ts";

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

/** Lowercase hex of bytes, no separators. */
export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}

function code(v: number): string {
  return `0x${v.toString(16).padStart(4, "0")}`;
}

/** `name (0x....)`, unless the name already carries the code point (`unknown(0x....)`). */
export function named(name: string, v: number): string {
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

/** Cipher suite display string: `TLS_AES_128_GCM_SHA256 (0x1301)` (IANA name, memoised). */
export function suite(v: number): string {
  return memo(SUITE_NAMES, v, cipherSuiteName);
}

/** Named group display string: `x25519 (0x001d)` (memoised). */
export function group(v: number): string {
  return memo(GROUP_NAMES, v, groupName);
}

/** Signature scheme display string: `ecdsa_secp256r1_sha256 (0x0403)` (memoised). */
export function scheme(v: number): string {
  return memo(SCHEME_NAMES, v, signatureSchemeName);
}

/** Entries kept in each field cache (cleared when full). */
export const CACHE_SIZE = 2048;

/** Decoded values of extensions whose bytes recur from connection to connection. */
const extensionCache = new Map<string, FieldValue>();

/** Extension types whose data differs per connection (keys, tickets, PSKs): not cached. */
const VOLATILE_EXTENSIONS: ReadonlySet<number> = new Set([35, 41, 51, 21, 44]);

/** The bytes as a latin1 string: a cheap, exact cache key. */
export function latin1(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("latin1");
}

/** Version display strings made so far. */
const VERSION_NAMES = new Map<number, string>();

/** Version display string: `TLS 1.2 (0x0303)`. */
export function version(v: number): string {
  let s = VERSION_NAMES.get(v);
  if (s === undefined) {
    s = `${versionName(v)} (${code(v)})`;
    if (VERSION_NAMES.size < CACHE_SIZE) VERSION_NAMES.set(v, s);
  }
  return s;
}

/** Hex of bytes, or `(empty)`. */
export function bytesOrEmpty(b: Uint8Array): string {
  return b.length === 0 ? "(empty)" : hex(b);
}

function extensionValue(e: Extension): FieldValue {
  if (VOLATILE_EXTENSIONS.has(e.type) || e.data.length > 1024) return decodeExtension(e);
  const key = `${e.type} ${latin1(e.data)}`;
  let value = extensionCache.get(key);
  if (value === undefined) {
    value = shareFieldValue(decodeExtension(e));
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

import { ParseError } from "../errors.ts";
import type { ByteReader } from "./byte-reader.ts";
import { distinguishedNameToString } from "./distinguished-name.ts";
import { extensionName, isGrease } from "./names.ts";

/** Extension code points decoded by {@link parseExtensions} (IANA ExtensionType names). */
export const ExtensionType = {
  server_name: 0,
  status_request: 5,
  supported_groups: 10,
  ec_point_formats: 11,
  signature_algorithms: 13,
  application_layer_protocol_negotiation: 16,
  padding: 21,
  encrypt_then_mac: 22,
  extended_master_secret: 23,
  record_size_limit: 28,
  session_ticket: 35,
  pre_shared_key: 41,
  early_data: 42,
  supported_versions: 43,
  cookie: 44,
  psk_key_exchange_modes: 45,
  certificate_authorities: 47,
  post_handshake_auth: 49,
  signature_algorithms_cert: 50,
  key_share: 51,
  renegotiation_info: 65281,
} as const;

/** The message an extension block belongs to: some extensions differ by message (RFC 8446 §4.2). */
export type ExtensionContext =
  | "client_hello"
  | "server_hello"
  | "hello_retry_request"
  | "encrypted_extensions"
  | "certificate_request"
  | "certificate"
  | "new_session_ticket";

/** `KeyShareEntry { NamedGroup group; opaque key_exchange<1..2^16-1>; }` (RFC 8446 §4.2.8). */
export interface KeyShareEntry {
  readonly group: number;
  readonly key_exchange: Uint8Array;
}

/** The decoded body of a known extension, discriminated on `kind` (the IANA name). */
export type ExtensionValue =
  | {
      readonly kind: "server_name";
      readonly server_name_list: readonly {
        readonly name_type: number;
        readonly host_name: string;
      }[];
    }
  | { readonly kind: "supported_groups"; readonly named_group_list: readonly number[] }
  | { readonly kind: "ec_point_formats"; readonly ec_point_format_list: readonly number[] }
  | {
      readonly kind: "signature_algorithms" | "signature_algorithms_cert";
      readonly supported_signature_algorithms: readonly number[];
    }
  | {
      readonly kind: "application_layer_protocol_negotiation";
      readonly protocol_name_list: readonly string[];
    }
  | {
      readonly kind: "supported_versions";
      readonly versions: readonly number[];
      readonly selected_version?: number;
    }
  | {
      readonly kind: "key_share";
      readonly client_shares?: readonly KeyShareEntry[];
      readonly server_share?: KeyShareEntry;
      readonly selected_group?: number;
    }
  | { readonly kind: "psk_key_exchange_modes"; readonly ke_modes: readonly number[] }
  | { readonly kind: "session_ticket"; readonly ticket: Uint8Array }
  | { readonly kind: "renegotiation_info"; readonly renegotiated_connection: Uint8Array }
  | {
      readonly kind: "status_request";
      readonly status_type?: number;
      readonly response?: Uint8Array;
    }
  | { readonly kind: "certificate_authorities"; readonly authorities: readonly string[] }
  | { readonly kind: "padding"; readonly length: number }
  | { readonly kind: "record_size_limit"; readonly record_size_limit: number }
  | { readonly kind: "cookie"; readonly cookie: Uint8Array }
  | {
      readonly kind:
        | "encrypt_then_mac"
        | "extended_master_secret"
        | "post_handshake_auth"
        | "early_data";
    };

/**
 * One extension: `struct { ExtensionType extension_type; opaque extension_data<0..2^16-1>; }`
 * (RFC 8446 §4.2).
 */
export interface Extension {
  /** `extension_type`. */
  readonly type: number;
  /** IANA name (`server_name`), `GREASE(0x..)` or `unknown(0x....)`. */
  readonly name: string;
  /** True for a GREASE code point (RFC 8701). */
  readonly grease: boolean;
  /** `extension_data`. */
  readonly data: Uint8Array;
  /** The decoded data for the extensions listed in {@link ExtensionType}, else undefined. */
  readonly value: ExtensionValue | undefined;
  /** Type, length and data. */
  readonly raw: Uint8Array;
}

function u16List(r: ByteReader, lengthBytes: 1 | 2, what: string): number[] {
  const v = r.vector(lengthBytes, what);
  const out: number[] = [];
  while (!v.done) out.push(v.u16(what));
  return out;
}

function u8List(r: ByteReader, what: string): number[] {
  const v = r.vector(1, what);
  const out: number[] = [];
  while (!v.done) out.push(v.u8(what));
  return out;
}

function keyShareEntry(r: ByteReader): KeyShareEntry {
  const group = r.u16("KeyShareEntry.group");
  return { group, key_exchange: r.vector(2, "key_exchange").rest() };
}

const text = new TextDecoder("utf-8", { fatal: false });

function decode(
  type: number,
  r: ByteReader,
  context: ExtensionContext,
): ExtensionValue | undefined {
  const fromServer = context !== "client_hello";
  switch (type) {
    case ExtensionType.server_name: {
      if (r.done) return { kind: "server_name", server_name_list: [] };
      const list = r.vector(2, "server_name_list");
      const server_name_list = [];
      while (!list.done) {
        const name_type = list.u8("name_type");
        server_name_list.push({
          name_type,
          host_name: text.decode(list.vector(2, "host_name").rest()),
        });
      }
      return { kind: "server_name", server_name_list };
    }
    case ExtensionType.supported_groups:
      return { kind: "supported_groups", named_group_list: u16List(r, 2, "named_group_list") };
    case ExtensionType.ec_point_formats:
      return { kind: "ec_point_formats", ec_point_format_list: u8List(r, "ec_point_format_list") };
    case ExtensionType.signature_algorithms:
    case ExtensionType.signature_algorithms_cert:
      return {
        kind:
          type === ExtensionType.signature_algorithms
            ? "signature_algorithms"
            : "signature_algorithms_cert",
        supported_signature_algorithms: u16List(r, 2, "supported_signature_algorithms"),
      };
    case ExtensionType.application_layer_protocol_negotiation: {
      const list = r.vector(2, "protocol_name_list");
      const protocol_name_list = [];
      while (!list.done)
        protocol_name_list.push(text.decode(list.vector(1, "ProtocolName").rest()));
      return { kind: "application_layer_protocol_negotiation", protocol_name_list };
    }
    case ExtensionType.supported_versions: {
      if (fromServer) {
        const selected_version = r.u16("selected_version");
        return { kind: "supported_versions", versions: [selected_version], selected_version };
      }
      return { kind: "supported_versions", versions: u16List(r, 1, "versions") };
    }
    case ExtensionType.key_share: {
      if (context === "hello_retry_request")
        return { kind: "key_share", selected_group: r.u16("selected_group") };
      if (fromServer) return { kind: "key_share", server_share: keyShareEntry(r) };
      const list = r.vector(2, "client_shares");
      const client_shares = [];
      while (!list.done) client_shares.push(keyShareEntry(list));
      return { kind: "key_share", client_shares };
    }
    case ExtensionType.psk_key_exchange_modes:
      return { kind: "psk_key_exchange_modes", ke_modes: u8List(r, "ke_modes") };
    case ExtensionType.session_ticket:
      return { kind: "session_ticket", ticket: r.rest() };
    case ExtensionType.renegotiation_info:
      return {
        kind: "renegotiation_info",
        renegotiated_connection: r.vector(1, "renegotiated_connection").rest(),
      };
    case ExtensionType.status_request: {
      if (r.done) return { kind: "status_request" };
      const status_type = r.u8("status_type");
      if (context === "certificate") {
        return {
          kind: "status_request",
          status_type,
          response: r.vector(3, "OCSPResponse").rest(),
        };
      }
      r.rest(); // ResponderID list and request extensions: kept in `data`
      return { kind: "status_request", status_type };
    }
    case ExtensionType.certificate_authorities: {
      const list = r.vector(2, "authorities");
      const authorities = [];
      while (!list.done) {
        const dn = list.vector(2, "DistinguishedName");
        authorities.push(distinguishedNameToString(dn.bytes, dn.base));
      }
      return { kind: "certificate_authorities", authorities };
    }
    case ExtensionType.padding:
      return { kind: "padding", length: r.rest().length };
    case ExtensionType.record_size_limit:
      return { kind: "record_size_limit", record_size_limit: r.u16("record_size_limit") };
    case ExtensionType.cookie:
      return { kind: "cookie", cookie: r.vector(2, "cookie").rest() };
    case ExtensionType.encrypt_then_mac:
      return { kind: "encrypt_then_mac" };
    case ExtensionType.extended_master_secret:
      return { kind: "extended_master_secret" };
    case ExtensionType.post_handshake_auth:
      return { kind: "post_handshake_auth" };
    case ExtensionType.early_data:
      if (context === "new_session_ticket") r.u32("max_early_data_size");
      return { kind: "early_data" };
    default:
      return undefined;
  }
}

/**
 * Parses an extension block `Extension extensions<0..2^16-1>` (the length prefix
 * included) and decodes the common extensions.
 *
 * @param r a reader positioned at the 2-byte length of the block; advanced past it
 * @param context the message the block belongs to (decoding differs, e.g. key_share)
 * @returns the extensions in wire order
 * @throws {ParseError} when the block or a decoded extension is malformed, or a type
 *   repeats; `path` names the extension (`extension key_share`)
 * @see RFC 8446 §4.2, RFC 5246 §7.4.1.4, RFC 8701
 * @example
 * ```ts
 * const exts = parseExtensions(reader, "client_hello");
 * exts.find((e) => e.value?.kind === "server_name");
 * ```
 */
export function parseExtensions(r: ByteReader, context: ExtensionContext): Extension[] {
  const block = r.vector(2, "extensions");
  const out: Extension[] = [];
  const seen = new Set<number>();
  while (!block.done) {
    const start = block.position;
    const type = block.u16("extension_type");
    const body = block.vector(2, "extension_data");
    const name = extensionName(type);
    if (seen.has(type)) {
      throw new ParseError(`Duplicate extension: ${name} appears twice`, block.base + start);
    }
    seen.add(type);
    let value: ExtensionValue | undefined;
    try {
      value = decode(type, body, context);
      if (value && !body.done) {
        throw new ParseError(
          `Trailing bytes in ${name}: ${body.remaining} left after the decoded value`,
          body.base + body.position,
        );
      }
    } catch (e) {
      if (e instanceof ParseError) throw e.within(`extension ${name}`);
      throw e;
    }
    out.push({
      type,
      name,
      grease: isGrease(type),
      data: body.bytes,
      value,
      raw: block.bytes.subarray(start, block.position),
    });
  }
  return out;
}

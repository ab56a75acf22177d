/**
 * The fields of a handshake message as a plain tree, in RFC 8446 / RFC 5246 field names:
 * the one source of the text walk-through's indented tree and of `messages[].fields` in
 * `--json`. Values are display strings ("TLS_AES_128_GCM_SHA256 (0x1301)"), numbers,
 * booleans, lists and nested objects.
 * @module
 */
import type { HandshakeMessage } from "../tls/handshake.ts";
import type { CertificateEntry } from "../tls/messages/certificate.ts";
import { clientCertificateTypeName, groupName, signatureSchemeName } from "../tls/names.ts";
import { BytesCache } from "./bytes-cache.ts";
import { certificateDetails } from "./certificate-details.ts";
import {
  bytesOrEmpty,
  CACHE_SIZE,
  extensionFields,
  hex,
  named,
  scheme,
  suite,
  version,
} from "./extension-fields.ts";

export { extensionFields } from "./extension-fields.ts";

import { fieldJson, shareFieldValue } from "./field-json.ts";
import type { FieldTree, FieldValue } from "./field-tree.ts";

export type { FieldTree, FieldValue } from "./field-tree.ts";

/**
 * The fields of certificates in a Certificate message: each certificate decoded, and in TLS
 * 1.3 its per-entry extensions (status_request, signed_certificate_timestamp; RFC 8446
 * §4.4.2) when it has any.
 * @param entries the `certificate_list`, leaf first
 */
function certificateList(entries: readonly CertificateEntry[]): FieldValue[] {
  return entries.map((entry) => {
    const der = entry.cert_data;
    const d = certificateDetails(der);
    const extensions =
      entry.extensions.length > 0 ? { extensions: extensionFields(entry.extensions) } : {};
    if (!d) return { undecodable: `${der.length} bytes`, ...extensions };
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
      ...extensions,
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
  const hit = messageCache.get(message.raw);
  if (hit) return hit;
  return messageCache.set(message.raw, shareFieldValue(fieldsOf(message)));
}

/**
 * `JSON.stringify(fields)`, reusing the text of the parts {@link messageFields} shares
 * between connections (a server's Certificate is serialised once per capture, not per
 * connection; so are a client's cipher suites and extension values).
 * @param fields a tree from {@link messageFields}
 * @returns its JSON text
 */
export function fieldsJson(fields: FieldTree): string {
  return fieldJson(fields);
}

/** Display lists of `cipher_suites`, shared between ClientHellos offering the same list. */
const suiteLists = new Map<string, readonly FieldValue[]>();

function cipherSuites(list: readonly number[]): readonly FieldValue[] {
  if (list.length > 512) return list.map(suite);
  let key = "";
  for (const v of list) key += String.fromCharCode(v);
  let names = suiteLists.get(key);
  if (names === undefined) {
    names = shareFieldValue(list.map(suite));
    if (suiteLists.size >= CACHE_SIZE) suiteLists.clear();
    suiteLists.set(key, names);
  }
  return names;
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

/** Shared trees, keyed by the whole message (header included, so types cannot collide). */
const messageCache = new BytesCache<FieldTree>(CACHE_SIZE);

function fieldsOf(message: HandshakeMessage): FieldTree {
  switch (message.type) {
    case "ClientHello":
      return {
        legacy_version: version(message.legacy_version),
        random: hex(message.random),
        legacy_session_id: bytesOrEmpty(message.legacy_session_id),
        cipher_suites: cipherSuites(message.cipher_suites),
        legacy_compression_methods: message.legacy_compression_methods.map((m) =>
          m === 0 ? "null (0)" : `${m}`,
        ),
        extensions: extensionFields(message.extensions),
      };
    case "ServerHello":
    case "HelloRetryRequest":
      return {
        // `version` comes from supported_versions (RFC 8446 §4.2.1); without that extension
        // it would only repeat legacy_version.
        ...(message.extensions.some((e) => e.type === 43)
          ? { version: version(message.version) }
          : {}),
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
            : certificateList(message.certificate_list),
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
              certificate_types: message.certificate_types.map(clientCertificateTypeName),
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

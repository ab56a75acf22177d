/**
 * The TLS wire format: records, handshake framing and messages, extensions, alerts and
 * IANA names. Pure and synchronous: bytes in, readonly data out (no node:fs/net/tls).
 *
 * @example
 * ```ts
 * import { HandshakeFramer, parseHandshake, RecordFramer, ContentType } from "./tls/index.ts";
 * const records = new RecordFramer();
 * const hs = new HandshakeFramer();
 * for (const r of records.push(chunk)) {
 *   if (r.contentType !== ContentType.handshake) continue;
 *   for (const f of hs.push(r.fragment)) console.log(parseHandshake(f, { direction: "client" }).type);
 * }
 * ```
 * @module
 */
export { type Alert, AlertLevel, alertLevelName, parseAlert } from "./alert.ts";
export { ByteReader } from "./byte-reader.ts";
export { distinguishedNameToString } from "./distinguished-name.ts";
export {
  type Extension,
  type ExtensionContext,
  ExtensionType,
  type ExtensionValue,
  type KeyShareEntry,
  parseExtensions,
} from "./extensions.ts";
export {
  type Certificate,
  type CertificateEntry,
  type CertificateRequest,
  type CertificateStatus,
  type CertificateVerify,
  type ClientHello,
  type ClientKeyExchange,
  type EmptyMessage,
  type EncryptedExtensions,
  type Finished,
  type HandshakeContext,
  type HandshakeMessage,
  HandshakeType,
  HELLO_RETRY_REQUEST_RANDOM,
  type HelloRetryRequest,
  handshakeMessageName,
  type KeyUpdate,
  type NewSessionTicket,
  parseHandshake,
  type ServerHello,
  type ServerKeyExchange,
  type UnknownHandshake,
} from "./handshake.ts";
export {
  DEFAULT_MAX_HANDSHAKE_SIZE,
  HANDSHAKE_HEADER_SIZE,
  type HandshakeFrame,
  HandshakeFramer,
  type HandshakeFramerOptions,
} from "./handshake-framer.ts";
export {
  alertDescriptionName,
  cipherSuiteName,
  extensionName,
  groupName,
  handshakeTypeName,
  ianaCipherName,
  isGrease,
  signatureSchemeName,
  versionName,
} from "./names.ts";
export {
  ContentType,
  contentTypeName,
  MAX_RECORD_FRAGMENT,
  RECORD_HEADER_SIZE,
  type ReadRecordResult,
  RecordFramer,
  readRecord,
  type TlsRecord,
} from "./record.ts";

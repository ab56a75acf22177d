/**
 * `ssl_session_ticket_key FILE`: nginx reads 48- or 80-byte files; Node keeps one 48-byte
 * ticket key per TLS context (`ticketKeys`: 16-byte name, 16-byte HMAC-SHA256 secret,
 * 16-byte AES-128-CBC key) and offers no ticket-key callback, so:
 *
 * - a **48-byte** file (nginx: name, AES-128 key, HMAC key) is reordered into Node's layout:
 *   the same bytes, the same algorithms (AES-128-CBC, HMAC-SHA256), so a ticket it issues
 *   has nginx's wire format;
 * - an **80-byte** file (nginx: name, 32-byte HMAC key, AES-256 key) cannot be used as is:
 *   Node's key is derived from it (name kept; HMAC and AES keys = the first 16 bytes of
 *   SHA-256 over a label and nginx's key). Every mtlskit gateway reading the same file
 *   derives the same key, so tickets resume across instances; an nginx ticket under this
 *   key fails its HMAC check and gets a full handshake.
 *
 * Only the first file's key encrypts and decrypts: tickets made under the later keys
 * (nginx: "decrypt only") get a full handshake, never a bypass of client verification.
 *
 * Source: nginx `ssl_session_ticket_key` docs (1.5.7; 80-byte keys 1.11.8) and
 * `ngx_ssl_session_ticket_keys()`; Node `tls.Server#setTicketKeys`, `TicketCompatibilityCallback`.
 * @module
 */
import { createHash } from "node:crypto";

/** Node's ticket key size, in bytes. */
export const NODE_TICKET_KEY_BYTES = 48;

/** Result of {@link nodeTicketKey}. */
export type TicketKey =
  | {
      readonly ok: true;
      /** 48 bytes for `ticketKeys` / `setTicketKeys`. */
      readonly key: Buffer;
      /** The file's size: 48 (nginx's AES-128 layout, wire-compatible) or 80 (derived). */
      readonly size: 48 | 80;
    }
  | { readonly ok: false; readonly reason: string };

function derive(label: string, secret: Buffer): Buffer {
  return createHash("sha256").update(label).update(secret).digest().subarray(0, 16);
}

/**
 * Converts an nginx ticket key file into Node's 48-byte ticket key.
 * @param bytes the file's contents: 48 or 80 bytes
 * @returns `{ ok: true, key, size }`, or `{ ok: false, reason }` for any other size
 *   (`"32 bytes, expecting 48 or 80"`)
 * @example
 * ```ts
 * const k = nodeTicketKey(readFileSync("ticket.key")); // `openssl rand 80 > ticket.key`
 * if (k.ok) server.setTicketKeys(k.key);
 * ```
 */
export function nodeTicketKey(bytes: Uint8Array): TicketKey {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const name = b.subarray(0, 16);
  if (b.length === 48) {
    // nginx: name[0..16) aes[16..32) hmac[32..48); Node: name, hmac, aes.
    return {
      ok: true,
      key: Buffer.concat([name, b.subarray(32, 48), b.subarray(16, 32)]),
      size: 48,
    };
  }
  if (b.length === 80) {
    // nginx: name[0..16) hmac[16..48) aes[48..80).
    const hmac = derive("mtlskit ticket hmac key\0", b.subarray(16, 48));
    const aes = derive("mtlskit ticket aes key\0", b.subarray(48, 80));
    return { ok: true, key: Buffer.concat([name, hmac, aes]), size: 80 };
  }
  return { ok: false, reason: `${b.length} bytes, expecting 48 or 80` };
}

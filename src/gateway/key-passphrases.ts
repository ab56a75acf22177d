/**
 * `ssl_password_file`: passphrases for encrypted private keys, read as nginx 1.22 reads
 * them (`ngx_ssl_read_password_file`): one per line, LF or CRLF line ends, empty lines
 * skipped, the last line counts without a line end, a line of 4096 bytes or more is an
 * error, and a file with no passphrase gives one empty passphrase. Each key of the block
 * is tried with every passphrase in order (`ngx_ssl_certificate` retries
 * `PEM_read_bio_PrivateKey`); the first that decrypts wins.
 *
 * Source: nginx `ssl_password_file` docs (1.7.3); `src/event/ngx_event_openssl.c`.
 * @module
 */
import { createPrivateKey, type KeyObject } from "node:crypto";

/** nginx's `NGX_SSL_PASSWORD_BUFFER_SIZE`: a line must be shorter than this, in bytes. */
export const MAX_PASSPHRASE_BYTES = 4096;

/** Result of {@link parsePasswordFile}: the passphrases, or why the file is refused. */
export type PasswordFile =
  | { readonly ok: true; readonly passphrases: readonly Buffer[] }
  | { readonly ok: false; readonly reason: string };

/**
 * Splits a password file into passphrases the way nginx does.
 * @param bytes the file's contents
 * @returns `{ ok: true, passphrases }` (at least one, maybe empty), or `{ ok: false, reason }`
 *   for a line of {@link MAX_PASSPHRASE_BYTES} bytes or more (`line 3 is 5000 bytes, ...`)
 * @example
 * ```ts
 * parsePasswordFile(Buffer.from("old\r\n\nnew")); // passphrases "old", "new"
 * ```
 */
export function parsePasswordFile(bytes: Uint8Array): PasswordFile {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const passphrases: Buffer[] = [];
  let start = 0;
  let line = 1;
  while (start < buf.length) {
    const lf = buf.indexOf(0x0a, start);
    const end = lf < 0 ? buf.length : lf;
    let len = end - start;
    if (len >= MAX_PASSPHRASE_BYTES) {
      return {
        ok: false,
        reason: `line ${line} is ${len} bytes, expecting less than ${MAX_PASSPHRASE_BYTES} (nginx: too long line)`,
      };
    }
    if (len > 0 && buf[start + len - 1] === 0x0d) len--;
    if (len > 0) passphrases.push(buf.subarray(start, start + len));
    start = end + 1;
    line++;
  }
  if (passphrases.length === 0) passphrases.push(Buffer.alloc(0));
  return { ok: true, passphrases };
}

/**
 * Whether a PEM private key is encrypted (PKCS#8 `ENCRYPTED PRIVATE KEY`, or a legacy
 * OpenSSL key with `Proc-Type: 4,ENCRYPTED`).
 * @param pem the key file's contents
 * @returns true when a passphrase is needed
 */
export function isEncryptedKey(pem: Uint8Array): boolean {
  const text = Buffer.from(pem.buffer, pem.byteOffset, pem.byteLength).toString("latin1");
  return /-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type:\s*4,ENCRYPTED/.test(text);
}

/** Result of {@link decryptKey}. */
export type DecryptedKey =
  | {
      readonly ok: true;
      readonly key: KeyObject;
      /** The key as unencrypted PKCS#8 PEM (kept in memory only, for Node's TLS context). */
      readonly pem: Buffer;
      /** Index of the passphrase that worked (0-based). */
      readonly index: number;
    }
  | { readonly ok: false };

/**
 * Decrypts an encrypted PEM key with the first passphrase that works, in order.
 * @param pem the encrypted key (PEM)
 * @param passphrases candidates, tried in order
 * @returns `{ ok: true, key, pem, index }`, or `{ ok: false }` when none decrypts it
 */
export function decryptKey(pem: Buffer, passphrases: readonly Buffer[]): DecryptedKey {
  for (const [index, passphrase] of passphrases.entries()) {
    try {
      const key = createPrivateKey({ key: pem, format: "pem", passphrase });
      const plain = key.export({ format: "pem", type: "pkcs8" });
      return { ok: true, key, pem: Buffer.from(plain), index };
    } catch {
      // nginx: ERR_clear_error() and try the next passphrase.
    }
  }
  return { ok: false };
}

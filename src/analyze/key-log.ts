/**
 * An NSS key log (`SSLKEYLOGFILE` format): `LABEL <client_random hex> <secret hex>` per line,
 * `#` comments. Fed from `--keylog FILE` and from pcapng Decryption Secrets Blocks.
 *
 * Source: https://udn.realityripple.com/docs/Mozilla/Projects/NSS/Key_Log_Format,
 * draft-ietf-tls-keylogfile §3.
 * @module
 */

/** Lines kept at most (each a connection's secret): bounds memory for huge key logs. */
export const MAX_KEY_LOG_ENTRIES = 1_000_000;

/**
 * Secrets by client random and label.
 *
 * @example
 * ```ts
 * const log = new KeyLog();
 * log.add(readFileSync("sslkeys.log", "utf8"));
 * log.secret(clientRandomHex, "SERVER_HANDSHAKE_TRAFFIC_SECRET"); // Uint8Array | undefined
 * ```
 */
export class KeyLog {
  readonly #secrets = new Map<string, Uint8Array>();

  /** Number of secrets held. */
  get size(): number {
    return this.#secrets.size;
  }

  /**
   * Adds key log text; malformed lines are skipped.
   * @param text the key log (UTF-8 text, any line endings)
   * @returns the number of secrets added
   */
  add(text: string): number {
    let added = 0;
    for (const line of text.split(/\r?\n/)) {
      if (line.length === 0 || line.startsWith("#")) continue;
      const [label, random, secret] = line.trim().split(/\s+/);
      if (!label || !random || !secret) continue;
      if (!/^[0-9a-fA-F]{64}$/.test(random) || !/^(?:[0-9a-fA-F]{2})+$/.test(secret)) continue;
      if (this.#secrets.size >= MAX_KEY_LOG_ENTRIES) break;
      this.#secrets.set(`${label} ${random.toLowerCase()}`, Buffer.from(secret, "hex"));
      added++;
    }
    return added;
  }

  /**
   * Looks a secret up.
   * @param clientRandom the ClientHello random, 64 lowercase hex digits
   * @param label e.g. `CLIENT_HANDSHAKE_TRAFFIC_SECRET`, `SERVER_TRAFFIC_SECRET_0`
   * @returns the secret bytes, or undefined
   */
  secret(clientRandom: string, label: string): Uint8Array | undefined {
    return this.#secrets.get(`${label} ${clientRandom}`);
  }
}

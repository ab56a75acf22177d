/**
 * An NSS key log (`SSLKEYLOGFILE` format): `LABEL <client_random hex> <secret hex>` per line,
 * `#` comments. Fed from `--keylog FILE` and from pcapng Decryption Secrets Blocks.
 *
 * Source: https://udn.realityripple.com/docs/Mozilla/Projects/NSS/Key_Log_Format,
 * draft-ietf-tls-keylogfile §3.
 * @module
 */

/** Labels of TLS 1.3 secrets (draft-ietf-tls-keylogfile §3.1). */
const TLS13_LABELS: ReadonlySet<string> = new Set([
  "CLIENT_EARLY_TRAFFIC_SECRET",
  "EARLY_EXPORTER_SECRET",
  "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
  "SERVER_HANDSHAKE_TRAFFIC_SECRET",
  "CLIENT_TRAFFIC_SECRET_0",
  "SERVER_TRAFFIC_SECRET_0",
  "EXPORTER_SECRET",
]);

/** What a key log text held, in lines (comments and blank lines not counted). */
export interface KeyLogStats {
  /** Well-formed lines with a TLS 1.3 label: the ones decryption uses. */
  readonly tls13: number;
  /** Well-formed `CLIENT_RANDOM` lines (TLS 1.2 master secrets): kept but unused. */
  readonly clientRandom: number;
  /** Well-formed lines with any other label. */
  readonly other: number;
  /** Lines that are not `LABEL <64 hex digits> <hex>`. */
  readonly malformed: number;
}

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
    const s = this.read(text);
    return s.tls13 + s.clientRandom + s.other;
  }

  /**
   * Adds key log text like {@link add} and says what it held, so a caller can warn about a
   * file with nothing usable.
   * @param text the key log (UTF-8 text, any line endings)
   * @returns line counts by kind (lines past {@link MAX_KEY_LOG_ENTRIES} are not counted)
   * @example
   * ```ts
   * new KeyLog().read("CLIENT_RANDOM " + "ab".repeat(32) + " " + "cd".repeat(48));
   * // { tls13: 0, clientRandom: 1, other: 0, malformed: 0 }
   * ```
   */
  read(text: string): KeyLogStats {
    let tls13 = 0;
    let clientRandom = 0;
    let other = 0;
    let malformed = 0;
    for (const raw of text.split(/\r?\n/)) {
      const line = raw.trim();
      if (line.length === 0 || line.startsWith("#")) continue;
      const [label, random, secret] = line.split(/\s+/);
      if (
        !label ||
        !random ||
        !secret ||
        !/^[0-9a-fA-F]{64}$/.test(random) ||
        !/^(?:[0-9a-fA-F]{2})+$/.test(secret)
      ) {
        malformed++;
        continue;
      }
      if (this.#secrets.size >= MAX_KEY_LOG_ENTRIES) break;
      this.#secrets.set(`${label} ${random.toLowerCase()}`, Buffer.from(secret, "hex"));
      if (TLS13_LABELS.has(label)) tls13++;
      else if (label === "CLIENT_RANDOM") clientRandom++;
      else other++;
    }
    return { tls13, clientRandom, other, malformed };
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

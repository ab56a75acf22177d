/**
 * A small cache keyed by byte strings (certificates, handshake messages) that recur across
 * the connections of a capture. Looked up by length and the last bytes (a certificate's
 * signature), then checked in full, so a lookup copies nothing and a hit is exact.
 * @module
 */

/** Bytes of the tail used in the key. */
const TAIL = 48;

/**
 * Byte-string-keyed cache, cleared when full (bounded memory, no LRU bookkeeping).
 *
 * @example
 * ```ts
 * const cache = new BytesCache<string>(256);
 * const v = cache.get(der) ?? cache.set(der, decode(der));
 * ```
 */
export class BytesCache<V> {
  readonly #max: number;
  readonly #map = new Map<string, { readonly bytes: Buffer; readonly value: V }>();

  /** @param max entries kept before the cache is cleared */
  constructor(max: number) {
    this.#max = max;
  }

  static #key(bytes: Uint8Array): string {
    const tail = bytes.subarray(Math.max(0, bytes.length - TAIL));
    return `${bytes.length} ${Buffer.from(tail.buffer, tail.byteOffset, tail.byteLength).toString("latin1")}`;
  }

  /**
   * @param bytes the key bytes
   * @returns the value stored for exactly these bytes, or undefined
   */
  get(bytes: Uint8Array): V | undefined {
    const hit = this.#map.get(BytesCache.#key(bytes));
    if (!hit) return undefined;
    return hit.bytes.equals(bytes) ? hit.value : undefined;
  }

  /**
   * Stores a value (the bytes are copied).
   * @returns the value
   */
  set(bytes: Uint8Array, value: V): V {
    if (this.#map.size >= this.#max) this.#map.clear();
    this.#map.set(BytesCache.#key(bytes), { bytes: Buffer.from(bytes), value });
    return value;
  }
}

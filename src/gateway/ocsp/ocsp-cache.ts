/**
 * The OCSP answer cache: verified answers by certificate ID until their `nextUpdate` (or a
 * default lifetime when the responder gives none), bounded in entries with the least
 * recently used evicted first; and the in-flight table, so that concurrent checks of one
 * certificate share one request to the responder.
 *
 * Source: RFC 6960 §4.2.2.1 (nextUpdate: "newer information will be available"), nginx
 * `ssl_ocsp_cache` (ngx_http_ssl_module).
 * @module
 */
import type { OcspAnswer } from "./ocsp-response.ts";

/** Options of {@link OcspCache}. */
export interface OcspCacheOptions {
  /** Most answers kept; 0 keeps none (requests are still shared while in flight). */
  readonly maxEntries: number;
  /** Lifetime of an answer without `nextUpdate`, in ms; default 3600000 (1 hour). */
  readonly defaultTtlMs?: number;
}

/** Default lifetime of an answer without `nextUpdate`: 1 hour. */
export const DEFAULT_OCSP_TTL_MS = 3_600_000;

/** Verified OCSP answers by certificate ID, and the checks in flight. */
export class OcspCache {
  readonly #max: number;
  readonly #ttl: number;
  readonly #entries = new Map<string, { readonly answer: OcspAnswer; readonly expires: number }>();
  readonly #inflight = new Map<string, Promise<OcspAnswer>>();

  /**
   * @param options `maxEntries` (0: no caching), `defaultTtlMs` (default 1 hour)
   * @throws {RangeError} when `maxEntries` is negative or not an integer
   */
  constructor(options: OcspCacheOptions) {
    if (!Number.isInteger(options.maxEntries) || options.maxEntries < 0) {
      throw new RangeError(`OCSP cache size: ${options.maxEntries}, expecting an integer >= 0`);
    }
    this.#max = options.maxEntries;
    this.#ttl = options.defaultTtlMs ?? DEFAULT_OCSP_TTL_MS;
  }

  /** Number of answers kept. */
  get size(): number {
    return this.#entries.size;
  }

  /**
   * The cached answer for `key` while it is fresh (marked most recently used).
   * @param key the certificate's cache key (`OcspCertId.key`)
   * @param now current time
   * @returns the answer, or undefined (absent or past its `nextUpdate`)
   */
  get(key: string, now: Date): OcspAnswer | undefined {
    const hit = this.#entries.get(key);
    if (!hit) return undefined;
    this.#entries.delete(key);
    if (hit.expires <= now.getTime()) return undefined;
    this.#entries.set(key, hit);
    return hit.answer;
  }

  /**
   * Keeps an answer until its `nextUpdate`, or `defaultTtlMs` from `now` without one;
   * an answer already past its `nextUpdate` is not kept.
   * @param key the certificate's cache key
   * @param answer a verified answer
   * @param now current time
   */
  set(key: string, answer: OcspAnswer, now: Date): void {
    if (this.#max === 0) return;
    const expires = answer.nextUpdate?.getTime() ?? now.getTime() + this.#ttl;
    if (expires <= now.getTime()) return;
    this.#entries.delete(key);
    this.#entries.set(key, { answer, expires });
    while (this.#entries.size > this.#max) {
      const oldest = this.#entries.keys().next().value;
      if (oldest === undefined) break;
      this.#entries.delete(oldest);
    }
  }

  /**
   * Runs `fetch` for `key` unless a fetch for it is already in flight, in which case its
   * promise is shared.
   * @param key the certificate's cache key
   * @param fetch starts the request to the responder
   * @returns the shared promise
   */
  shared(key: string, fetch: () => Promise<OcspAnswer>): Promise<OcspAnswer> {
    const running = this.#inflight.get(key);
    if (running) return running;
    const p = fetch().finally(() => this.#inflight.delete(key));
    this.#inflight.set(key, p);
    return p;
  }

  /** Forgets every answer (e.g. after the trusted CAs changed). */
  clear(): void {
    this.#entries.clear();
  }
}

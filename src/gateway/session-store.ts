/**
 * The server-side TLS session cache behind `ssl_session_cache`: session IDs (TLS 1.2
 * and older) to serialized sessions, bounded by bytes (`shared:NAME:SIZE`) or entries
 * (`builtin:N`), entries expiring after `ssl_session_timeout`. Oldest entries go first
 * when full, as nginx's shared cache does. Node hands sessions over through the
 * `newSession`/`resumeSession` events of `tls.Server`.
 *
 * A resumed session carries what OpenSSL stored at the full handshake, including the
 * peer certificate and its verification result, so a resumption can never upgrade an
 * unverified client.
 *
 * Source: nginx `ngx_http_ssl_module` (`ssl_session_cache`), RFC 5246 §7.4.1.2.
 * @module
 */

/**
 * What the listener needs of a session cache: the in-process {@link SessionStore}, or one
 * shared with other processes (the cluster's, answering asynchronously over IPC).
 */
export interface SessionCache {
  /** Stores a session; the handshake waits for a returned promise. */
  set(id: Uint8Array, data: Uint8Array): void | Promise<void>;
  /** The session for `id`, or undefined. */
  get(id: Uint8Array): Buffer | undefined | Promise<Buffer | undefined>;
  /** Forgets every session. */
  clear(): void;
  /** Forgets one session (strict mode: a refused client's); optional for remote caches. */
  delete?(id: Uint8Array): void;
}

/** Options of {@link SessionStore}. */
export interface SessionStoreOptions {
  /** Maximum total bytes of stored sessions (IDs + data); default unlimited. */
  readonly maxBytes?: number;
  /** Maximum number of sessions; default unlimited. */
  readonly maxEntries?: number;
  /** Lifetime of a session in ms. */
  readonly timeoutMs: number;
  /** Clock in ms; default `Date.now`. */
  readonly now?: () => number;
}

interface Entry {
  readonly data: Buffer;
  readonly expires: number;
  readonly size: number;
}

/** A bounded, expiring map from session ID to serialized session. */
export class SessionStore implements SessionCache {
  readonly #entries = new Map<string, Entry>();
  readonly #maxBytes: number;
  readonly #maxEntries: number;
  readonly #timeoutMs: number;
  readonly #now: () => number;
  #bytes = 0;

  constructor(options: SessionStoreOptions) {
    this.#maxBytes = options.maxBytes ?? Infinity;
    this.#maxEntries = options.maxEntries ?? Infinity;
    this.#timeoutMs = options.timeoutMs;
    this.#now = options.now ?? Date.now;
  }

  /** Number of stored sessions. */
  get size(): number {
    return this.#entries.size;
  }

  /** Total bytes stored (IDs + data). */
  get bytes(): number {
    return this.#bytes;
  }

  /** Stores a session, evicting the oldest ones to make room; a session larger than the whole cache is not stored. */
  set(id: Uint8Array, data: Uint8Array): void {
    const key = Buffer.from(id).toString("hex");
    this.delete(id);
    const size = id.length + data.length;
    if (size > this.#maxBytes || this.#maxEntries < 1) return;
    while (this.#bytes + size > this.#maxBytes || this.#entries.size + 1 > this.#maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done) break;
      this.#remove(oldest.value);
    }
    this.#entries.set(key, {
      data: Buffer.from(data),
      expires: this.#now() + this.#timeoutMs,
      size,
    });
    this.#bytes += size;
  }

  /** The session for `id`, or undefined when absent or expired (an expired one is removed). */
  get(id: Uint8Array): Buffer | undefined {
    const key = Buffer.from(id).toString("hex");
    const e = this.#entries.get(key);
    if (!e) return undefined;
    if (e.expires <= this.#now()) {
      this.#remove(key);
      return undefined;
    }
    return e.data;
  }

  /** Removes the session for `id`, if any. */
  delete(id: Uint8Array): void {
    this.#remove(Buffer.from(id).toString("hex"));
  }

  /** Removes every session (after a reload: their trust may have changed). */
  clear(): void {
    this.#entries.clear();
    this.#bytes = 0;
  }

  #remove(key: string): void {
    const e = this.#entries.get(key);
    if (!e) return;
    this.#entries.delete(key);
    this.#bytes -= e.size;
  }
}

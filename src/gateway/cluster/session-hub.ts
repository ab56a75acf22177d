/**
 * The cluster's shared TLS session cache, kept by the primary: workers store and look up
 * TLS 1.2 session IDs over IPC (`mtls:session-set` / `mtls:session-get`), so a session
 * made on one worker resumes on any other, as nginx's `ssl_session_cache shared:` zone
 * does across nginx workers. A reload starts a new trust generation: every store is
 * cleared and stores from workers still on the old generation are dropped, so no session
 * made under the old CAs resumes.
 *
 * Source: nginx `ngx_http_ssl_module` (`ssl_session_cache shared:NAME:SIZE`, "a cache
 * shared between all worker processes").
 * @module
 */
import { SessionStore } from "../session-store.ts";
import type { PrimaryMessage, WorkerMessage } from "./messages.ts";

/** Options of {@link SessionHub}. */
export interface SessionHubOptions {
  /** Clock in ms for session expiry; default `Date.now`. */
  readonly now?: () => number;
}

/** The primary's session caches, one per listener key. */
export class SessionHub {
  readonly #stores = new Map<string, SessionStore>();
  readonly #now: (() => number) | undefined;
  #generation = 0;

  constructor(options: SessionHubOptions = {}) {
    this.#now = options.now;
  }

  /** The current trust generation (0 at start, +1 per reload). */
  get generation(): number {
    return this.#generation;
  }

  /** Sessions stored, over all listeners. */
  get size(): number {
    let n = 0;
    for (const s of this.#stores.values()) n += s.size;
    return n;
  }

  /**
   * Answers a worker's session message.
   * @param message a worker message (others are ignored)
   * @param reply sends the answer back to that worker
   * @returns true when the message was a session message
   */
  handle(message: WorkerMessage, reply: (m: PrimaryMessage) => void): boolean {
    switch (message.type) {
      case "mtls:session-set": {
        if (message.generation === this.#generation) {
          let store = this.#stores.get(message.key);
          if (!store) {
            store = new SessionStore({
              ...message.options,
              ...(this.#now ? { now: this.#now } : {}),
            });
            this.#stores.set(message.key, store);
          }
          store.set(Buffer.from(message.id, "base64"), Buffer.from(message.data, "base64"));
        }
        reply({ type: "mtls:session-reply", requestId: message.requestId });
        return true;
      }
      case "mtls:session-delete":
        this.#stores.get(message.key)?.delete(Buffer.from(message.id, "base64"));
        return true;
      case "mtls:session-get": {
        const data = this.#stores.get(message.key)?.get(Buffer.from(message.id, "base64"));
        reply({
          type: "mtls:session-reply",
          requestId: message.requestId,
          ...(data ? { data: data.toString("base64") } : {}),
        });
        return true;
      }
      default:
        return false;
    }
  }

  /**
   * Forgets every session and starts a new trust generation (after a reload).
   * @returns the new generation
   */
  clear(): number {
    for (const s of this.#stores.values()) s.clear();
    this.#generation++;
    return this.#generation;
  }
}

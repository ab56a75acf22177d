/**
 * A worker's view of the cluster's shared session cache: {@link SessionCache}s whose `set`
 * and `get` go to the primary's {@link SessionHub} over IPC. `set` resolves once the
 * primary has stored the session (the handshake waits for it, so the client's next
 * connection finds it on any worker); an answer that does not come within the timeout
 * counts as "not stored" / "not found" (a full handshake, never a failure).
 * @module
 */
import type { SessionCache, SessionStoreOptions } from "../session-store.ts";
import { type Channel, isMtlsMessage, type PrimaryMessage } from "./messages.ts";

/** Options of {@link RemoteSessions}. */
export interface RemoteSessionsOptions {
  /** How long to wait for the primary, in ms; default 1000. */
  readonly timeoutMs?: number;
  /**
   * Starts the timeout and returns its cancel; default an unref'd `setTimeout` (a pending
   * lookup does not keep the process alive).
   */
  readonly setTimer?: (fn: () => void, ms: number) => () => void;
}

function unrefTimer(fn: () => void, ms: number): () => void {
  const t = setTimeout(fn, ms);
  t.unref();
  return () => clearTimeout(t);
}

/** The worker's end of the shared session cache. */
export class RemoteSessions {
  readonly #channel: Channel;
  readonly #timeoutMs: number;
  readonly #setTimer: (fn: () => void, ms: number) => () => void;
  readonly #pending = new Map<number, (data: string | undefined) => void>();
  #next = 1;
  /** The trust generation sent with every store (set from `mtls:init` / `mtls:reload`). */
  generation = 0;

  /**
   * @param channel the worker's IPC channel (`process`)
   * @param options timeout (ms)
   */
  constructor(channel: Channel, options: RemoteSessionsOptions = {}) {
    this.#channel = channel;
    this.#timeoutMs = options.timeoutMs ?? 1000;
    this.#setTimer = options.setTimer ?? unrefTimer;
    channel.on("message", (m: unknown) => {
      if (!isMtlsMessage(m) || m.type !== "mtls:session-reply") return;
      const reply = m as Extract<PrimaryMessage, { type: "mtls:session-reply" }>;
      const resolve = this.#pending.get(reply.requestId);
      this.#pending.delete(reply.requestId);
      resolve?.(reply.data);
    });
  }

  /**
   * The cache of one listener.
   * @param key the listener's key (the same in every worker: its index)
   * @param options its `ssl_session_cache` limits, applied by the primary
   * @returns a {@link SessionCache} backed by the primary
   */
  cache(key: string, options: SessionStoreOptions): SessionCache {
    return {
      set: async (id, data) => {
        await this.#ask((requestId) => ({
          type: "mtls:session-set",
          requestId,
          key,
          options,
          id: Buffer.from(id).toString("base64"),
          data: Buffer.from(data).toString("base64"),
          generation: this.generation,
        }));
      },
      get: async (id) => {
        const data = await this.#ask((requestId) => ({
          type: "mtls:session-get",
          requestId,
          key,
          id: Buffer.from(id).toString("base64"),
        }));
        return data === undefined ? undefined : Buffer.from(data, "base64");
      },
      delete: (id) => {
        try {
          this.#channel.send({
            type: "mtls:session-delete",
            key,
            id: Buffer.from(id).toString("base64"),
          });
        } catch {
          // The primary is gone: nothing shared to forget.
        }
      },
      // The primary clears its stores itself when it starts a reload.
      clear: () => {},
    };
  }

  #ask(
    message: (requestId: number) => Parameters<Channel["send"]>[0],
  ): Promise<string | undefined> {
    const requestId = this.#next++;
    return new Promise((resolve) => {
      const cancel = this.#setTimer(() => {
        this.#pending.delete(requestId);
        resolve(undefined);
      }, this.#timeoutMs);
      this.#pending.set(requestId, (data) => {
        cancel();
        resolve(data);
      });
      try {
        this.#channel.send(message(requestId));
      } catch {
        this.#pending.delete(requestId);
        cancel();
        resolve(undefined);
      }
    });
  }
}

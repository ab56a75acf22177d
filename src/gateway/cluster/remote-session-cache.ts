/**
 * A worker's view of the cluster's shared session cache: {@link SessionCache}s whose `set`
 * and `get` go to the primary's {@link SessionHub} over IPC. `set` resolves once the
 * primary has stored the session (the handshake waits for it, so the client's next
 * connection finds it on any worker); an answer that does not come within the timeout
 * counts as "not stored" / "not found" (a full handshake, never a failure).
 * @module
 */
import type { SessionCache, SessionStoreOptions } from "../session-store.ts";
import { IpcRequests, type IpcRequestsOptions } from "./ipc-requests.ts";
import type { Channel } from "./messages.ts";

/** Options of {@link RemoteSessions}: timeout (ms) and timer. */
export type RemoteSessionsOptions = IpcRequestsOptions;

/** The worker's end of the shared session cache. */
export class RemoteSessions {
  readonly #requests: IpcRequests<"mtls:session-reply", string | undefined>;
  /** The trust generation sent with every store (set from `mtls:init` / `mtls:reload`). */
  generation = 0;

  /**
   * @param channel the worker's IPC channel (`process`)
   * @param options timeout (ms)
   */
  constructor(channel: Channel, options: RemoteSessionsOptions = {}) {
    // No answer: "not stored" / "not found", a full handshake.
    this.#requests = new IpcRequests(channel, {
      ...options,
      reply: "mtls:session-reply",
      value: (reply) => reply.data,
      fallback: undefined,
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
        await this.#requests.ask((requestId) => ({
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
        const data = await this.#requests.ask((requestId) => ({
          type: "mtls:session-get",
          requestId,
          key,
          id: Buffer.from(id).toString("base64"),
        }));
        return data === undefined ? undefined : Buffer.from(data, "base64");
      },
      delete: (id) =>
        this.#requests.tell({
          type: "mtls:session-delete",
          key,
          id: Buffer.from(id).toString("base64"),
        }),
      // The primary clears its stores itself when it starts a reload.
      clear: () => {},
    };
  }
}

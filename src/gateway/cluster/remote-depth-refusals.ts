/**
 * A worker's view of the cluster's shared `ssl_verify_depth` memory ({@link DepthHub} in
 * the primary): {@link DepthRefusals} whose `record` and `refused` go over IPC. An answer
 * that does not come within the timeout, or a primary that is gone, counts as "refused"
 * (fail closed: a resumed session is never let through on a guess).
 * @module
 */
import type { DepthRefusals } from "../depth-check.ts";
import { type Channel, isMtlsMessage, type PrimaryMessage } from "./messages.ts";

/** Options of {@link RemoteDepthRefusals}. */
export interface RemoteDepthRefusalsOptions {
  /** How long to wait for the primary, in ms; default 1000. */
  readonly timeoutMs?: number;
  /** Starts the timeout and returns its cancel; default an unref'd `setTimeout`. */
  readonly setTimer?: (fn: () => void, ms: number) => () => void;
}

function unrefTimer(fn: () => void, ms: number): () => void {
  const t = setTimeout(fn, ms);
  t.unref();
  return () => clearTimeout(t);
}

/** The worker's end of the shared `ssl_verify_depth` memory. */
export class RemoteDepthRefusals {
  readonly #channel: Channel;
  readonly #timeoutMs: number;
  readonly #setTimer: (fn: () => void, ms: number) => () => void;
  readonly #pending = new Map<number, (refused: boolean) => void>();
  #next = 1;

  /**
   * @param channel the worker's IPC channel (`process`)
   * @param options timeout (ms)
   */
  constructor(channel: Channel, options: RemoteDepthRefusalsOptions = {}) {
    this.#channel = channel;
    this.#timeoutMs = options.timeoutMs ?? 1000;
    this.#setTimer = options.setTimer ?? unrefTimer;
    channel.on("message", (m: unknown) => {
      if (!isMtlsMessage(m) || m.type !== "mtls:depth-reply") return;
      const reply = m as Extract<PrimaryMessage, { type: "mtls:depth-reply" }>;
      const resolve = this.#pending.get(reply.requestId);
      this.#pending.delete(reply.requestId);
      resolve?.(reply.refused);
    });
  }

  /**
   * The memory of one server block.
   * @param key the block's key (the same in every worker: its index)
   * @returns {@link DepthRefusals} backed by the primary
   */
  block(key: string): DepthRefusals {
    return {
      record: (leaf, refused) => {
        try {
          this.#channel.send({ type: "mtls:depth-record", key, leaf, refused });
        } catch {
          // The primary is gone: lookups fail closed from now on.
        }
      },
      refused: (leaf) => {
        const requestId = this.#next++;
        return new Promise<boolean>((resolve) => {
          const cancel = this.#setTimer(() => {
            this.#pending.delete(requestId);
            resolve(true);
          }, this.#timeoutMs);
          this.#pending.set(requestId, (refused) => {
            cancel();
            resolve(refused);
          });
          try {
            this.#channel.send({ type: "mtls:depth-get", requestId, key, leaf });
          } catch {
            this.#pending.delete(requestId);
            cancel();
            resolve(true);
          }
        });
      },
    };
  }
}

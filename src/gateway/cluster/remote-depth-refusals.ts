/**
 * A worker's view of the cluster's shared `ssl_verify_depth` memory ({@link DepthHub} in
 * the primary): {@link DepthRefusals} whose `record` and `refused` go over IPC. An answer
 * that does not come within the timeout, or a primary that is gone, counts as "refused"
 * (fail closed: a resumed session is never let through on a guess).
 * @module
 */
import type { DepthRefusals } from "../depth-check.ts";
import { IpcRequests, type IpcRequestsOptions } from "./ipc-requests.ts";
import type { Channel } from "./messages.ts";

/** Options of {@link RemoteDepthRefusals}: timeout (ms) and timer. */
export type RemoteDepthRefusalsOptions = IpcRequestsOptions;

/** The worker's end of the shared `ssl_verify_depth` memory. */
export class RemoteDepthRefusals {
  readonly #requests: IpcRequests<"mtls:depth-reply", boolean>;

  /**
   * @param channel the worker's IPC channel (`process`)
   * @param options timeout (ms)
   */
  constructor(channel: Channel, options: RemoteDepthRefusalsOptions = {}) {
    // Fail closed: no answer counts as refused.
    this.#requests = new IpcRequests(channel, {
      ...options,
      reply: "mtls:depth-reply",
      value: (reply) => reply.refused,
      fallback: true,
    });
  }

  /**
   * The memory of one server block.
   * @param key the block's key (the same in every worker: its index)
   * @returns {@link DepthRefusals} backed by the primary
   */
  block(key: string): DepthRefusals {
    return {
      record: (leaf, refused) =>
        this.#requests.tell({ type: "mtls:depth-record", key, leaf, refused }),
      refused: (leaf) =>
        this.#requests.ask((requestId) => ({ type: "mtls:depth-get", requestId, key, leaf })),
    };
  }
}

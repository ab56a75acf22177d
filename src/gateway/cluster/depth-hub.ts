/**
 * The cluster's shared `ssl_verify_depth` memory, kept by the primary: leaves refused for
 * their chain depth in a full handshake on any worker (`mtls:depth-record`), looked up
 * when a session resumes on any worker (`mtls:depth-get`). A resumed session carries only
 * the leaf, so without it a client refused on one worker resumed its session ID or ticket
 * on another and passed. Per server block, by the leaf's SHA-256, oldest dropped first.
 *
 * Source: nginx `ssl_verify_depth`; the project rule "treat resumed sessions as carefully
 * as full handshakes".
 * @module
 */
import type { PrimaryMessage, WorkerMessage } from "./messages.ts";

/** Options of {@link DepthHub}. */
export interface DepthHubOptions {
  /** Refused leaves remembered per server block, at most; default 10000. */
  readonly maxEntries?: number;
}

/** The primary's end of the shared `ssl_verify_depth` memory. */
export class DepthHub {
  readonly #blocks = new Map<string, Set<string>>();
  readonly #max: number;

  /** @param options the bound per block */
  constructor(options: DepthHubOptions = {}) {
    this.#max = options.maxEntries ?? 10_000;
  }

  /** Refused leaves remembered, over every block. */
  get size(): number {
    let n = 0;
    for (const s of this.#blocks.values()) n += s.size;
    return n;
  }

  /**
   * Answers a worker's depth message.
   * @param message a worker message (others are ignored)
   * @param reply sends the answer back to that worker
   * @returns true when the message was a depth message
   */
  handle(message: WorkerMessage, reply: (m: PrimaryMessage) => void): boolean {
    switch (message.type) {
      case "mtls:depth-record": {
        let refused = this.#blocks.get(message.key);
        if (!refused) {
          refused = new Set();
          this.#blocks.set(message.key, refused);
        }
        if (!message.refused) {
          refused.delete(message.leaf);
          return true;
        }
        refused.delete(message.leaf);
        refused.add(message.leaf);
        if (refused.size > this.#max) {
          const oldest = refused.values().next();
          if (!oldest.done) refused.delete(oldest.value);
        }
        return true;
      }
      case "mtls:depth-get":
        reply({
          type: "mtls:depth-reply",
          requestId: message.requestId,
          refused: this.#blocks.get(message.key)?.has(message.leaf) ?? false,
        });
        return true;
      default:
        return false;
    }
  }
}

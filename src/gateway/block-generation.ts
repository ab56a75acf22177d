/**
 * One generation of server blocks: the blocks a configuration built, and the requests
 * they are answering. A reload retires the running generation — new requests go to the
 * next one — and closes its upstream pools and logs once its last request finished, as
 * nginx's old workers finish their requests after a `HUP`.
 *
 * Source: nginx "Controlling nginx" (`HUP`: old workers finish the requests in flight).
 * @module
 */
import type { ServerResponse } from "node:http";
import type { ServerBlock } from "./server-block.ts";

/** Server blocks and their requests in flight. */
export class BlockGeneration {
  /** The blocks, parallel to the configuration's `servers`. */
  readonly blocks: readonly ServerBlock[];
  #inFlight = 0;
  #retired = false;
  #closed: Promise<void> | undefined;
  #idle: (() => void) | undefined;

  /** @param blocks the blocks of one configuration */
  constructor(blocks: readonly ServerBlock[]) {
    this.blocks = blocks;
  }

  /** Requests whose response has not finished. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /**
   * Counts a request answered by this generation until its response finishes or closes.
   * @param res the response
   */
  enter(res: ServerResponse): void {
    this.#inFlight++;
    let done = false;
    const leave = () => {
      if (done) return;
      done = true;
      this.#inFlight--;
      if (this.#inFlight === 0) this.#idle?.();
    };
    res.once("finish", leave);
    res.once("close", leave);
  }

  /**
   * Takes no new requests from now on (the caller routes them elsewhere) and closes the
   * blocks once the requests in flight have finished.
   * @returns resolves when the blocks are closed
   */
  retire(): Promise<void> {
    this.#retired = true;
    if (this.#inFlight === 0) return this.close();
    return new Promise<void>((resolve) => {
      this.#idle = () => {
        this.#idle = undefined;
        void this.close().then(resolve);
      };
    });
  }

  /** True once {@link retire} was called. */
  get retired(): boolean {
    return this.#retired;
  }

  /**
   * Closes the upstream pools and logs of every block now (once).
   * @returns resolves when closed
   */
  close(): Promise<void> {
    this.#closed ??= Promise.all(this.blocks.map((b) => b.close())).then(() => undefined);
    return this.#closed;
  }
}

import { EventEmitter } from "node:events";
import type { Channel, PrimaryMessage, WorkerMessage } from "../../src/gateway/cluster/messages.ts";

/** What the primary side of a channel needs: a hub that answers worker messages. */
export interface Hub {
  handle(message: WorkerMessage, reply: (message: PrimaryMessage) => void): unknown;
}

/**
 * A worker's channel wired straight to a hub (what node:cluster IPC does, minus the
 * process): replies arrive in a later microtask, as IPC messages arrive later.
 * @param hub - the primary's hub (`SessionHub`, `DepthHub`)
 * @param deliver - false drops every message (a primary that never answers); default true
 * @returns the channel to give the worker's remote object
 */
export function workerChannel(hub: Hub, deliver = true): Channel {
  const events = new EventEmitter();
  return {
    send(m) {
      if (!deliver) return;
      hub.handle(m as WorkerMessage, (reply: PrimaryMessage) =>
        queueMicrotask(() => events.emit("message", reply)),
      );
    },
    on: (e, l) => events.on(e, l),
    off: (e, l) => events.off(e, l),
  };
}

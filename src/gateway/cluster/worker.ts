/**
 * One worker of `mtls gateway --workers N`: asks the primary for the shared ticket keys,
 * starts its gateway on the shared listen sockets with the primary's session cache,
 * answers prom-client's metric requests, and follows the primary's `mtls:reload`,
 * `mtls:drain` and `mtls:force`.
 *
 * Source: nginx worker processes ("Controlling nginx": HUP and QUIT handled by the master
 * and passed on to the workers).
 * @module
 */
import { AggregatorRegistry, Registry } from "prom-client";
import type { GatewayConfig } from "../config.ts";
import type { DrainResult } from "../drain.ts";
import type { GatewayOptions, RunningGateway } from "../server.ts";
import type { GatewayMaterial } from "../tls-material.ts";
import { type Channel, isMtlsMessage, type PrimaryMessage } from "./messages.ts";
import { RemoteDepthRefusals } from "./remote-depth-refusals.ts";
import { RemoteSessions } from "./remote-session-cache.ts";

/** Options of {@link runClusterWorker}. */
export interface ClusterWorkerOptions {
  /** Starts this worker's gateway with what the cluster shares (ticket keys, session cache). */
  readonly start: (
    shared: Required<Pick<GatewayOptions, "ticketKeys" | "sessionCache" | "depthRefusals">>,
  ) => Promise<RunningGateway>;
  /**
   * Reads the configuration and its certificates, keys, CAs and CRLs again (throws when a
   * file does not load); the worker applies all of it to new requests and connections.
   */
  readonly load: () => { readonly config: GatewayConfig; readonly material: GatewayMaterial };
  /** Operational lines (no newline), e.g. a failed reload. */
  readonly log?: (line: string) => void;
}

/** A running worker. */
export interface ClusterWorker {
  /** Resolves with the drain's counts once the gateway is drained and closed. */
  readonly done: Promise<DrainResult>;
  /** Drains with a deadline in ms (a signal to the worker itself, or the primary gone). */
  drain(timeoutMs: number): void;
}

function waitForInit(channel: Channel): Promise<Extract<PrimaryMessage, { type: "mtls:init" }>> {
  return new Promise((resolve) => {
    const listener = (m: unknown) => {
      if (!isMtlsMessage(m) || m.type !== "mtls:init") return;
      channel.off("message", listener);
      resolve(m as Extract<PrimaryMessage, { type: "mtls:init" }>);
    };
    channel.on("message", listener);
    channel.send({ type: "mtls:hello" });
  });
}

/**
 * Runs a cluster worker on `channel` (the worker's `process`).
 * @param channel IPC to the primary
 * @param options how to start the gateway and reload its material
 * @returns the worker, once its gateway listens
 * @throws what `start` throws (e.g. `MTLS_ADDRESS_IN_USE`)
 */
export async function runClusterWorker(
  channel: Channel,
  options: ClusterWorkerOptions,
): Promise<ClusterWorker> {
  // Answer the primary's metric requests from the start (an empty registry until the
  // gateway runs), so /metrics never waits on a worker that is still starting.
  AggregatorRegistry.setRegistries([new Registry()]);
  new AggregatorRegistry();
  const sessions = new RemoteSessions(channel);
  const depth = new RemoteDepthRefusals(channel);
  const init = await waitForInit(channel);
  sessions.generation = init.generation;
  const gw = await options.start({
    ticketKeys: Buffer.from(init.ticketKeys, "base64"),
    sessionCache: (key, limits) => sessions.cache(key, limits),
    depthRefusals: (key) => depth.block(key),
  });
  AggregatorRegistry.setRegistries([gw.metrics.registry]);
  const force = new AbortController();
  let resolveDone: (r: DrainResult) => void = () => {};
  const done = new Promise<DrainResult>((r) => {
    resolveDone = r;
  });
  let draining = false;
  const drain = (timeoutMs: number) => {
    if (draining) return;
    draining = true;
    void gw.drain({ timeoutMs, signal: force.signal }).then(async (result) => {
      await gw.close();
      channel.off("message", listener);
      try {
        channel.send({ type: "mtls:drained", result });
      } catch {
        // The primary is gone; nobody to tell.
      }
      resolveDone(result);
    });
  };
  const listener = (m: unknown) => {
    if (!isMtlsMessage(m)) return;
    const message = m as PrimaryMessage;
    switch (message.type) {
      case "mtls:reload": {
        let error: string | undefined;
        try {
          const next = options.load();
          gw.reload(next.material, {
            config: next.config,
            ticketKeys: Buffer.from(message.ticketKeys, "base64"),
          });
          sessions.generation = message.generation;
        } catch (e) {
          error = (e as Error).message;
          options.log?.(`mtls: worker reload failed, keeping the running configuration: ${error}`);
        }
        channel.send({
          type: "mtls:reloaded",
          generation: message.generation,
          ...(error ? { error } : {}),
        });
        break;
      }
      case "mtls:drain":
        drain(message.timeoutMs);
        break;
      case "mtls:force":
        force.abort();
        break;
      default:
        break;
    }
  };
  channel.on("message", listener);
  channel.send({ type: "mtls:listening", addresses: gw.addresses });
  return { done, drain };
}

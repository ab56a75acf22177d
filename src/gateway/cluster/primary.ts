/**
 * The primary of `mtls gateway --workers N` (node:cluster): forks N workers that share the
 * listen sockets, owns what they share — the TLS session cache ({@link SessionHub}) and
 * the session ticket keys (48 random bytes, the same in every worker so a ticket issued
 * by one resumes on another) — and coordinates them: reload (new keys, cleared cache,
 * every worker re-reads its files), graceful drain, and restart of a worker that dies,
 * with exponential backoff. The admin listener runs here and serves the workers' metrics
 * summed by prom-client's `AggregatorRegistry`.
 *
 * Source: nginx master process ("Controlling nginx"; `worker_processes`); node:cluster.
 * @module
 */
import cluster, { type Worker } from "node:cluster";
import { randomBytes as cryptoRandomBytes } from "node:crypto";
import { AggregatorRegistry } from "prom-client";
import { ErrorCode, MtlsError } from "../../errors.ts";
import { type AdminServer, startAdmin } from "../admin.ts";
import type { DrainResult } from "../drain.ts";
import { DepthHub } from "./depth-hub.ts";
import { isMtlsMessage, type PrimaryMessage, type WorkerMessage } from "./messages.ts";
import { SessionHub } from "./session-hub.ts";

/** Options of {@link startClusterPrimary}. */
export interface ClusterPrimaryOptions {
  /** Number of workers (≥ 1). */
  readonly workers: number;
  /** Admin listener (`/metrics` summed over the workers, `/healthz`, `/readyz`). */
  readonly admin?: { readonly host: string; readonly port: number };
  /** Operational lines (no newline): workers started, restarted. */
  readonly log: (line: string) => void;
  /** Restart delay after a crash in ms: `initial`, doubled per crash in a row up to `max`; default 100 and 10000. */
  readonly backoffMs?: { readonly initial: number; readonly max: number };
  /** A worker that ran this long (ms) before dying starts the backoff over; default 10000. */
  readonly stableMs?: number;
  /** Randomness for ticket keys; default `crypto.randomBytes`. */
  readonly randomBytes?: (size: number) => Buffer;
  /** How long a reload waits for the workers' answers, in ms; default 10000. */
  readonly reloadTimeoutMs?: number;
}

/** A drain summed over the workers. */
export interface ClusterDrainResult extends DrainResult {
  /** Workers that reported their drain. */
  readonly workers: number;
}

/** The running primary. */
export interface ClusterPrimary {
  /** The listen addresses (as the first worker bound them). */
  readonly addresses: readonly { readonly host: string; readonly port: number }[];
  /** The admin listener's address, when `admin` was given. */
  readonly admin?: { readonly host: string; readonly port: number };
  /** Process ids of the live workers. */
  readonly pids: () => readonly number[];
  /**
   * New ticket keys, a cleared session cache, and every worker re-reads its certificates,
   * CAs and CRLs. Validate the configuration first: this cannot fail as a whole.
   * @returns how many workers reloaded, and the errors of those that did not
   */
  reload(): Promise<{ readonly reloaded: number; readonly errors: readonly string[] }>;
  /**
   * Drains every worker (`/readyz` 503 at once) and waits for them to exit.
   * @param timeoutMs each worker's drain deadline in ms
   * @param signal aborting it tells the workers to close what is left now
   * @returns the counts summed over the workers
   */
  shutdown(timeoutMs: number, signal?: AbortSignal): Promise<ClusterDrainResult>;
}

interface Live {
  readonly worker: Worker;
  readonly started: number;
  listening: boolean;
}

/**
 * Forks the workers and resolves once every one listens.
 * @param options worker count, admin listener, log, backoff (ms), randomness
 * @returns the primary's controls
 * @throws {MtlsError} `MTLS_NETWORK` when a worker exits before it listens (its own error
 *   is on stderr), or the admin listener cannot bind
 * @example
 * ```ts
 * const primary = await startClusterPrimary({ workers: 2, log: console.log });
 * process.on("SIGHUP", () => void primary.reload());
 * ```
 */
export async function startClusterPrimary(options: ClusterPrimaryOptions): Promise<ClusterPrimary> {
  const random = options.randomBytes ?? cryptoRandomBytes;
  const backoff = options.backoffMs ?? { initial: 100, max: 10_000 };
  const stableMs = options.stableMs ?? 10_000;
  const hub = new SessionHub();
  const depthHub = new DepthHub();
  let ticketKeys = random(48);
  const live = new Map<number, Live>();
  let addresses: readonly { host: string; port: number }[] = [];
  let shuttingDown = false;
  let startedAll = false;
  let crashes = 0;
  const restarts = new Set<NodeJS.Timeout>();
  const drained: DrainResult[] = [];
  const reloadWaiters = new Map<
    number,
    (m: Extract<WorkerMessage, { type: "mtls:reloaded" }>) => void
  >();
  const exitWaiters = new Set<() => void>();
  let onStarted: (() => void) | undefined;
  let onStartFailed: ((e: Error) => void) | undefined;

  const send = (w: Worker, m: PrimaryMessage) => {
    if (w.isConnected()) w.send(m);
  };
  const fork = () => {
    const worker = cluster.fork();
    const entry: Live = { worker, started: Date.now(), listening: false };
    live.set(worker.id, entry);
    worker.on("message", (m: unknown) => {
      if (!isMtlsMessage(m)) return;
      const message = m as WorkerMessage;
      if (hub.handle(message, (r) => send(worker, r))) return;
      if (depthHub.handle(message, (r) => send(worker, r))) return;
      switch (message.type) {
        case "mtls:hello":
          send(worker, {
            type: "mtls:init",
            ticketKeys: ticketKeys.toString("base64"),
            generation: hub.generation,
          });
          break;
        case "mtls:listening":
          entry.listening = true;
          if (addresses.length === 0) addresses = message.addresses;
          options.log(`mtls: worker ${worker.process.pid} listening`);
          if (
            !startedAll &&
            [...live.values()].filter((l) => l.listening).length >= options.workers
          ) {
            startedAll = true;
            onStarted?.();
          }
          break;
        case "mtls:reloaded":
          reloadWaiters.get(worker.id)?.(message);
          break;
        case "mtls:drained":
          drained.push(message.result);
          break;
        default:
          break;
      }
    });
    worker.on("exit", (code, signal) => {
      live.delete(worker.id);
      reloadWaiters.get(worker.id)?.({
        type: "mtls:reloaded",
        generation: hub.generation,
        error: `worker ${worker.process.pid} exited`,
      });
      for (const w of [...exitWaiters]) w();
      if (shuttingDown) return;
      const how = code !== null ? `with code ${code}` : `on signal ${signal}`;
      if (!startedAll) {
        onStartFailed?.(
          new MtlsError(
            ErrorCode.NETWORK,
            `Cannot start the gateway: worker ${worker.process.pid} exited ${how} before listening`,
            { hint: "its error is printed above" },
          ),
        );
        return;
      }
      if (Date.now() - entry.started >= stableMs) crashes = 0;
      const delay = Math.min(backoff.max, backoff.initial * 2 ** crashes);
      crashes++;
      options.log(
        `mtls: worker ${worker.process.pid} exited ${how}, starting a new one in ${delay} ms`,
      );
      const timer = setTimeout(() => {
        restarts.delete(timer);
        if (!shuttingDown) fork();
      }, delay);
      restarts.add(timer);
    });
  };

  const waitForExits = () =>
    new Promise<void>((resolve) => {
      const check = () => {
        if (live.size > 0) return;
        exitWaiters.delete(check);
        resolve();
      };
      exitWaiters.add(check);
      check();
    });

  // The admin listener binds first: when its address is taken, no worker was forked.
  let admin: AdminServer | undefined;
  if (options.admin) {
    const aggregate = new AggregatorRegistry();
    admin = await startAdmin(options.admin, {
      metrics: {
        registry: {
          metrics: () => aggregate.clusterMetrics(),
          contentType: aggregate.contentType,
        },
      },
      ready: () =>
        !shuttingDown &&
        live.size >= options.workers &&
        [...live.values()].every((l) => l.listening),
    });
  }

  try {
    await new Promise<void>((resolve, reject) => {
      onStarted = resolve;
      onStartFailed = reject;
      for (let i = 0; i < options.workers; i++) fork();
    });
  } catch (e) {
    shuttingDown = true;
    for (const l of live.values()) l.worker.kill("SIGKILL");
    await waitForExits();
    await admin?.close();
    throw e;
  }

  return {
    addresses,
    ...(admin ? { admin: admin.address } : {}),
    pids: () => [...live.values()].map((l) => l.worker.process.pid ?? 0),
    async reload() {
      ticketKeys = random(48);
      const generation = hub.clear();
      const targets = [...live.values()].filter((l) => l.listening);
      const answers = await Promise.all(
        targets.map(
          (l) =>
            new Promise<Extract<WorkerMessage, { type: "mtls:reloaded" }>>((resolve) => {
              const timer = setTimeout(
                () =>
                  resolve({
                    type: "mtls:reloaded",
                    generation,
                    error: `worker ${l.worker.process.pid} did not answer`,
                  }),
                options.reloadTimeoutMs ?? 10_000,
              );
              reloadWaiters.set(l.worker.id, (m) => {
                clearTimeout(timer);
                reloadWaiters.delete(l.worker.id);
                resolve(m);
              });
              send(l.worker, {
                type: "mtls:reload",
                ticketKeys: ticketKeys.toString("base64"),
                generation,
              });
            }),
        ),
      );
      const errors = answers.flatMap((a) => (a.error ? [a.error] : []));
      return { reloaded: answers.length - errors.length, errors };
    },
    async shutdown(timeoutMs, signal) {
      shuttingDown = true;
      for (const t of restarts) clearTimeout(t);
      restarts.clear();
      for (const l of live.values()) send(l.worker, { type: "mtls:drain", timeoutMs });
      const force = () => {
        for (const l of live.values()) send(l.worker, { type: "mtls:force" });
      };
      signal?.addEventListener("abort", force, { once: true });
      // A worker that cannot finish its drain (stuck in a loop) is killed well after the deadline.
      const kill = setTimeout(() => {
        for (const l of live.values()) l.worker.kill("SIGKILL");
      }, timeoutMs + 10_000);
      await waitForExits();
      clearTimeout(kill);
      signal?.removeEventListener("abort", force);
      await admin?.close();
      return {
        workers: drained.length,
        connections: sum(drained, "connections"),
        inFlight: sum(drained, "inFlight"),
        completed: sum(drained, "completed"),
        forced: sum(drained, "forced"),
        elapsedMs: Math.max(0, ...drained.map((d) => d.elapsedMs)),
      };
    },
  };
}

function sum(
  results: readonly DrainResult[],
  key: "connections" | "inFlight" | "completed" | "forced",
): number {
  return results.reduce((n, r) => n + r[key], 0);
}

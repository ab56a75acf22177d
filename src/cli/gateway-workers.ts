/**
 * `mtls gateway --workers N|auto`: the primary (signals, the admin listener, printing)
 * and the worker side (the same command line, run by node:cluster in each worker).
 * @module
 */
import cluster from "node:cluster";
import { availableParallelism } from "node:os";
import { ErrorCode, MtlsError } from "../errors.ts";
import type { Channel } from "../gateway/cluster/messages.ts";
import { startClusterPrimary } from "../gateway/cluster/primary.ts";
import { runClusterWorker } from "../gateway/cluster/worker.ts";
import type { LoadedGateway } from "../gateway/nginx/load.ts";
import type { GatewayOptions } from "../gateway/server.ts";
import { startGateway } from "../gateway/server.ts";
import { startReloads } from "./gateway-reload.ts";
import { listeningLine, watchDrainSignals } from "./gateway-signals.ts";
import { formatError } from "./run.ts";

/** What the gateway command hands over to the cluster code. */
export interface ClusterRun {
  /** `--workers`: a count (`auto` already resolved). */
  readonly workers: number;
  readonly loaded: LoadedGateway;
  /** Loads the configuration file again (SIGHUP). */
  readonly load: () => LoadedGateway;
  readonly admin?: { readonly host: string; readonly port: number };
  readonly gatewayOptions: GatewayOptions;
  readonly drainTimeoutMs: number;
  /** `--watch`: the primary reloads the workers when a file changes. */
  readonly watch: boolean;
  readonly stdout: (s: string) => void;
  readonly stderr: (s: string) => void;
}

/** True in a process node:cluster forked. */
export function isClusterWorker(): boolean {
  return cluster.isWorker;
}

/**
 * `--workers N|auto`: `auto` is the number of CPUs (`os.availableParallelism()`).
 * @returns the count, or undefined without the flag
 * @throws {MtlsError} `MTLS_USAGE` for anything but a whole number 1..1024 or `auto`
 */
export function parseWorkers(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (text === "auto") return availableParallelism();
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > 1024) {
    throw new MtlsError(
      ErrorCode.USAGE,
      `Invalid --workers value: "${text}", expecting a number from 1 to 1024 or "auto"`,
      { hint: "--workers auto starts one worker per CPU" },
    );
  }
  return n;
}

/** The worker side: start on the shared sockets, then follow the primary until drained. */
export async function runWorker(run: ClusterRun): Promise<void> {
  try {
    await followPrimary(run);
  } catch (e) {
    // node:cluster exits a worker with status 0 as soon as its channel closes, so the
    // failure is printed and the status set here, where the primary sees it.
    run.stderr(`${formatError(e, process.argv.includes("--debug"))}\n`);
    process.exit(1);
  } finally {
    // The IPC channel keeps the process alive: let it go once done (or failed to start).
    if (process.connected) process.disconnect();
  }
}

async function followPrimary(run: ClusterRun): Promise<void> {
  const channel = process as unknown as Channel;
  // A primary that dies before this worker is up leaves nothing to wait for; a send to it
  // fails with EPIPE on the worker object, which must not crash with a stack trace.
  const early = () => process.exit(1);
  process.once("disconnect", early);
  cluster.worker?.on("error", () => {});
  const worker = await runClusterWorker(channel, {
    start: (shared) =>
      startGateway(run.loaded.config, {
        ...run.gatewayOptions,
        material: run.loaded.material,
        ...shared,
      }),
    load: () => run.load(),
    log: (line) => run.stderr(`${line}\n`),
  });
  // The primary passes signals on; one sent to the whole process group (Ctrl-C) drains too,
  // and a hangup of the terminal must not kill a worker.
  const drain = () => worker.drain(run.drainTimeoutMs);
  const ignore = () => {};
  process.off("disconnect", early);
  process.on("SIGTERM", drain);
  process.on("SIGINT", drain);
  process.on("SIGHUP", ignore);
  process.once("disconnect", drain);
  await worker.done;
  process.off("SIGTERM", drain);
  process.off("SIGINT", drain);
  process.off("SIGHUP", ignore);
  process.off("disconnect", drain);
}

/** The primary side: fork, print the addresses, coordinate SIGHUP and SIGTERM/SIGINT. */
export async function runPrimary(run: ClusterRun): Promise<void> {
  const { stdout, stderr } = run;
  // Signals are handled from the start: a SIGTERM while the workers start drains them
  // once they are up, a SIGHUP then is ignored (nothing to reload yet).
  let onHup = () => {};
  const hup = () => onHup();
  const signals = watchDrainSignals({
    stdout,
    onHup: hup,
    draining: `draining ${run.workers} workers`,
    drainTimeoutMs: run.drainTimeoutMs,
  });
  let primary: Awaited<ReturnType<typeof startClusterPrimary>>;
  try {
    primary = await startClusterPrimary({
      workers: run.workers,
      ...(run.admin ? { admin: run.admin } : {}),
      log: (line) => stdout(`${line}\n`),
    });
  } catch (e) {
    signals.off();
    throw e;
  }
  // The primary checks the file first; only a configuration that loads reaches the workers.
  const reloads = startReloads({
    loaded: run.loaded,
    load: run.load,
    apply: async () => {
      const r = await primary.reload();
      for (const e of r.errors) stderr(`mtls: reload failed in a worker: ${e}\n`);
      return ` (${r.reloaded} of ${r.reloaded + r.errors.length} workers)`;
    },
    watch: run.watch,
    stdout,
    stderr,
  });
  onHup = () => void reloads.reload("SIGHUP received");
  for (const a of primary.addresses) stdout(listeningLine("gateway", { scheme: "https", ...a }));
  stdout(`mtls: ${run.workers} workers running: ${primary.pids().join(" ")}\n`);
  if (primary.admin) stdout(listeningLine("admin", { scheme: "http", ...primary.admin }));
  await signals.stopped;
  reloads.close();
  const r = await primary.shutdown(run.drainTimeoutMs, signals.force);
  signals.off();
  stdout(
    `mtls: drained ${r.workers} workers in ${r.elapsedMs} ms: ${r.connections} connections and ${r.inFlight} requests in flight at the start, ${r.completed} requests completed, ${r.forced} connections closed at the deadline\n`,
  );
}

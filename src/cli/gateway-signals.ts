/**
 * The gateway's signal handling and startup lines, shared by the single-process run
 * (`src/cli/gateway.ts`) and the cluster primary (`src/cli/gateway-workers.ts`).
 * @module
 */

/** What {@link watchDrainSignals} hands back. */
export interface DrainSignals {
  /** Resolves at the first SIGTERM or SIGINT (nginx QUIT: drain). */
  readonly stopped: Promise<void>;
  /** Aborted at the second SIGTERM or SIGINT: close open connections now. */
  readonly force: AbortSignal;
  /** Removes the SIGTERM, SIGINT and SIGHUP handlers (idempotent). */
  off(): void;
}

/**
 * Installs the gateway's SIGTERM/SIGINT/SIGHUP handlers: the first SIGTERM or SIGINT
 * drains (prints `mtls: SIGTERM received, closing: draining ... (deadline N s)` and stops
 * passing SIGHUP on), a second one aborts {@link DrainSignals.force}; SIGHUP calls `onHup`.
 * Mirrors nginx's QUIT (graceful) then TERM (fast) shutdown (nginx doc "Controlling nginx").
 * @param options.stdout where the lines go
 * @param options.onHup called at each SIGHUP until draining starts
 * @param options.draining what is drained, e.g. `"draining"` or `"draining 4 workers"`
 * @param options.drainTimeoutMs the drain deadline, ms (printed in seconds)
 * @returns the promise of the first signal, the force signal and `off()`
 * @throws nothing
 */
export function watchDrainSignals(options: {
  readonly stdout: (text: string) => void;
  readonly onHup: () => void;
  readonly draining: string;
  readonly drainTimeoutMs: number;
}): DrainSignals {
  const { stdout, onHup, draining: what, drainTimeoutMs } = options;
  const force = new AbortController();
  let draining = false;
  let resolveStopped = () => {};
  const stopped = new Promise<void>((resolve) => {
    resolveStopped = resolve;
  });
  const stop = (signal: string) => {
    if (draining) {
      stdout(`mtls: ${signal} received again, closing open connections now\n`);
      force.abort();
      return;
    }
    draining = true;
    stdout(`mtls: ${signal} received, closing: ${what} (deadline ${drainTimeoutMs / 1000} s)\n`);
    process.off("SIGHUP", onHup);
    resolveStopped();
  };
  const onInt = () => stop("SIGINT");
  const onTerm = () => stop("SIGTERM");
  process.on("SIGINT", onInt);
  process.on("SIGTERM", onTerm);
  process.on("SIGHUP", onHup);
  return {
    stopped,
    force: force.signal,
    off: () => {
      process.off("SIGINT", onInt);
      process.off("SIGTERM", onTerm);
      process.off("SIGHUP", onHup);
    },
  };
}

/**
 * The startup line for one listening address, IPv6 hosts in brackets (RFC 3986 §3.2.2).
 * @param what e.g. `"gateway"`, `"admin"`
 * @param address the URL scheme (`https`, `http`, `tls`) and the bound host and port
 * @returns `mtls: gateway listening on https://[::1]:8443\n`
 * @example
 * listeningLine("admin", { scheme: "http", host: "127.0.0.1", port: 9901 });
 * // "mtls: admin listening on http://127.0.0.1:9901\n"
 */
export function listeningLine(
  what: string,
  address: { readonly scheme: string; readonly host: string; readonly port: number },
): string {
  const host = address.host.includes(":") ? `[${address.host}]` : address.host;
  return `mtls: ${what} listening on ${address.scheme}://${host}:${address.port}\n`;
}

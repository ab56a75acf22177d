import { type ChildProcess, spawn } from "node:child_process";
import type { TestContext } from "node:test";

/** An `mtls gateway` child process and what it printed so far. */
export interface GatewayProcess {
  readonly child: ChildProcess;
  /** Everything written to stdout so far. */
  stdout(): string;
  /** Everything written to stderr so far. */
  stderr(): string;
  /**
   * Resolves once stdout (or stderr with `{ stderr: true }`) contains `text` (a string,
   * or a regular expression whose first match is returned); rejects if the process exits first.
   */
  waitFor(text: string | RegExp, options?: { readonly stderr?: boolean }): Promise<string>;
  /** Resolves with the exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>;
  /** The `https://HOST:PORT` and admin `http://HOST:PORT` lines, once printed. */
  addresses(): Promise<{ readonly port: number; readonly admin?: string }>;
}

/**
 * Spawns `node --import tsx src/cli/main.ts gateway ARGS...` (a real process, so signals,
 * node:cluster and file watching behave as in production); SIGKILLed when the test ends.
 * @param t - the test; the child is killed in its `t.after` if still running
 * @param args - arguments after `mtls gateway`
 * @returns the process and helpers to wait for its output
 * @example const gw = spawnGateway(t, ["--nginx", file]); const { port } = await gw.addresses();
 */
export function spawnGateway(t: TestContext, args: readonly string[]): GatewayProcess {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "src/cli/main.ts", "gateway", ...args],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let out = "";
  let err = "";
  const listeners = new Set<() => void>();
  const changed = () => {
    for (const l of [...listeners]) l();
  };
  child.stdout?.on("data", (c: Buffer) => {
    out += c.toString();
    changed();
  });
  child.stderr?.on("data", (c: Buffer) => {
    err += c.toString();
    changed();
  });
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  });
  const waitFor = (text: string | RegExp, options: { readonly stderr?: boolean } = {}) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        const s = options.stderr ? err : out;
        const hit =
          typeof text === "string" ? (s.includes(text) ? text : undefined) : text.exec(s)?.[0];
        if (hit === undefined) return false;
        listeners.delete(check);
        resolve(hit);
        return true;
      };
      if (check()) return;
      listeners.add(check);
      void exited.then(() => {
        if (listeners.delete(check) && !check())
          reject(new Error(`mtls gateway exited before printing ${String(text)}:\n${out}\n${err}`));
      });
    });
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    waitFor,
    exited,
    async addresses() {
      const line = await waitFor(/gateway listening on https:\/\/[^\n]+:(\d+)\n/);
      const port = Number(/:(\d+)\n$/.exec(line)?.[1]);
      const admin = args.includes("--admin")
        ? /admin listening on (http:\/\/[^\n]+)\n/.exec(
            await waitFor(/admin listening on [^\n]+\n/),
          )?.[1]
        : undefined;
      return { port, ...(admin ? { admin } : {}) };
    },
  };
}

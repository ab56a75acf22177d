import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { TestContext } from "node:test";
import { freePort, waitForPort } from "./net.ts";
import { requirePeer } from "./peers.ts";

/** How to run nginx for one test. */
export interface StartNginxOptions {
  /** Prefix directory (`-p`): relative paths in the config resolve here; nginx.conf and nginx.pid are written here. */
  readonly dir: string;
  /**
   * The `http {}` body (server and upstream blocks). As a function it gets the listen address
   * `127.0.0.1:PORT` of a port picked with `freePort()`; that port is waited for and returned.
   */
  readonly http: string | ((listen: string) => string);
  /** Further ports (picked with `freePort()`) the body listens on, all waited for; default none. */
  readonly ports?: readonly number[];
  /** Arguments of the main-context `error_log` directive; default "stderr" (read back as `stderr`). */
  readonly errorLog?: string;
  /** Extra main-context directives, e.g. "master_process off;"; default none. */
  readonly main?: string;
  /** Put the http temp paths (client_body_temp_path, proxy_temp_path...) in `dir`; default false. */
  readonly tempPathsInDir?: boolean;
  /** How long to wait for each port to open, in ms; default 5000. */
  readonly timeoutMs?: number;
}

/** A running nginx, stopped with SIGQUIT when the test ends. */
export interface RunningNginx {
  /** The port picked for `http` as a function (0 when `http` is a string). */
  readonly port: number;
  /** What nginx wrote on stderr so far (its error log with the default `errorLog`). */
  readonly stderr: string;
}

/**
 * Runs the real nginx (1.22 here) with `events {}` and `http { access_log off; BODY }`,
 * `daemon off`, `user root` when running as root, until the test ends (SIGQUIT in `t.after`).
 * Uses `requirePeer(t, "nginx")`: skips the test (fails it when CI=true) without nginx.
 * Source: nginx docs, "Core functionality" (daemon, error_log, pid, user) and ngx_http_core_module.
 * @param t - the test; nginx is stopped in its `t.after`
 * @param options - see {@link StartNginxOptions}
 * @returns the port and stderr, or null when the test was skipped for lack of nginx
 * @throws AssertionError when a port does not open in `timeoutMs` (message carries nginx's stderr)
 * @example
 * const ng = await startNginx(t, { dir, http: (listen) => `server { listen ${listen}; return 204; }` });
 * if (!ng) return;
 */
export async function startNginx(
  t: TestContext,
  options: StartNginxOptions,
): Promise<RunningNginx | null> {
  const nginx = requirePeer(t, "nginx");
  if (!nginx) return null;
  const { dir, http } = options;
  const port = typeof http === "function" ? await freePort() : 0;
  const body = typeof http === "function" ? http(`127.0.0.1:${port}`) : http;
  const user = process.getuid?.() === 0 ? "user root;\n" : "";
  const temp = options.tempPathsInDir
    ? ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"]
        .map((p) => `${p}_temp_path ${dir};\n`)
        .join("")
    : "";
  const conf = join(dir, "nginx.conf");
  writeFileSync(
    conf,
    `${user}${options.main ?? ""}events {}\nhttp {\naccess_log off;\n${temp}${body}}\n`,
  );
  const child = spawn(
    nginx,
    [
      "-p",
      dir,
      "-c",
      conf,
      "-g",
      `daemon off; pid ${join(dir, "nginx.pid")}; error_log ${options.errorLog ?? "stderr"};`,
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  child.stderr.on("data", (c: Buffer) => {
    stderr += c.toString();
  });
  t.after(() => {
    child.kill("SIGQUIT");
  });
  const waitFor = typeof http === "function" ? [port, ...(options.ports ?? [])] : options.ports;
  for (const p of waitFor ?? []) {
    await waitForPort(p, options.timeoutMs ?? 5000).catch((e: Error) =>
      assert.fail(`${e.message}\n${stderr}`),
    );
  }
  return {
    port,
    get stderr() {
      return stderr;
    },
  };
}

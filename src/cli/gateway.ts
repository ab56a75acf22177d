/**
 * `mtls gateway --nginx FILE | --config FILE [--test] [--print-config]`: runs the mTLS
 * gateway from an nginx configuration or a native YAML one, only checks it like
 * `nginx -t`, or prints its native YAML equivalent.
 * @module
 */
import type { Command } from "commander";
import { ErrorCode, MtlsError } from "../errors.ts";
import { ConfigError, formatDiagnostic } from "../gateway/diagnostic.ts";
import { DEFAULT_DRAIN_TIMEOUT_MS } from "../gateway/drain.ts";
import type { ErrorLogFormat } from "../gateway/error-log.ts";
import { loadNativeGateway } from "../gateway/native/load-native.ts";
import { printNativeConfig } from "../gateway/native/print-config.ts";
import { loadNginxGateway } from "../gateway/nginx/load.ts";
import { startGateway } from "../gateway/server.ts";
import { startReloads } from "./gateway-reload.ts";
import { listeningLine, watchDrainSignals } from "./gateway-signals.ts";
import {
  type ClusterRun,
  isClusterWorker,
  parseWorkers,
  runPrimary,
  runWorker,
} from "./gateway-workers.ts";
import { applyCommonOptions } from "./run.ts";

interface GatewayFlags {
  readonly nginx?: string;
  readonly config?: string;
  readonly test?: boolean;
  readonly printConfig?: boolean;
  readonly admin?: string;
  readonly drainTimeout?: string;
  readonly logFormat?: string;
  readonly workers?: string;
  readonly watch?: boolean;
}

/** Registers `mtls gateway`. */
export function registerGateway(program: Command): void {
  const cmd = program
    .command("gateway")
    .description("run the mTLS gateway (an nginx-compatible TLS-terminating proxy)")
    .option("--nginx <file>", "nginx configuration (nginx.conf, conf.d include, or a server block)")
    .option("--config <file>", "native YAML configuration (safer defaults)")
    .option("-t, --test", "check the configuration and exit (like nginx -t)")
    .option("--print-config", "print the native YAML equivalent and exit")
    .option("--admin <host:port>", "admin listener for /metrics, /healthz, /readyz")
    .option("--log-format <format>", 'error_log lines: "nginx" (default) or "json"')
    .option("--watch", "reload when the configuration or a file it names changes")
    .option(
      "--workers <n|auto>",
      "worker processes sharing the listen sockets, TLS session cache and ticket keys",
    )
    .option(
      "--drain-timeout <seconds>",
      "graceful shutdown deadline on SIGTERM/SIGINT (default: the config's, else 30)",
    )
    .action(async (flags: GatewayFlags) => {
      let root: Command = cmd;
      while (root.parent) root = root.parent;
      await runGateway(flags, root.configureOutput());
    });
  applyCommonOptions(cmd);
}

type Output = ReturnType<Command["configureOutput"]>;

async function runGateway(flags: GatewayFlags, out: Output): Promise<void> {
  // The streams `runProgram` configured on the root command (tests pass their own).
  const stdout = (s: string) => (out.writeOut ? out.writeOut(s) : process.stdout.write(s));
  const stderr = (s: string) => (out.writeErr ? out.writeErr(s) : process.stderr.write(s));
  if (flags.nginx && flags.config) {
    throw new MtlsError(ErrorCode.USAGE, "Conflicting options: --nginx and --config both given", {
      hint: "use one configuration file",
    });
  }
  const file = flags.nginx ?? flags.config;
  if (!file) {
    throw new MtlsError(
      ErrorCode.USAGE,
      "Missing configuration: --nginx FILE or --config FILE is required",
      { hint: "mtls gateway --nginx gateway.conf, or mtls gateway --config gateway.yaml" },
    );
  }
  const logFormat = parseLogFormat(flags.logFormat);
  const workers = parseWorkers(flags.workers);
  const worker = isClusterWorker();
  const drainFlagMs =
    flags.drainTimeout === undefined
      ? undefined
      : parseSeconds(flags.drainTimeout, "--drain-timeout");
  let loaded: ReturnType<typeof loadNginxGateway>;
  try {
    loaded = flags.nginx ? loadNginxGateway(file) : loadNativeGateway(file);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    for (const d of e.diagnostics) stderr(`mtls: ${formatDiagnostic(d)}\n`);
    const n = e.diagnostics.filter((d) => d.severity === "error").length;
    const errors = `${n} error${n === 1 ? "" : "s"}`;
    // Like `nginx -t` only when a test was asked for; otherwise say what could not be done.
    const message = flags.test
      ? `Configuration file ${file} test failed: ${errors}`
      : flags.printConfig
        ? `Cannot print the native configuration: ${errors} in ${file}`
        : `Cannot start the gateway: ${errors} in ${file}`;
    throw new MtlsError(e.code, message, { cause: e });
  }
  if (!worker) for (const d of loaded.diagnostics) stderr(`mtls: ${formatDiagnostic(d)}\n`);
  if (flags.printConfig) {
    stdout(printNativeConfig(loaded.config));
    return;
  }
  if (flags.test) {
    stdout(`mtls: the configuration file ${file} syntax is ok\n`);
    stdout(`mtls: configuration file ${file} test is successful\n`);
    return;
  }
  const admin = flags.admin ? parseAdmin(flags.admin) : undefined;
  const drainTimeoutMs =
    drainFlagMs ?? loaded.config.shutdown?.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS;
  if (worker || workers !== undefined) {
    const run: ClusterRun = {
      workers: workers ?? 1,
      loaded,
      load: () => (flags.nginx ? loadNginxGateway(file) : loadNativeGateway(file)),
      ...(admin ? { admin } : {}),
      gatewayOptions: logFormat ? { logFormat } : {},
      drainTimeoutMs,
      watch: flags.watch === true,
      stdout,
      stderr,
    };
    await (worker ? runWorker(run) : runPrimary(run));
    return;
  }
  const gw = await startGateway(loaded.config, {
    material: loaded.material,
    ...(admin ? { admin } : {}),
    ...(logFormat ? { logFormat } : {}),
  });
  const load = () => (flags.nginx ? loadNginxGateway(file) : loadNativeGateway(file));
  // SIGHUP (and file changes with --watch): the whole configuration and the files it names
  // are read again for new requests and connections; a file that no longer loads leaves
  // the running configuration in place.
  const reloads = startReloads({
    loaded,
    load,
    apply: (next) => {
      gw.reload(next.material, { config: next.config });
      return "";
    },
    watch: flags.watch === true,
    stdout,
    stderr,
  });
  // Handlers first, then the addresses: whoever waits for the addresses may signal at once.
  // The first SIGTERM/SIGINT drains (nginx QUIT); a second one closes at once.
  const signals = watchDrainSignals({
    stdout,
    onHup: () => void reloads.reload("SIGHUP received"),
    draining: "draining",
    drainTimeoutMs,
  });
  for (const a of gw.addresses) stdout(listeningLine("gateway", { scheme: "https", ...a }));
  for (const a of gw.streamAddresses) {
    stdout(listeningLine("stream proxy", { scheme: "tls", ...a }));
  }
  if (gw.admin) stdout(listeningLine("admin", { scheme: "http", ...gw.admin }));
  await signals.stopped;
  reloads.close();
  const r = await gw.drain({ timeoutMs: drainTimeoutMs, signal: signals.force });
  await gw.close();
  signals.off();
  stdout(
    `mtls: drained in ${r.elapsedMs} ms: ${r.connections} connections and ${r.inFlight} requests in flight at the start, ${r.completed} requests completed, ${r.forced} connections closed at the deadline\n`,
  );
}

/** `--log-format nginx|json`. */
function parseLogFormat(text: string | undefined): ErrorLogFormat | undefined {
  if (text === undefined || text === "nginx" || text === "json") return text;
  throw new MtlsError(
    ErrorCode.USAGE,
    `Invalid --log-format value: "${text}", expecting "nginx" or "json"`,
    { hint: "--log-format json writes one JSON object per error_log line" },
  );
}

/** `--drain-timeout SECONDS`: a non-negative number of seconds, returned in ms. */
function parseSeconds(text: string, option: string): number {
  const n = Number(text);
  if (text.trim() === "" || !Number.isFinite(n) || n < 0) {
    throw new MtlsError(
      ErrorCode.USAGE,
      `Invalid ${option} value: "${text}", expecting a number of seconds`,
      { hint: `e.g. ${option} 30` },
    );
  }
  return Math.round(n * 1000);
}

/** `--admin HOST:PORT` (`[v6]:PORT` for IPv6; a bare port means 127.0.0.1). */
function parseAdmin(text: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(text) ?? /^()()(\d{1,5})$/.exec(text);
  const port = Number(m?.[3]);
  if (!m || port > 65535) {
    throw new MtlsError(
      ErrorCode.USAGE,
      `Invalid --admin address: "${text}", expecting HOST:PORT`,
      {
        hint: "e.g. --admin 127.0.0.1:9901",
      },
    );
  }
  return { host: m[1] || m[2] || "127.0.0.1", port };
}

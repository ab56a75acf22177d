/**
 * The server blocks of a configuration, each with its error log, access log and upstream
 * pools: what `startGateway` runs, and what a reload builds anew for the next requests.
 * @module
 */
import { createAccessLog } from "./access-log.ts";
import type { GatewayConfig, LogLevel } from "./config.ts";
import type { DepthRefusals } from "./depth-check.ts";
import { createErrorLog, type ErrorLogFormat } from "./error-log.ts";
import type { GatewayMetrics } from "./metrics.ts";
import { createServerBlock, type ServerBlock } from "./server-block.ts";
import type { GatewayMaterial } from "./tls-material.ts";
import { createUpstream } from "./upstream.ts";
import { upstreamTargets } from "./upstream-targets.ts";

/** Options of {@link buildServerBlocks} (the matching `GatewayOptions` fields). */
export interface BuildServerBlocksOptions {
  readonly metrics: GatewayMetrics;
  /** Server header and error-page version line. */
  readonly tokens: string;
  /** Receives error_log lines instead of the configured file. */
  readonly log?: (line: string) => void;
  /** Receives access_log lines instead of the configured file. */
  readonly accessLog?: (line: string) => void;
  /** Overrides the configured error_log level. */
  readonly logLevel?: LogLevel;
  /** error_log line format; default `"nginx"`. */
  readonly logFormat?: ErrorLogFormat;
  /** Clock for log lines; default `() => new Date()`. */
  readonly now?: () => Date;
  /** Upstream connect and read timeouts in ms; default 60000 each. */
  readonly upstreamTimeoutMs?: number;
  /** The shared `ssl_verify_depth` memory of block `key`; default per process. */
  readonly depthRefusals?: (key: string) => DepthRefusals;
}

/**
 * Builds every server block of `config`.
 * @param config the configuration
 * @param material its certificates and keys (`material.servers` parallel to `config.servers`)
 * @param options metrics, tokens, log sinks, clock, upstream timeouts (ms)
 * @returns the blocks, parallel to `config.servers`
 * @throws TypeError when `material` does not match `config`
 */
export function buildServerBlocks(
  config: GatewayConfig,
  material: GatewayMaterial,
  options: BuildServerBlocksOptions,
): ServerBlock[] {
  const { tokens, metrics } = options;
  const counters = new Map<string, () => number>();
  return config.servers.map((server, b) => {
    const serverMaterial = material.servers[b];
    if (!serverMaterial) throw new TypeError("material does not match the config");
    const log = createErrorLog({
      ...(server.errorLog ? { file: server.errorLog.file, level: server.errorLog.level } : {}),
      ...(options.logLevel ? { level: options.logLevel } : {}),
      ...(options.logFormat ? { format: options.logFormat } : {}),
      ...(options.log ? { log: options.log } : {}),
      ...(options.now ? { now: options.now } : {}),
    });
    const upstreams = server.locations.map((l, i) =>
      l.proxyPass
        ? createUpstream(l, serverMaterial.upstreams[i] ?? {}, {
            server: tokens,
            ...upstreamTargets(config, l.proxyPass.upstream, counters),
            ...(options.upstreamTimeoutMs
              ? {
                  connectTimeoutMs: options.upstreamTimeoutMs,
                  readTimeoutMs: options.upstreamTimeoutMs,
                }
              : {}),
          })
        : undefined,
    );
    const access = server.accessLog
      ? createAccessLog(server.accessLog.file, options.accessLog ? { log: options.accessLog } : {})
      : undefined;
    return createServerBlock(server, {
      log,
      upstreams,
      tokens,
      metrics,
      ...(access ? { accessLog: access } : {}),
      ...(options.now ? { now: options.now } : {}),
      ...(options.depthRefusals ? { depthRefusals: options.depthRefusals(String(b)) } : {}),
    });
  });
}

/**
 * `--print-config` for L4 listeners: a stream server as a native `mode: tcp` listener.
 * Like the HTTP part, everything nginx mode decided is written out (`verify: false`,
 * `serverName: false`, the timeouts), so the native file behaves the same.
 * @module
 */
import type { ServerConfig } from "../config.ts";
import type { StreamServerConfig } from "../l4/stream-config.ts";
import { msText } from "./duration-text.ts";
import { printUpstreamTls } from "./native-upstream-tls.ts";

/**
 * The native YAML value of one stream server.
 * @param s the stream server
 * @param listener print-config's HTTP listener printer (for `listen`, `tls`, `errorLog`)
 * @returns the listener mapping, with `mode: tcp` and `tcp:` instead of `routes:`
 */
export function streamListener(
  s: StreamServerConfig,
  listener: (server: ServerConfig) => Record<string, unknown>,
): Record<string, unknown> {
  const { routes: _, ...base } = listener({
    listen: s.listen,
    serverNames: [],
    tls: s.tls,
    locations: [],
    ...(s.errorLog ? { errorLog: s.errorLog } : {}),
  });
  const up = s.upstream;
  const u = s.upstreamTls;
  const host = up.host.includes(":") ? `[${up.host}]` : up.host;
  return {
    ...base,
    // Written out either way: a tcp listener's default is true, nginx's behaviour false.
    tls: { ...(base.tls as Record<string, unknown>), rejectInHandshake: !!s.tls.rejectInHandshake },
    mode: "tcp",
    tcp: {
      upstream: `${up.protocol}://${host}:${up.port}`,
      ...(s.proxyProtocol !== "off" ? { proxyProtocol: s.proxyProtocol } : {}),
      ...(s.proxyProtocolCrc32c ? { proxyProtocolCrc32c: true } : {}),
      ...(s.halfClose === false ? { halfClose: false } : {}),
      ...(up.protocol === "tls"
        ? {
            upstreamTls: printUpstreamTls(u),
          }
        : {}),
      timeouts: { connect: msText(s.connectTimeoutMs), idle: msText(s.idleTimeoutMs) },
    },
  };
}

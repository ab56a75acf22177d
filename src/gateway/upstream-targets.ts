/**
 * Weighted round-robin targets of an nginx `upstream` block, for the HTTP proxy.
 * @module
 */
import type { GatewayConfig } from "./config.ts";
import type { UpstreamOptions } from "./upstream.ts";

/**
 * The servers of an `upstream` block, repeated by `weight`, with the block's shared
 * round-robin counter (one per block name, kept in `counters`, so every location
 * proxying to the block takes turns on one sequence as nginx does).
 * Source: nginx `ngx_http_upstream_module` ("upstream", "server ... weight=").
 * @param config the gateway configuration holding the blocks
 * @param name the block name of a `proxy_pass http://NAME`; undefined for a plain URL
 * @param counters the per-block counters, filled on first use
 * @returns `{ targets, next }` for {@link UpstreamOptions}, or `{}` when `name` names no block
 */
export function upstreamTargets(
  config: GatewayConfig,
  name: string | undefined,
  counters: Map<string, () => number>,
): Pick<UpstreamOptions, "targets" | "next"> {
  const block = name ? config.upstreams?.find((u) => u.name === name) : undefined;
  if (!block) return {};
  let next = counters.get(block.name);
  if (!next) {
    let n = 0;
    next = () => n++;
    counters.set(block.name, next);
  }
  const targets = block.servers.flatMap((s) =>
    Array.from({ length: s.weight }, () => ({ host: s.host, port: s.port })),
  );
  return { targets, next };
}

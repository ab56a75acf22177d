/**
 * Listeners shared by several server blocks: which blocks listen where, and which block
 * answers a request (SNI first, then the `Host` header, 421 when they disagree and the
 * Host's block verifies clients).
 *
 * Source: nginx 1.22 `ngx_http_request.c` (`ngx_http_set_virtual_server`, the 421 check),
 * "How nginx processes a request".
 * @module
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { TLSSocket } from "node:tls";
import type { GatewayConfig, ListenConfig } from "./config.ts";
import { originFormTarget } from "./request-target.ts";
import { requestContext, type ServerBlock } from "./server-block.ts";
import { hostOf, selectServer } from "./virtual-hosts.ts";

/** A listen address and the blocks sharing it. */
export interface ListenGroup {
  readonly listen: ListenConfig;
  /** Indexes into `config.servers`. */
  readonly blocks: readonly number[];
  /** Index into `blocks` of the default server. */
  readonly defaultIndex: number;
}

/**
 * The text of a listen address, as nginx prints it: `host:port`, `[v6]:port`.
 * @param listen the address
 * @returns e.g. `127.0.0.1:8443`
 */
export function listenKey(listen: ListenConfig): string {
  return `${listen.ipv6 ? `[${listen.host}]` : listen.host}:${listen.port}`;
}

/**
 * Groups the `listen` addresses of all blocks: one listener each, in order of first
 * appearance; `default_server` marks a group's default block (else its first).
 * @param config the configuration
 * @returns the groups
 */
export function listenGroups(config: GatewayConfig): ListenGroup[] {
  const groups = new Map<
    string,
    { listen: ListenConfig; blocks: number[]; defaultIndex: number }
  >();
  for (const [i, server] of config.servers.entries()) {
    for (const l of server.listen) {
      const key = listenKey(l);
      let g = groups.get(key);
      if (!g) {
        g = { listen: l, blocks: [], defaultIndex: 0 };
        groups.set(key, g);
      }
      if (!g.blocks.includes(i)) {
        if (l.defaultServer) g.defaultIndex = g.blocks.length;
        g.blocks.push(i);
      }
    }
  }
  return [...groups.values()];
}

/**
 * Picks the block for a request: the one the handshake chose (SNI), unless the `Host`
 * header names another block. nginx answers 421 when SNI was sent and the Host's block
 * verifies clients; mtlskit also does when no SNI was sent (the handshake verified the
 * client against the default block's CAs, which prove nothing for another block).
 */
export function dispatch(
  members: readonly ServerBlock[],
  defaultIndex: number,
  req: IncomingMessage,
  res: ServerResponse,
  cid: number,
): void {
  const socket = req.socket as TLSSocket;
  const configs = members.map((m) => m.config);
  const sni = typeof socket.servername === "string" ? socket.servername : undefined;
  const tlsIndex = selectServer(configs, sni, defaultIndex);
  const tlsBlock = members[tlsIndex];
  if (!tlsBlock) return;
  // An absolute-form target names the host (RFC 9112 §3.2.2): selection, the 421 check
  // and the upstream must all see that host, never the Host header beside it.
  const target = originFormTarget(req);
  if (target.kind === "invalid") {
    tlsBlock.log.write("info", `${target.reason}${requestContext(tlsBlock.config, req)}`, cid);
    req.resume();
    tlsBlock.sendPage(res, 400, true);
    return;
  }
  if (members.length === 1) {
    tlsBlock.handle(req, res, cid);
    return;
  }
  const host = hostOf(req.headers.host);
  const hostIndex = host === undefined ? tlsIndex : selectServer(configs, host, defaultIndex);
  const hostBlock = members[hostIndex];
  if (!hostBlock || hostIndex === tlsIndex) {
    tlsBlock.handle(req, res, cid);
    return;
  }
  if (hostBlock.config.tls.verifyClient !== "off") {
    hostBlock.log.write(
      "info",
      `client attempted to request the server name different from the one that was negotiated${requestContext(hostBlock.config, req)}`,
      cid,
    );
    req.resume();
    hostBlock.sendPage(res, 421, true);
    return;
  }
  hostBlock.handle(req, res, cid);
}

/**
 * The server blocks one listener answers with: its members, which is the default, and the
 * block whose TLS options are the listener's own. A reload computes them anew from the new
 * configuration's listen group for the same address.
 * @module
 */
import type { ListenGroup } from "./listener.ts";
import { listenKey } from "./listener.ts";
import type { ServerBlock } from "./server-block.ts";

/** The blocks of one listener. */
export interface ListenerBlocks {
  /** The blocks sharing the address, in configuration order. */
  readonly members: readonly ServerBlock[];
  /** Index into `members` of the default server. */
  readonly first: number;
  /** The default block. */
  readonly main: ServerBlock;
  /** Index into `config.servers` of the default block. */
  readonly mainIndex: number;
  /** Indexes into `config.servers` of the members. */
  readonly indexes: readonly number[];
}

/**
 * The blocks of the listener on `group`'s address.
 * @param group the listen group (of the configuration `blocks` were built from)
 * @param blocks every server block, parallel to `config.servers`
 * @returns the listener's blocks, or undefined when none was built
 */
export function listenerBlocks(
  group: ListenGroup,
  blocks: readonly ServerBlock[],
): ListenerBlocks | undefined {
  const members = group.blocks.map((i) => blocks[i]).filter((b) => b !== undefined);
  const first = group.defaultIndex;
  const main = members[first] ?? members[0];
  if (!main) return undefined;
  return { members, first, main, mainIndex: group.blocks[first] ?? 0, indexes: group.blocks };
}

/**
 * The blocks a running listener answers with after a reload.
 * @param running what the listener on `listen` answers with now
 * @param listen the listener's address
 * @param next the new configuration's listen groups and blocks (absent: no new configuration)
 * @returns the new blocks for the same address, or `running` when there are none
 */
export function nextListenerBlocks(
  running: ListenerBlocks,
  listen: ListenGroup["listen"],
  next?: { readonly groups: readonly ListenGroup[]; readonly blocks: readonly ServerBlock[] },
): ListenerBlocks {
  const key = listenKey(listen);
  const group = next?.groups.find((g) => listenKey(g.listen) === key);
  return (group && next && listenerBlocks(group, next.blocks)) || running;
}

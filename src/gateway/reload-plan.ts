/**
 * The whole new configuration a reload applies, built before anything running is touched:
 * the listen groups and a new generation of server blocks (logs, upstream pools, policy).
 * A listen address that changed refuses the reload; so does a strict-mode conflict.
 *
 * Source: nginx "Controlling nginx" (`HUP`: check the new configuration, then start new
 * workers with it).
 * @module
 */
import { ErrorCode, MtlsError } from "../errors.ts";
import { BlockGeneration } from "./block-generation.ts";
import { type BuildServerBlocksOptions, buildServerBlocks } from "./build-server-blocks.ts";
import type { GatewayConfig } from "./config.ts";
import { configChange } from "./config-change.ts";
import { ConfigError } from "./diagnostic.ts";
import { type ListenGroup, listenGroups } from "./listener.ts";
import type { ServerBlock } from "./server-block.ts";
import { strictModeConflict } from "./strict-mode.ts";
import type { GatewayMaterial } from "./tls-material.ts";

/** A new configuration ready to swap in. */
export interface ReloadPlan {
  readonly config: GatewayConfig;
  /** Its listen groups (the same addresses as the running ones). */
  readonly groups: readonly ListenGroup[];
  /** Its server blocks, parallel to `config.servers`. */
  readonly blocks: readonly ServerBlock[];
  /** The blocks as a generation (close it when the plan is abandoned). */
  readonly generation: BlockGeneration;
}

/**
 * Checks and builds a new configuration for a running gateway.
 * @param running the configuration the gateway runs
 * @param next the new configuration
 * @param material the new configuration's certificates and keys
 * @param options metrics, tokens, logs, clock of the blocks
 * @returns the plan
 * @throws {MtlsError} `MTLS_CONFIG_INVALID` when the listen addresses changed (the message names them)
 * @throws {ConfigError} when blocks sharing an address disagree on strict mode
 * @throws TypeError when `material` does not match `next`
 */
export function reloadPlan(
  running: GatewayConfig,
  next: GatewayConfig,
  material: GatewayMaterial,
  options: BuildServerBlocksOptions,
): ReloadPlan {
  checkReload(running, next);
  const groups = listenGroups(next);
  if (material.servers.length !== next.servers.length) {
    throw new TypeError("material does not match the config");
  }
  const blocks = buildServerBlocks(next, material, options);
  return { config: next, groups, blocks, generation: new BlockGeneration(blocks) };
}

/**
 * Checks that a running gateway can switch to `next` (a cluster's primary calls it before
 * telling the workers): same listen addresses, no strict-mode conflict.
 * @param running the configuration the gateway runs
 * @param next the new configuration
 * @throws {MtlsError} `MTLS_CONFIG_INVALID` when the listen addresses changed (the message names them)
 * @throws {ConfigError} when blocks sharing an address disagree on strict mode
 */
export function checkReload(running: GatewayConfig, next: GatewayConfig): void {
  const change = configChange(running, next);
  if (change.kind === "incompatible") {
    throw new MtlsError(ErrorCode.CONFIG_INVALID, change.message, {
      hint: "restart the gateway to listen on other addresses",
    });
  }
  const groups = listenGroups(next);
  for (const g of groups) {
    const conflict = strictModeConflict(
      g.blocks.map((i) => next.servers[i]).filter((s) => s !== undefined),
    );
    if (conflict) throw new ConfigError([conflict]);
  }
}

import type { Command } from "commander";

/** Registers `mtls gateway`. */
export function registerGateway(_program: Command): void {}

import type { Command } from "commander";

/** Registers `mtls request`. */
export function registerRequest(_program: Command): void {}

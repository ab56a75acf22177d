import type { Command } from "commander";

/** Registers `mtls pki`. */
export function registerPki(_program: Command): void {}

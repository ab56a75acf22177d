import type { Command } from "commander";

/** Registers `mtls demo`. */
export function registerDemo(_program: Command): void {}

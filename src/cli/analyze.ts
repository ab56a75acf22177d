import type { Command } from "commander";

/** Registers `mtls analyze`. */
export function registerAnalyze(_program: Command): void {}

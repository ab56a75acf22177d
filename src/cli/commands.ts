/**
 * The subcommands, each loaded only when it runs: `mtls request` does not pay for the
 * gateway's, the CA's or the analyzer's modules at start-up.
 * @module
 */
import type { Command } from "commander";

/** Adds one subcommand to the root command. */
export type Register = (program: Command) => void;

/** Subcommand name → a loader of its `registerX` function (one file per command). */
export const COMMAND_LOADERS: Readonly<Record<string, () => Promise<Register>>> = {
  pki: async () => (await import("./pki.ts")).registerPki,
  gateway: async () => (await import("./gateway.ts")).registerGateway,
  request: async () => (await import("./request.ts")).registerRequest,
  analyze: async () => (await import("./analyze.ts")).registerAnalyze,
  demo: async () => (await import("./demo.ts")).registerDemo,
};

/**
 * The subcommand `argv` names: its first word that is not an option, when that word is a
 * known subcommand; otherwise undefined (`mtls --help`, `mtls help pki`, a typo), for
 * which the CLI builds the whole tree so help and "unknown command" work as usual.
 * @param argv the arguments after the node and script entries
 */
export function subcommandOf(argv: readonly string[]): string | undefined {
  const word = argv.find((a) => !a.startsWith("-"));
  return word !== undefined && Object.hasOwn(COMMAND_LOADERS, word) ? word : undefined;
}

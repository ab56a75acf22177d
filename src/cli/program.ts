import type { Command } from "commander";
import { registerAnalyze } from "./analyze.ts";
import { registerDemo } from "./demo.ts";
import { registerGateway } from "./gateway.ts";
import { registerPki } from "./pki.ts";
import { registerRequest } from "./request.ts";
import { createRootCommand } from "./root.ts";

/**
 * Builds the whole `mtls` command tree (for help and for tests; the CLI entry loads only
 * the subcommand it runs, see `commands.ts`). Each subcommand lives in its own file.
 */
export function buildProgram(): Command {
  const program = createRootCommand();
  registerPki(program);
  registerGateway(program);
  registerRequest(program);
  registerAnalyze(program);
  registerDemo(program);
  return program;
}

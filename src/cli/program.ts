import { Command } from "commander";
import { registerAnalyze } from "./analyze.ts";
import { registerDemo } from "./demo.ts";
import { registerGateway } from "./gateway.ts";
import { registerPki } from "./pki.ts";
import { registerRequest } from "./request.ts";

/** Builds the `mtls` command tree. Each subcommand lives in its own file under `cli/`. */
export function buildProgram(): Command {
  const program = new Command("mtls")
    .description("Mutual TLS toolkit: CA, gateway, client and capture analyzer")
    .version("0.1.0")
    .option("--debug", "print stack traces on errors")
    .showHelpAfterError("(run with --help for usage)");
  registerPki(program);
  registerGateway(program);
  registerRequest(program);
  registerAnalyze(program);
  registerDemo(program);
  return program;
}

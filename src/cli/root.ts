import { Command } from "commander";

/** The `mtls` root command with its global options, before any subcommand is added. */
export function createRootCommand(): Command {
  return (
    new Command("mtls")
      .description("Mutual TLS toolkit: CA, gateway, client and capture analyzer")
      .version("0.1.0")
      .option("--debug", "print stack traces on errors")
      .showHelpAfterError("(run with --help for usage)")
      // commander's usage errors ("error: unknown command 'bogus'") read like ours: `mtls: ...`.
      .configureOutput({
        outputError: (text, write) =>
          write(text.replace(/^error: (.)/, (_m, c: string) => `mtls: ${c.toUpperCase()}`)),
      })
  );
}

#!/usr/bin/env node
/**
 * The `mtls` command: the only module that touches `process.argv` and `process.exit`.
 * @module
 */
// @peculiar/x509 (through tsyringe) needs the Reflect metadata polyfill loaded first.
import "reflect-metadata";
import type { Command } from "commander";
import { COMMAND_LOADERS, subcommandOf } from "./commands.ts";
import { createRootCommand } from "./root.ts";
import { runProgram } from "./run.ts";

// A reader that goes away (`mtls demo | head`) ends the output, not with a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw e;
  });
}

const argv = process.argv.slice(2);
const name = subcommandOf(argv);
let program: Command;
if (name) {
  program = createRootCommand();
  (await COMMAND_LOADERS[name]!())(program);
} else {
  program = (await import("./program.ts")).buildProgram();
}
const status = await runProgram(program, argv, {
  stdout: process.stdout,
  stderr: process.stderr,
});
// A command that succeeded may have set its own status (`mtls demo`: a failed check, Ctrl-C).
if (status !== 0 || process.exitCode === undefined) process.exitCode = status;

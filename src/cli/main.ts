#!/usr/bin/env node
/**
 * The `mtls` command: the only module that touches `process.argv` and `process.exit`.
 * @module
 */
// @peculiar/x509 (through tsyringe) needs the Reflect metadata polyfill loaded first.
import "reflect-metadata";
import { buildProgram } from "./program.ts";
import { runProgram } from "./run.ts";

// A reader that goes away (`mtls demo | head`) ends the output, not with a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw e;
  });
}

const status = await runProgram(buildProgram(), process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
});
process.exitCode = status;

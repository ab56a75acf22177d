#!/usr/bin/env node
/**
 * The `mtls` command: the only module that touches `process.argv` and `process.exit`.
 * @module
 */
// @peculiar/x509 (through tsyringe) needs the Reflect metadata polyfill loaded first.
import "reflect-metadata";
import { buildProgram } from "./program.ts";
import { runProgram } from "./run.ts";

const status = await runProgram(buildProgram(), process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
});
process.exitCode = status;

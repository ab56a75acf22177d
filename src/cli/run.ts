import { type Command, CommanderError } from "commander";
import { ErrorCode, MtlsError, ParseError } from "../errors.ts";

/** The streams and exit hook a command writes to; tests pass their own. */
export interface CliIo {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
}

/** Exit status: 0 success, 1 failure, 2 usage error. */
export type ExitStatus = 0 | 1 | 2;

/**
 * Formats an error as the one line the CLI prints: `file:line:col: message` (when the
 * error has a location), then `  hint: ...` on the next line when there is a hint.
 */
export function formatError(e: unknown, debug = false): string {
  let line: string;
  if (e instanceof MtlsError) {
    const loc = e.location ? `${e.location.file}:${e.location.line}:${e.location.column}: ` : "";
    line = `mtls: ${loc}${e.message}`;
    if (e.hint) line += `\n  hint: ${e.hint}`;
  } else if (e instanceof ParseError) {
    line = `mtls: ${e.message}`;
  } else if (e instanceof Error) {
    line = `mtls: ${e.message}`;
  } else {
    line = `mtls: ${String(e)}`;
  }
  if (debug && e instanceof Error && e.stack) line += `\n${e.stack}`;
  return line;
}

/** Maps an error to the process exit status. */
export function exitStatusOf(e: unknown): ExitStatus {
  if (e instanceof MtlsError && e.code === ErrorCode.USAGE) return 2;
  if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
  return 1;
}

/**
 * Runs `program` on `argv` (without the node and script entries) and returns the exit
 * status instead of exiting: the one `catch` of the CLI.
 */
export async function runProgram(
  program: Command,
  argv: readonly string[],
  io: CliIo,
): Promise<ExitStatus> {
  const debug = argv.includes("--debug");
  program.exitOverride();
  program.configureOutput({
    writeOut: (s) => io.stdout.write(s),
    writeErr: (s) => io.stderr.write(s),
  });
  try {
    await program.parseAsync([...argv], { from: "user" });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // commander has already printed its message (help, version or usage error).
      return e.exitCode === 0 ? 0 : 2;
    }
    io.stderr.write(`${formatError(e, debug)}\n`);
    return exitStatusOf(e);
  }
}

/** Makes every subcommand throw instead of exiting, and share `--debug`. */
export function applyCommonOptions(cmd: Command): Command {
  cmd.exitOverride();
  cmd.option("--debug", "print stack traces on errors");
  return cmd;
}

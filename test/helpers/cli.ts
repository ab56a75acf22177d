import { Writable } from "node:stream";
import { COMMAND_LOADERS, subcommandOf } from "../../src/cli/commands.ts";
import { createRootCommand } from "../../src/cli/root.ts";
import { runProgram } from "../../src/cli/run.ts";

/** What an in-process `mtls` run printed and returned. */
export interface MtlsRun {
  /** Exit status: 0, 1 or 2. */
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

function sink(add: (s: string) => void): Writable {
  return new Writable({
    write(chunk, _enc, done) {
      add(String(chunk));
      done();
    },
  });
}

/**
 * Runs `mtls ARGV...` in this process, as `src/cli/main.ts` does: only the subcommand the
 * arguments name is loaded (so a test of one command does not depend on the others), or
 * the whole tree for help and unknown commands.
 * @param argv the arguments after `mtls`, e.g. `["pki", "init", "--dir", dir]`
 * @returns exit status and everything written to stdout and stderr
 */
export async function runMtls(argv: readonly string[]): Promise<MtlsRun> {
  let stdout = "";
  let stderr = "";
  const name = subcommandOf(argv);
  const program = createRootCommand();
  if (name) (await COMMAND_LOADERS[name]!())(program);
  else for (const load of Object.values(COMMAND_LOADERS)) (await load())(program);
  const status = await runProgram(program, argv, {
    stdout: sink((s) => {
      stdout += s;
    }),
    stderr: sink((s) => {
      stderr += s;
    }),
  });
  return { status, stdout, stderr };
}

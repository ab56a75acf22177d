import type { Command } from "commander";
import { runDemo } from "../demo/demo.ts";

/** Registers `mtls demo`: the seed's whole system end to end (`npm start`). */
export function registerDemo(program: Command): void {
  program
    .command("demo")
    .description(
      "run the seed's mutual-TLS system end to end: CA, certificates, mTLS upstream, gateway, three requests",
    )
    .option(
      "--dir <dir>",
      "directory for the demo's files (new or empty); default a fresh temporary one",
    )
    .option("--keep", "leave the gateway and upstream running and print curl commands to try")
    .option("--no-trace", "do not print the handshake trace of the first request")
    .action(async (opts: { dir?: string; keep?: boolean; trace: boolean }) => {
      const result = await runDemo({
        ...(opts.dir === undefined ? {} : { dir: opts.dir }),
        keep: opts.keep ?? false,
        trace: opts.trace,
        print: (line) => process.stdout.write(`${line}\n`),
      });
      if (!result.ok) process.exitCode = 1;
      const servers = result.servers;
      if (servers) {
        await new Promise<void>((resolve) => {
          const stop = () => resolve();
          process.once("SIGINT", stop);
          process.once("SIGTERM", stop);
        });
        await servers.gateway.close();
        await servers.upstream.close();
      }
    });
}

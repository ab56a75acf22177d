import type { Command } from "commander";
import { DemoInterrupted, runDemo } from "../demo/demo.ts";

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
      // Ctrl-C/SIGTERM from the start: the demo stops its servers and removes its temporary
      // directory (with the keys) instead of dying with them left behind.
      const interrupt = new AbortController();
      let signalName: NodeJS.Signals | undefined;
      const onSignal = (name: NodeJS.Signals) => {
        signalName ??= name;
        interrupt.abort();
      };
      process.on("SIGINT", onSignal);
      process.on("SIGTERM", onSignal);
      try {
        const result = await runDemo({
          ...(opts.dir === undefined ? {} : { dir: opts.dir }),
          keep: opts.keep ?? false,
          trace: opts.trace,
          print: (line) => process.stdout.write(`${line}\n`),
          signal: interrupt.signal,
        });
        if (!result.ok) process.exitCode = 1;
        if (result.stop) {
          if (!interrupt.signal.aborted) {
            await new Promise<void>((resolve) =>
              interrupt.signal.addEventListener("abort", () => resolve(), { once: true }),
            );
          }
          await result.stop();
        }
      } catch (e) {
        if (!(e instanceof DemoInterrupted)) throw e;
        process.exitCode = signalName === "SIGTERM" ? 143 : 130;
      } finally {
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
      }
    });
}

import { spawn } from "node:child_process";

/**
 * Runs `openssl s_client` with stdin closed (it quits after the handshake and any reply),
 * asynchronously so an in-process gateway keeps answering.
 * @param args - s_client arguments after `s_client`, e.g. `["-connect", "127.0.0.1:8443"]`
 * @param input - bytes to send after the handshake (then it waits for the server to close); default none
 * @returns stdout and stderr together
 * @example const out = await sClient(["-connect", `127.0.0.1:${port}`, "-showcerts"]);
 */
export function sClient(args: readonly string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    // With input, -ign_eof waits for the server to close instead of quitting at stdin's end.
    const extra = input === undefined ? [] : ["-ign_eof"];
    const child = spawn("openssl", ["s_client", ...extra, ...args], {
      stdio: [input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    });
    let out = "";
    child.stdout?.on("data", (c: Buffer) => {
      out += c.toString();
    });
    child.stderr?.on("data", (c: Buffer) => {
      out += c.toString();
    });
    // s_client exits at once when the handshake fails: the input then meets a closed pipe
    // (EPIPE), which is not the test's failure; the output says what happened.
    child.stdin?.on("error", () => {});
    if (input !== undefined) child.stdin?.end(input);
    child.once("error", reject);
    child.once("close", () => resolve(out));
  });
}

/** The subjects of the chain s_client printed with `-showcerts`, leaf first (`CN = x`). */
export function servedChain(out: string): string[] {
  return [...out.matchAll(/^ *\d+ s:(.*)$/gm)].map((m) => (m[1] ?? "").trim());
}

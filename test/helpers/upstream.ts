import { createServer } from "node:http";
import type { TestContext } from "node:test";
import { listenUntilEnd } from "./net.ts";

/**
 * A plain HTTP upstream on 127.0.0.1 answering every request with 200 and the request
 * headers it received as a JSON object (`connection: close`), until the test ends.
 * @param t - the test; the server is closed in its `t.after`
 * @returns the port
 * @example const echo = await startHeadersEcho(t); // proxy_pass http://127.0.0.1:${echo};
 */
export function startHeadersEcho(t: TestContext): Promise<number> {
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      res.writeHead(200, { "content-type": "application/json", connection: "close" });
      res.end(JSON.stringify(req.headers));
    });
  });
  return listenUntilEnd(t, server);
}

import { type AddressInfo, connect, createServer, type ListenOptions } from "node:net";
import type { TestContext } from "node:test";

/**
 * A loopback TCP port that was free a moment ago, for peers (nginx) that cannot
 * listen on port 0 and report the port they got.
 * @param host - address to probe; default "127.0.0.1"
 * @returns the port number
 * @example const port = await freePort();
 */
export function freePort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, host, () => {
      const port = (s.address() as AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/**
 * Waits until a TCP connect to `host:port` succeeds, retrying every 50 ms.
 * @param port - TCP port
 * @param timeoutMs - how long to keep trying, in ms
 * @param host - address to connect to; default "127.0.0.1"
 * @returns resolves once a connection was accepted (and closed again)
 * @throws Error `port PORT did not open in TIMEOUT ms` after `timeoutMs`
 */
export function waitForPort(port: number, timeoutMs: number, host = "127.0.0.1"): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const sock = connect(port, host);
      sock.once("connect", () => {
        sock.destroy();
        resolve();
      });
      sock.once("error", () => {
        sock.destroy();
        if (Date.now() > deadline)
          reject(new Error(`port ${port} did not open in ${timeoutMs} ms`));
        else setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}

/** What `listenUntilEnd` needs of an http or https server. */
interface ClosableServer {
  listen(options: ListenOptions, listener: () => void): unknown;
  close(callback: () => void): unknown;
  closeAllConnections(): void;
  address(): AddressInfo | string | null;
}

/**
 * Listens on port 0 and closes the server (and its kept-alive connections) when the test ends.
 * @param t - the test; the server is closed in its `t.after`
 * @param server - a node:http or node:https server
 * @param options - `listen` options; default `{ host: "127.0.0.1" }` (port is always 0)
 * @returns the port the server got
 * @example const port = await listenUntilEnd(t, createServer(handler));
 */
export async function listenUntilEnd(
  t: TestContext,
  server: ClosableServer,
  options: Omit<ListenOptions, "port"> = { host: "127.0.0.1" },
): Promise<number> {
  await new Promise<void>((r) => server.listen({ ...options, port: 0 }, r));
  t.after(
    () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  );
  return (server.address() as AddressInfo).port;
}

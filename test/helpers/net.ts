import { type AddressInfo, connect, createServer } from "node:net";

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

/**
 * The admin listener (plain HTTP, meant for localhost or a private network): Prometheus
 * `/metrics`, `/healthz` (the process answers) and `/readyz` (every listener is up and
 * the gateway is not shutting down).
 * @module
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { ErrorCode, isErrno, MtlsError } from "../errors.ts";

/** Where `/metrics` text comes from: a prom-client registry, or a cluster's aggregate. */
export interface MetricsSource {
  metrics(): Promise<string>;
  readonly contentType: string;
}

/** A running admin listener. */
export interface AdminServer {
  readonly address: { readonly host: string; readonly port: number };
  close(): Promise<void>;
}

/**
 * Starts the admin listener.
 * @param listen `{ host, port }` (port 0 picks a free port)
 * @param options `metrics` to expose, `ready()` for `/readyz`
 * @returns the listener with its bound address
 * @throws {MtlsError} `ADDRESS_IN_USE` (EADDRINUSE) or `NETWORK`, e.g.
 *   `Cannot listen on 127.0.0.1:9901 (--admin): address already in use`
 */
export async function startAdmin(
  listen: { readonly host: string; readonly port: number },
  options: {
    readonly metrics: { readonly registry: MetricsSource };
    readonly ready: () => boolean;
  },
): Promise<AdminServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    req.resume();
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD" }).end();
      return;
    }
    if (path === "/healthz") {
      res.writeHead(200, { "content-type": "text/plain" }).end("ok\n");
    } else if (path === "/readyz") {
      const ready = options.ready();
      res
        .writeHead(ready ? 200 : 503, { "content-type": "text/plain" })
        .end(ready ? "ready\n" : "not ready\n");
    } else if (path === "/metrics") {
      options.metrics.registry.metrics().then(
        (text) =>
          res.writeHead(200, { "content-type": options.metrics.registry.contentType }).end(text),
        () => res.writeHead(500).end(),
      );
    } else {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
    }
  });
  await new Promise<void>((resolve, reject) => {
    const onError = (e: Error) => reject(adminListenError(e, listen));
    server.once("error", onError);
    server.listen({ host: listen.host, port: listen.port }, () => {
      server.off("error", onError);
      resolve();
    });
  });
  const a = server.address() as AddressInfo;
  return {
    address: { host: a.address, port: a.port },
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

function adminListenError(e: Error, listen: { readonly host: string; readonly port: number }) {
  const where = listen.host.includes(":")
    ? `[${listen.host}]:${listen.port}`
    : `${listen.host}:${listen.port}`;
  const inUse = isErrno(e, "EADDRINUSE");
  const reason = inUse
    ? "address already in use"
    : isErrno(e, "EACCES")
      ? "permission denied"
      : isErrno(e, "EADDRNOTAVAIL")
        ? "address not available on this host"
        : e.message;
  return new MtlsError(
    inUse ? ErrorCode.ADDRESS_IN_USE : ErrorCode.NETWORK,
    `Cannot listen on ${where} (--admin): ${reason}`,
    {
      cause: e,
      hint: "stop what uses the address, or choose another --admin address (port 0 picks a free one)",
      details: { host: listen.host, port: listen.port },
    },
  );
}

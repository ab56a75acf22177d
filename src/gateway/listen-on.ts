/**
 * Binding a configured `listen` address, shared by the HTTP gateway (`server.ts`) and the
 * stream proxy (`l4/stream-proxy.ts`), with the bind errors mapped to located `MtlsError`s.
 * @module
 */
import type { AddressInfo, Server } from "node:net";
import { ErrorCode, isErrno, MtlsError } from "../errors.ts";
import type { ListenConfig } from "./config.ts";

/**
 * Starts `server` listening on the `listen` directive's address (IPv6 addresses only for
 * IPv6, like nginx's `ipv6only=on` default, nginx doc "listen").
 * @param server a `node:net`, `node:tls` or `node:https` server not yet listening
 * @param l the listen address, with the directive's location when it has one
 * @returns the bound host and port (port 0 in the config gives the chosen port)
 * @throws MtlsError `ADDRESS_IN_USE` (EADDRINUSE) or `NETWORK` (EACCES, EADDRNOTAVAIL,
 *   anything else), located at the listen directive, with host and port in `details`
 */
export function listenOn(server: Server, l: ListenConfig): Promise<{ host: string; port: number }> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error) => {
      const where = l.ipv6 ? `[${l.host}]:${l.port}` : `${l.host}:${l.port}`;
      const line = l.location ? ` (line ${l.location.line})` : "";
      const reason = isErrno(e, "EADDRINUSE")
        ? "address already in use"
        : isErrno(e, "EACCES")
          ? "permission denied"
          : isErrno(e, "EADDRNOTAVAIL")
            ? "address not available on this host"
            : e.message;
      reject(
        new MtlsError(
          isErrno(e, "EADDRINUSE") ? ErrorCode.ADDRESS_IN_USE : ErrorCode.NETWORK,
          `Cannot listen on ${where}: ${reason}`,
          {
            cause: e,
            hint: `stop what uses the address, or change the listen directive${line}`,
            ...(l.location ? { location: l.location } : {}),
            details: { host: l.host, port: l.port },
          },
        ),
      );
    };
    server.once("error", onError);
    server.listen({ host: l.host, port: l.port, ...(l.ipv6 ? { ipv6Only: true } : {}) }, () => {
      server.off("error", onError);
      const a = server.address() as AddressInfo;
      resolve({ host: a.address, port: a.port });
    });
  });
}

/**
 * `client_header_timeout` as nginx 1.22 applies it after the TLS handshake: a connection
 * whose first request header is not complete in time is closed **without an answer**,
 * whether nothing arrived (`client timed out ... while waiting for request`) or part of a
 * header did (`... while reading client request headers`; nginx logs status 408 in the
 * access log but sends nothing). Verified with nginx 1.22.1 and a raw TLS client.
 *
 * Node's own `headersTimeout` answers `408 Request Timeout` in both cases, so it is turned
 * off on the server this is installed on and replaced by a timer per connection.
 *
 * Source: nginx `client_header_timeout` docs; `ngx_http_wait_request_handler`,
 * `ngx_http_read_request_header` (1.22).
 * @module
 */
import type { Server } from "node:https";
import type { TLSSocket } from "node:tls";
import type { ErrorLog } from "./error-log.ts";

/** Options of {@link installHeaderTimeout}. */
export interface HeaderTimeoutOptions {
  /** Time from the end of the handshake to a complete first request header, ms. */
  readonly timeoutMs: number;
  /** The listener's error log (timeouts are logged at `info`, as nginx does). */
  readonly log: ErrorLog;
  /** The listen address for log lines, e.g. `127.0.0.1:8443`. */
  readonly server: string;
  /** Timer functions; default the global ones (tests pin them). */
  readonly setTimer?: (fn: () => void, ms: number) => unknown;
  readonly clearTimer?: (timer: unknown) => void;
}

/**
 * Closes connections that do not send a complete first request header in time, silently,
 * as nginx does (replaces Node's `headersTimeout`, which answers 408).
 * @param server the HTTPS server
 * @param options timeout (ms), error log, address for the log lines, timers
 * @returns nothing; listeners are added to `server`
 */
export function installHeaderTimeout(server: Server, options: HeaderTimeoutOptions): void {
  const setTimer = options.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
  const clearTimer =
    options.clearTimer ?? ((t) => clearTimeout(t as ReturnType<typeof setTimeout>));
  server.headersTimeout = 0;
  const pending = new WeakMap<object, () => void>();
  server.on("secureConnection", (socket: TLSSocket) => {
    let partial = false;
    const onData = () => {
      partial = true;
    };
    socket.on("data", onData);
    const timer = setTimer(() => {
      const phase = partial ? "reading client request headers" : "waiting for request";
      options.log.write(
        "info",
        `client timed out (110: Connection timed out) while ${phase}, client: ${socket.remoteAddress ?? "-"}, server: ${options.server}`,
      );
      socket.destroy();
    }, options.timeoutMs);
    const done = () => {
      clearTimer(timer);
      socket.off("data", onData);
      pending.delete(socket);
    };
    pending.set(socket, done);
    socket.once("close", done);
  });
  server.on("request", (req: { readonly socket: object }) => {
    pending.get(req.socket)?.();
  });
}

/**
 * The L4 proxy's byte relay: client ⇄ upstream with back-pressure (`pipe`), half-close
 * passed on (a client that ends its sending side gets the rest of the upstream's answer;
 * TLS close_notify becomes a TCP FIN upstream and back), an idle timeout
 * (`proxy_timeout`: no read or write on either side for that long), and byte counts.
 *
 * Source: nginx `ngx_stream_proxy_process` (1.22): "bytes from/to client", "bytes from/to
 * upstream", the `proxy_timeout` semantics.
 * @module
 */
import type { Duplex } from "node:stream";

/** Bytes relayed, as nginx's stream log counts them. */
export interface RelayStats {
  /** Bytes read from the client (all sent upstream). */
  readonly fromClient: number;
  /** Bytes read from the upstream (all sent to the client). */
  readonly fromUpstream: number;
}

/** How a relay ended. */
export interface RelayEnd extends RelayStats {
  /**
   * `client` or `upstream`: that side closed first (or both finished cleanly, the first
   * FIN named); `timeout`: `proxy_timeout` elapsed; `error`: a socket failed.
   */
  readonly by: "client" | "upstream" | "timeout" | "error";
  /** The socket error, for `by: "error"`. */
  readonly error?: Error;
  /** Which side failed, for `by: "error"`. */
  readonly side?: "client" | "upstream";
}

/** Options of {@link relay}. */
export interface RelayOptions {
  /** `proxy_timeout`, ms: closes both sides after this long without activity on either. */
  readonly idleTimeoutMs: number;
  /**
   * Pass a half-close on (default true); false closes both sides at the first end, after
   * flushing what was read (nginx `proxy_half_close off`).
   */
  readonly halfClose?: boolean;
  /** Called for every chunk read, with its size in bytes. */
  readonly onBytes?: (from: "client" | "upstream", bytes: number) => void;
  /** Called once when both sockets are closed. */
  readonly onEnd: (end: RelayEnd) => void;
}

/**
 * Relays bytes both ways until both sides are done. Both sockets should be created with
 * `allowHalfOpen: true` so that one direction can finish while the other goes on.
 * @param client the client's socket (paused or flowing)
 * @param upstream the upstream's socket
 * @param options idle timeout (ms), byte callback, end callback
 * @returns `close()` to end the relay now (both sockets destroyed, `onEnd` called)
 * @example
 * ```ts
 * relay(client, upstream, { idleTimeoutMs: 600_000, onEnd: (e) => log(e.by, e.fromClient) });
 * ```
 */
export function relay(
  client: Duplex & { setTimeout?: (ms: number, cb?: () => void) => unknown },
  upstream: Duplex & { setTimeout?: (ms: number, cb?: () => void) => unknown },
  options: RelayOptions,
): { close(): void } {
  let fromClient = 0;
  let fromUpstream = 0;
  let by: RelayEnd["by"] | undefined;
  let error: Error | undefined;
  let side: "client" | "upstream" | undefined;
  let closed = 0;
  let done = false;
  let idleTimer: NodeJS.Timeout | undefined;
  const touch = () => {
    idleTimer?.refresh();
  };
  idleTimer = setTimeout(() => {
    by ??= "timeout";
    destroyBoth();
  }, options.idleTimeoutMs);
  const destroyBoth = () => {
    client.destroy();
    upstream.destroy();
  };
  client.on("data", (c: Buffer) => {
    fromClient += c.length;
    touch();
    options.onBytes?.("client", c.length);
  });
  upstream.on("data", (c: Buffer) => {
    fromUpstream += c.length;
    touch();
    options.onBytes?.("upstream", c.length);
  });
  const onEnd = (which: "client" | "upstream") => () => {
    by ??= which;
    if (options.halfClose ?? true) return;
    // nginx proxy_half_close off: the first end finishes the session once the bytes read
    // so far are flushed to the other side.
    const [self, other] = which === "client" ? [client, upstream] : [upstream, client];
    other.end(() => other.destroy());
    self.destroy();
  };
  client.once("end", onEnd("client"));
  upstream.once("end", onEnd("upstream"));
  const onError = (which: "client" | "upstream") => (e: Error) => {
    if (!by) {
      by = "error";
      error = e;
      side = which;
    }
    destroyBoth();
  };
  client.on("error", onError("client"));
  upstream.on("error", onError("upstream"));
  const onClose = (which: "client" | "upstream") => () => {
    by ??= which;
    closed++;
    // One side gone for good: nothing more can flow either way.
    if (closed === 1) {
      if (which === "client") upstream.end();
      else client.end();
      // A peer that never answers our FIN would keep the other side open: give it the idle time.
    }
    if (closed === 2 && !done) {
      done = true;
      clearTimeout(idleTimer);
      idleTimer = undefined;
      options.onEnd({
        by: by ?? which,
        fromClient,
        fromUpstream,
        ...(error ? { error } : {}),
        ...(side ? { side } : {}),
      });
    }
  };
  client.once("close", onClose("client"));
  upstream.once("close", onClose("upstream"));
  client.pipe(upstream);
  upstream.pipe(client);
  client.resume();
  return {
    close() {
      by ??= "error";
      destroyBoth();
    },
  };
}

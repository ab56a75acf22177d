/**
 * Graceful shutdown of the client-facing listeners, after nginx's `QUIT` signal and
 * `worker_shutdown_timeout`: stop accepting, let requests in flight finish (a keep-alive
 * connection gets `Connection: close` on its next response, an idle one is closed at
 * once), then force-close whatever is still open when the deadline passes.
 *
 * Source: nginx "Controlling nginx" (`QUIT`: graceful shutdown), `worker_shutdown_timeout`
 * (core module, 1.11.11); RFC 9112 §9.6 (`Connection: close`).
 * @module
 */
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { Socket } from "node:net";

/** What a drain did, for the log line and tests. */
export interface DrainResult {
  /** Client connections open when the drain began. */
  readonly connections: number;
  /** Requests in flight when the drain began. */
  readonly inFlight: number;
  /** Requests that completed during the drain (in flight at the start, or sent after it on an open connection). */
  readonly completed: number;
  /** Connections still open at the deadline, closed by force. */
  readonly forced: number;
  /** Time the drain took, in ms. */
  readonly elapsedMs: number;
}

/** Options of {@link ConnectionTracker.drain}. */
export interface DrainOptions {
  /** Deadline in ms after which open connections are destroyed; default 30000. */
  readonly timeoutMs?: number;
  /** Timer; default `setTimeout` (tests pin it). */
  readonly setTimer?: (fn: () => void, ms: number) => { unref?: () => unknown };
  /** Clear for {@link setTimer}'s handle; default `clearTimeout`. */
  readonly clearTimer?: (handle: unknown) => void;
  /** Clock in ms; default `Date.now`. */
  readonly now?: () => number;
  /** Aborting it reaches the deadline at once (a second SIGTERM). */
  readonly signal?: AbortSignal;
}

/** nginx has no default `worker_shutdown_timeout` (it waits forever); mtlskit waits 30 s. */
export const DEFAULT_DRAIN_TIMEOUT_MS = 30_000;

interface Conn {
  readonly socket: Socket;
  /** Responses not yet finished on this connection. */
  readonly responses: Set<ServerResponse>;
  /** The {@link ConnectionTracker.recycle} count when the connection was set up. */
  readonly epoch: number;
}

/**
 * Follows the connections and requests of HTTP(S) servers so they can be drained.
 * Track a server right after creating it, before it listens.
 */
export class ConnectionTracker {
  readonly #servers: Server[] = [];
  readonly #conns = new Set<Conn>();
  readonly #bySocket = new WeakMap<Socket, Conn>();
  readonly #raw = new Set<Socket>();
  #draining = false;
  #epoch = 0;
  #completed = 0;
  #onChange: (() => void) | undefined;
  #drain: Promise<DrainResult> | undefined;

  /** True once {@link drain} was called. */
  get draining(): boolean {
    return this.#draining;
  }

  /** Open client connections (TCP, handshaking included). */
  get connections(): number {
    return Math.max(this.#raw.size, this.#conns.size);
  }

  /** Requests whose response has not finished. */
  get inFlight(): number {
    let n = 0;
    for (const c of this.#conns) n += c.responses.size;
    return n;
  }

  /**
   * Starts following `server`'s connections and requests.
   * @param server a node:http or node:https server (https: its raw TCP sockets are tracked)
   */
  track(server: Server): void {
    this.#servers.push(server);
    // TCP sockets, handshakes included: what the deadline destroys.
    server.on("connection", (socket: Socket) => {
      this.#raw.add(socket);
      socket.once("close", () => {
        this.#raw.delete(socket);
        this.#onChange?.();
      });
    });
    // The sockets requests arrive on: TLS sockets for node:https, the TCP ones for node:http.
    const tls = "setTicketKeys" in server;
    server.on(tls ? "secureConnection" : "connection", (socket: Socket) => {
      const conn: Conn = { socket, responses: new Set(), epoch: this.#epoch };
      this.#conns.add(conn);
      this.#bySocket.set(socket, conn);
      socket.once("close", () => {
        this.#conns.delete(conn);
        this.#onChange?.();
      });
      // A connection that completes its handshake during the drain gets its request answered.
    });
    // Prepended so `Connection: close` is decided before the handler can answer.
    server.prependListener("request", (req: IncomingMessage, res: ServerResponse) => {
      const conn = this.#connOf(req.socket);
      conn?.responses.add(res);
      if (this.#draining || this.#stale(conn)) res.shouldKeepAlive = false;
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        conn?.responses.delete(res);
        if (this.#draining) this.#completed++;
        if (this.#draining || this.#stale(conn)) {
          // Headers were already sent with keep-alive: close once the response is out.
          if (conn && conn.responses.size === 0) conn.socket.end();
        }
        this.#onChange?.();
      };
      res.once("finish", finish);
      res.once("close", finish);
    });
  }

  /**
   * Stops accepting on every tracked server, lets requests in flight finish, and closes
   * idle connections; at the deadline destroys what is left.
   * @param options deadline (ms, default 30000), timer and clock
   * @returns counts: connections and requests at the start, completed, forced (a second
   *   call returns the first drain's promise)
   */
  drain(options: DrainOptions = {}): Promise<DrainResult> {
    this.#drain ??= this.#start(options);
    return this.#drain;
  }

  #start(options: DrainOptions): Promise<DrainResult> {
    const now = options.now ?? Date.now;
    const start = now();
    const connections = this.connections;
    const inFlight = this.inFlight;
    this.#draining = true;
    for (const s of this.#servers) {
      s.close();
      // Node ≥ 19 closes idle connections in close(); say so explicitly for the others.
      s.closeIdleConnections();
    }
    for (const c of this.#conns) {
      if (c.responses.size === 0) c.socket.end();
      // Responses not started yet say `Connection: close` (RFC 9112 §9.6).
      for (const res of c.responses) if (!res.headersSent) res.shouldKeepAlive = false;
    }
    return new Promise((resolve) => {
      let forced = 0;
      const setTimer = options.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
      const clearTimer = options.clearTimer ?? ((h) => clearTimeout(h as NodeJS.Timeout));
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        this.#onChange = undefined;
        clearTimer(timer);
        resolve({
          connections,
          inFlight,
          completed: this.#completed,
          forced,
          elapsedMs: now() - start,
        });
      };
      const deadline = () => {
        if (done) return;
        forced = this.connections;
        for (const c of this.#conns) c.socket.destroy();
        for (const r of this.#raw) r.destroy();
        finish();
      };
      const timer = setTimer(deadline, options.timeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS);
      options.signal?.addEventListener("abort", deadline, { once: true });
      if (options.signal?.aborted) deadline();
      this.#onChange = () => {
        if (this.connections === 0) finish();
      };
      if (this.connections === 0) finish();
    });
  }

  /**
   * Ends keep-alive on the connections open now, the listeners still accepting: idle ones
   * close at once, busy ones after their responses (`Connection: close` when not yet sent).
   * A reload calls it so the next requests come on new connections, handshaken under the
   * new configuration, as nginx's old workers close their keep-alive connections on `HUP`.
   * @returns the number of connections closed or marked
   */
  recycle(): number {
    this.#epoch++;
    for (const c of this.#conns) {
      if (c.responses.size === 0) c.socket.end();
      for (const res of c.responses) if (!res.headersSent) res.shouldKeepAlive = false;
    }
    return this.#conns.size;
  }

  #stale(conn: Conn | undefined): boolean {
    return conn !== undefined && conn.epoch < this.#epoch;
  }

  #connOf(socket: Socket): Conn | undefined {
    return this.#bySocket.get(socket);
  }
}

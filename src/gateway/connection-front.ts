/**
 * The pre-TLS front of a listener: takes each accepted TCP socket before the TLS server
 * does, reads (bounded in size and time) the PROXY protocol header when the listener
 * expects one, then the complete ClientHello when fingerprints are needed, puts the bytes
 * that belong to TLS back (`unshift`) and hands the socket to the TLS server. Listeners
 * that need neither get no front at all, so their connections cost nothing extra.
 *
 * The facts read (PROXY addresses, JA3/JA4) are kept per connection and looked up with
 * {@link frontFactsOf} from the TLS socket of the request.
 *
 * Source: nginx 1.22 `ngx_proxy_protocol.c` and `ngx_http_request.c`
 * (`ngx_http_wait_request_handler`: "broken header", the connection is closed); RFC 8446
 * §6.2 (a handshake_failure alert refuses a hello); Node `net.Server` `connection` event.
 * @module
 */
import type { Server, Socket } from "node:net";
import { ParseError } from "../errors.ts";
import { ClientHelloReader, DEFAULT_MAX_CLIENT_HELLO_BYTES } from "./client-hello-reader.ts";
import {
  type ClientFingerprints,
  clientFingerprints,
  type FingerprintVerdict,
  helloServerName,
} from "./fingerprint-rules.ts";
import { decodeProxyHeader, PROXY_V2_MAX_SIZE, type ProxyHeader } from "./proxy-protocol/decode.ts";

/** What the front learnt about one connection. */
export interface FrontFacts {
  /** The PROXY protocol header, on a `proxy_protocol` listener. */
  readonly proxy?: ProxyHeader;
  /** The client's fingerprints, when the listener needs them and the ClientHello was readable. */
  readonly fingerprints?: ClientFingerprints;
}

/** Why the front refused a connection (also the metrics label). */
export type FrontRejection =
  | "proxy_protocol_broken_header"
  | "proxy_protocol_timeout"
  | "proxy_protocol_closed"
  | "client_hello_timeout"
  | "client_hello_closed"
  | "fingerprint_denied";

/** Options of {@link installFront}. */
export interface FrontOptions {
  /** Expect a PROXY protocol header (v1 or v2) first; default false. */
  readonly proxyProtocol?: boolean;
  /** Read the ClientHello and compute JA3/JA4; default false. */
  readonly fingerprints?: boolean;
  /**
   * Decides on the fingerprints (and the SNI name, for per-block lists); default: allow.
   * Called once per connection when `fingerprints` is on, with undefined when the first
   * bytes were no readable ClientHello.
   */
  readonly verdict?: (
    fingerprints: ClientFingerprints | undefined,
    serverName: string | undefined,
  ) => FingerprintVerdict;
  /** Time allowed for the header and the ClientHello, ms; default 60000 (nginx `client_header_timeout`). */
  readonly timeoutMs?: number;
  /** Bytes read at most for the ClientHello; default 64 KiB. */
  readonly maxHelloBytes?: number;
  /**
   * Told about every refused connection; the front has already closed it (or sent the
   * alert). `detail` is the reason in plain words; `peer` the client's address.
   */
  readonly onReject?: (
    reason: FrontRejection,
    detail: string,
    info: { readonly peer: string; readonly facts: FrontFacts },
  ) => void;
}

/** A front installed on a server. */
export interface Front {
  /** Destroys the sockets still in the front (for server shutdown). */
  close(): void;
}

/** A fatal `handshake_failure` alert record: content type 21, TLS 1.2 record version, level 2, description 40. */
export const HANDSHAKE_FAILURE_ALERT: Readonly<Uint8Array> = Uint8Array.of(
  0x15,
  0x03,
  0x03,
  0x00,
  0x02,
  0x02,
  0x28,
);

const facts = new Map<string, FrontFacts>();

/** The endpoints of a connection as both of its sockets (TCP and TLS) report them. */
interface Endpoints {
  readonly remoteAddress?: string | undefined;
  readonly remotePort?: number | undefined;
  readonly localAddress?: string | undefined;
  readonly localPort?: number | undefined;
}

function keyOf(s: Endpoints): string {
  return `${s.remoteAddress ?? ""}|${s.remotePort ?? 0}|${s.localAddress ?? ""}|${s.localPort ?? 0}`;
}

/**
 * The front's facts of a connection: the TLS socket and the TCP socket it wraps share one
 * handle, so the same remote and local address and port, which key the table while the
 * connection is open (Node exposes no public link from a server TLSSocket to its TCP socket).
 * @param socket the request's socket (TLS) or the TCP socket
 * @returns the facts, or undefined when the listener has no front
 */
export function frontFactsOf(socket: Endpoints): FrontFacts | undefined {
  return facts.size === 0 ? undefined : facts.get(keyOf(socket));
}

/**
 * Puts a front before `server`'s own `connection` listeners (the TLS server's), when
 * `options` asks for a PROXY header or fingerprints; otherwise changes nothing.
 * @param server the listening (or about to listen) server, e.g. an `https.Server`
 * @param options what to read, the verdict, bounds (ms, bytes) and the rejection callback
 * @returns the front, with `close()` for shutdown
 * @example
 * ```ts
 * const front = installFront(httpsServer, { proxyProtocol: true });
 * // later: front.close(); httpsServer.close();
 * ```
 */
export function installFront(server: Server, options: FrontOptions): Front {
  const pending = new Set<Socket>();
  if (!options.proxyProtocol && !options.fingerprints) return { close() {} };
  const inner = server.listeners("connection") as ((socket: Socket) => void)[];
  server.removeAllListeners("connection");
  server.on("connection", (socket: Socket) => {
    pending.add(socket);
    readFront(socket, options, (outcome) => {
      pending.delete(socket);
      if (outcome.kind === "refused") return;
      const key = keyOf(socket);
      if (outcome.facts.proxy || outcome.facts.fingerprints) {
        facts.set(key, outcome.facts);
        socket.once("close", () => facts.delete(key));
      }
      if (outcome.rest.length > 0) socket.unshift(outcome.rest);
      for (const listener of inner) listener.call(server, socket);
    });
  });
  return {
    close() {
      for (const s of pending) s.destroy();
      pending.clear();
    },
  };
}

type Outcome =
  | { readonly kind: "pass"; readonly facts: FrontFacts; readonly rest: Buffer }
  | { readonly kind: "refused" };

function readFront(socket: Socket, options: FrontOptions, done: (o: Outcome) => void): void {
  const peer = socket.remoteAddress ?? "-";
  const chunks: Buffer[] = [];
  let buffered = 0;
  let proxy: ProxyHeader | undefined;
  let phase: "proxy" | "hello" = options.proxyProtocol ? "proxy" : "hello";
  let needed = 1;
  const reader = options.fingerprints
    ? new ClientHelloReader({ maxBytes: options.maxHelloBytes ?? DEFAULT_MAX_CLIENT_HELLO_BYTES })
    : undefined;
  let finished = false;

  const cleanup = () => {
    finished = true;
    clearTimeout(timer);
    socket.off("data", onData);
    socket.off("end", onEnd);
    socket.off("error", onError);
    socket.off("close", onClose);
  };
  const refuse = (reason: FrontRejection, detail: string, alert = false) => {
    cleanup();
    socket.on("error", () => {});
    if (alert) {
      socket.end(HANDSHAKE_FAILURE_ALERT);
      socket.resume();
      const t = setTimeout(() => socket.destroy(), 5000);
      t.unref();
      socket.once("close", () => clearTimeout(t));
    } else {
      socket.destroy();
    }
    options.onReject?.(reason, detail, {
      peer,
      facts: proxy ? { proxy } : {},
    });
    done({ kind: "refused" });
  };
  const pass = (fingerprints: ClientFingerprints | undefined) => {
    cleanup();
    socket.pause();
    done({
      kind: "pass",
      facts: { ...(proxy ? { proxy } : {}), ...(fingerprints ? { fingerprints } : {}) },
      rest: Buffer.concat(chunks, buffered),
    });
  };
  const timer = setTimeout(() => {
    if (finished) return;
    refuse(
      phase === "proxy" ? "proxy_protocol_timeout" : "client_hello_timeout",
      `client timed out while reading ${phase === "proxy" ? "PROXY protocol" : "ClientHello"}`,
    );
  }, options.timeoutMs ?? 60_000);

  const helloStep = (chunk: Buffer): void => {
    if (!reader) {
      pass(undefined);
      return;
    }
    const peek = reader.push(chunk);
    if (peek.kind === "more") return;
    const fp = peek.kind === "hello" ? clientFingerprints(peek.hello) : undefined;
    const name = peek.kind === "hello" ? helloServerName(peek.hello) : undefined;
    const verdict = options.verdict?.(fp, name) ?? { kind: "allow" };
    if (verdict.kind === "deny") {
      refuse(
        "fingerprint_denied",
        `access forbidden by rule (${verdict.rule} ${verdict.value})`,
        true,
      );
      return;
    }
    pass(fp);
  };

  const onData = (chunk: Buffer) => {
    if (finished) return;
    chunks.push(chunk);
    buffered += chunk.length;
    if (phase === "hello") {
      helloStep(chunk);
      return;
    }
    if (buffered < needed) return;
    const bytes = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, buffered);
    chunks.length = 0;
    chunks.push(bytes);
    try {
      const r = decodeProxyHeader(bytes);
      if (r.kind === "more") {
        needed = Math.min(r.needed, PROXY_V2_MAX_SIZE);
        return;
      }
      proxy = r.header;
      const rest = bytes.subarray(r.size);
      chunks.length = 0;
      buffered = rest.length;
      if (rest.length > 0) chunks.push(rest);
      phase = "hello";
      if (!reader) pass(undefined);
      else if (rest.length > 0) helloStep(rest);
    } catch (e) {
      if (!(e instanceof ParseError)) throw e;
      refuse(
        "proxy_protocol_broken_header",
        `broken header: "${printable(bytes.subarray(0, 107))}" while reading PROXY protocol (${e.reason} at byte ${e.offset})`,
      );
    }
  };
  const onEnd = () => {
    refuse(
      phase === "proxy" ? "proxy_protocol_closed" : "client_hello_closed",
      `client closed connection while reading ${phase === "proxy" ? "PROXY protocol" : "ClientHello"}`,
    );
  };
  const onError = (e: Error) => {
    refuse(
      phase === "proxy" ? "proxy_protocol_closed" : "client_hello_closed",
      `${e.message} while reading ${phase === "proxy" ? "PROXY protocol" : "ClientHello"}`,
    );
  };
  const onClose = () => {
    if (!finished) onEnd();
  };
  socket.on("data", onData);
  socket.on("end", onEnd);
  socket.on("error", onError);
  socket.on("close", onClose);
}

/** Bytes as nginx prints a broken header: printable ASCII kept, the rest as `\xNN`. */
function printable(b: Uint8Array): string {
  let out = "";
  for (const c of b) {
    out +=
      c >= 0x20 && c < 0x7f && c !== 0x22 && c !== 0x5c
        ? String.fromCharCode(c)
        : `\\x${c.toString(16).padStart(2, "0")}`;
  }
  return out;
}

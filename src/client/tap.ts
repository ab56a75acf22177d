import { Duplex } from "node:stream";

/** Which peer sent some bytes: `client` is us. */
export type Direction = "client" | "server";

/** Called with every chunk that passes through a {@link TapDuplex}, in order, per direction. */
export type TapObserver = (direction: Direction, chunk: Uint8Array) => void;

/**
 * A Duplex that forwards bytes between `tls.connect({ socket })` and the TCP socket under
 * it and shows every chunk of both directions to an observer: writes from TLS are the
 * client's bytes, data from the socket is the server's. The observer sees each chunk
 * before it is passed on; an observer that throws is detached (tracing never breaks the
 * connection).
 *
 * @example
 * ```ts
 * const tcp = net.connect(443, "example.com");
 * const tap = new TapDuplex(tcp, (dir, chunk) => tracer.push(dir, chunk));
 * const tls = tlsConnect({ socket: tap, servername: "example.com" });
 * ```
 */
export class TapDuplex extends Duplex {
  readonly #inner: Duplex;
  #observer: TapObserver | undefined;
  #observerError: unknown;

  /**
   * @param inner the transport (usually a `net.Socket`); closed with this stream
   * @param observer receives each chunk with its direction
   */
  constructor(inner: Duplex, observer: TapObserver) {
    super({ allowHalfOpen: false });
    this.#inner = inner;
    this.#observer = observer;
    inner.on("data", (chunk: Buffer) => {
      this.#observe("server", chunk);
      if (!this.push(chunk)) inner.pause();
    });
    inner.on("end", () => this.push(null));
    inner.on("error", (e) => this.destroy(e));
    inner.on("close", () => {
      if (!this.destroyed) this.destroy();
    });
  }

  /** The first error an observer threw, if any (the observer is then detached). */
  get observerError(): unknown {
    return this.#observerError;
  }

  #observe(direction: Direction, chunk: Uint8Array): void {
    if (!this.#observer) return;
    try {
      this.#observer(direction, chunk);
    } catch (e) {
      this.#observerError = e;
      this.#observer = undefined;
    }
  }

  override _read(): void {
    this.#inner.resume();
  }

  override _write(
    chunk: Buffer,
    _encoding: BufferEncoding,
    callback: (error?: Error | null) => void,
  ): void {
    this.#observe("client", chunk);
    this.#inner.write(chunk, callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.#inner.end(callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#inner.destroy();
    callback(error);
  }
}

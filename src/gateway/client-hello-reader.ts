/**
 * Reads the client's ClientHello from the first bytes of a connection, before the TLS
 * server sees them: records framed as they arrive (a ClientHello may span records and
 * TCP segments), the first handshake message parsed with the `src/tls` parser the
 * analyzer uses. Pure: the caller feeds chunks and keeps the bytes to hand them on.
 *
 * Source: RFC 8446 §5.1 (records; handshake messages may be fragmented across records),
 * §4.1.2 (ClientHello).
 * @module
 */
import { ParseError } from "../errors.ts";
import { type ClientHello, HandshakeType, parseHandshake } from "../tls/handshake.ts";
import { HandshakeFramer } from "../tls/handshake-framer.ts";
import { ContentType, RecordFramer } from "../tls/record.ts";

/** Default bound on the bytes read for a ClientHello: 64 KiB. */
export const DEFAULT_MAX_CLIENT_HELLO_BYTES = 64 * 1024;

/** What {@link ClientHelloReader.push} found so far. */
export type ClientHelloPeek =
  /** The ClientHello is not complete yet. */
  | { readonly kind: "more" }
  /** The parsed ClientHello. */
  | { readonly kind: "hello"; readonly hello: ClientHello }
  /** The bytes are no (valid) ClientHello: `reason` says why, in the error grammar. */
  | { readonly kind: "none"; readonly reason: string };

/** Options of {@link ClientHelloReader}. */
export interface ClientHelloReaderOptions {
  /** Bytes read at most before giving up; default {@link DEFAULT_MAX_CLIENT_HELLO_BYTES} (64 KiB). */
  readonly maxBytes?: number;
}

/**
 * Incremental ClientHello reader: `push` each chunk received; once it answers `hello` or
 * `none` the answer is final (later pushes repeat it).
 * @example
 * ```ts
 * const reader = new ClientHelloReader();
 * socket.on("data", (chunk) => {
 *   const peek = reader.push(chunk);
 *   if (peek.kind === "hello") console.log(ja4(peek.hello).hash);
 * });
 * ```
 */
export class ClientHelloReader {
  readonly #max: number;
  readonly #records = new RecordFramer();
  readonly #handshake: HandshakeFramer;
  #seen = 0;
  #result: ClientHelloPeek = { kind: "more" };

  /** @param options `maxBytes` bound, default 64 KiB */
  constructor(options: ClientHelloReaderOptions = {}) {
    this.#max = options.maxBytes ?? DEFAULT_MAX_CLIENT_HELLO_BYTES;
    this.#handshake = new HandshakeFramer({ maxMessageSize: this.#max });
  }

  /**
   * Adds the next bytes of the connection.
   * @param chunk bytes as received (kept by reference until the hello is complete)
   * @returns `more`, the `hello`, or `none` with the reason
   */
  push(chunk: Uint8Array): ClientHelloPeek {
    if (this.#result.kind !== "more") return this.#result;
    this.#seen += chunk.length;
    try {
      for (const record of this.#records.push(chunk)) {
        if (record.contentType !== ContentType.handshake) {
          return this.#final(
            `Cannot read ClientHello: record content type ${record.contentType}, expected 22 (handshake)`,
          );
        }
        const frame = this.#handshake.push(record.fragment)[0];
        if (!frame) continue;
        if (frame.msgType !== HandshakeType.client_hello) {
          return this.#final(
            `Cannot read ClientHello: handshake message type ${frame.msgType}, expected 1 (client_hello)`,
          );
        }
        const msg = parseHandshake(frame, { direction: "client" });
        if (msg.type !== "ClientHello") return this.#final("Cannot read ClientHello: not parsed");
        this.#result = { kind: "hello", hello: msg };
        return this.#result;
      }
    } catch (e) {
      if (e instanceof ParseError) return this.#final(`Cannot read ClientHello: ${e.message}`);
      throw e;
    }
    if (this.#seen > this.#max) {
      return this.#final(
        `Cannot read ClientHello: ${this.#seen} bytes without a complete hello, expected at most ${this.#max}`,
      );
    }
    return this.#result;
  }

  #final(reason: string): ClientHelloPeek {
    this.#result = { kind: "none", reason };
    return this.#result;
  }
}

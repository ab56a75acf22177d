/**
 * A worker's request/reply calls to the primary over the cluster IPC channel, shared by
 * the session cache ({@link RemoteSessions}) and the `ssl_verify_depth` memory
 * ({@link RemoteDepthRefusals}): each request carries a `requestId` the reply echoes; an
 * answer that does not come within the timeout, or a channel that cannot send, gives the
 * caller's fallback value instead (never an exception).
 * @module
 */
import {
  type Channel,
  isMtlsMessage,
  type PrimaryMessage,
  type WorkerMessage,
} from "./messages.ts";

/** The replies that answer a request. */
type Reply = Extract<PrimaryMessage, { readonly requestId: number }>;

/** Timing options of {@link IpcRequests}. */
export interface IpcRequestsOptions {
  /** How long to wait for the primary, in ms; default 1000. */
  readonly timeoutMs?: number;
  /**
   * Starts the timeout and returns its cancel; default an unref'd `setTimeout` (a pending
   * request does not keep the process alive).
   */
  readonly setTimer?: (fn: () => void, ms: number) => () => void;
}

function unrefTimer(fn: () => void, ms: number): () => void {
  const t = setTimeout(fn, ms);
  t.unref();
  return () => clearTimeout(t);
}

/** Requests of one kind from a worker to the primary, matched to their replies by id. */
export class IpcRequests<K extends Reply["type"], T> {
  readonly #channel: Channel;
  readonly #timeoutMs: number;
  readonly #setTimer: (fn: () => void, ms: number) => () => void;
  readonly #fallback: T;
  readonly #pending = new Map<number, (value: T) => void>();
  #next = 1;

  /**
   * Listens on `channel` for replies of type `reply`.
   * @param channel the worker's IPC channel (`process`)
   * @param options.reply the reply message type, e.g. `"mtls:session-reply"`
   * @param options.value the value a reply carries
   * @param options.fallback the value on timeout or when the primary is gone
   * @param options.timeoutMs how long to wait, ms; default 1000
   * @param options.setTimer the timer; default an unref'd `setTimeout`
   */
  constructor(
    channel: Channel,
    options: IpcRequestsOptions & {
      readonly reply: K;
      readonly value: (reply: Extract<Reply, { readonly type: K }>) => T;
      readonly fallback: T;
    },
  ) {
    this.#channel = channel;
    this.#timeoutMs = options.timeoutMs ?? 1000;
    this.#setTimer = options.setTimer ?? unrefTimer;
    this.#fallback = options.fallback;
    channel.on("message", (m: unknown) => {
      if (!isMtlsMessage(m) || m.type !== options.reply) return;
      const reply = m as Extract<Reply, { readonly type: K }>;
      const resolve = this.#pending.get(reply.requestId);
      this.#pending.delete(reply.requestId);
      resolve?.(options.value(reply));
    });
  }

  /**
   * Sends one request and waits for its reply.
   * @param message the request, given its `requestId`
   * @returns the reply's value, or the fallback after the timeout or when sending fails
   */
  ask(message: (requestId: number) => WorkerMessage): Promise<T> {
    const requestId = this.#next++;
    return new Promise((resolve) => {
      const cancel = this.#setTimer(() => {
        this.#pending.delete(requestId);
        resolve(this.#fallback);
      }, this.#timeoutMs);
      this.#pending.set(requestId, (value) => {
        cancel();
        resolve(value);
      });
      try {
        this.#channel.send(message(requestId));
      } catch {
        this.#pending.delete(requestId);
        cancel();
        resolve(this.#fallback);
      }
    });
  }

  /**
   * Sends a message that has no reply; a primary that is gone is ignored.
   * @param message the message
   */
  tell(message: WorkerMessage): void {
    try {
      this.#channel.send(message);
    } catch {
      // The primary is gone: nothing shared to update.
    }
  }
}

/**
 * The IPC messages between the cluster primary and its workers (`mtls gateway --workers`).
 * Binary values travel as base64 strings (Node's IPC serializes to JSON). Every type is
 * prefixed `mtls:` so prom-client's own cluster messages pass by untouched.
 * @module
 */
import type { DrainResult } from "../drain.ts";
import type { SessionStoreOptions } from "../session-store.ts";

/** Primary → worker. */
export type PrimaryMessage =
  /** Answer to `mtls:hello`: the shared ticket keys and the trust generation. */
  | { readonly type: "mtls:init"; readonly ticketKeys: string; readonly generation: number }
  /** SIGHUP: reload certificates, CAs and CRLs; use these ticket keys from now on. */
  | { readonly type: "mtls:reload"; readonly ticketKeys: string; readonly generation: number }
  /** SIGTERM/SIGINT: drain with this deadline (ms), then exit. */
  | { readonly type: "mtls:drain"; readonly timeoutMs: number }
  /** A second signal: close what is still open now. */
  | { readonly type: "mtls:force" }
  /** Answer to a session get or set; `data` (base64) only for a get that found one. */
  | { readonly type: "mtls:session-reply"; readonly requestId: number; readonly data?: string }
  /** Answer to `mtls:depth-get`: whether a full handshake on any worker refused the leaf. */
  | { readonly type: "mtls:depth-reply"; readonly requestId: number; readonly refused: boolean };

/** Worker → primary. */
export type WorkerMessage =
  /** The worker is ready for `mtls:init`. */
  | { readonly type: "mtls:hello" }
  /** Every listener is bound. */
  | {
      readonly type: "mtls:listening";
      readonly addresses: readonly { readonly host: string; readonly port: number }[];
    }
  /** Result of `mtls:reload`; `error` when the files did not load (the old ones stay). */
  | { readonly type: "mtls:reloaded"; readonly generation: number; readonly error?: string }
  /** The drain finished; the worker exits next. */
  | { readonly type: "mtls:drained"; readonly result: DrainResult }
  /** Store a session (`id`, `data` base64) in the listener `key`'s shared cache. */
  | {
      readonly type: "mtls:session-set";
      readonly requestId: number;
      readonly key: string;
      readonly options: SessionStoreOptions;
      readonly id: string;
      readonly data: string;
      readonly generation: number;
    }
  /** Forget a session (strict mode refused its client); no answer. */
  | { readonly type: "mtls:session-delete"; readonly key: string; readonly id: string }
  /** Look a session up in the listener `key`'s shared cache. */
  | {
      readonly type: "mtls:session-get";
      readonly requestId: number;
      readonly key: string;
      readonly id: string;
    }
  /** A full handshake's `ssl_verify_depth` verdict for a leaf (SHA-256 hex) in block `key`; no answer. */
  | {
      readonly type: "mtls:depth-record";
      readonly key: string;
      readonly leaf: string;
      readonly refused: boolean;
    }
  /** Was this leaf refused for `ssl_verify_depth` in block `key` (a resumed session asks)? */
  | {
      readonly type: "mtls:depth-get";
      readonly requestId: number;
      readonly key: string;
      readonly leaf: string;
    };

/** Either side's end of the IPC channel: a `cluster.Worker` in the primary, `process` in a worker. */
export interface Channel {
  send(message: PrimaryMessage | WorkerMessage): unknown;
  on(event: "message", listener: (message: unknown) => void): unknown;
  off(event: "message", listener: (message: unknown) => void): unknown;
}

/**
 * True for an object whose `type` is one of ours.
 * @param m anything received on the channel
 */
export function isMtlsMessage(m: unknown): m is { readonly type: string } {
  return (
    typeof m === "object" &&
    m !== null &&
    typeof (m as { type?: unknown }).type === "string" &&
    (m as { type: string }).type.startsWith("mtls:")
  );
}

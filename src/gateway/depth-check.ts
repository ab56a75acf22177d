/**
 * `ssl_verify_depth` for a server block, resumption included. A resumed session carries
 * only the leaf (OpenSSL does not store the peer's chain), so its depth cannot be
 * measured: the verdict of the full handshake that made the session must be remembered.
 * {@link verifyDepthCheck} remembers leaves refused in this process; with `--workers`
 * sessions and tickets resume on any worker, so the verdicts also go to a memory the
 * processes share ({@link DepthRefusals}, the cluster primary's), and a resumed
 * connection's verdict waits for its answer (as it waits for OCSP) — no answer means
 * refused (fail closed).
 *
 * The full handshake's verdict is taken when the handshake completes (not at the first
 * request), so a client that sends no request still leaves its refusal behind before it
 * can resume.
 *
 * Source: nginx `ssl_verify_depth` (`ngx_http_ssl_module`); OpenSSL 3.0 `SSL_SESSION`
 * (`peer` only, no chain).
 * @module
 */
import { createHash } from "node:crypto";
import type { TLSSocket } from "node:tls";
import type { VerifyOutcome } from "./client-certificate.ts";
import { failed, peerChain, verifyDepthCheck } from "./connection-facts.ts";

/** A memory of depth verdicts shared by every process serving the block. */
export interface DepthRefusals {
  /**
   * Records a full handshake's verdict for a leaf.
   * @param leaf the leaf certificate's SHA-256, hex
   * @param refused true when its chain was longer than `ssl_verify_depth` allows
   */
  record(leaf: string, refused: boolean): void;
  /**
   * Whether a full handshake in any process refused this leaf.
   * @param leaf the leaf certificate's SHA-256, hex
   * @returns true when refused, and when no answer came (fail closed)
   */
  refused(leaf: string): Promise<boolean>;
}

/** Options of {@link createDepthCheck}. */
export interface DepthCheckOptions {
  /** The memory shared with the other workers; default none (this process only). */
  readonly shared?: DepthRefusals;
}

/** The `ssl_verify_depth` check of one block. */
export interface DepthCheck {
  /**
   * Call when the handshake completes (and before the first verdict): records a full
   * handshake's verdict; for a resumed session, asks the shared memory.
   * @param socket the client's socket
   * @returns a promise (never rejecting) to await before the verdict, or undefined
   */
  pending(socket: TLSSocket): Promise<void> | undefined;
  /** The verify override for `connectionFacts`. */
  readonly verify: (socket: TLSSocket, outcome: VerifyOutcome) => VerifyOutcome;
}

function leafKey(socket: TLSSocket): string | undefined {
  const leaf = peerChain(socket)[0];
  return leaf ? createHash("sha256").update(leaf).digest("hex") : undefined;
}

/**
 * Creates a block's depth check.
 * @param depth `ssl_verify_depth` (nginx default 1)
 * @param options the shared memory (cluster workers)
 * @returns `pending(socket)` to call at the handshake and await, and the `verify` override
 * @example
 * ```ts
 * const depth = createDepthCheck(1, { shared });
 * server.on("secureConnection", (s) => void depth.pending(s));
 * ```
 */
export function createDepthCheck(depth: number, options: DepthCheckOptions = {}): DepthCheck {
  const local = verifyDepthCheck(depth);
  const { shared } = options;
  // Per socket: the shared memory's answer for a resumed session (true: refused), or the
  // lookup still running.
  const answers = new WeakMap<TLSSocket, boolean | Promise<void>>();
  const pending = (socket: TLSSocket): Promise<void> | undefined => {
    const known = answers.get(socket);
    if (known !== undefined) return typeof known === "boolean" ? undefined : known;
    const key = leafKey(socket);
    // No certificate, or Node's own verification failed: that outcome decides.
    if (!key || !socket.authorized) {
      answers.set(socket, false);
      return undefined;
    }
    if (!socket.isSessionReused()) {
      const refused = local(socket, { kind: "success" }).kind !== "success";
      shared?.record(key, refused);
      answers.set(socket, false);
      return undefined;
    }
    if (!shared) {
      answers.set(socket, false);
      return undefined;
    }
    const asking = shared.refused(key).then(
      (refused) => {
        answers.set(socket, refused);
      },
      () => {
        answers.set(socket, true);
      },
    );
    answers.set(socket, asking);
    return asking;
  };
  const verify = (socket: TLSSocket, outcome: VerifyOutcome): VerifyOutcome => {
    const out = local(socket, outcome);
    if (out.kind !== "success" || !shared || !socket.isSessionReused()) return out;
    // Resumed: only a shared answer of "not refused" lets it pass (not asked yet, or still
    // waiting, is refused).
    return answers.get(socket) === false ? out : failed("UNABLE_TO_GET_ISSUER_CERT_LOCALLY");
  };
  return { pending, verify };
}

/**
 * OCSP at the connection level: the check runs once per connection, asynchronously, when
 * its first request arrives and before that request is answered; every request on the
 * connection then sees its result through the verify outcome (`$ssl_client_verify`
 * `FAILED:certificate revoked`, nginx's 400 page via `ssl_verify_client`).
 *
 * A resumed session is a new connection and is checked again, like a full handshake (the
 * cache makes that cheap); nothing from an earlier connection's OCSP result is reused
 * except a cached, still-fresh answer.
 *
 * Only certificates that passed chain verification are checked (nginx skips OCSP when
 * `SSL_get_verify_result` is not OK), so a failing chain keeps its own reason.
 *
 * Source: nginx 1.22 `ngx_http_ssl_handshake_handler` / `ngx_ssl_ocsp_validate`,
 * `ngx_http_process_request` (the 495 for an OCSP failure), `ngx_ssl_get_client_verify`.
 * @module
 */
import type { TLSSocket } from "node:tls";
import type { VerifyOutcome } from "../client-certificate.ts";
import type { OcspConfig } from "../config.ts";
import { failed, nodeVerifyOutcome, peerChain } from "../connection-facts.ts";
import type { ErrorLog } from "../error-log.ts";
import {
  createOcspChecker,
  type OcspCertOutcome,
  type OcspChecker,
  type OcspCheckerOptions,
  ocspVerdict,
} from "./ocsp-checker.ts";

type VerifyOverride = (socket: TLSSocket, outcome: VerifyOutcome) => VerifyOutcome;

/** OCSP for the connections of one server block. */
export interface ConnectionOcsp {
  readonly checker: OcspChecker;
  /**
   * Starts the connection's check on its first call.
   * @param socket the client's socket
   * @param connection nginx's connection number, for log lines
   * @returns a promise (never rejecting) while the check runs; undefined once it is known
   *   or when there is nothing to check (no certificate, or a chain that failed already)
   */
  pending(socket: TLSSocket, connection: number): Promise<void> | undefined;
  /** The verify override for `connectionFacts`: the base outcome, then the OCSP result. */
  readonly verify: VerifyOverride;
  close(): Promise<void>;
}

/** Options of {@link createConnectionOcsp}. */
export interface ConnectionOcspOptions extends OcspCheckerOptions {
  /** The block's error log. */
  readonly log: ErrorLog;
  /** The block's other checks (e.g. `ssl_verify_depth`); default: Node's outcome unchanged. */
  readonly base?: VerifyOverride;
}

function describe(o: OcspCertOutcome): string {
  if (o.kind === "answer") {
    const s = o.answer.status;
    const what =
      s.kind === "revoked"
        ? `revoked at ${s.revocationTime.toISOString()}${s.reason ? ` (${s.reason})` : ""}`
        : s.kind;
    return `certificate serial ${o.serial} is ${what} (OCSP answer from ${o.source})`;
  }
  const url = o.url && !o.error.message.includes(o.url) ? `, responder: ${o.url}` : "";
  return `${o.error.message}${url}`;
}

/**
 * Creates the connection-level OCSP of one server block.
 * @param config the block's {@link OcspConfig}
 * @param options its error log, the base verify override, and the checker's options
 * @returns `pending(socket, cid)` to await before answering, and the `verify` override
 * @example
 * ```ts
 * const ocsp = createConnectionOcsp(config.tls.ocsp, { log, base: verifyDepthCheck(1) });
 * const waiting = ocsp.pending(socket, cid);
 * if (waiting) await waiting;
 * ```
 */
export function createConnectionOcsp(
  config: OcspConfig,
  options: ConnectionOcspOptions,
): ConnectionOcsp {
  const { log } = options;
  const base: VerifyOverride = options.base ?? ((_s, o) => o);
  const checker = createOcspChecker(config, options);
  const results = new WeakMap<TLSSocket, VerifyOutcome | undefined | Promise<void>>();

  const pending = (socket: TLSSocket, connection: number): Promise<void> | undefined => {
    if (results.has(socket)) {
      const r = results.get(socket);
      return r instanceof Promise ? r : undefined;
    }
    const chain = peerChain(socket);
    const leaf = chain[0];
    const nodeOutcome = nodeVerifyOutcome(socket);
    if (!leaf || base(socket, nodeOutcome).kind !== "success") {
      results.set(socket, undefined);
      return undefined;
    }
    const client = `, client: ${socket.remoteAddress ?? "-"}`;
    const p = checker.check(chain).then(
      (outcomes) => {
        const verdict = ocspVerdict(outcomes, config.failure);
        if (verdict.kind === "fail") {
          const o = verdict.outcome;
          const level = o.kind === "error" ? "error" : "info";
          log.write(
            level,
            `${describe(o)} while requesting certificate status${client}`,
            connection,
          );
          results.set(socket, failed(verdict.code));
          return;
        }
        for (const o of verdict.softFailed) {
          log.write(
            "warn",
            `${describe(o)} while requesting certificate status${client}; accepted without an OCSP answer (mtls_ocsp_mode soft)`,
            connection,
          );
          options.metrics?.softFailure();
        }
        results.set(socket, undefined);
      },
      (e: unknown) => {
        // check() does not reject; be safe anyway: no answer is a failure here.
        log.write("error", `OCSP check failed: ${(e as Error).message}${client}`, connection);
        results.set(socket, failed("CERTIFICATE_STATUS_REQUEST_FAILED"));
      },
    );
    results.set(socket, p);
    return p;
  };

  const verify: VerifyOverride = (socket, outcome) => {
    const b = base(socket, outcome);
    if (b.kind !== "success") return b;
    const r = results.get(socket);
    // Not checked yet (the request path always awaits pending() first): never claim success.
    if (!results.has(socket) || r instanceof Promise) {
      return failed("CERTIFICATE_STATUS_REQUEST_FAILED");
    }
    return r ?? b;
  };

  return { checker, pending, verify, close: () => checker.close() };
}

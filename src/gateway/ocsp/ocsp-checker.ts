/**
 * Checks a verified client chain with OCSP: the leaf (`leaf`) or every certificate below
 * the self-signed trust anchor (`chain`, nginx's `ssl_ocsp on`), each against its issuer,
 * from the cache or from the responder (the configured `ssl_ocsp_responder`, else the
 * certificate's AIA URL); then the verdict, with `mtls_ocsp_mode soft|hard` deciding what
 * "no usable answer" means.
 *
 * Which failures `soft` forgives: only the responder not answering (unreachable, timeout,
 * HTTP error, `tryLater`/`internalError`, no responder URL). An answer that is there but
 * wrong — bad signature, unauthorized signer, another nonce, stale, malformed — fails in
 * both modes, and so do `revoked` and `unknown` (as nginx).
 *
 * Source: RFC 6960 §2.2 (certificate status values), nginx 1.22 `ngx_ssl_ocsp_validate`
 * and `ngx_ssl_ocsp_get_status` (`src/event/ngx_event_openssl_stapling.c`).
 * @module
 */
import { randomBytes } from "node:crypto";
import { ErrorCode, MtlsError } from "../../errors.ts";
import type { OcspConfig } from "../config.ts";
import { certificateId, type OcspCertId, ocspResponderUrls, parseCertificate } from "./cert-id.ts";
import { OcspCache } from "./ocsp-cache.ts";
import { createOcspTransport, type OcspTransport } from "./ocsp-fetch.ts";
import type { OcspMetrics } from "./ocsp-metrics.ts";
import { encodeOcspRequest } from "./ocsp-request.ts";
import { type OcspAnswer, verifyOcspResponse } from "./ocsp-response.ts";

/** What one certificate's check found. */
export type OcspCertOutcome =
  | {
      readonly kind: "answer";
      readonly serial: string;
      readonly answer: OcspAnswer;
      /** `cache`, or the responder URL asked. */
      readonly source: string;
    }
  | {
      readonly kind: "error";
      readonly serial: string;
      readonly error: MtlsError;
      /** The responder gave no answer (unreachable, timeout, HTTP error, tryLater): `soft` forgives it. */
      readonly noAnswer: boolean;
      /** The responder URL asked, when there was one. */
      readonly url?: string;
    };

/**
 * `$ssl_client_verify` reasons of an OCSP failure, as nginx 1.22 prints them
 * (`FAILED:certificate revoked`); `verifyErrorText` turns these codes into those words.
 */
export const OcspFailureCode = {
  REVOKED: "CERTIFICATE_REVOKED",
  UNKNOWN: "CERTIFICATE_STATUS_UNKNOWN",
  REQUEST_FAILED: "CERTIFICATE_STATUS_REQUEST_FAILED",
} as const;
/** One of the {@link OcspFailureCode} values. */
export type OcspFailureCode = (typeof OcspFailureCode)[keyof typeof OcspFailureCode];

/** The connection's OCSP verdict. */
export type OcspVerdict =
  | {
      readonly kind: "pass";
      /** Checks that got no answer and were forgiven by `soft` (log them as warnings). */
      readonly softFailed: readonly OcspCertOutcome[];
    }
  | {
      readonly kind: "fail";
      readonly code: OcspFailureCode;
      /** The check that decided it. */
      readonly outcome: OcspCertOutcome;
    };

/**
 * Combines the checks of one chain: `revoked` wins, then `unknown`, then an error that
 * `failure` does not forgive; otherwise the chain passes.
 * @param outcomes one per certificate checked
 * @param failure `soft` forgives "no answer" errors, `hard` forgives nothing
 * @returns the verdict
 */
export function ocspVerdict(
  outcomes: readonly OcspCertOutcome[],
  failure: OcspConfig["failure"],
): OcspVerdict {
  const status = (kind: string) =>
    outcomes.find((o) => o.kind === "answer" && o.answer.status.kind === kind);
  const revoked = status("revoked");
  if (revoked) return { kind: "fail", code: OcspFailureCode.REVOKED, outcome: revoked };
  const unknown = status("unknown");
  if (unknown) return { kind: "fail", code: OcspFailureCode.UNKNOWN, outcome: unknown };
  const errors = outcomes.filter((o) => o.kind === "error");
  const fatal = errors.find((o) => failure === "hard" || !o.noAnswer);
  if (fatal) return { kind: "fail", code: OcspFailureCode.REQUEST_FAILED, outcome: fatal };
  return { kind: "pass", softFailed: errors };
}

/** Options of {@link createOcspChecker}. */
export interface OcspCheckerOptions {
  /** Sends requests; default an undici transport with `config.timeoutMs`. */
  readonly transport?: OcspTransport;
  /** Clock; default `() => new Date()`. */
  readonly now?: () => Date;
  /** Nonce source; default `crypto.randomBytes`. */
  readonly random?: (bytes: number) => Uint8Array;
  /** Where to count checks and cache hits; default nowhere. */
  readonly metrics?: OcspMetrics;
}

/** Checks chains for one server block. */
export interface OcspChecker {
  readonly cache: OcspCache;
  /**
   * Checks a verified chain.
   * @param chain DER certificates, leaf first, up to the trust anchor
   * @returns one outcome per certificate checked (never rejects)
   */
  check(chain: readonly Uint8Array[]): Promise<OcspCertOutcome[]>;
  /** Closes the transport's connections. */
  close(): Promise<void>;
}

const NO_ANSWER_CODES: ReadonlySet<string> = new Set([
  ErrorCode.NETWORK,
  ErrorCode.TIMEOUT,
  ErrorCode.HTTP_STATUS,
]);

function isNoAnswer(e: MtlsError): boolean {
  if (NO_ANSWER_CODES.has(e.code)) return true;
  const status = e.details?.responseStatus;
  return status === "tryLater" || status === "internalError";
}

function isSelfIssued(der: Uint8Array): boolean {
  try {
    const c = parseCertificate(der);
    return c.subject.isEqual(c.issuer);
  } catch {
    return false; // checkOne reports the unreadable certificate
  }
}

/**
 * Creates the checker of one `ssl_ocsp` configuration.
 * @param config the block's {@link OcspConfig}
 * @param options transport, clock, nonce source, metrics
 * @returns the checker with its cache
 * @example
 * ```ts
 * const checker = createOcspChecker({ mode: "leaf", failure: "hard", cacheEntries: 1000 });
 * const verdict = ocspVerdict(await checker.check([leafDer, caDer]), "hard");
 * ```
 */
export function createOcspChecker(
  config: OcspConfig,
  options: OcspCheckerOptions = {},
): OcspChecker {
  const now = options.now ?? (() => new Date());
  const random = options.random ?? ((n: number) => new Uint8Array(randomBytes(n)));
  const http = options.transport
    ? undefined
    : createOcspTransport(config.timeoutMs !== undefined ? { timeoutMs: config.timeoutMs } : {});
  const send = options.transport ?? (http as NonNullable<typeof http>).send;
  const cache = new OcspCache({
    maxEntries: config.cacheEntries,
    ...(config.defaultTtlMs !== undefined ? { defaultTtlMs: config.defaultTtlMs } : {}),
  });
  const metrics = options.metrics;

  const ask = async (id: OcspCertId, url: string, issuer: Uint8Array): Promise<OcspAnswer> => {
    const nonce = config.nonce === false ? undefined : random(16);
    const body = await send(url, encodeOcspRequest(id, nonce ? { nonce } : {}));
    const answer = verifyOcspResponse(body, {
      id,
      issuer,
      now: now(),
      ...(nonce ? { nonce } : {}),
      ...(config.clockSkewMs !== undefined ? { clockSkewMs: config.clockSkewMs } : {}),
    });
    cache.set(id.key, answer, now());
    return answer;
  };

  const checkOne = async (der: Uint8Array, issuer: Uint8Array): Promise<OcspCertOutcome> => {
    let serial = "";
    let url: string | undefined;
    try {
      const cert = parseCertificate(der);
      const id = certificateId(cert, parseCertificate(issuer));
      serial = id.serial;
      const cached = cache.get(id.key, now());
      if (cached) {
        metrics?.cacheHit();
        metrics?.check(cached.status.kind);
        return { kind: "answer", serial, answer: cached, source: "cache" };
      }
      url = config.responder ?? ocspResponderUrls(cert)[0];
      if (!url) {
        throw new MtlsError(
          ErrorCode.NETWORK,
          `No OCSP responder URL in certificate serial ${serial}: it has no Authority Information Access OCSP entry`,
          { hint: "set ssl_ocsp_responder (native: tls.ocsp.responder)" },
        );
      }
      const target = url;
      const answer = await cache.shared(id.key, () => ask(id, target, issuer));
      metrics?.check(answer.status.kind);
      return { kind: "answer", serial, answer, source: target };
    } catch (e) {
      metrics?.check("error");
      const error =
        e instanceof MtlsError
          ? e
          : new MtlsError(ErrorCode.OCSP, `OCSP check failed: ${(e as Error).message}`, {
              cause: e,
            });
      return {
        kind: "error",
        serial,
        error,
        noAnswer: isNoAnswer(error),
        ...(url ? { url } : {}),
      };
    }
  };

  return {
    cache,
    async check(chain) {
      const pairs: [Uint8Array, Uint8Array][] = [];
      for (let i = 0; i + 1 < chain.length; i++) {
        const cert = chain[i] as Uint8Array;
        if (isSelfIssued(cert)) break;
        pairs.push([cert, chain[i + 1] as Uint8Array]);
        if (config.mode === "leaf") break;
      }
      return Promise.all(pairs.map(([cert, issuer]) => checkOne(cert, issuer)));
    },
    close: async () => {
      await http?.close();
    },
  };
}

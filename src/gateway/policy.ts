/**
 * The client-certificate policy, pure: from what the TLS layer saw to a verdict, the way
 * nginx applies `ssl_verify_client` per request once the handshake has completed.
 *
 * - `on`: no certificate → 496 (shown as `400 No required SSL certificate was sent`);
 *   a certificate that failed verification → 495 (`400 The SSL certificate error`).
 * - `optional`: no certificate passes; a bad one is still 495.
 * - `optional_no_ca`: like `optional`, and a certificate whose only fault is not reaching a
 *   trusted CA passes too (`$ssl_client_verify` is then `FAILED:<reason>`).
 * - `off`: everything passes (no certificate is requested).
 *
 * Source: nginx `ngx_http_ssl_module` docs ("Error processing"),
 * `ngx_http_process_request` in `src/http/ngx_http_request.c` (1.22).
 * @module
 */
import {
  OPTIONAL_NO_CA_ERRORS,
  VERIFY_ERROR_NUMBER,
  verifyErrorText,
} from "./client-certificate.ts";
import type { VerifyClient } from "./config.ts";

/** What the TLS layer knows about the client's certificate. */
export type ClientCertState =
  | { readonly presented: false }
  | {
      readonly presented: true;
      /** Chain verification against `ssl_client_certificate` succeeded. */
      readonly verified: boolean;
      /** OpenSSL's `X509_V_ERR_` name when not verified, e.g. `UNABLE_TO_GET_ISSUER_CERT_LOCALLY`. */
      readonly error?: string;
      /** Subject of the leaf, RFC 2253 order, e.g. `CN=client-1`. */
      readonly subject?: string;
    };

/** nginx's internal statuses for client-certificate failures. */
export const NGX_HTTPS_CERT_ERROR = 495;
/** Sent as `400 No required SSL certificate was sent`. */
export const NGX_HTTPS_NO_CERT = 496;

/** The decision for one request. */
export type ClientVerdict =
  | { readonly kind: "pass" }
  | {
      readonly kind: "reject";
      /** 495 or 496; sent to the client as 400. */
      readonly status: typeof NGX_HTTPS_CERT_ERROR | typeof NGX_HTTPS_NO_CERT;
      /** The error_log line nginx writes at level `info`. */
      readonly logMessage: string;
    };

/**
 * Decides whether a request may proceed under `ssl_verify_client`.
 * @param mode the `ssl_verify_client` value
 * @param state what the handshake established (for a resumed session: what the original
 *   full handshake established, never more)
 * @returns `{ kind: "pass" }` or `{ kind: "reject", status, logMessage }`
 * @example
 * ```ts
 * clientVerdict("on", { presented: false }); // { kind: "reject", status: 496, ... }
 * ```
 */
export function clientVerdict(mode: VerifyClient, state: ClientCertState): ClientVerdict {
  switch (mode) {
    case "off":
      return { kind: "pass" };
    case "on":
    case "optional":
    case "optional_no_ca":
      if (!state.presented) {
        return mode !== "on"
          ? { kind: "pass" }
          : {
              kind: "reject",
              status: NGX_HTTPS_NO_CERT,
              logMessage:
                "client sent no required SSL certificate while reading client request headers",
            };
      }
      if (state.verified) return { kind: "pass" };
      if (mode === "optional_no_ca" && OPTIONAL_NO_CA_ERRORS.has(state.error ?? "")) {
        return { kind: "pass" };
      }
      return {
        kind: "reject",
        status: NGX_HTTPS_CERT_ERROR,
        logMessage: `client SSL certificate verify error: ${verifyErrorLabel(state.error)} while reading client request headers`,
      };
    default: {
      const never: never = mode;
      throw new TypeError(`unknown ssl_verify_client mode ${String(never)}`);
    }
  }
}

/**
 * nginx's `(%l:%s)` of a verify error: `(20:unable to get local issuer certificate)`; an
 * OCSP result is not an `X509_V_ERR` code and nginx logs its text alone (`certificate revoked`).
 */
function verifyErrorLabel(code: string | undefined): string {
  if (!code) return "(28:certificate rejected)";
  const n = VERIFY_ERROR_NUMBER[code];
  return n === undefined ? verifyErrorText(code) : `(${n}:${verifyErrorText(code)})`;
}

import { alertDescriptionName } from "../tls/names.ts";
import type { TraceEvent } from "./trace-event.ts";

/** OpenSSL/Node X.509 verification error codes (`X509_V_ERR_*` without the prefix). */
const VERIFY_CODES: ReadonlySet<string> = new Set([
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "CERT_REVOKED",
  "CERT_SIGNATURE_FAILURE",
  "CERT_UNTRUSTED",
  "CERT_REJECTED",
  "INVALID_CA",
  "INVALID_PURPOSE",
  "PATH_LENGTH_EXCEEDED",
  "HOSTNAME_MISMATCH",
  "ERR_TLS_CERT_ALTNAME_INVALID",
]);

/** What went wrong in a TLS handshake, in words, with a hint when we know one. */
export interface TlsFailure {
  /** The reason after `TLS handshake with HOST:PORT failed: `. */
  readonly reason: string;
  readonly hint: string | undefined;
  /** The alert name when the failure is an alert (`certificate_required`). */
  readonly alert: string | undefined;
}

function hintFor(alert: string, sentCertificate: boolean): string | undefined {
  switch (alert) {
    case "handshake_failure":
    case "certificate_required":
      return sentCertificate
        ? "the server refused the handshake: check the cipher suites and protocol versions it accepts"
        : "the server requires a client certificate: pass --cert and --key";
    case "unknown_ca":
      return "the server does not trust the issuer of the client certificate: use a certificate from the CA it trusts";
    case "bad_certificate":
    case "unsupported_certificate":
    case "certificate_unknown":
      return "the server rejected the client certificate: check its extendedKeyUsage (clientAuth) and chain";
    case "certificate_expired":
      return "a certificate has expired: renew it";
    case "protocol_version":
      return "no TLS version in common with the server";
    default:
      return undefined;
  }
}

/**
 * Explains a Node TLS error as one reason: a certificate verification failure (`certificate
 * verify failed (unable to get local issuer certificate)`) or an alert from the server
 * (`the server sent a fatal alert unknown_ca (48)`), using the plaintext alert from the
 * trace when there is one.
 *
 * @param error the error from the TLS socket or the request
 * @param options `events` of the connection (default none), `sentCertificate` (default false)
 * @returns the failure, or `undefined` when `error` is not a TLS failure
 */
export function describeTlsFailure(
  error: unknown,
  options: { readonly events?: readonly TraceEvent[]; readonly sentCertificate?: boolean } = {},
): TlsFailure | undefined {
  if (!(error instanceof Error)) return undefined;
  const code = (error as NodeJS.ErrnoException).code ?? "";
  if (VERIFY_CODES.has(code)) {
    return {
      reason: `certificate verify failed (${error.message})`,
      hint:
        code === "ERR_TLS_CERT_ALTNAME_INVALID"
          ? "connect with a host name the server certificate lists in subjectAltName"
          : "pass the CA that issued the server certificate with --cacert (or --insecure to skip verification)",
      alert: undefined,
    };
  }
  const received = [...(options.events ?? [])]
    .reverse()
    .find((e) => e.kind === "alert" && e.direction === "server" && e.alert.level === 2);
  const match = /ALERT_([A-Z_]+)$/.exec(code) ?? /alert number (\d+)/.exec(error.message);
  if (received?.kind === "alert" || match) {
    let name: string;
    let number: number | undefined;
    if (received?.kind === "alert") {
      name = received.alert.descriptionName;
      number = received.alert.description;
    } else if (match && /^\d+$/.test(match[1]!)) {
      number = Number(match[1]);
      name = alertDescriptionName(number);
    } else {
      name = match![1]!.toLowerCase();
      const n = /alert number (\d+)/.exec(error.message);
      number = n ? Number(n[1]) : undefined;
    }
    const sentCertificate = options.sentCertificate ?? false;
    return {
      reason: `the server sent a fatal alert ${name}${number === undefined ? "" : ` (${number})`}`,
      hint: hintFor(name, sentCertificate),
      alert: name,
    };
  }
  if (code.startsWith("ERR_SSL_") || code === "EPROTO") {
    return {
      reason: error.message.split("\n")[0]!.replace(/^.*routines:/, ""),
      hint: undefined,
      alert: undefined,
    };
  }
  return undefined;
}

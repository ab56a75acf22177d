/**
 * `proxy_ssl_verify_depth` for the upstream connection. Node's `tls.connect` has no depth
 * option, so once Node has verified the chain the gateway counts it: from the upstream's
 * certificate to the self-signed trust anchor at most `depth` intermediates (`depth + 2`
 * certificates), as OpenSSL 3 counts for nginx. A longer chain fails the way OpenSSL
 * fails it there, `unable to get local issuer certificate` (code
 * `UNABLE_TO_GET_ISSUER_CERT_LOCALLY`), so the error log and the 502 read like nginx's.
 *
 * Source: nginx `proxy_ssl_verify_depth` (default 1); OpenSSL `X509_VERIFY_PARAM_set_depth`.
 * @module
 */
import { X509Certificate } from "node:crypto";
import type { PeerCertificate, SecureVersion } from "node:tls";
import { DEFAULT_PROXY_CIPHERS, type UpstreamTlsConfig } from "./config.ts";
import { nodeCiphers, VERSIONS } from "./tls-options.ts";

/** The detailed certificate `checkServerIdentity` gets (`getPeerCertificate(true)`). */
type Detailed = PeerCertificate & { readonly issuerCertificate?: Detailed };

/**
 * Certificates from the upstream's certificate to its trust anchor, counting the anchor
 * when Node's chain stops short of a self-signed certificate.
 * @param cert the detailed peer certificate
 * @returns the chain length (1 for a self-signed certificate)
 */
export function chainLength(cert: PeerCertificate): number {
  const seen = new Set<string>();
  let c: Detailed | undefined = cert;
  let last: Detailed | undefined;
  while (c?.raw && !seen.has(c.fingerprint256)) {
    seen.add(c.fingerprint256);
    last = c;
    c = c.issuerCertificate;
  }
  if (!last) return 0;
  const x = new X509Certificate(last.raw);
  return x.subject === x.issuer ? seen.size : seen.size + 1;
}

/**
 * The error for an upstream chain longer than `proxy_ssl_verify_depth` allows.
 * @param cert the detailed peer certificate (after Node's verification succeeded)
 * @param depth intermediates allowed below the trust anchor
 * @returns an Error with code `UNABLE_TO_GET_ISSUER_CERT_LOCALLY`, or undefined when within depth
 */
export function chainTooDeep(cert: PeerCertificate, depth: number): Error | undefined {
  if (chainLength(cert) <= depth + 2) return undefined;
  return Object.assign(new Error("unable to get local issuer certificate"), {
    code: "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  });
}

/**
 * Connector options from the `proxy_ssl_*` tuning of a location.
 * @param tls the location's upstream TLS settings
 * @returns `verifyDepth` (when set), `minVersion`/`maxVersion` (when protocols are set)
 *   and `ciphers` (`proxy_ssl_ciphers`, default `DEFAULT`, with Node's TLS 1.3 suites kept)
 */
export function upstreamTlsTuning(tls: UpstreamTlsConfig): {
  verifyDepth?: number;
  minVersion?: SecureVersion;
  maxVersion?: SecureVersion;
  ciphers: string;
} {
  const p = tls.protocols;
  const lo = p?.[0];
  const hi = p?.[p.length - 1];
  return {
    ...(tls.verifyDepth !== undefined ? { verifyDepth: tls.verifyDepth } : {}),
    ...(lo ? { minVersion: VERSIONS[lo] } : {}),
    ...(hi ? { maxVersion: VERSIONS[hi] } : {}),
    ciphers: nodeCiphers(tls.ciphers ?? DEFAULT_PROXY_CIPHERS),
  };
}

/**
 * OpenSSL keeps one certificate per key type in a TLS context (its "certificate slots":
 * RSA, RSA-PSS, EC of any curve, Ed25519, Ed448); loading a second certificate of a type
 * replaces the first. nginx 1.22 does this silently for `ssl_certificate` given twice
 * with, say, two RSA keys; the gateway warns, naming the certificate that is never served.
 *
 * Source: OpenSSL `ssl/ssl_cert.c` (`ssl_cert_lookup_by_pkey`, `SSL_PKEY_*` indices);
 * nginx `ssl_certificate` docs.
 * @module
 */
import type { X509Certificate } from "node:crypto";
import { ErrorCode } from "../errors.ts";
import type { FileRef } from "./config.ts";
import type { Diagnostic } from "./diagnostic.ts";

/**
 * The OpenSSL certificate slot a certificate's public key goes to.
 * @param leaf the certificate
 * @returns `"RSA"`, `"RSA-PSS"`, `"EC"`, `"Ed25519"`, `"Ed448"`, or the key type as Node names it
 */
export function certificateSlot(leaf: X509Certificate): string {
  const type = leaf.publicKey.asymmetricKeyType ?? "unknown";
  const names: Readonly<Record<string, string>> = {
    rsa: "RSA",
    "rsa-pss": "RSA-PSS",
    ec: "EC",
    ed25519: "Ed25519",
    ed448: "Ed448",
    dsa: "DSA",
  };
  return names[type] ?? type;
}

/**
 * Warnings for certificates of one server block that share a slot: the later one wins,
 * as in OpenSSL, and the earlier one is never served.
 * @param certificates the block's certificates in configuration order (`leaf` absent when
 *   the file did not load: it is skipped)
 * @returns one warning per certificate that replaces an earlier one, at its directive
 */
export function sameKeyTypeWarnings(
  certificates: readonly { readonly ref: FileRef; readonly leaf?: X509Certificate }[],
): Diagnostic[] {
  const seen = new Map<string, FileRef>();
  const out: Diagnostic[] = [];
  for (const c of certificates) {
    if (!c.leaf) continue;
    const slot = certificateSlot(c.leaf);
    const earlier = seen.get(slot);
    if (earlier) {
      out.push({
        severity: "warning",
        code: ErrorCode.CONFIG_INVALID,
        message: `Certificate ${c.ref.path} replaces ${earlier.path}: both have ${slot} keys, and OpenSSL serves one certificate per key type`,
        hint: "keep one certificate per key type (e.g. one RSA and one ECDSA)",
        ...(c.ref.location ? { location: c.ref.location } : {}),
      });
    }
    seen.set(slot, c.ref);
  }
  return out;
}

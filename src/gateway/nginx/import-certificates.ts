/**
 * `ssl_certificate` / `ssl_certificate_key` given several times in one server block (an
 * RSA and an ECDSA certificate, say): nginx pairs them by position — the first key with
 * the first certificate — and OpenSSL serves the one the client's signature algorithms
 * and cipher suites can use.
 *
 * nginx 1.22 (`ngx_http_ssl_merge_srv_conf`): fewer keys than certificates is the error
 * `no "ssl_certificate_key" is defined for certificate "X"`; keys beyond the last
 * certificate are ignored silently (mtlskit warns).
 *
 * Source: nginx `ngx_http_ssl_module` docs, `ssl_certificate` ("can be specified multiple
 * times to load certificates of different types", 1.11.0).
 * @module
 */
import type { CertificatePair } from "../config.ts";
import type { Directive } from "./parser.ts";
import type { ValueContext } from "./values.ts";

/** The pairs of one server block: the first pair, and the rest in order. */
export interface ImportedCertificates {
  readonly first?: Partial<CertificatePair>;
  readonly extra: readonly CertificatePair[];
}

/**
 * Pairs a server block's `ssl_certificate` and `ssl_certificate_key` directives in order.
 * @param cx the importer's context (reports, path resolution)
 * @param certificates the block's `ssl_certificate` directives, in order
 * @param keys the block's `ssl_certificate_key` directives, in order
 * @param options `whole`: false when the block was cut off by the end of the file (then a
 *   missing key is not reported)
 * @returns the first pair (either side may be missing; the caller reports that) and the others
 */
export function pairCertificates(
  cx: ValueContext,
  certificates: readonly Directive[],
  keys: readonly Directive[],
  options: { readonly whole: boolean },
): ImportedCertificates {
  const certRefs = certificates.flatMap((d) => (d.args[0] ? [cx.path(d.args[0])] : []));
  const keyRefs = keys.flatMap((d) => (d.args[0] ? [cx.path(d.args[0])] : []));
  const extra: CertificatePair[] = [];
  for (const [i, certificate] of certRefs.entries()) {
    if (i === 0) continue;
    const certificateKey = keyRefs[i];
    if (certificateKey) {
      extra.push({ certificate, certificateKey });
    } else if (options.whole && keyRefs.length > 0 && certificate.location) {
      const d = certificates[i] as Directive;
      cx.report(
        "error",
        `No "ssl_certificate_key" is defined for certificate "${d.args[0]?.value}": ${certRefs.length} certificates, ${keyRefs.length} keys`,
        "add an ssl_certificate_key for it: keys pair with certificates in the order written",
        d.nameToken,
      );
    }
  }
  for (const [i, d] of keys.entries()) {
    if (i < certRefs.length || certRefs.length === 0) continue;
    cx.report(
      "warning",
      `Directive "ssl_certificate_key ${d.args[0]?.value}" is ignored: no ssl_certificate pairs with it (${keyRefs.length} keys, ${certRefs.length} certificates)`,
      "remove it, or add the ssl_certificate it belongs to (keys pair with certificates in the order written)",
      d.nameToken,
    );
  }
  const c = certRefs[0];
  const k = keyRefs[0];
  return {
    ...(c || k
      ? { first: { ...(c ? { certificate: c } : {}), ...(k ? { certificateKey: k } : {}) } }
      : {}),
    extra,
  };
}

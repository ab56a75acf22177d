/**
 * `proxy_ssl_verify_depth`, `proxy_ssl_protocols` and `proxy_ssl_ciphers`: the upstream
 * side's chain depth, protocol range and cipher string, inherited from the server block
 * into its locations like the other `proxy_ssl_*` directives.
 *
 * nginx 1.22 defaults, applied in nginx mode: depth 1 (one intermediate below the trust
 * anchor, as OpenSSL 3 counts it), protocols `TLSv1 TLSv1.1 TLSv1.2` (so **no TLS 1.3 to
 * the upstream unless listed**), ciphers `DEFAULT`.
 *
 * Source: nginx `ngx_http_proxy_module` docs (1.22): `proxy_ssl_verify_depth`,
 * `proxy_ssl_protocols`, `proxy_ssl_ciphers`.
 * @module
 */
import {
  DEFAULT_PROTOCOLS,
  DEFAULT_VERIFY_DEPTH,
  type TlsProtocol,
  type UpstreamTlsConfig,
} from "../config.ts";
import { one } from "./check.ts";
import type { Directive } from "./parser.ts";
import { parseProtocols, type ValueContext } from "./values.ts";

/** The fields of {@link UpstreamTlsConfig} these directives set. */
export type ProxySslTuning = Pick<UpstreamTlsConfig, "verifyDepth" | "protocols" | "ciphers">;

/**
 * Reads the three directives of a block over the inherited values (nginx defaults at the
 * server level).
 * @param cx the importer's context
 * @param byName the block's directives by name
 * @param inherited the enclosing block's values; undefined at the server level
 * @returns depth, protocols and (when written somewhere) ciphers
 */
export function proxySslTuning(
  cx: ValueContext,
  byName: Map<string, Directive[]>,
  inherited: ProxySslTuning | undefined,
): ProxySslTuning {
  const depthD = one(byName, "proxy_ssl_verify_depth");
  const depthA = depthD?.args[0];
  let verifyDepth = inherited?.verifyDepth ?? DEFAULT_VERIFY_DEPTH;
  if (depthA) {
    if (/^\d{1,9}$/.test(depthA.value)) verifyDepth = Number(depthA.value);
    else {
      cx.report(
        "error",
        `Invalid value for "proxy_ssl_verify_depth": "${depthA.raw}", expecting a number`,
        "e.g. `proxy_ssl_verify_depth 2;` for an upstream chain with two intermediate CAs",
        depthA,
      );
    }
  }
  const ciphers = one(byName, "proxy_ssl_ciphers")?.args[0]?.value ?? inherited?.ciphers;
  const protocolsD = one(byName, "proxy_ssl_protocols");
  // parseProtocols warns about TLSv1/1.1 in ssl_ciphers' words; say it for proxy_ssl_ciphers.
  const protocols: readonly TlsProtocol[] = protocolsD
    ? parseProtocols(cx, protocolsD, "@SECLEVEL=0")
    : (inherited?.protocols ?? DEFAULT_PROTOCOLS);
  const old = protocolsD ? protocols.filter((p) => p === "TLSv1" || p === "TLSv1.1") : [];
  if (old.length > 0 && !/@SECLEVEL=0/.test(ciphers ?? "")) {
    cx.report(
      "warning",
      `Upstream protocols ${old.join(" and ")} will not be negotiated: OpenSSL 3 allows them only at security level 0`,
      "remove them (recommended), or add :@SECLEVEL=0 to proxy_ssl_ciphers",
      protocolsD?.nameToken ?? { line: 0, column: 0 },
    );
  }
  return { verifyDepth, protocols, ...(ciphers !== undefined ? { ciphers } : {}) };
}

/**
 * The OCSP directives of a `server` block: `ssl_ocsp on | off | leaf`,
 * `ssl_ocsp_responder URL`, `ssl_ocsp_cache off | shared:NAME:SIZE` (nginx 1.19+), and
 * mtlskit's `mtls_ocsp_mode soft | hard` (default `hard`, which is what nginx does).
 *
 * nginx refuses `ssl_ocsp` with `ssl_verify_client optional_no_ca` (verified with 1.22:
 * `"ssl_ocsp" is incompatible with "ssl_verify_client optional_no_ca"`) and an `https://`
 * responder (`invalid URL prefix in OCSP responder`); so does mtlskit.
 *
 * Source: nginx `ngx_http_ssl_module` docs (`ssl_ocsp`, `ssl_ocsp_responder`,
 * `ssl_ocsp_cache`), `ngx_http_ssl_merge_srv_conf` (1.22).
 * @module
 */
import type { OcspConfig, VerifyClient } from "../config.ts";
import { one } from "./check.ts";
import type { Directive } from "./parser.ts";
import { parseNginxSize } from "./units.ts";
import type { ValueContext } from "./values.ts";

/**
 * Bytes of an `ssl_ocsp_cache` zone per cached answer (approximation: nginx stores an
 * rbtree node, the CertID and the status in its slab allocator).
 */
export const OCSP_CACHE_BYTES_PER_ENTRY = 128;
/** nginx's smallest shared zone: 8 pages of 4 KiB. */
const MIN_ZONE_BYTES = 32 * 1024;

function bad(cx: ValueContext, d: Directive, expected: string, hint?: string): void {
  const a = d.args[0];
  if (!a) return;
  cx.report("error", `Invalid value for "${d.name}": "${a.raw}", expecting ${expected}`, hint, a);
}

/**
 * Reads the OCSP directives of one server block.
 * @param cx the importer's value context (reports problems)
 * @param byName the block's directives by name
 * @param verify `ssl_verify_client` and its directive, for the compatibility checks
 * @returns the OCSP configuration, or undefined when `ssl_ocsp` is absent or `off`
 */
export function importOcsp(
  cx: ValueContext,
  byName: Map<string, Directive[]>,
  verify: { readonly mode: VerifyClient; readonly directive?: Directive },
): OcspConfig | undefined {
  const ocspD = one(byName, "ssl_ocsp");
  const responderD = one(byName, "ssl_ocsp_responder");
  const cacheD = one(byName, "ssl_ocsp_cache");
  const modeD = one(byName, "mtls_ocsp_mode");
  const value = ocspD?.args[0]?.value ?? "off";
  let mode: OcspConfig["mode"] | undefined;
  if (value === "on") mode = "chain";
  else if (value === "leaf") mode = "leaf";
  else if (value !== "off" && ocspD) bad(cx, ocspD, '"on", "off" or "leaf"');
  let responder: string | undefined;
  const url = responderD?.args[0];
  if (responderD && url) {
    // nginx 1.22 refuses https here ("invalid URL prefix in OCSP responder").
    if (/^http:\/\/[^/\s?#]+(\/\S*)?$/i.test(url.value)) responder = url.value;
    else {
      bad(
        cx,
        responderD,
        "an http:// URL",
        url.value.toLowerCase().startsWith("https:")
          ? "nginx takes http:// only here (invalid URL prefix); the native YAML's tls.ocsp.responder accepts https://"
          : "e.g. `ssl_ocsp_responder http://ocsp.example.test;`",
      );
    }
  }
  let cacheEntries = 0;
  let cacheName: string | undefined;
  const cacheA = cacheD?.args[0];
  if (cacheD && cacheA && cacheA.value !== "off") {
    const m = /^shared:([^:]+):(.+)$/.exec(cacheA.value);
    const bytes = m ? parseNginxSize(m[2] ?? "") : undefined;
    if (!m || bytes === undefined)
      bad(cx, cacheD, '"off" or shared:NAME:SIZE, e.g. shared:OCSP:1m');
    else if (bytes < MIN_ZONE_BYTES) {
      bad(cx, cacheD, `a zone size of at least 32k (got ${bytes} bytes)`);
    } else {
      cacheName = m[1];
      cacheEntries = Math.floor(bytes / OCSP_CACHE_BYTES_PER_ENTRY);
    }
  }
  let failure: OcspConfig["failure"] = "hard";
  const modeA = modeD?.args[0];
  if (modeD && modeA) {
    if (modeA.value === "soft" || modeA.value === "hard") failure = modeA.value;
    else {
      bad(
        cx,
        modeD,
        '"soft" or "hard"',
        "soft accepts a client when the responder gives no answer; hard (nginx's behaviour) refuses it",
      );
    }
  }
  if (!mode) {
    const stray = [responderD, cacheD, modeD].find((d) => d !== undefined);
    // An invalid ssl_ocsp value is reported already: no second message about it.
    if (stray && value === "off") {
      cx.report(
        "warning",
        `Directive "${stray.name}" has no effect: ssl_ocsp is off`,
        "add `ssl_ocsp on;` (whole chain) or `ssl_ocsp leaf;` (client certificate only)",
        stray.nameToken,
      );
    }
    return undefined;
  }
  const at = ocspD as Directive;
  if (verify.mode === "optional_no_ca") {
    cx.report(
      "error",
      `Directive "ssl_ocsp" is incompatible with "ssl_verify_client optional_no_ca"`,
      "a certificate that is not chain-verified has no trusted issuer to ask about; use `ssl_verify_client optional;` or drop ssl_ocsp",
      at.nameToken,
    );
  } else if (verify.mode === "off") {
    cx.report(
      "warning",
      `Directive "ssl_ocsp" has no effect: ssl_verify_client is off, so no client certificate is checked`,
      "add `ssl_verify_client on;`",
      at.nameToken,
    );
  }
  return {
    mode,
    ...(responder ? { responder } : {}),
    failure,
    cacheEntries,
    ...(cacheName ? { cacheName } : {}),
    location: at.location,
  };
}

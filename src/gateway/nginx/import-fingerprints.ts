/**
 * mtlskit's fingerprint list directives in nginx mode (server context, repeatable, one or
 * more values each): `mtls_ja3_allow HASH...`, `mtls_ja3_deny HASH...` (JA3 MD5, 32 hex
 * digits), `mtls_ja4_allow JA4...`, `mtls_ja4_deny JA4...`. They are checked on the
 * ClientHello before the handshake; see `fingerprint-rules.ts` for the verdict.
 * @module
 */
import type { FingerprintRulesConfig } from "../config.ts";
import { JA3_HASH_RE, JA4_RE } from "../fingerprint-rules.ts";
import type { Directive } from "./parser.ts";
import type { ValueContext } from "./values.ts";

/** The directive names, in {@link FingerprintRulesConfig} order. */
export const FINGERPRINT_DIRECTIVES = [
  "mtls_ja3_allow",
  "mtls_ja3_deny",
  "mtls_ja4_allow",
  "mtls_ja4_deny",
] as const;

/**
 * Reads a server block's fingerprint lists.
 * @param cx the importer's context (reports bad values at their column)
 * @param byName the block's directives by name
 * @returns the lists, or undefined when the block has none
 */
export function importFingerprints(
  cx: ValueContext,
  byName: ReadonlyMap<string, readonly Directive[]>,
): FingerprintRulesConfig | undefined {
  const lists: Record<(typeof FINGERPRINT_DIRECTIVES)[number], string[]> = {
    mtls_ja3_allow: [],
    mtls_ja3_deny: [],
    mtls_ja4_allow: [],
    mtls_ja4_deny: [],
  };
  let first: Directive | undefined;
  for (const name of FINGERPRINT_DIRECTIVES) {
    const ja3 = name.startsWith("mtls_ja3");
    for (const d of byName.get(name) ?? []) {
      if (!first || d.location.line < first.location.line) first = d;
      for (const a of d.args) {
        if ((ja3 ? JA3_HASH_RE : JA4_RE).test(a.value)) lists[name].push(a.value);
        else
          cx.report(
            "error",
            `Invalid value for "${name}": "${a.raw}", expecting ${ja3 ? "a JA3 hash (32 lowercase hex digits)" : "a JA4 fingerprint such as t13d1516h2_8daaf6152771_e5627efa2ab1"}`,
            ja3 && JA4_RE.test(a.value)
              ? `this is a JA4 fingerprint: use ${name.replace("ja3", "ja4")}`
              : !ja3 && JA3_HASH_RE.test(a.value)
                ? `this is a JA3 hash: use ${name.replace("ja4", "ja3")}`
                : undefined,
            a,
          );
      }
    }
  }
  if (!first) return undefined;
  return {
    ja3Allow: lists.mtls_ja3_allow,
    ja3Deny: lists.mtls_ja3_deny,
    ja4Allow: lists.mtls_ja4_allow,
    ja4Deny: lists.mtls_ja4_deny,
    location: first.location,
  };
}

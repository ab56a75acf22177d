/**
 * Client TLS fingerprints (JA3, JA4) of a ClientHello, computed with the analyzer's
 * functions, and the allow/deny verdict of a server block's lists. Pure.
 *
 * Source: https://github.com/salesforce/ja3 (JA3), FoxIO JA4 technical details (JA4);
 * the lists mirror nginx's `allow`/`deny` (`ngx_http_access_module`): a deny wins, and
 * an allow list refuses everyone not on it.
 * @module
 */
import { ja3, ja4 } from "../analyze/fingerprints.ts";
import type { ClientHello } from "../tls/handshake.ts";
import type { FingerprintRulesConfig } from "./config.ts";

/** A JA3 hash: the MD5 of the JA3 string, 32 lowercase hex digits. */
export const JA3_HASH_RE: RegExp = /^[0-9a-f]{32}$/;
/** A JA4 fingerprint: `{t|q}{version}{d|i}{nn}{nn}{alpn}_{12 hex}_{12 hex}`. */
export const JA4_RE: RegExp =
  /^[tq](?:13|12|11|10|s3|s2|d1|d2|d3|00)[di][0-9]{2}[0-9]{2}[0-9A-Za-z]{2}_[0-9a-f]{12}_[0-9a-f]{12}$/;

/** The fingerprints of one ClientHello, as the `$ssl_ja3`, `$ssl_ja3_hash`, `$ssl_ja4` variables show them. */
export interface ClientFingerprints {
  /** The JA3 string: `771,4865-4866-…,0-23-…,29-23-24,0`. */
  readonly ja3: string;
  /** MD5 of {@link ClientFingerprints.ja3}, 32 lowercase hex digits. */
  readonly ja3Hash: string;
  /** JA4, e.g. `t13d1516h2_8daaf6152771_e5627efa2ab1`. */
  readonly ja4: string;
}

/**
 * JA3 and JA4 of a ClientHello received over TCP.
 * @param hello the parsed ClientHello
 * @returns the JA3 string, its MD5 and the JA4
 * @example
 * ```ts
 * clientFingerprints(hello).ja4; // "t13d1516h2_8daaf6152771_e5627efa2ab1"
 * ```
 */
export function clientFingerprints(hello: ClientHello): ClientFingerprints {
  const j3 = ja3(hello);
  return { ja3: j3.raw, ja3Hash: j3.hash, ja4: ja4(hello).hash };
}

/**
 * The SNI host name of a ClientHello (RFC 6066 §3), or undefined.
 * @param hello the parsed ClientHello
 * @returns the first `host_name` entry
 */
export function helloServerName(hello: ClientHello): string | undefined {
  for (const e of hello.extensions) {
    if (e.value?.kind !== "server_name") continue;
    const entry = e.value.server_name_list.find((n) => n.name_type === 0);
    return entry ? entry.host_name : undefined;
  }
  return undefined;
}

/** The verdict on a client's fingerprints. */
export type FingerprintVerdict =
  | { readonly kind: "allow" }
  | {
      readonly kind: "deny";
      /** The rule that refused: the directive, e.g. `mtls_ja4_deny`, or `mtls_ja3_allow/mtls_ja4_allow` for "on no allow list". */
      readonly rule: string;
      /** The fingerprint that matched (or `-` when none could be computed). */
      readonly value: string;
    };

/**
 * Applies a block's lists: a JA3 hash or JA4 on a deny list refuses; with any allow list
 * non-empty, a client on none is refused; a client whose ClientHello could not be read has
 * no fingerprint, passes deny lists and fails allow lists.
 * @param rules the block's lists (absent: allow)
 * @param fp the client's fingerprints, or undefined when no ClientHello was read
 * @returns `allow`, or `deny` with the rule and the value
 */
export function fingerprintVerdict(
  rules: FingerprintRulesConfig | undefined,
  fp: ClientFingerprints | undefined,
): FingerprintVerdict {
  if (!rules) return { kind: "allow" };
  if (fp && rules.ja3Deny.includes(fp.ja3Hash)) {
    return { kind: "deny", rule: "mtls_ja3_deny", value: fp.ja3Hash };
  }
  if (fp && rules.ja4Deny.includes(fp.ja4)) {
    return { kind: "deny", rule: "mtls_ja4_deny", value: fp.ja4 };
  }
  const lists = [
    rules.ja3Allow.length > 0 ? "mtls_ja3_allow" : "",
    rules.ja4Allow.length > 0 ? "mtls_ja4_allow" : "",
  ].filter((r) => r !== "");
  if (lists.length === 0) return { kind: "allow" };
  if (fp && (rules.ja3Allow.includes(fp.ja3Hash) || rules.ja4Allow.includes(fp.ja4))) {
    return { kind: "allow" };
  }
  return { kind: "deny", rule: lists.join("/"), value: fp ? fp.ja4 : "-" };
}

/** True when the block has any list to check. */
export function hasFingerprintRules(rules: FingerprintRulesConfig | undefined): boolean {
  return (
    !!rules &&
    rules.ja3Allow.length + rules.ja3Deny.length + rules.ja4Allow.length + rules.ja4Deny.length > 0
  );
}

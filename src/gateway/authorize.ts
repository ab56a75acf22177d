/**
 * Per-location authorization of client certificates (an mtlskit extension, "beyond
 * nginx"): `allow` and `deny` rules over the subject's CN/OU/O, the SAN DNS names, URIs
 * (SPIFFE IDs) and email addresses, and the certificate's SHA-256 fingerprint. Pure: it
 * sees an already extracted {@link CertificateIdentity}, never a socket.
 *
 * Semantics:
 * - A rule matches when **every** field it names matches (AND); a field matches when
 *   **any** of the certificate's values of that kind matches (a certificate may carry
 *   several OUs or URI SANs).
 * - Deny wins: a certificate matching any `deny` rule is refused, whatever `allow` says.
 * - With `allow` rules, a certificate must match at least one; without any (no rule or
 *   only `deny`), every verified certificate passes.
 * - Only a **verified** certificate can pass: no certificate, or one that failed
 *   verification (`optional_no_ca` lets such a client reach the location), is refused.
 *
 * Pattern rules (checked when the configuration is loaded by {@link checkPattern}):
 * - `dns`: compared case-insensitively (RFC 4343), label by label; `*` is exactly one
 *   label, `**` (first label only) one or more labels; no partial-label wildcards.
 * - `uri`: compared case-sensitively (SPIFFE IDs are). Wildcards only in the path of a
 *   `scheme://authority/path` URI: `*` is exactly one non-empty segment, `**` (last
 *   segment only) one or more segments. `spiffe://example.org/ns/*\/sa/web` matches
 *   `spiffe://example.org/ns/prod/sa/web`, not `.../ns/a/b/sa/web`.
 * - `email`: `local@domain`; the local part is literal (case-sensitive, RFC 5321 §2.4) or
 *   `*`; the domain follows the `dns` rules.
 * - `cn`, `ou`, `o`: whole-value comparison, case-insensitive (X.520 caseIgnoreMatch,
 *   without stringprep); no wildcards.
 * - `fingerprint`: SHA-256 of the DER certificate, 64 hex digits, colons optional, any case.
 *
 * Source: RFC 5280 §4.2.1.6 (subjectAltName), §7.1 (name comparison); SPIFFE ID spec §2;
 * RFC 4343 (DNS case insensitivity); RFC 6125 §6.4.3 (one wildcard = one label).
 * @module
 */
import type { AuthorizeConfig, AuthorizeRule } from "./config.ts";

/** What the gateway knows about a client certificate, for the rules. */
export interface CertificateIdentity {
  /** The chain verified (`$ssl_client_verify` is `SUCCESS`). */
  readonly verified: boolean;
  /** Subject DN, RFC 2253, for messages: `CN=client-1,O=Example`. */
  readonly subject: string;
  /** Subject commonName values. */
  readonly cn: readonly string[];
  /** Subject organizationalUnitName values. */
  readonly ou: readonly string[];
  /** Subject organizationName values. */
  readonly o: readonly string[];
  /** SAN dNSName values. */
  readonly dns: readonly string[];
  /** SAN uniformResourceIdentifier values. */
  readonly uri: readonly string[];
  /** SAN rfc822Name values. */
  readonly email: readonly string[];
  /** SHA-256 of the DER certificate, lowercase hex without colons. */
  readonly sha256: string;
}

/** Why a request was refused; stable, low-cardinality (a metric label). */
export type AuthorizeDenyReason = "no certificate" | "not verified" | "deny rule" | "no allow rule";

/** The decision for one request. */
export type AuthorizeDecision =
  | { readonly kind: "allow" }
  | {
      readonly kind: "deny";
      readonly reason: AuthorizeDenyReason;
      /** Plain words for the error log, e.g. `client certificate "CN=x" matches no allow rule`. */
      readonly message: string;
      /** The deny rule that matched. */
      readonly rule?: AuthorizeRule;
    };

/** The identity kinds a rule can name, in the order {@link ruleText} prints them. */
export const RULE_KEYS = ["cn", "ou", "o", "dns", "uri", "email", "fingerprint"] as const;
/** One of the {@link RULE_KEYS}. */
export type RuleKey = (typeof RULE_KEYS)[number];

/**
 * Checks one pattern of a rule.
 * @param key the kind of value
 * @param pattern the pattern as written
 * @returns a problem in plain words (`"*" must be a whole label...`), or undefined when valid
 * @example
 * ```ts
 * checkPattern("uri", "spiffe://example.org/ns/*\/sa/web"); // undefined
 * checkPattern("dns", "web*.example.org"); // "a wildcard must be a whole label ..."
 * ```
 */
export function checkPattern(key: RuleKey, pattern: string): string | undefined {
  if (pattern === "") return "the pattern is empty";
  switch (key) {
    case "cn":
    case "ou":
    case "o":
      return undefined;
    case "fingerprint":
      return /^[0-9a-fA-F]{64}$/.test(pattern.replaceAll(":", ""))
        ? undefined
        : `expected a SHA-256 fingerprint (64 hex digits, colons optional), got ${pattern.replaceAll(":", "").length} characters`;
    case "dns":
      return checkDnsPattern(pattern);
    case "email": {
      const at = pattern.lastIndexOf("@");
      if (at <= 0) return 'expected "local@domain" or "*@domain"';
      const local = pattern.slice(0, at);
      if (local !== "*" && local.includes("*")) return 'the local part is literal or a whole "*"';
      return checkDnsPattern(pattern.slice(at + 1));
    }
    case "uri":
      return checkUriPattern(pattern);
    default: {
      const never: never = key;
      throw new TypeError(`unknown rule key ${String(never)}`);
    }
  }
}

function checkDnsPattern(pattern: string): string | undefined {
  const labels = trimDot(pattern).split(".");
  for (const [i, l] of labels.entries()) {
    if (l === "") return `empty label in "${pattern}"`;
    if (l === "**" && i !== 0) return '"**" may only be the first label';
    if (l !== "*" && l !== "**" && l.includes("*"))
      return `a wildcard must be a whole label ("*.example.org"), got "${l}"`;
  }
  return undefined;
}

function checkUriPattern(pattern: string): string | undefined {
  if (!pattern.includes("*")) return undefined;
  const split = splitUri(pattern);
  if (!split) return 'wildcards need a "scheme://authority/path" URI';
  if (split.authority.includes("*")) return "wildcards are allowed in the path only";
  for (const [i, s] of split.segments.entries()) {
    if (s === "**" && i !== split.segments.length - 1) return '"**" may only be the last segment';
    if (s !== "*" && s !== "**" && s.includes("*"))
      return `a wildcard must be a whole path segment ("/ns/*/sa"), got "${s}"`;
  }
  return undefined;
}

function trimDot(name: string): string {
  return name.endsWith(".") ? name.slice(0, -1) : name;
}

function splitUri(uri: string): { authority: string; segments: string[] } | undefined {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*:\/\/[^/]*)(\/.*)?$/.exec(uri);
  if (!m) return undefined;
  return { authority: m[1] ?? "", segments: m[2] ? m[2].slice(1).split("/") : [] };
}

/** `*` one item, `**` (only first or last, per caller) one or more; others exact. */
function matchParts(pattern: readonly string[], value: readonly string[]): boolean {
  const [head, ...rest] = pattern;
  if (head === undefined) return value.length === 0;
  if (head === "**") {
    for (let n = 1; n <= value.length; n++) if (matchParts(rest, value.slice(n))) return true;
    return false;
  }
  const [v, ...vs] = value;
  if (v === undefined) return false;
  if (head === "*" ? v === "" : head !== v) return false;
  return matchParts(rest, vs);
}

function matchDns(pattern: string, name: string): boolean {
  const p = trimDot(pattern).toLowerCase().split(".");
  const n = trimDot(name).toLowerCase().split(".");
  return matchParts(p, n);
}

function matchUri(pattern: string, uri: string): boolean {
  if (!pattern.includes("*")) return pattern === uri;
  const p = splitUri(pattern);
  const u = splitUri(uri);
  if (!p || !u || p.authority !== u.authority) return false;
  return matchParts(p.segments, u.segments);
}

function matchEmail(pattern: string, email: string): boolean {
  const pa = pattern.lastIndexOf("@");
  const ea = email.lastIndexOf("@");
  if (ea <= 0) return false;
  const local = pattern.slice(0, pa);
  if (local !== "*" && local !== email.slice(0, ea)) return false;
  return matchDns(pattern.slice(pa + 1), email.slice(ea + 1));
}

/**
 * Whether one pattern matches one value of its kind.
 * @param key the kind
 * @param pattern a pattern that passed {@link checkPattern}
 * @param value the certificate's value
 * @returns true on a match
 */
export function matchPattern(key: RuleKey, pattern: string, value: string): boolean {
  switch (key) {
    case "cn":
    case "ou":
    case "o":
      return pattern.toLowerCase() === value.toLowerCase();
    case "fingerprint":
      return pattern.replaceAll(":", "").toLowerCase() === value.replaceAll(":", "").toLowerCase();
    case "dns":
      return matchDns(pattern, value);
    case "uri":
      return matchUri(pattern, value);
    case "email":
      return matchEmail(pattern, value);
    default: {
      const never: never = key;
      throw new TypeError(`unknown rule key ${String(never)}`);
    }
  }
}

function valuesOf(identity: CertificateIdentity, key: RuleKey): readonly string[] {
  return key === "fingerprint" ? [identity.sha256] : identity[key];
}

/** The patterns of a rule by key, in {@link RULE_KEYS} order. */
export function rulePatterns(rule: AuthorizeRule): [RuleKey, string][] {
  const out: [RuleKey, string][] = [];
  for (const key of RULE_KEYS) {
    const v =
      key === "dns" || key === "uri" || key === "email" ? rule.san?.[key] : (rule[key] as string);
    if (v !== undefined) out.push([key, v]);
  }
  return out;
}

/**
 * Whether a rule matches a certificate: every field it names matches one of the
 * certificate's values of that kind. A rule naming no field matches nothing.
 * @param rule the rule
 * @param identity the certificate
 * @returns true on a match
 */
export function ruleMatches(rule: AuthorizeRule, identity: CertificateIdentity): boolean {
  const patterns = rulePatterns(rule);
  return (
    patterns.length > 0 &&
    patterns.every(([k, p]) => valuesOf(identity, k).some((v) => matchPattern(k, p, v)))
  );
}

/**
 * A rule in one line, nginx-directive style: `cn=client-1 san_uri=spiffe://example.org/x`.
 * @param rule the rule
 * @returns the text (keys `cn`, `ou`, `o`, `san_dns`, `san_uri`, `san_email`, `fingerprint`)
 */
export function ruleText(rule: AuthorizeRule): string {
  return rulePatterns(rule)
    .map(([k, v]) => `${k === "dns" || k === "uri" || k === "email" ? `san_${k}` : k}=${v}`)
    .join(" ");
}

function at(rule: AuthorizeRule): string {
  const l = rule.location;
  return l ? ` (${l.file}:${l.line})` : "";
}

/**
 * Decides whether a client may use a location.
 * @param config the location's `allow` and `deny` rules
 * @param identity the client's certificate, or undefined when it sent none
 * @returns `{ kind: "allow" }` or `{ kind: "deny", reason, message, rule? }`
 * @example
 * ```ts
 * const config = { allow: [{ san: { uri: "spiffe://example.org/ns/*\/sa/web" } }], deny: [] };
 * authorize(config, identity); // { kind: "allow" } for spiffe://example.org/ns/prod/sa/web
 * ```
 */
export function authorize(
  config: AuthorizeConfig,
  identity: CertificateIdentity | undefined,
): AuthorizeDecision {
  if (!identity) {
    return {
      kind: "deny",
      reason: "no certificate",
      message: "client sent no certificate, and this location needs an authorized one",
    };
  }
  const who = `client certificate "${identity.subject}"`;
  if (!identity.verified) {
    return {
      kind: "deny",
      reason: "not verified",
      message: `${who} is not verified, so no rule can allow it`,
    };
  }
  const denied = config.deny.find((r) => ruleMatches(r, identity));
  if (denied) {
    return {
      kind: "deny",
      reason: "deny rule",
      message: `${who} matches deny rule "${ruleText(denied)}"${at(denied)}`,
      rule: denied,
    };
  }
  if (config.allow.length === 0 || config.allow.some((r) => ruleMatches(r, identity))) {
    return { kind: "allow" };
  }
  return {
    kind: "deny",
    reason: "no allow rule",
    message: `${who} matches no allow rule`,
  };
}

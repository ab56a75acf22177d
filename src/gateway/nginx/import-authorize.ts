/**
 * The mtlskit extensions "beyond nginx" in nginx mode:
 * - `mtls_allow KEY=PATTERN...;` and `mtls_deny KEY=PATTERN...;` (server, location; may
 *   repeat): one rule per directive, its `KEY=PATTERN` arguments all required to match.
 *   Keys: `cn`, `ou`, `o`, `san_dns`, `san_uri`, `san_email`, `fingerprint`. A location
 *   with its own `mtls_allow`/`mtls_deny` replaces the server's rules (nginx array
 *   inheritance); otherwise it inherits them. Unlike nginx's `allow`/`deny`, order does
 *   not matter: deny wins.
 * - `mtls_reject_in_handshake on|off;` (server): strict mode, a missing or bad client
 *   certificate fails the TLS handshake; needs `ssl_verify_client on`.
 *
 * Source: mtlskit; nginx 1.22 `ngx_http_access_module` for the inheritance model.
 * @module
 */

import { checkPattern, type RuleKey } from "../authorize.ts";
import type { AuthorizeConfig, AuthorizeRule } from "../config.ts";
import { one } from "./check.ts";
import type { Directive } from "./parser.ts";
import type { ValueContext } from "./values.ts";

const KEYS: Readonly<Record<string, RuleKey>> = {
  cn: "cn",
  ou: "ou",
  o: "o",
  san_dns: "dns",
  san_uri: "uri",
  san_email: "email",
  fingerprint: "fingerprint",
};

function parseRule(cx: ValueContext, d: Directive): AuthorizeRule | undefined {
  const rule: {
    cn?: string;
    ou?: string;
    o?: string;
    fingerprint?: string;
    san?: { dns?: string; uri?: string; email?: string };
  } = {};
  let ok = true;
  for (const a of d.args) {
    const eq = a.value.indexOf("=");
    const name = eq < 0 ? a.value : a.value.slice(0, eq);
    const key = KEYS[name];
    if (eq < 0 || !key) {
      cx.report(
        "error",
        `Invalid argument "${a.raw}" in "${d.name}": expecting KEY=PATTERN with KEY one of ${Object.keys(KEYS).join(", ")}`,
        `e.g. \`${d.name} san_uri=spiffe://example.org/ns/*/sa/web;\``,
        a,
      );
      ok = false;
      continue;
    }
    const pattern = a.value.slice(eq + 1);
    const problem = checkPattern(key, pattern);
    if (problem) {
      cx.report("error", `Invalid pattern for "${name}" in "${d.name}": ${problem}`, undefined, a);
      ok = false;
      continue;
    }
    const taken = key === "dns" || key === "uri" || key === "email" ? rule.san?.[key] : rule[key];
    if (taken !== undefined) {
      cx.report(
        "error",
        `Duplicate key "${name}" in "${d.name}": a rule's keys must all match, so one value each`,
        `write a second \`${d.name}\` line to allow either value`,
        a,
      );
      ok = false;
      continue;
    }
    if (key === "dns" || key === "uri" || key === "email")
      rule.san = { ...rule.san, [key]: pattern };
    else rule[key] = pattern;
  }
  return ok ? { ...rule, location: d.location } : undefined;
}

/**
 * The `mtls_allow`/`mtls_deny` rules of a block over the inherited ones.
 * @param cx reporting context
 * @param byName the block's directives by name
 * @param inherited the enclosing server's rules (for a location)
 * @returns the rules, or undefined when neither the block nor its server has any
 */
export function authorizeRules(
  cx: ValueContext,
  byName: Map<string, Directive[]>,
  inherited: AuthorizeConfig | undefined,
): AuthorizeConfig | undefined {
  const allowD = byName.get("mtls_allow");
  const denyD = byName.get("mtls_deny");
  if (!allowD && !denyD) return inherited;
  const rules = (list: Directive[] | undefined) =>
    (list ?? []).flatMap((d) => parseRule(cx, d) ?? []);
  return { allow: rules(allowD), deny: rules(denyD) };
}

/**
 * `mtls_reject_in_handshake on|off` of a server block, checked against `ssl_verify_client`.
 * @param cx reporting context
 * @param byName the server block's directives by name
 * @param verifyClient the block's `ssl_verify_client`
 * @returns true for `on`
 */
export function rejectInHandshake(
  cx: ValueContext,
  byName: Map<string, Directive[]>,
  verifyClient: string,
): boolean {
  const d = one(byName, "mtls_reject_in_handshake");
  const a = d?.args[0];
  if (!d || !a) return false;
  if (a.value !== "on" && a.value !== "off") {
    cx.report(
      "error",
      `Invalid value for "mtls_reject_in_handshake": "${a.raw}", expecting "on" or "off"`,
      undefined,
      a,
    );
    return false;
  }
  if (a.value === "on" && verifyClient !== "on") {
    cx.report(
      "error",
      `Directive "mtls_reject_in_handshake on" needs "ssl_verify_client on": got "${verifyClient}"`,
      "strict mode refuses clients without a valid certificate, which only `ssl_verify_client on` requires",
      d.nameToken,
    );
    return false;
  }
  return a.value === "on";
}

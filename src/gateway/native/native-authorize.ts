/**
 * A route's `authorize:` block of the native YAML, checked and converted to the model:
 *
 * ```yaml
 * authorize:
 *   allow:
 *     - san: { uri: "spiffe://example.org/ns/*\/sa/web" }
 *     - { cn: admin-1, ou: ops }
 *   deny:
 *     - fingerprint: "3f:a2:..."
 * ```
 *
 * Each list item is one rule whose keys must all match; deny wins; without `allow` every
 * verified certificate passes. See `authorize.ts` for the pattern rules.
 * @module
 */
import type { SourceLocation } from "../../errors.ts";
import { checkPattern, type RuleKey, rulePatterns } from "../authorize.ts";
import type { AuthorizeConfig, AuthorizeRule } from "../config.ts";
import type { RawRule } from "./native-schema.ts";

/** How the caller reports problems and finds locations. */
export interface NativeAuthorizeContext {
  error(path: string, message: string, hint?: string): void;
  where(path: string): SourceLocation | undefined;
}

function keyPath(key: RuleKey): string {
  return key === "dns" || key === "uri" || key === "email" ? `san.${key}` : key;
}

/**
 * Converts `authorize:` (already shape-checked by the schema), reporting bad patterns and
 * empty rules at their path.
 * @param raw the validated value
 * @param path e.g. `listeners[0].routes[1].authorize`
 * @param cx error reporter and location lookup
 * @returns the rules
 */
export function nativeAuthorize(
  raw: { allow?: RawRule[]; deny?: RawRule[] },
  path: string,
  cx: NativeAuthorizeContext,
): AuthorizeConfig {
  const convert = (list: RawRule[] | undefined, name: string): AuthorizeRule[] =>
    (list ?? []).map((r, i) => {
      const rp = `${path}.${name}[${i}]`;
      const location = cx.where(rp);
      const rule: AuthorizeRule = { ...r, ...(location ? { location } : {}) };
      const patterns = rulePatterns(rule);
      if (patterns.length === 0)
        cx.error(rp, "a rule needs at least one of cn, ou, o, san, fingerprint");
      for (const [key, pattern] of patterns) {
        const problem = checkPattern(key, pattern);
        if (problem) cx.error(`${rp}.${keyPath(key)}`, problem);
      }
      return rule;
    });
  return { allow: convert(raw.allow, "allow"), deny: convert(raw.deny, "deny") };
}

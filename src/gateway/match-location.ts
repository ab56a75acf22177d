/**
 * Location selection of one server block, on nginx's normalized `$uri`.
 * Source: nginx 1.22 `ngx_http_core_find_location`, "location" in `ngx_http_core_module`.
 * @module
 */
import type { ServerConfig } from "./config.ts";
import { normalizeUri } from "./normalize-uri.ts";

/**
 * nginx's location choice: an exact `=` match wins; else the longest prefix; a `^~`
 * longest prefix stops there; else the first matching regex (`~`, `~*`) in configuration
 * order; else the longest prefix.
 * @param server the block
 * @param url the request target as sent (`/path?query`); matched as nginx's `$uri`
 *   ({@link normalizeUri}: decoded, dot segments resolved, slashes merged)
 * @param regexes compiled regexes parallel to the locations (compiled on the fly when absent)
 * @returns the index of the location, or undefined when none matches (or the target is invalid)
 */
export function matchLocation(
  server: ServerConfig,
  url: string,
  regexes?: readonly (RegExp | undefined)[],
): number | undefined {
  const normalized = normalizeUri(url);
  if (normalized.kind === "invalid") return undefined;
  const path = normalized.uri;
  let best: number | undefined;
  let bestLen = -1;
  for (const [i, l] of server.locations.entries()) {
    if (l.match === "exact" && l.path === path) return i;
    if ((l.match === "prefix" || l.match === "prefix_no_regex") && path.startsWith(l.path)) {
      if (l.path.length > bestLen) {
        best = i;
        bestLen = l.path.length;
      }
    }
  }
  if (best !== undefined && server.locations[best]?.match === "prefix_no_regex") return best;
  for (const [i, l] of server.locations.entries()) {
    if (l.match !== "regex" && l.match !== "regex_i") continue;
    const re = regexes?.[i] ?? new RegExp(l.path, l.match === "regex_i" ? "i" : "");
    if (re.test(path)) return i;
  }
  return best;
}

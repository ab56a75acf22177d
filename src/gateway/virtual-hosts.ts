/**
 * Choosing the `server` block for a name, as nginx does for SNI and for the `Host`
 * header: an exact name first, then the longest leading wildcard (`*.example.com`, which
 * also matches deeper names), then the longest trailing wildcard (`www.example.*`), then
 * regular expressions (`~^api\d+\.`) in order, else the default server (the block with
 * `listen ... default_server`, or the first block on that address). Names compare
 * case-insensitively; a `.example.com` name matches `example.com` and its subdomains.
 *
 * Source: nginx docs "Server names" and `ngx_http_core_module` `server_name` (1.22).
 * @module
 */

/** What the selection needs from each block. */
export interface NamedBlock {
  readonly serverNames: readonly string[];
}

/**
 * Index of the block serving `name`.
 * @param blocks the blocks sharing one listen address, in configuration order
 * @param name the SNI host name or the `Host` header's host (without port), any case
 * @param defaultIndex the default server's index; default 0
 * @returns the index of the chosen block
 * @example
 * ```ts
 * selectServer([{ serverNames: ["a.test"] }, { serverNames: ["*.b.test"] }], "x.b.test"); // 1
 * ```
 */
export function selectServer(
  blocks: readonly NamedBlock[],
  name: string | undefined,
  defaultIndex = 0,
): number {
  if (!name) return defaultIndex;
  const host = name.toLowerCase().replace(/\.$/, "");
  let best = -1;
  let bestLength = -1;
  // Exact.
  for (const [i, b] of blocks.entries()) {
    if (b.serverNames.some((n) => n.toLowerCase() === host)) return i;
  }
  // Leading wildcard (and the ".example.com" form).
  for (const [i, b] of blocks.entries()) {
    for (const n of b.serverNames) {
      const lower = n.toLowerCase();
      const suffix = lower.startsWith("*.")
        ? lower.slice(1)
        : lower.startsWith(".")
          ? lower
          : undefined;
      if (!suffix) continue;
      const hit = host.endsWith(suffix) || (lower.startsWith(".") && host === lower.slice(1));
      if (hit && suffix.length > bestLength) {
        best = i;
        bestLength = suffix.length;
      }
    }
  }
  if (best >= 0) return best;
  // Trailing wildcard.
  for (const [i, b] of blocks.entries()) {
    for (const n of b.serverNames) {
      const lower = n.toLowerCase();
      if (!lower.endsWith(".*")) continue;
      const prefix = lower.slice(0, -1);
      if (host.startsWith(prefix) && prefix.length > bestLength) {
        best = i;
        bestLength = prefix.length;
      }
    }
  }
  if (best >= 0) return best;
  // Regular expressions, first match wins.
  for (const [i, b] of blocks.entries()) {
    for (const n of b.serverNames) {
      if (!n.startsWith("~")) continue;
      try {
        if (new RegExp(n.slice(1), "i").test(host)) return i;
      } catch {
        // Invalid expressions are refused by the importer; never match here.
      }
    }
  }
  return defaultIndex;
}

/**
 * The host part of a `Host` header: lower-cased, without port or trailing dot.
 * @param host the header value
 * @returns the host, or undefined when the header is missing or empty
 */
export function hostOf(host: string | undefined): string | undefined {
  if (!host) return undefined;
  const h = host.startsWith("[") ? host.slice(0, host.indexOf("]") + 1) : host.split(":")[0];
  const out = (h ?? "").toLowerCase().replace(/\.$/, "");
  return out === "" ? undefined : out;
}

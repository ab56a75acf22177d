/**
 * Writes a set of TCP stream indexes (tshark's `tcp.stream`) compactly, runs of consecutive
 * indexes as ranges: `0–8, 10, 13–15`.
 * @module
 */

/**
 * Formats stream indexes as a comma-separated list of single indexes and `a–b` ranges (en
 * dash), in ascending order, duplicates dropped.
 * @param streams the indexes, in any order
 * @param options `total`: how many streams there are in all when `streams` holds only some
 *   of them (then `…` ends the list); defaults to the number of distinct indexes given
 * @returns the list, `""` for none
 * @example
 * ```ts
 * streamRanges([0, 1, 2, 3, 5, 7, 8]); // "0–3, 5, 7–8"
 * ```
 */
export function streamRanges(
  streams: Iterable<number>,
  options: { readonly total?: number } = {},
): string {
  const sorted = [...new Set(streams)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(j === i ? `${sorted[i]}` : `${sorted[i]}–${sorted[j]}`);
    i = j + 1;
  }
  if ((options.total ?? sorted.length) > sorted.length) parts.push("…");
  return parts.join(", ");
}

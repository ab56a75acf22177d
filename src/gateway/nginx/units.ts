/**
 * nginx value syntaxes: times (`5m`, `300s`, `1h30m`), sizes (`1m`, `512k`) and flags.
 * Source: nginx `src/core/ngx_parse.c` (`ngx_parse_time`, `ngx_parse_size`) and
 * `ngx_conf_set_flag_slot`.
 * @module
 */

const TIME_UNITS: ReadonlyArray<readonly [string, number]> = [
  ["y", 365 * 24 * 3600 * 1000],
  ["M", 30 * 24 * 3600 * 1000],
  ["w", 7 * 24 * 3600 * 1000],
  ["d", 24 * 3600 * 1000],
  ["h", 3600 * 1000],
  ["ms", 1],
  ["m", 60 * 1000],
  ["s", 1000],
];

/**
 * Parses an nginx time: one or more `NUMBER[UNIT]` parts, units `y M w d h m s ms`, each
 * part's unit smaller than the previous one; a bare number is seconds (for `is_sec`
 * directives) — nginx also allows spaces between parts, which only fit in quotes.
 * @param text e.g. `"5m"`, `"300"`, `"1h 30m"`
 * @returns milliseconds, or undefined when the text is not an nginx time
 */
export function parseNginxTime(text: string): number | undefined {
  const s = text.trim();
  if (s === "") return undefined;
  const part = /([0-9]+)\s*(ms|y|M|w|d|h|m|s)?\s*/y;
  let total = 0;
  let lastRank = -1;
  let bare = false;
  let i = 0;
  while (i < s.length) {
    part.lastIndex = i;
    const m = part.exec(s);
    if (!m || bare) return undefined;
    const unit = m[2];
    if (unit === undefined) bare = true;
    const rank = unit === undefined ? TIME_UNITS.length : TIME_UNITS.findIndex(([u]) => u === unit);
    if (rank <= lastRank) return undefined;
    lastRank = rank;
    const factor = unit === undefined ? 1000 : (TIME_UNITS[rank]?.[1] ?? 0);
    total += Number(m[1]) * factor;
    i = part.lastIndex;
  }
  return Number.isSafeInteger(total) ? total : undefined;
}

/**
 * Parses an nginx size: a number with an optional `k`/`K` (1024) or `m`/`M` (1024²) or
 * `g`/`G` (1024³) suffix.
 * @param text e.g. `"1m"`, `"32k"`, `"4096"`
 * @returns bytes, or undefined when the text is not an nginx size
 */
export function parseNginxSize(text: string): number | undefined {
  const m = /^([0-9]+)([kKmMgG]?)$/.exec(text);
  if (!m) return undefined;
  const unit = (m[2] ?? "").toLowerCase();
  const factor = unit === "k" ? 1024 : unit === "m" ? 1024 ** 2 : unit === "g" ? 1024 ** 3 : 1;
  const n = Number(m[1]) * factor;
  return Number.isSafeInteger(n) ? n : undefined;
}

/**
 * Parses an nginx flag (`on`/`off`, case-insensitive like nginx).
 * @returns true, false, or undefined when neither
 */
export function parseNginxFlag(text: string): boolean | undefined {
  const v = text.toLowerCase();
  return v === "on" ? true : v === "off" ? false : undefined;
}

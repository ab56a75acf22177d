/**
 * nginx's `ignore_invalid_headers on` (default) with `underscores_in_headers off`
 * (default): a request header whose name holds anything but ASCII letters, digits and `-`
 * is ignored: not proxied, not seen by `$http_*`, logged at `info` as
 * `client sent invalid header line`. Names with `_` matter most: CGI, WSGI and PHP map
 * `_` and `-` to the same variable, so `X_SSL_Client_Verify: SUCCESS` would pass for the
 * gateway's own `X-SSL-Client-Verify`.
 *
 * Source: nginx 1.22 `ngx_http_parse_header_line` (`lowcase_index`, `allow_underscores`),
 * "underscores_in_headers" and "ignore_invalid_headers" in `ngx_http_core_module`.
 * @module
 */

/** Options of {@link isValidHeaderName}. */
export interface HeaderNameOptions {
  /** `underscores_in_headers on`: `_` is a valid name character. Default false (nginx's). */
  readonly underscoresInHeaders?: boolean;
}

const STRICT = /^[A-Za-z0-9-]+$/;
const WITH_UNDERSCORES = /^[A-Za-z0-9_-]+$/;

/**
 * Whether nginx (with `ignore_invalid_headers on`) keeps a request header of this name.
 * @param name the header name as received, any case
 * @param options `underscoresInHeaders` (default false)
 * @returns true for names of ASCII letters, digits and `-` (and `_` when allowed)
 * @example
 * ```ts
 * isValidHeaderName("X-SSL-Client-Verify"); // true
 * isValidHeaderName("X_SSL_Client_Verify"); // false
 * ```
 */
export function isValidHeaderName(name: string, options: HeaderNameOptions = {}): boolean {
  return (options.underscoresInHeaders ? WITH_UNDERSCORES : STRICT).test(name);
}

/**
 * The names of the headers nginx would ignore, in arrival order, from Node's raw header
 * list (`IncomingMessage.rawHeaders`: name, value, name, value...).
 * @param rawHeaders alternating names and values as received
 * @param options `underscoresInHeaders` (default false)
 * @returns `[name, value]` pairs of the invalid header lines
 */
export function invalidHeaderLines(
  rawHeaders: readonly string[],
  options: HeaderNameOptions = {},
): readonly (readonly [string, string])[] {
  const out: [string, string][] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] ?? "";
    if (!isValidHeaderName(name, options)) out.push([name, rawHeaders[i + 1] ?? ""]);
  }
  return out;
}

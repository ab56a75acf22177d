/**
 * nginx's `$uri`: the request target's path, percent-decoded, with `.`/`..` segments
 * resolved and (with `merge_slashes on`, nginx's default) runs of `/` merged. Location
 * matching, authorization, `return` and `$uri` all look at this form, never at the target
 * as sent (`$request_uri`), so `//admin/x`, `/./admin/x`, `/x/../admin/x` and
 * `/x/%2e%2e/admin/x` all reach `location /admin/` like `/admin/x` does.
 *
 * Rules (nginx 1.22 `ngx_http_parse_complex_uri`, checked against nginx 1.22):
 * - the path ends at the first raw `?` (arguments) or `#` (fragment); a decoded `%3F` or
 *   `%23` is an ordinary character of the path;
 * - `%XX` is decoded; a decoded `/` or `.` counts as a separator or dot like a raw one
 *   (`%2e%2e` is `..`, `%2F` is `/`); `%` not followed by two hex digits, or a decoded NUL,
 *   makes the request invalid (400 Bad Request);
 * - `.` segments are dropped, `..` removes the previous segment; a `..` above the root
 *   makes the request invalid (400); a trailing `.` or `..` leaves a trailing `/`;
 * - with `mergeSlashes` (default true), empty segments are dropped (`//a` is `/a`);
 * - the absolute form `http://host/path` is reduced to its path; a target that does not
 *   start with `/` is invalid.
 * Bytes are decoded as UTF-8 (invalid sequences become U+FFFD) so `$uri` compares with the
 * location paths of the configuration, which are UTF-8 text.
 * @module
 */

/** The outcome of {@link normalizeUri}. */
export type NormalizedUri =
  | {
      readonly kind: "ok";
      /** `$uri`: decoded, dot segments resolved, slashes merged. */
      readonly uri: string;
    }
  | {
      readonly kind: "invalid";
      /** Why nginx would answer 400, e.g. `invalid percent-encoding "%zz"`. */
      readonly reason: string;
    };

/** Options of {@link normalizeUri}. */
export interface NormalizeUriOptions {
  /** `merge_slashes`: collapse runs of `/`. Default true (nginx's default). */
  readonly mergeSlashes?: boolean;
}

const ABSOLUTE_FORM = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i;
const utf8 = new TextDecoder("utf-8");

function hex(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  const c = code | 0x20;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  return -1;
}

function decodePercent(path: string): Uint8Array | string {
  const out: number[] = [];
  const enc = new TextEncoder();
  for (let i = 0; i < path.length; i++) {
    const code = path.charCodeAt(i);
    if (code === 0x25) {
      const hi = hex(path.charCodeAt(i + 1));
      const lo = hex(path.charCodeAt(i + 2));
      if (hi < 0 || lo < 0) return `invalid percent-encoding "${path.slice(i, i + 3)}"`;
      const byte = (hi << 4) | lo;
      if (byte === 0) return 'decoded NUL byte "%00"';
      out.push(byte);
      i += 2;
    } else if (code < 0x80) {
      out.push(code);
    } else {
      // Node hands request targets over as latin1 text; anything wider is re-encoded.
      if (code <= 0xff) out.push(code);
      else out.push(...enc.encode(path[i]));
    }
  }
  return Uint8Array.from(out);
}

/**
 * Normalizes a request target into nginx's `$uri`.
 * @param target the request target as sent (`/path?query`, or `http://host/path`)
 * @param options `mergeSlashes` (default true)
 * @returns `{ kind: "ok", uri }`, or `{ kind: "invalid", reason }` where nginx answers 400
 * @example
 * ```ts
 * normalizeUri("/x/%2e%2e//admin/./secret?a=1"); // { kind: "ok", uri: "/admin/secret" }
 * normalizeUri("/../etc/passwd"); // { kind: "invalid", reason: "..." }
 * ```
 */
export function normalizeUri(target: string, options: NormalizeUriOptions = {}): NormalizedUri {
  const merge = options.mergeSlashes ?? true;
  let t = target;
  const absolute = ABSOLUTE_FORM.exec(t);
  if (absolute) t = t.slice(absolute[0].length) || "/";
  if (!t.startsWith("/")) {
    return { kind: "invalid", reason: `request target does not start with "/": "${target}"` };
  }
  const end = t.search(/[?#]/);
  const raw = end < 0 ? t : t.slice(0, end);
  const bytes = decodePercent(raw);
  if (typeof bytes === "string") return { kind: "invalid", reason: bytes };
  const decoded = utf8.decode(bytes);
  const segments = decoded.slice(1).split("/");
  const out: string[] = [];
  for (const [i, s] of segments.entries()) {
    const last = i === segments.length - 1;
    if (s === "." || s === "..") {
      if (s === ".." && out.pop() === undefined) {
        return { kind: "invalid", reason: `".." above the root: "${raw}"` };
      }
      // A trailing dot segment leaves the directory: `/a/..` is `/`, `/a/.` is `/a/`.
      if (last) out.push("");
      continue;
    }
    if (s === "" && merge && !last) continue;
    out.push(s);
  }
  return { kind: "ok", uri: `/${out.join("/")}` };
}

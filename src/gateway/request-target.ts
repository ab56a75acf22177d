/**
 * The request target's host, before a server block is chosen: an absolute-form target
 * (`GET https://admin.example/x HTTP/1.1`) names the host, and its authority replaces the
 * `Host` header while the target is reduced to origin form (`/x`), so block selection,
 * the 421 check, `$host` and the upstream request all see the same host (RFC 9112 §3.2.2:
 * "the server MUST ignore the received Host header field … and instead use the host
 * information of the request-target"; nginx does the same). A request with more than one
 * `Host` header is invalid (RFC 9112 §3.2; nginx answers 400).
 *
 * Source: RFC 9112 §3.2, §3.2.2; nginx `ngx_http_process_request_uri`,
 * `ngx_http_process_host` ("client sent duplicate host header").
 * @module
 */

/** What {@link originFormTarget} decided. */
export type RequestTargetCheck =
  /** Nothing to change, or the target was rewritten in place. */
  | { readonly kind: "ok" }
  /** nginx answers 400; `reason` is the error log's wording. */
  | { readonly kind: "invalid"; readonly reason: string };

const ABSOLUTE_FORM = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i;

/** The parts of a Node `IncomingMessage` this check reads and rewrites. */
export interface RequestTargetParts {
  url?: string | undefined;
  readonly headers: { host?: string | undefined };
  /** Header names and values, alternating, as received. */
  readonly rawHeaders: readonly string[];
}

/**
 * Rewrites an absolute-form target to origin form in place, its authority becoming the
 * `Host` header; refuses duplicate `Host` headers and an absolute form without a host.
 * @param req the request (its `url` and `headers.host` may be replaced)
 * @returns `ok`, or `invalid` with the reason nginx logs
 * @example
 * ```ts
 * const req = { url: "https://a.example/x?y", headers: { host: "b" }, rawHeaders: ["Host", "b"] };
 * originFormTarget(req); // { kind: "ok" }; req.url === "/x?y", req.headers.host === "a.example"
 * ```
 */
export function originFormTarget(req: RequestTargetParts): RequestTargetCheck {
  let hosts = 0;
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    if (req.rawHeaders[i]?.toLowerCase() === "host") hosts++;
  }
  if (hosts > 1) return { kind: "invalid", reason: "client sent duplicate host header" };
  const url = req.url ?? "/";
  const absolute = ABSOLUTE_FORM.exec(url);
  if (!absolute) return { kind: "ok" };
  const authority = (absolute[1] ?? "").replace(/^.*@/, "");
  if (authority === "")
    return { kind: "invalid", reason: "client sent invalid host in request line" };
  const rest = url.slice(absolute[0].length);
  req.url = rest.startsWith("/") ? rest : `/${rest}`;
  req.headers.host = authority;
  return { kind: "ok" };
}

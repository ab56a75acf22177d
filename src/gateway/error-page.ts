/**
 * nginx's built-in error pages, byte for byte (the version line says what the caller
 * passes: nginx prints `nginx/1.22.1`, we print `mtlskit`). Pure.
 * Source: nginx `src/http/ngx_http_special_response.c` (1.22).
 * @module
 */

/** A ready-to-send error response. */
export interface ErrorPage {
  /** The status sent on the wire (495 and 496 go out as 400, as in nginx). */
  readonly status: number;
  readonly statusText: string;
  /** `text/html` body with CRLF line ends. */
  readonly body: string;
}

const PAGES: Readonly<Record<number, readonly [number, string, string | undefined]>> = {
  301: [301, "Moved Permanently", undefined],
  302: [302, "Found", undefined],
  303: [303, "See Other", undefined],
  307: [307, "Temporary Redirect", undefined],
  308: [308, "Permanent Redirect", undefined],
  400: [400, "Bad Request", undefined],
  401: [401, "Authorization Required", undefined],
  403: [403, "Forbidden", undefined],
  404: [404, "Not Found", undefined],
  405: [405, "Not Allowed", undefined],
  408: [408, "Request Time-out", undefined],
  413: [413, "Request Entity Too Large", undefined],
  421: [421, "Misdirected Request", undefined],
  429: [429, "Too Many Requests", undefined],
  495: [400, "Bad Request", "The SSL certificate error"],
  496: [400, "Bad Request", "No required SSL certificate was sent"],
  500: [500, "Internal Server Error", undefined],
  502: [502, "Bad Gateway", undefined],
  503: [503, "Service Temporarily Unavailable", undefined],
  504: [504, "Gateway Time-out", undefined],
};

/** True when nginx has a built-in page for `status`. */
export function hasErrorPage(status: number): boolean {
  return PAGES[status] !== undefined;
}

/**
 * Builds nginx's page for `status`.
 * @param status a 3xx redirect, 400, 401, 403, 404, 405, 408, 413, 421, 429, 495, 496, 500, 502, 503 or 504
 * @param options `server`: the text of the version line; default `"mtlskit"`
 * @returns `{ status, statusText, body }`
 * @throws {RangeError} for a status without a page
 * @example
 * ```ts
 * errorPage(496).body.split("\r\n")[1]; // "<head><title>400 No required SSL certificate was sent</title></head>"
 * ```
 */
export function errorPage(status: number, options: { readonly server?: string } = {}): ErrorPage {
  const entry = PAGES[status];
  if (!entry) throw new RangeError(`No error page for status ${status}`);
  const [wire, text, detail] = entry;
  const title = `${wire} ${detail ?? text}`;
  const lines = [
    "<html>",
    `<head><title>${title}</title></head>`,
    "<body>",
    `<center><h1>${wire} ${text}</h1></center>`,
    ...(detail ? [`<center>${detail}</center>`] : []),
    `<hr><center>${options.server ?? "mtlskit"}</center>`,
    "</body>",
    "</html>",
    "",
  ];
  return { status: wire, statusText: text, body: lines.join("\r\n") };
}

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
  400: [400, "Bad Request", undefined],
  404: [404, "Not Found", undefined],
  495: [400, "Bad Request", "The SSL certificate error"],
  496: [400, "Bad Request", "No required SSL certificate was sent"],
  500: [500, "Internal Server Error", undefined],
  502: [502, "Bad Gateway", undefined],
  504: [504, "Gateway Time-out", undefined],
};

/**
 * Builds nginx's page for `status`.
 * @param status 400, 404, 495, 496, 500, 502 or 504
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

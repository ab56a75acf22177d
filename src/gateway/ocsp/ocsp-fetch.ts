/**
 * Sends an OCSP request to a responder over HTTP: `POST` with
 * `Content-Type: application/ocsp-request`, the DER response read up to a size limit,
 * the whole exchange bounded by a timeout.
 *
 * Source: RFC 6960 Appendix A.1 (OCSP over HTTP).
 * @module
 */
import { Agent, request } from "undici";
import { ErrorCode, MtlsError } from "../../errors.ts";

/** Sends one DER OCSP request to a responder URL and resolves with the DER response body. */
export type OcspTransport = (url: string, body: Uint8Array) => Promise<Uint8Array>;

/** Options of {@link createOcspTransport}. */
export interface OcspTransportOptions {
  /** Time for the whole exchange (connect, send, response), in ms; default 5000. */
  readonly timeoutMs?: number;
  /** Largest response body accepted, in bytes; default 65536. */
  readonly maxBytes?: number;
}

/** The HTTP transport and the connection pool to close with it. */
export interface OcspHttpTransport {
  readonly send: OcspTransport;
  /** Closes the pooled connections to responders. */
  close(): Promise<void>;
}

/** Default OCSP exchange timeout: 5 seconds. */
export const DEFAULT_OCSP_TIMEOUT_MS = 5000;

/**
 * Creates the undici-based transport.
 * @param options `timeoutMs` (default 5000 ms), `maxBytes` (default 65536 bytes)
 * @returns `send(url, body)` and `close()`
 * @throws (from `send`) {MtlsError} `MTLS_NETWORK` when the responder cannot be reached,
 *   `MTLS_TIMEOUT` after `timeoutMs`, `MTLS_HTTP_STATUS` for a non-200 status, a wrong
 *   content type or an oversized body
 * @example
 * ```ts
 * const http = createOcspTransport({ timeoutMs: 3000 });
 * const der = await http.send("http://ocsp.example.test", encodeOcspRequest(id));
 * await http.close();
 * ```
 */
export function createOcspTransport(options: OcspTransportOptions = {}): OcspHttpTransport {
  const timeoutMs = options.timeoutMs ?? DEFAULT_OCSP_TIMEOUT_MS;
  const maxBytes = options.maxBytes ?? 65536;
  const agent = new Agent({
    connect: { timeout: timeoutMs },
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  });
  const send: OcspTransport = async (url, body) => {
    const signal = AbortSignal.timeout(timeoutMs);
    let res: Awaited<ReturnType<typeof request>>;
    try {
      res = await request(url, {
        method: "POST",
        dispatcher: agent,
        signal,
        headers: {
          "content-type": "application/ocsp-request",
          accept: "application/ocsp-response",
        },
        body: Buffer.from(body.buffer, body.byteOffset, body.byteLength),
      });
    } catch (e) {
      throw transportError(url, e, timeoutMs);
    }
    if (res.statusCode !== 200) {
      await res.body.dump().catch(() => undefined);
      throw new MtlsError(
        ErrorCode.HTTP_STATUS,
        `OCSP responder ${url} answered HTTP ${res.statusCode}, expecting 200`,
        { details: { url, status: res.statusCode } },
      );
    }
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of res.body) {
        size += (chunk as Buffer).byteLength;
        if (size > maxBytes) {
          res.body.destroy();
          throw new MtlsError(
            ErrorCode.HTTP_STATUS,
            `OCSP responder ${url} sent more than ${maxBytes} bytes`,
            { details: { url } },
          );
        }
        chunks.push(chunk as Buffer);
      }
    } catch (e) {
      if (e instanceof MtlsError) throw e;
      throw transportError(url, e, timeoutMs);
    }
    return new Uint8Array(Buffer.concat(chunks));
  };
  return { send, close: () => agent.close() };
}

function transportError(url: string, e: unknown, timeoutMs: number): MtlsError {
  const err = e as Error & { code?: string; cause?: { code?: string } };
  const code = err.code ?? err.cause?.code ?? "";
  if (err.name === "TimeoutError" || err.name === "AbortError" || /TIMEOUT/.test(code)) {
    return new MtlsError(
      ErrorCode.TIMEOUT,
      `OCSP responder ${url} timed out after ${timeoutMs} ms`,
      {
        cause: e,
        details: { url },
      },
    );
  }
  return new MtlsError(
    ErrorCode.NETWORK,
    `OCSP responder ${url} cannot be reached: ${code || err.message}`,
    { cause: e, details: { url, code } },
  );
}

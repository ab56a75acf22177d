import type { IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { isIP, connect as netConnect } from "node:net";
import { type SecureContext, type TLSSocket, connect as tlsConnect } from "node:tls";
import { ErrorCode, MtlsError } from "../errors.ts";
import { type CredentialSources, clientSecureContext } from "./credentials.ts";
import { TapDuplex } from "./tap.ts";
import { describeTlsFailure } from "./tls-failure.ts";
import { decryptTls13Trace } from "./tls13-decrypt.ts";
import type { TraceEvent } from "./trace-event.ts";
import { HandshakeTracer } from "./tracer.ts";

/** Default request timeout in ms: 120 s, the seed script's httplib2 timeout. */
export const DEFAULT_TIMEOUT_MS = 120_000;

/** Most redirects followed with `follow: true`. */
export const MAX_REDIRECTS = 10;

/** Options of {@link request}. */
export interface RequestOptions {
  /** PEM of the CA certificate(s) that verify the server; default Node's bundled roots. */
  readonly cacert?: string;
  /** PEM of the client certificate (and its chain) presented when the server asks. */
  readonly cert?: string;
  /** PEM of the client private key. */
  readonly key?: string;
  /** Request headers as `[name, value]` pairs, sent in order. */
  readonly headers?: readonly (readonly [string, string])[];
  /** HTTP method; default `GET`, or `POST` when `body` is given. */
  readonly method?: string;
  /** Request body. */
  readonly body?: string | Uint8Array;
  /** Deadline for each exchange (connect, handshake, response), in ms; default 120000. */
  readonly timeoutMs?: number;
  /** Follow 301/302/303/307/308 redirects, at most {@link MAX_REDIRECTS}; default false. */
  readonly follow?: boolean;
  /** Record the TLS records and handshake messages of the connection; default false. */
  readonly trace?: boolean;
  /** Skip server certificate verification; default false. */
  readonly insecure?: boolean;
  /** File names of `cacert`/`cert`/`key`, used in error messages; default the flag names. */
  readonly sources?: CredentialSources;
}

/** The response of {@link request}. */
export interface ClientResponse {
  readonly status: number;
  readonly statusText: string;
  /** `1.1` */
  readonly httpVersion: string;
  /** Header names lower-cased; repeated headers joined as Node does. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** Headers as received, `[name, value]` in order. */
  readonly rawHeaders: readonly (readonly [string, string])[];
  readonly body: Uint8Array;
  /** The URL that answered (after redirects). */
  readonly url: string;
  /** Negotiated protocol (`TLSv1.2`) and cipher (IANA name from Node's `standardName`). */
  readonly tls: { readonly protocol: string; readonly cipher: string };
  /** With `trace: true`: the events of the connection that answered. */
  readonly trace?: readonly TraceEvent[];
}

interface Exchange {
  readonly response: IncomingMessage;
  readonly body: Uint8Array;
  readonly tls: { readonly protocol: string; readonly cipher: string };
  readonly events: readonly TraceEvent[] | undefined;
}

function hostPort(url: URL): { host: string; port: number } {
  const host = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
  return { host, port: url.port ? Number(url.port) : 443 };
}

function networkError(e: unknown, url: URL, where: string): MtlsError {
  const code = (e as NodeJS.ErrnoException).code;
  const reason =
    code === "ECONNREFUSED"
      ? "connection refused"
      : code === "ENOTFOUND"
        ? "host not found"
        : code === "ECONNRESET"
          ? "connection reset by peer"
          : code === "EHOSTUNREACH"
            ? "host unreachable"
            : (e as Error).message;
  return new MtlsError(ErrorCode.NETWORK, `Cannot connect to ${where}: ${reason}`, {
    cause: e,
    details: { url: url.href, code },
    ...(code === "ECONNREFUSED"
      ? { hint: "check that the server is running and listening on that port" }
      : {}),
  });
}

function exchange(
  url: URL,
  options: RequestOptions,
  secureContext: SecureContext,
  method: string,
  body: Uint8Array | undefined,
): Promise<Exchange> {
  const { host, port } = hostPort(url);
  const where = `${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const tracer = options.trace ? new HandshakeTracer() : undefined;
  return new Promise<Exchange>((resolve, reject) => {
    let handshakeDone = false;
    let settled = false;
    const tcp = netConnect({ host, port });
    const tap = new TapDuplex(tcp, (direction, chunk) => tracer?.push(direction, chunk));
    const socket: TLSSocket = tlsConnect({
      socket: tap,
      host,
      ...(isIP(host) ? {} : { servername: host }),
      secureContext,
      rejectUnauthorized: !options.insecure,
      ALPNProtocols: ["http/1.1"],
    });
    const keyLog: string[] = [];
    if (tracer) socket.on("keylog", (line: Buffer) => keyLog.push(line.toString("latin1")));
    const traceEvents = (): readonly TraceEvent[] | undefined =>
      tracer ? decryptTls13Trace(tracer.events, keyLog) : undefined;
    let negotiated = { protocol: "", cipher: "" };
    socket.once("secureConnect", () => {
      handshakeDone = true;
      const cipher = socket.getCipher();
      negotiated = {
        protocol: socket.getProtocol() ?? "",
        cipher: cipher?.standardName ?? cipher?.name ?? "",
      };
    });
    const fail = (e: unknown): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      tcp.destroy();
      reject(toError(e));
    };
    const toError = (e: unknown): unknown => {
      const events = traceEvents();
      if (e instanceof MtlsError) return withTrace(e, events);
      const failure = describeTlsFailure(e, {
        ...(events ? { events } : {}),
        sentCertificate: options.cert !== undefined,
      });
      if (failure) {
        // A TLS 1.3 server rejects a client certificate after the client's Finished: still
        // the handshake for the user, so only alert-less failures count as "after".
        const stage =
          handshakeDone && failure.alert === undefined
            ? `TLS connection with ${where} failed after the handshake`
            : `TLS handshake with ${where} failed`;
        return withTrace(
          new MtlsError(ErrorCode.TLS_HANDSHAKE, `${stage}: ${failure.reason}`, {
            cause: e,
            ...(failure.hint ? { hint: failure.hint } : {}),
            details: { url: url.href, alert: failure.alert },
          }),
          events,
        );
      }
      return withTrace(networkError(e, url, where), events);
    };
    const timer = setTimeout(() => {
      fail(
        new MtlsError(
          ErrorCode.TIMEOUT,
          `Request to ${url.href} timed out after ${timeoutMs / 1000} s`,
          {
            hint: "raise --timeout (seconds) or check that the server answers",
            details: { url: url.href, timeoutMs, stage: handshakeDone ? "response" : "handshake" },
          },
        ),
      );
    }, timeoutMs);
    const req = httpsRequest(url, { method, createConnection: () => socket });
    for (const [name, value] of options.headers ?? []) req.appendHeader(name, value);
    req.on("error", fail);
    socket.on("error", fail);
    req.on("response", (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (c: Buffer) => chunks.push(c));
      response.on("error", fail);
      response.on("end", () => {
        if (settled) return;
        socket.end();
        // Let the close_notify exchange reach the tracer before returning.
        const finish = (): void => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolve({
            response,
            body: new Uint8Array(Buffer.concat(chunks)),
            tls: negotiated,
            events: traceEvents(),
          });
        };
        socket.once("close", finish);
        setTimeout(finish, 200).unref();
      });
    });
    if (body) req.end(body);
    else req.end();
  });
}

function withTrace(e: MtlsError, events: readonly TraceEvent[] | undefined): MtlsError {
  if (!events) return e;
  return new MtlsError(e.code, e.message, {
    cause: e.cause,
    ...(e.hint ? { hint: e.hint } : {}),
    details: { ...e.details, trace: events },
  });
}

/**
 * Makes one HTTPS request over mutual TLS, optionally tracing every TLS record and
 * handshake message of the connection (the seed's Python test script as a library).
 *
 * The TCP socket is wrapped in a {@link TapDuplex} handed to `tls.connect({ socket })`,
 * so both directions pass through the {@link HandshakeTracer}. A non-2xx status is not
 * an error here: the caller decides.
 *
 * @param url an `https:` URL
 * @param options PEM strings `cacert`/`cert`/`key`, `headers`, `method`, `body`,
 *   `timeoutMs` (ms, default 120000), `follow` (default false), `trace`, `insecure`
 * @returns status, headers, body, negotiated TLS and, with `trace`, the events
 * @throws {MtlsError} `MTLS_PKI_BAD_INPUT` / `MTLS_PKI_KEY_MISMATCH` for unusable PEM inputs
 *   (checked before connecting), `MTLS_TLS_HANDSHAKE` (verification failed, alert from the server:
 *   the message says which), `MTLS_NETWORK` (refused, reset, not found), `MTLS_TIMEOUT`,
 *   `MTLS_USAGE` (not https, too many redirects). With `trace`, `details.trace` holds the
 *   events seen before the failure.
 * @example
 * ```ts
 * const res = await request("https://127.0.0.1:8443/test_url", {
 *   cacert, cert, key, headers: [["accept", "application/json"]], trace: true,
 * });
 * console.log(res.status, new TextDecoder().decode(res.body));
 * ```
 */
export async function request(
  url: string | URL,
  options: RequestOptions = {},
): Promise<ClientResponse> {
  let current: URL;
  try {
    current = new URL(url);
  } catch {
    throw new MtlsError(
      ErrorCode.USAGE,
      `Invalid URL '${String(url)}': expected https://HOST[:PORT]/PATH`,
    );
  }
  // Validate the PEM inputs before any socket is opened.
  const secureContext = clientSecureContext(options, options.sources ?? {});
  let method = options.method ?? (options.body === undefined ? "GET" : "POST");
  let body =
    typeof options.body === "string" ? new TextEncoder().encode(options.body) : options.body;
  for (let hop = 0; ; hop++) {
    if (current.protocol !== "https:") {
      throw new MtlsError(
        ErrorCode.USAGE,
        `Unsupported URL ${current.href}: expected an https: URL`,
      );
    }
    const ex = await exchange(current, options, secureContext, method, body);
    const status = ex.response.statusCode ?? 0;
    const location = ex.response.headers.location;
    if (options.follow && location && [301, 302, 303, 307, 308].includes(status)) {
      if (hop >= MAX_REDIRECTS) {
        throw new MtlsError(
          ErrorCode.HTTP_STATUS,
          `Too many redirects: more than ${MAX_REDIRECTS} from ${new URL(url).href}`,
          {
            details: { url: current.href },
          },
        );
      }
      if (status === 303 || ((status === 301 || status === 302) && method === "POST")) {
        method = "GET";
        body = undefined;
      }
      current = new URL(location, current);
      continue;
    }
    const raw = ex.response.rawHeaders;
    const rawHeaders: [string, string][] = [];
    for (let i = 0; i + 1 < raw.length; i += 2) rawHeaders.push([raw[i]!, raw[i + 1]!]);
    return {
      status,
      statusText: ex.response.statusMessage ?? "",
      httpVersion: ex.response.httpVersion,
      headers: ex.response.headers,
      rawHeaders,
      body: ex.body,
      url: current.href,
      tls: ex.tls,
      ...(ex.events ? { trace: ex.events } : {}),
    };
  }
}

/**
 * The error_log line of a failed client handshake, in nginx's words.
 *
 * Source: nginx 1.22 `ngx_event_openssl.c` (`SSL_do_handshake() failed`), `ngx_http_request.c`
 * (`client timed out ... while SSL handshaking`).
 * @module
 */
import { opensslReason } from "./openssl-reason.ts";

/**
 * The line nginx logs (at `info`) when a client's handshake fails or times out.
 * @param error Node's `tlsClientError` (`code` `ERR_TLS_HANDSHAKE_TIMEOUT` for a timeout)
 * @param client the client's address (`-` when unknown)
 * @param server the listen address, `host:port`
 * @returns e.g. `SSL_do_handshake() failed (SSL: error:...:no suitable signature algorithm) while SSL handshaking, client: 127.0.0.1, server: 127.0.0.1:8443`
 */
export function handshakeErrorLine(
  error: Error & { readonly code?: string },
  client: string | undefined,
  server: string,
): string {
  return error.code === "ERR_TLS_HANDSHAKE_TIMEOUT"
    ? `client timed out (110: Connection timed out) while SSL handshaking, client: ${client ?? "-"}, server: ${server}`
    : `SSL_do_handshake() failed (SSL: ${opensslReason(error.message)}) while SSL handshaking, client: ${client ?? "-"}, server: ${server}`;
}

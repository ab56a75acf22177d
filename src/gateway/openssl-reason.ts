/**
 * OpenSSL error strings as nginx logs them, shared by the HTTP gateway and the stream proxy.
 * @module
 */

/**
 * OpenSSL's `error:CODE:lib:func:reason` without Node's source-file suffix, on one line,
 * with the function left empty as OpenSSL 3 prints it (nginx error_log "SSL_do_handshake()
 * failed (SSL: ...)").
 * @param message a Node TLS error message
 * @returns e.g. `error:0A000412:SSL routines::sslv3 alert bad certificate`, or the first
 *   line of the message when it is not an OpenSSL error
 * @throws nothing
 */
export function opensslReason(message: string): string {
  const first = message.split("\n")[0] ?? message;
  const m = /(error:[0-9A-F]+):([^:]*):[^:]*:([^:]*)/.exec(first);
  return m ? `${m[1]}:${m[2]}::${m[3]}` : first;
}

/**
 * The `reason` label of the handshake-failure metric: the OpenSSL reason without its
 * `error:CODE:lib::` prefix.
 * @param message a Node TLS error message
 * @returns e.g. `sslv3 alert bad certificate`
 */
export function handshakeFailureLabel(message: string): string {
  return opensslReason(message).replace(/^error:[0-9A-F]+:[^:]*::/, "");
}

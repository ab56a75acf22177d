/**
 * The error classes and stable codes shared by every part of mtlskit.
 *
 * - Misuse of an API throws the built-ins `TypeError` / `RangeError`.
 * - A byte parser throws {@link ParseError} (a `SyntaxError`) carrying `offset` and `path`.
 * - Conditions a caller handles throw {@link MtlsError} with a stable `code`.
 *
 * Message grammar: sentence case, no trailing period, what failed, then a colon and the
 * detail with actual and expected values: `Cannot read TLS record header: needs 5 bytes,
 * 3 remaining`.
 *
 * @module
 */

/** Stable error codes. Callers (and the CLI's exit-status map) switch on these. */
export const ErrorCode = {
  /** Command-line usage error (exit status 2). */
  USAGE: "MTLS_USAGE",
  /** A file could not be read or written. */
  FILE: "MTLS_FILE",
  /** A file exists and `--force` was not given. */
  EXISTS: "MTLS_EXISTS",
  /** PEM/DER input that does not decode. */
  PKI_BAD_INPUT: "MTLS_PKI_BAD_INPUT",
  /** A private key does not match its certificate. */
  PKI_KEY_MISMATCH: "MTLS_PKI_KEY_MISMATCH",
  /** A CSR whose self-signature does not verify. */
  PKI_BAD_CSR: "MTLS_PKI_BAD_CSR",
  /** A request the CA's policy refuses. */
  PKI_POLICY: "MTLS_PKI_POLICY",
  /** Configuration text that does not parse (nginx or YAML). */
  CONFIG_SYNTAX: "MTLS_CONFIG_SYNTAX",
  /** Configuration that parses but is not valid (unknown directive, bad value...). */
  CONFIG_INVALID: "MTLS_CONFIG_INVALID",
  /** A listening address is already in use. */
  ADDRESS_IN_USE: "MTLS_ADDRESS_IN_USE",
  /** A network peer could not be reached or failed the exchange. */
  NETWORK: "MTLS_NETWORK",
  /** A TLS handshake failed. */
  TLS_HANDSHAKE: "MTLS_TLS_HANDSHAKE",
  /** An HTTP exchange completed with a non-2xx status. */
  HTTP_STATUS: "MTLS_HTTP_STATUS",
  /** A timeout elapsed. */
  TIMEOUT: "MTLS_TIMEOUT",
  /** A capture file that cannot be read. */
  CAPTURE: "MTLS_CAPTURE",
  /** A certificate that does not verify (chain, time, purpose, name or revocation). */
  PKI_VERIFY: "MTLS_PKI_VERIFY",
  /** An OCSP response that is malformed, stale, unauthorized or answers another question. */
  OCSP: "MTLS_OCSP",
} as const;

/** One of the {@link ErrorCode} values. */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Where in a text file a problem is: 1-based line and column (in characters). */
export interface SourceLocation {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/** Options shared by {@link MtlsError} and its subclasses. */
export interface MtlsErrorOptions {
  /** The underlying error, if any. */
  readonly cause?: unknown;
  /** What the user can do about it; the CLI prints it after the message. */
  readonly hint?: string;
  /** Where in a text file the problem is; the CLI prefixes `file:line:col: `. */
  readonly location?: SourceLocation;
  /** The values involved (paths, serials, ports...), for programmatic use. */
  readonly details?: Readonly<Record<string, unknown>>;
}

/**
 * An error a caller is expected to handle, identified by a stable {@link ErrorCode}.
 *
 * @example
 * ```ts
 * throw new MtlsError(ErrorCode.PKI_KEY_MISMATCH, "Key does not match certificate: server.key, server.crt", {
 *   hint: "issue a new certificate for this key with `mtls pki issue`",
 * });
 * ```
 */
export class MtlsError extends Error {
  override name = "MtlsError";
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly location: SourceLocation | undefined;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, message: string, options: MtlsErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.hint = options.hint;
    this.location = options.location;
    this.details = options.details ?? {};
  }
}

/**
 * A failure to parse bytes: carries the byte `offset` (from the start of the unit being
 * parsed) and the `path` of nested structures, filled in as the error bubbles up.
 *
 * @example
 * ```ts
 * try { parseCertificateMessage(r) } catch (e) {
 *   if (e instanceof ParseError) throw e.within("handshake Certificate", base);
 *   throw e;
 * }
 * ```
 */
export class ParseError extends SyntaxError {
  override name = "ParseError";
  /** Bytes from the start of the outermost unit that has annotated this error. */
  offset: number;
  /** Outermost first, e.g. `["record[3]", "handshake Certificate", "certificate_list[1]"]`. */
  readonly path: string[];
  /** The message without the path prefix. */
  readonly reason: string;

  constructor(reason: string, offset: number, path: readonly string[] = []) {
    super(reason);
    this.reason = reason;
    this.offset = offset;
    this.path = [...path];
    this.#refresh();
  }

  /**
   * Adds an enclosing structure to the path and shifts the offset by `base` bytes.
   * @returns this error, for `throw e.within(...)`
   */
  within(segment: string, base = 0): this {
    this.path.unshift(segment);
    this.offset += base;
    this.#refresh();
    return this;
  }

  #refresh(): void {
    const where = this.path.length > 0 ? `${this.path.join(" > ")}: ` : "";
    this.message = `${where}${this.reason} (at byte ${this.offset})`;
  }
}

/** True when `e` is a Node.js system error with the given `code` (e.g. `ENOENT`). */
export function isErrno(e: unknown, code: string): e is NodeJS.ErrnoException {
  return e instanceof Error && (e as NodeJS.ErrnoException).code === code;
}

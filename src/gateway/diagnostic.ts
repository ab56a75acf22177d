/**
 * Diagnostics of the gateway configuration: every problem found while reading a config,
 * collected (not thrown at the first), each with its `file:line:col` and a hint.
 * @module
 */
import { type ErrorCode, MtlsError, type SourceLocation } from "../errors.ts";

/** `error` refuses the configuration; `warning` is printed and the gateway runs. */
export type Severity = "error" | "warning";

/** One problem in a configuration file. */
export interface Diagnostic {
  readonly severity: Severity;
  /** `MTLS_CONFIG_SYNTAX` (lexer/parser), `MTLS_CONFIG_INVALID`, `MTLS_FILE`, `MTLS_PKI_KEY_MISMATCH`. */
  readonly code: ErrorCode;
  /** Sentence case, no trailing period: `What failed: detail`. */
  readonly message: string;
  /** What to do about it. */
  readonly hint?: string;
  /** Where it is; absent only for problems of the whole file. */
  readonly location?: SourceLocation;
}

/**
 * Formats a diagnostic the way the CLI prints it:
 * `file:line:col: error: message` and, on the next line, `  hint: ...`.
 * @returns one or two lines, without a trailing newline
 */
export function formatDiagnostic(d: Diagnostic): string {
  const where = d.location ? `${d.location.file}:${d.location.line}:${d.location.column}: ` : "";
  const hint = d.hint ? `\n  hint: ${d.hint}` : "";
  return `${where}${d.severity}: ${d.message}${hint}`;
}

/**
 * A configuration refused because of one or more errors. `message`, `hint` and
 * `location` are those of the first error; `diagnostics` holds them all (warnings too).
 */
export class ConfigError extends MtlsError {
  override name = "ConfigError";
  readonly diagnostics: readonly Diagnostic[];

  constructor(diagnostics: readonly Diagnostic[]) {
    const errors = diagnostics.filter((d) => d.severity === "error");
    const first = errors[0];
    if (!first) throw new TypeError("ConfigError needs at least one error diagnostic");
    const more = errors.length > 1 ? ` (and ${errors.length - 1} more errors)` : "";
    super(first.code, `${first.message}${more}`, {
      ...(first.hint ? { hint: first.hint } : {}),
      ...(first.location ? { location: first.location } : {}),
      details: { diagnostics },
    });
    this.diagnostics = diagnostics;
  }
}

/** True when any diagnostic is an error. */
export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === "error");
}

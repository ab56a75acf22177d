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
 * Characters never printed as they are: C0 controls, DEL, C1 controls, Unicode line and
 * paragraph separators, bidirectional embeddings, overrides and isolates (which can
 * make a line read differently from its bytes), and the invisible U+FEFF.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/gu;

const SHORT_ESCAPES: Readonly<Record<string, string>> = { "\t": "\\t", "\n": "\\n", "\r": "\\r" };

/**
 * Makes text from a configuration file safe to print on a terminal: control and
 * invisible characters become escapes (`\t`, `\n`, `\r`, `\x1b`, `\u{202e}`), everything
 * else is kept (other non-ASCII letters included).
 * @param text any text, e.g. a directive name read from a binary file
 * @returns the text with every unprintable character escaped
 * @example
 * ```ts
 * escapeControls("a\u001b[31mb"); // "a\\x1b[31mb"
 * ```
 */
export function escapeControls(text: string): string {
  return text.replace(UNPRINTABLE, (c) => {
    const short = SHORT_ESCAPES[c];
    if (short) return short;
    const cp = c.codePointAt(0) ?? 0;
    return cp < 0x100
      ? `\\x${cp.toString(16).padStart(2, "0")}`
      : `\\u{${cp.toString(16).padStart(4, "0")}}`;
  });
}

/**
 * Formats a diagnostic the way the CLI prints it:
 * `file:line:col: error: message` and, on the next line, `  hint: ...`. Control and
 * invisible characters are escaped (see {@link escapeControls}), so a diagnostic is
 * always one line (two with the hint) and never drives the terminal.
 * @returns one or two lines, without a trailing newline
 */
export function formatDiagnostic(d: Diagnostic): string {
  const where = d.location ? `${d.location.file}:${d.location.line}:${d.location.column}: ` : "";
  const hint = d.hint ? `\n  hint: ${escapeControls(d.hint)}` : "";
  return `${escapeControls(`${where}${d.severity}: ${d.message}`)}${hint}`;
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
    super(first.code, escapeControls(`${first.message}${more}`), {
      ...(first.hint ? { hint: escapeControls(first.hint) } : {}),
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

/**
 * Reads a gateway configuration file (nginx or native YAML) as text: a file that cannot
 * be read gives one diagnostic in plain words ("no such file", not `ENOENT: ...`).
 * @module
 */
import { readFileSync } from "node:fs";
import { ErrorCode, isErrno } from "../errors.ts";
import { ConfigError } from "./diagnostic.ts";

/** Options of {@link readConfigText}. */
export interface ReadConfigTextOptions {
  /** Reads a file; default `fs.readFileSync`. */
  readonly readFile?: (path: string) => Buffer;
}

/**
 * Why a file could not be read, in plain words: `no such file`, `permission denied`,
 * `is a directory`, else the system message.
 * @param e what `readFile` threw
 * @returns a short reason, without the path
 */
export function readFailureReason(e: unknown): string {
  if (isErrno(e, "ENOENT")) return "no such file";
  if (isErrno(e, "EACCES") || isErrno(e, "EPERM")) return "permission denied";
  if (isErrno(e, "EISDIR")) return "is a directory";
  return e instanceof Error ? e.message : String(e);
}

/**
 * Reads a configuration file and decodes it as UTF-8.
 * @param file path of the configuration file
 * @param options `readFile` (injectable for tests)
 * @returns the file's text
 * @throws {ConfigError} one `MTLS_FILE` diagnostic (no location) when the file cannot be read,
 *   e.g. `Cannot read configuration file gw.conf: no such file`
 * @example
 * ```ts
 * const text = readConfigText("gateway.conf");
 * ```
 */
export function readConfigText(file: string, options: ReadConfigTextOptions = {}): string {
  const readFile = options.readFile ?? ((p: string) => readFileSync(p));
  let bytes: Buffer;
  try {
    bytes = readFile(file);
  } catch (e) {
    throw new ConfigError([
      {
        severity: "error",
        code: ErrorCode.FILE,
        message: `Cannot read configuration file ${file}: ${readFailureReason(e)}`,
      },
    ]);
  }
  return bytes.toString("utf8");
}

/**
 * The check every `--ca DIR` command makes before anything else, so that a mistyped store
 * is reported as such and not as a later symptom ("Refusing to overwrite server.crt").
 * @module
 */
import { statSync } from "node:fs";
import { join } from "node:path";
import { ErrorCode, MtlsError } from "../../errors.ts";

/** Options of {@link requireCaStore}. */
export interface RequireCaStoreOptions {
  /**
   * Whether the store must hold `ca.crt` or `ca.key` (commands that sign); `false` checks
   * the directory only. Default `true`.
   */
  readonly keys?: boolean;
  /** The option that named the store, for the hint; default `--ca`. */
  readonly option?: string;
}

/** Whether `path` exists, is a directory, or neither. */
function kindOf(path: string): "missing" | "directory" | "other" {
  try {
    return statSync(path).isDirectory() ? "directory" : "other";
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return "missing";
    throw new MtlsError(ErrorCode.FILE, `Cannot read CA store ${path}: ${(e as Error).message}`, {
      details: { path },
      cause: e,
    });
  }
}

/**
 * Checks that `dir` is a CA store made by `mtls pki init`.
 * @param dir the store directory given with `--ca`
 * @param options what to require (see {@link RequireCaStoreOptions})
 * @throws {MtlsError} `MTLS_FILE`: `Cannot read CA store DIR: no such directory`, `...: not
 *   a directory`, or `...: no ca.crt or ca.key`, each with a hint
 * @example
 * ```ts
 * requireCaStore(opts.ca); // before reading the CSR or writing anything
 * ```
 */
export function requireCaStore(dir: string, options: RequireCaStoreOptions = {}): void {
  const create = `create one with \`mtls pki init --dir ${dir}\``;
  const fail = (detail: string, hint: string): never => {
    throw new MtlsError(ErrorCode.FILE, `Cannot read CA store ${dir}: ${detail}`, {
      hint,
      details: { path: dir },
    });
  };
  const kind = kindOf(dir);
  if (kind === "missing") fail("no such directory", create);
  if (kind === "other") {
    fail(
      "not a directory",
      `${options.option ?? "--ca"} takes the directory \`mtls pki init --dir\` created`,
    );
  }
  if (options.keys === false) return;
  if (kindOf(join(dir, "ca.crt")) === "missing" && kindOf(join(dir, "ca.key")) === "missing") {
    fail("no ca.crt or ca.key", create);
  }
}

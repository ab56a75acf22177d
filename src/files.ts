/**
 * File helpers with the project's guarantees: atomic writes (write to a temporary file in
 * the same directory, fsync, rename), private keys at mode 0600, nothing overwritten
 * without `force`, and read errors that say which file and what to do.
 * @module
 */
import { randomBytes } from "node:crypto";
import {
  closeSync,
  existsSync,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from "node:fs";
import { basename, dirname, join } from "node:path";
import { ErrorCode, isErrno, MtlsError } from "./errors.ts";

/** Options of {@link writeFileAtomic}. */
export interface WriteOptions {
  /** File mode; default 0o644. Use 0o600 for private keys. */
  readonly mode?: number;
  /** Replace an existing file; default false (throws `MTLS_EXISTS`). */
  readonly force?: boolean;
}

/**
 * Writes `data` to `path` atomically: readers see the old content or the new, never a
 * part. The file gets `mode` from its creation (a key is never world-readable, even
 * briefly).
 * @throws {MtlsError} `MTLS_EXISTS` when the file exists and `force` is false;
 *   `MTLS_FILE` when the directory is not writable
 */
export function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  options: WriteOptions = {},
): void {
  const mode = options.mode ?? 0o644;
  if (!options.force && existsSync(path)) {
    throw new MtlsError(ErrorCode.EXISTS, `Refusing to overwrite ${path}: the file exists`, {
      hint: "pass --force to replace it, or choose another name",
      details: { path },
    });
  }
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, "wx", mode);
    const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, path);
  } catch (e) {
    if (fd !== undefined) closeSync(fd);
    rmSync(tmp, { force: true });
    throw new MtlsError(ErrorCode.FILE, `Cannot write ${path}: ${describeWriteError(e, path)}`, {
      cause: e,
      hint: "check that the directory exists and is writable",
      details: { path },
    });
  }
}

/**
 * Why writing `path` failed, in plain words: no errno code, and never the name of the
 * temporary file an atomic write used (`directory /x does not exist`, `permission denied`).
 * @param e the error a write threw
 * @param path the file the caller meant to write
 */
export function describeWriteError(e: unknown, path: string): string {
  if (isErrno(e, "ENOENT")) return `directory ${dirname(path)} does not exist`;
  if (isErrno(e, "ENOTDIR")) return `${dirname(path)} is not a directory`;
  if (isErrno(e, "EACCES") || isErrno(e, "EPERM")) return "permission denied";
  if (isErrno(e, "ENOSPC")) return "no space left on device";
  return (e as Error).message;
}

/**
 * Why reading a file failed, in plain words (`no such file`, `permission denied`, `is a
 * directory`), or the error's own message for anything else.
 * @param e the error a read threw
 */
export function describeReadError(e: unknown): string {
  if (isErrno(e, "ENOENT")) return "no such file";
  if (isErrno(e, "EACCES") || isErrno(e, "EPERM")) return "permission denied";
  if (isErrno(e, "EISDIR")) return "is a directory";
  return e instanceof Error ? e.message : String(e);
}

/**
 * Reads a file, turning system errors into one clear line.
 * @param what what the file is for the user, e.g. "CA certificate"
 * @throws {MtlsError} `MTLS_FILE` when missing or unreadable
 */
export function readFileChecked(path: string, what = "file"): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new MtlsError(ErrorCode.FILE, `Cannot read ${what} ${path}: ${describeReadError(e)}`, {
      cause: e,
      details: { path },
    });
  }
}

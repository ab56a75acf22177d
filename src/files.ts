/**
 * File helpers with the project's guarantees: atomic writes (write to a temporary file in
 * the same directory, fsync, rename), private keys at mode 0600, nothing overwritten
 * without `force`, and read errors that say which file and what to do.
 * @module
 */
import { randomBytes } from "node:crypto";
import {
  closeSync,
  constants,
  existsSync,
  fstatSync,
  fsyncSync,
  openSync,
  readSync,
  renameSync,
  rmSync,
  type Stats,
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

/** Default cap of {@link readRegularFile}: 16 MiB, far above any config, PEM or CRL. */
export const MAX_INPUT_BYTES = 16 * 1024 * 1024;

/** Options of {@link readRegularFile}. */
export interface ReadRegularOptions {
  /** Largest file accepted, in bytes; default {@link MAX_INPUT_BYTES} (16 MiB). */
  readonly maxBytes?: number;
}

function fileKind(st: Stats): string {
  if (st.isDirectory()) return "a directory";
  if (st.isCharacterDevice()) return "a character device";
  if (st.isBlockDevice()) return "a block device";
  if (st.isFIFO()) return "a FIFO";
  if (st.isSocket()) return "a socket";
  return "not a regular file";
}

function formatLimit(bytes: number): string {
  return bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MiB` : `${bytes} bytes`;
}

/**
 * Reads a regular file whole, refusing what would hang or exhaust memory: a FIFO, a
 * device such as `/dev/zero`, a directory, or a file larger than `maxBytes`. The file is
 * opened non-blocking, so a FIFO without a writer is refused rather than waited on.
 * Errors are plain `Error`s whose message {@link describeReadError} passes through
 * (`is a character device, not a regular file`, `is larger than the 16 MiB limit`);
 * system errors (ENOENT, EACCES) are rethrown as they are.
 * @param path the file to read
 * @param options `maxBytes` (bytes; default 16 MiB)
 * @returns the file's bytes
 * @throws {Error} when the file is missing, unreadable, not a regular file or too large
 * @example
 * ```ts
 * const pem = readRegularFile("ca.crt");
 * ```
 */
export function readRegularFile(path: string, options: ReadRegularOptions = {}): Buffer {
  const maxBytes = options.maxBytes ?? MAX_INPUT_BYTES;
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) {
      if (st.isDirectory()) throw new Error("is a directory");
      throw new Error(`is ${fileKind(st)}, not a regular file`);
    }
    const tooLarge = () => new Error(`is larger than the ${formatLimit(maxBytes)} limit`);
    if (st.size > maxBytes) throw tooLarge();
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const buf = Buffer.allocUnsafe(Math.min(Math.max(st.size - total, 0) + 65536, maxBytes + 1));
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      total += n;
      if (total > maxBytes) throw tooLarge();
      chunks.push(buf.subarray(0, n));
    }
    return Buffer.concat(chunks, total);
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads a file, turning system errors into one clear line. Only regular files up to
 * 16 MiB are read (see {@link readRegularFile}): `/dev/zero` or a FIFO is refused at once.
 * @param what what the file is for the user, e.g. "CA certificate"
 * @throws {MtlsError} `MTLS_FILE` when missing, unreadable, not a regular file or too large
 */
export function readFileChecked(path: string, what = "file"): Buffer {
  try {
    return readRegularFile(path);
  } catch (e) {
    throw new MtlsError(ErrorCode.FILE, `Cannot read ${what} ${path}: ${describeReadError(e)}`, {
      cause: e,
      details: { path },
    });
  }
}

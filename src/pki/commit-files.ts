/**
 * All-or-nothing writes of several files: every file is written to a temporary sibling
 * and synced before any target changes, so a failure (disk full, permissions, an existing
 * file) leaves every target as it was.
 * @module
 */
import { randomBytes } from "node:crypto";
import {
  closeSync,
  existsSync,
  fsyncSync,
  linkSync,
  openSync,
  renameSync,
  rmSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { basename, dirname, join } from "node:path";
import { ErrorCode, isErrno, MtlsError } from "../errors.ts";
import { describeWriteError } from "../files.ts";

/** One file to write. */
export interface FileToCommit {
  readonly path: string;
  readonly data: string | Uint8Array;
  /** File mode; default 0o644. Private keys: 0o600. */
  readonly mode?: number;
  /** Replace an existing file; default false. */
  readonly force?: boolean;
}

function exists(path: string): MtlsError {
  return new MtlsError(ErrorCode.EXISTS, `Refusing to overwrite ${path}: the file exists`, {
    hint: "pass --force to replace it, or choose another name",
    details: { path },
  });
}

function writeTemp(file: FileToCommit): string {
  const tmp = join(
    dirname(file.path),
    `.${basename(file.path)}.${randomBytes(6).toString("hex")}.tmp`,
  );
  const fd = openSync(tmp, "wx", file.mode ?? 0o644);
  try {
    const bytes = typeof file.data === "string" ? Buffer.from(file.data, "utf8") : file.data;
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return tmp;
}

/**
 * Writes `files` all or nothing. Files without `force` are placed with `link()`, which
 * fails rather than replace a file created meanwhile, and go first; forced ones follow with
 * `rename()` in the order given (so put the commit point, e.g. an index, last).
 * @throws {MtlsError} `MTLS_EXISTS` when a file without `force` exists (nothing written);
 *   `MTLS_FILE` when a file cannot be written (nothing changed)
 */
export function commitFiles(files: readonly FileToCommit[]): void {
  for (const f of files) if (!f.force && existsSync(f.path)) throw exists(f.path);
  const temps: string[] = [];
  const placed: string[] = [];
  let current = files[0]?.path ?? "";
  try {
    for (const f of files) {
      current = f.path;
      temps.push(writeTemp(f));
    }
    // New files first: they can be taken back; a forced replacement cannot.
    const order = files.map((f, i) => ({ f, tmp: temps[i] as string }));
    order.sort((a, b) => Number(a.f.force ?? false) - Number(b.f.force ?? false));
    for (const { f, tmp } of order) {
      current = f.path;
      if (f.force) {
        renameSync(tmp, f.path);
      } else {
        linkSync(tmp, f.path);
        placed.push(f.path);
        unlinkSync(tmp);
      }
    }
  } catch (e) {
    for (const tmp of temps) rmSync(tmp, { force: true });
    for (const path of placed) rmSync(path, { force: true });
    if (isErrno(e, "EEXIST")) throw exists(current);
    throw new MtlsError(
      ErrorCode.FILE,
      `Cannot write ${current}: ${describeWriteError(e, current)}`,
      {
        cause: e,
        hint: "check that the directory exists and is writable",
        details: { path: current },
      },
    );
  }
}

/**
 * A lock file so two issuers (processes or async tasks) cannot interleave
 * read-modify-write cycles of a CA's `index.json`: `open(O_CREAT|O_EXCL)` on
 * `index.json.lock` holding the owner's pid and time.
 * @module
 */
import { closeSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { ErrorCode, isErrno, MtlsError } from "../errors.ts";

/** Options of {@link withFileLock}. */
export interface FileLockOptions {
  /** How long to wait for the lock, in ms; default 10 000. */
  readonly timeoutMs?: number;
  /** A lock older than this is taken over, in ms; default 60 000 (an issuer that crashed). */
  readonly staleMs?: number;
  /** Pause between attempts, in ms; default 25. */
  readonly retryMs?: number;
  /** Clock, in ms since the epoch; default `Date.now`. */
  readonly now?: () => number;
}

function ownerIsGone(lockPath: string, staleMs: number, now: number): boolean {
  try {
    const [pidText] = readFileSync(lockPath, "utf8").split(" ");
    const pid = Number(pidText);
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid) {
      try {
        process.kill(pid, 0);
      } catch (e) {
        if (isErrno(e, "ESRCH")) return true;
      }
    }
    return now - statSync(lockPath).mtimeMs > staleMs;
  } catch {
    return false; // the lock vanished meanwhile: try again
  }
}

/**
 * Runs `fn` while holding the lock file `lockPath`; the lock is removed afterwards, even
 * when `fn` throws. A lock whose owner process is gone, or older than `staleMs`, is
 * taken over.
 * @returns what `fn` returns
 * @throws {MtlsError} `MTLS_TIMEOUT` when the lock stays taken for `timeoutMs`;
 *   `MTLS_FILE` when the lock cannot be created (directory missing or read-only)
 */
export async function withFileLock<T>(
  lockPath: string,
  fn: () => Promise<T>,
  options: FileLockOptions = {},
): Promise<T> {
  const now = options.now ?? Date.now;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const staleMs = options.staleMs ?? 60_000;
  const deadline = now() + timeoutMs;
  for (;;) {
    let fd: number | undefined;
    try {
      fd = openSync(lockPath, "wx", 0o644);
      writeSync(fd, `${process.pid} ${new Date(now()).toISOString()}\n`);
    } catch (e) {
      if (fd !== undefined) closeSync(fd);
      if (!isErrno(e, "EEXIST")) {
        throw new MtlsError(
          ErrorCode.FILE,
          `Cannot create lock ${lockPath}: ${(e as Error).message}`,
          {
            cause: e,
            details: { path: lockPath },
          },
        );
      }
      if (ownerIsGone(lockPath, staleMs, now())) {
        try {
          unlinkSync(lockPath);
        } catch {
          // another waiter took it over first
        }
        continue;
      }
      if (now() >= deadline) {
        throw new MtlsError(
          ErrorCode.TIMEOUT,
          `Cannot lock ${lockPath}: still held after ${timeoutMs} ms`,
          {
            hint: `another mtls process is issuing; if none is, remove ${lockPath}`,
            details: { path: lockPath },
          },
        );
      }
      await sleep(options.retryMs ?? 25);
      continue;
    }
    closeSync(fd);
    try {
      return await fn();
    } finally {
      try {
        unlinkSync(lockPath);
      } catch {
        // already gone: nothing to release
      }
    }
  }
}

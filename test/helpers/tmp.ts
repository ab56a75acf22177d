import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Anything with an `after` hook: a test's context, or `{ after }` from node:test for a suite. */
export interface HasAfterHook {
  after(fn: () => void): void;
}

/** A fresh temporary directory removed when the test (or suite) ends. */
export function tempDir(t: HasAfterHook, prefix = "mtls-test-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

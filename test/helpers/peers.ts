import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import type { TestContext } from "node:test";

const cache = new Map<string, string | null>();

/** Absolute path of a peer program on PATH (or in /usr/sbin), or null. */
export function findPeer(name: string): string | null {
  const cached = cache.get(name);
  if (cached !== undefined) return cached;
  const r = spawnSync("sh", ["-c", `command -v ${name} || ls /usr/sbin/${name} 2>/dev/null`], {
    encoding: "utf8",
  });
  const path = r.status === 0 ? r.stdout.trim().split("\n")[0] || null : null;
  cache.set(name, path);
  return path;
}

/**
 * Ensures a real peer program (openssl, curl, nginx, tshark, python3...) is present.
 * In CI (`CI=true`) a missing peer fails the test loudly, since `.ci/run` installs it;
 * elsewhere the test is skipped with the reason printed.
 * @returns the peer's path, or null when the test was skipped
 */
export function requirePeer(t: TestContext, name: string): string | null {
  const path = findPeer(name);
  if (path) return path;
  const reason = `peer '${name}' is not installed (.ci/run installs it)`;
  if (process.env.CI === "true") assert.fail(reason);
  t.skip(reason);
  return null;
}

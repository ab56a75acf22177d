import assert from "node:assert/strict";
import { test } from "node:test";
import { createErrorLog, formatErrorLogLine } from "./error-log.ts";

test("formatErrorLogLine() writes nginx's date, level, pid#0 and *connection", () => {
  const when = new Date(2026, 10, 29, 23, 1, 7);
  assert.equal(
    formatErrorLogLine(when, "error", "connect() failed (111: Connection refused)", {
      pid: 4242,
      connection: 1,
    }),
    "2026/11/29 23:01:07 [error] 4242#0: *1 connect() failed (111: Connection refused)",
  );
  assert.equal(
    formatErrorLogLine(when, "warn", "x", { pid: 7 }),
    "2026/11/29 23:01:07 [warn] 7#0: x",
  );
});

test("createErrorLog() drops lines below the configured level", () => {
  const lines: string[] = [];
  const log = createErrorLog({
    level: "error",
    log: (l) => lines.push(l),
    now: () => new Date(2026, 0, 2, 3, 4, 5),
    pid: 1,
  });
  log.write("info", "quiet", 1);
  log.write("error", "loud", 2);
  log.write("crit", "louder");
  assert.deepEqual(lines, [
    "2026/01/02 03:04:05 [error] 1#0: *2 loud",
    "2026/01/02 03:04:05 [crit] 1#0: louder",
  ]);
});

test("createErrorLog() appends to the configured file and keeps what was there", async (t) => {
  const { mkdtempSync, readFileSync, rmSync, writeFileSync } = await import("node:fs");
  const { join } = await import("node:path");
  const { tmpdir } = await import("node:os");
  const dir = mkdtempSync(join(tmpdir(), "mtls-log-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, "error.log");
  writeFileSync(file, "old line\n");
  const log = createErrorLog({
    file,
    level: "warn",
    now: () => new Date(2026, 10, 29, 23, 1, 7),
    pid: 9,
  });
  log.write("warn", "first", 3);
  log.write("info", "dropped");
  await log.close();
  assert.equal(readFileSync(file, "utf8"), "old line\n2026/11/29 23:01:07 [warn] 9#0: *3 first\n");
});

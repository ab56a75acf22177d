import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { tempDir } from "../test/helpers/tmp.ts";
import { MtlsError } from "./errors.ts";
import { readFileChecked, readRegularFile } from "./files.ts";

test("readRegularFile returns a regular file's bytes", (t) => {
  const dir = tempDir(t);
  const path = join(dir, "a.pem");
  writeFileSync(path, "hello");
  assert.equal(readRegularFile(path).toString("utf8"), "hello");
});

test("readRegularFile refuses a character device such as /dev/zero at once", () => {
  assert.throws(() => readRegularFile("/dev/zero"), {
    message: "is a character device, not a regular file",
  });
});

test("readRegularFile refuses a FIFO without waiting for a writer", (t) => {
  const fifo = join(tempDir(t), "fifo");
  execFileSync("mkfifo", [fifo]);
  assert.throws(() => readRegularFile(fifo), { message: "is a FIFO, not a regular file" });
});

test("readRegularFile refuses a directory", (t) => {
  assert.throws(() => readRegularFile(tempDir(t)), { message: "is a directory" });
});

test("readRegularFile refuses a file larger than the limit and says the limit", (t) => {
  const path = join(tempDir(t), "big");
  writeFileSync(path, Buffer.alloc(2048));
  assert.equal(readRegularFile(path, { maxBytes: 2048 }).length, 2048);
  assert.throws(() => readRegularFile(path, { maxBytes: 1024 }), {
    message: "is larger than the 1024 bytes limit",
  });
});

test("readFileChecked names the file and what it is for when it is not a regular file", () => {
  assert.throws(
    () => readFileChecked("/dev/zero", "CSR"),
    (e: unknown) =>
      e instanceof MtlsError &&
      e.message === "Cannot read CSR /dev/zero: is a character device, not a regular file",
  );
});

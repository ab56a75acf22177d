import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { tempDir } from "../../test/helpers/tmp.ts";
import { MtlsError } from "../errors.ts";
import { commitFiles } from "./commit-files.ts";

describe("commitFiles", () => {
  it("writes every file with its mode", (t) => {
    const dir = tempDir(t);
    commitFiles([
      { path: join(dir, "a.key"), data: "k", mode: 0o600 },
      { path: join(dir, "a.crt"), data: Uint8Array.of(0x63) },
    ]);
    assert.equal(readFileSync(join(dir, "a.key"), "utf8"), "k");
    assert.equal(readFileSync(join(dir, "a.crt"), "utf8"), "c");
    assert.equal(statSync(join(dir, "a.key")).mode & 0o777, 0o600);
  });

  it("writes nothing when one file exists without force", (t) => {
    const dir = tempDir(t);
    writeFileSync(join(dir, "b"), "old");
    assert.throws(
      () =>
        commitFiles([
          { path: join(dir, "a"), data: "new" },
          { path: join(dir, "b"), data: "new" },
        ]),
      (e) => e instanceof MtlsError && e.code === "MTLS_EXISTS",
    );
    assert.deepEqual(readdirSync(dir), ["b"]);
    assert.equal(readFileSync(join(dir, "b"), "utf8"), "old");
  });

  it("leaves every target as it was when a later file cannot be written", (t) => {
    const dir = tempDir(t);
    writeFileSync(join(dir, "index"), "old");
    assert.throws(
      () =>
        commitFiles([
          { path: join(dir, "new.crt"), data: "c" },
          { path: join(dir, "index"), data: "new", force: true },
          { path: join(dir, "missing", "x"), data: "x" },
        ]),
      (e) => e instanceof MtlsError && e.code === "MTLS_FILE" && e.message.includes("missing/x"),
    );
    assert.deepEqual(readdirSync(dir), ["index"]);
    assert.equal(readFileSync(join(dir, "index"), "utf8"), "old");
  });

  it("names a missing directory without the errno or the temporary file", (t) => {
    const dir = tempDir(t);
    const target = join(dir, "nonexist", "x.key");
    assert.throws(
      () => commitFiles([{ path: target, data: "k", mode: 0o600 }]),
      (e) =>
        e instanceof MtlsError &&
        e.code === "MTLS_FILE" &&
        e.message === `Cannot write ${target}: directory ${join(dir, "nonexist")} does not exist`,
    );
  });

  it("replaces a file given force", (t) => {
    const dir = tempDir(t);
    writeFileSync(join(dir, "a"), "old");
    commitFiles([{ path: join(dir, "a"), data: "new", force: true }]);
    assert.equal(readFileSync(join(dir, "a"), "utf8"), "new");
  });
});

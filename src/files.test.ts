import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { tempDir } from "../test/helpers/tmp.ts";
import { ErrorCode, MtlsError } from "./errors.ts";
import { readFileChecked, writeFileAtomic } from "./files.ts";

describe("writeFileAtomic()", () => {
  it("writes the content with the requested mode and leaves no temporary file", (t) => {
    const dir = tempDir(t);
    const path = join(dir, "k.key");
    writeFileAtomic(path, "secret", { mode: 0o600 });
    assert.equal(readFileSync(path, "utf8"), "secret");
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.deepEqual(readdirSync(dir), ["k.key"]);
  });

  it("refuses to overwrite without force, and replaces with force", (t) => {
    const path = join(tempDir(t), "a.txt");
    writeFileSync(path, "old");
    assert.throws(
      () => writeFileAtomic(path, "new"),
      (e: unknown) => e instanceof MtlsError && e.code === ErrorCode.EXISTS,
    );
    assert.equal(readFileSync(path, "utf8"), "old");
    writeFileAtomic(path, "new", { force: true });
    assert.equal(readFileSync(path, "utf8"), "new");
  });

  it("names the missing directory, not its temporary file", (t) => {
    const path = join(tempDir(t), "nope", "x.crt");
    assert.throws(
      () => writeFileAtomic(path, "x"),
      (e: unknown) =>
        e instanceof MtlsError &&
        e.code === ErrorCode.FILE &&
        /^Cannot write .*nope\/x\.crt: directory .*nope does not exist$/.test(e.message),
    );
  });
});

describe("readFileChecked()", () => {
  it("says what the file was for and why it cannot be read", (t) => {
    const dir = tempDir(t);
    assert.throws(
      () => readFileChecked(join(dir, "none.pem"), "CA certificate"),
      /^Error: Cannot read CA certificate .*none\.pem: no such file$|Cannot read CA certificate .*none\.pem: no such file/,
    );
    assert.throws(() => readFileChecked(dir, "capture"), /Cannot read capture .*: is a directory/);
  });
});

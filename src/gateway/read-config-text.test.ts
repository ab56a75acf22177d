import assert from "node:assert/strict";
import { test } from "node:test";
import { ConfigError, formatDiagnostic } from "./diagnostic.ts";
import { readConfigText } from "./read-config-text.ts";

function errno(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

function diagnosticsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ConfigError);
    return e.diagnostics.map(formatDiagnostic);
  }
  assert.fail("expected a ConfigError");
}

test("readConfigText() says a missing file is missing in plain words, without the errno text", () => {
  const readFile = () => {
    throw errno("ENOENT", "ENOENT: no such file or directory, open 'nope.conf'");
  };
  assert.deepEqual(
    diagnosticsOf(() => readConfigText("nope.conf", { readFile })),
    ["error: Cannot read configuration file nope.conf: no such file"],
  );
});

test("readConfigText() names permission and directory problems in plain words", () => {
  for (const [code, reason] of [
    ["EACCES", "permission denied"],
    ["EISDIR", "is a directory"],
  ] as const) {
    const readFile = () => {
      throw errno(code, `${code}: whatever`);
    };
    assert.deepEqual(
      diagnosticsOf(() => readConfigText("gw.conf", { readFile })),
      [`error: Cannot read configuration file gw.conf: ${reason}`],
    );
  }
});

test("readConfigText() returns the text of a UTF-8 file", () => {
  const readFile = () => Buffer.from("server { listen 8000 ssl; } # café\n");
  assert.equal(readConfigText("gw.conf", { readFile }), "server { listen 8000 ssl; } # café\n");
});

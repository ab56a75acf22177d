import assert from "node:assert/strict";
import { test } from "node:test";
import { ConfigError, escapeControls, formatDiagnostic } from "./diagnostic.ts";

test("escapeControls() escapes control and invisible characters and keeps letters", () => {
  assert.equal(
    escapeControls(
      "a\tb\nc\rd\x1b[31me\x07\x00\x7f\u0085\u202e\u2066\u2028\uFEFFf caf\u00e9 \u{1F512}",
    ),
    "a\\tb\\nc\\rd\\x1b[31me\\x07\\x00\\x7f\\x85\\u{202e}\\u{2066}\\u{2028}\\u{feff}f caf\u00e9 \u{1F512}",
  );
});

test("formatDiagnostic() never prints a raw control character, in the file name, message or hint", () => {
  const line = formatDiagnostic({
    severity: "error",
    code: "MTLS_CONFIG_INVALID",
    message: 'Unknown directive "\x1b]0;pwned\x07\u202eabc"',
    hint: "check\nthe spelling",
    location: { file: "gw\r.conf", line: 1, column: 1 },
  });
  assert.equal(
    line,
    'gw\\r.conf:1:1: error: Unknown directive "\\x1b]0;pwned\\x07\\u{202e}abc"\n  hint: check\\nthe spelling',
  );
  assert.equal(line.split("\n").length, 2);
});

test("ConfigError carries the first error's message with control characters escaped", () => {
  const e = new ConfigError([
    { severity: "error", code: "MTLS_CONFIG_INVALID", message: 'Unknown directive "\x00x"' },
  ]);
  assert.equal(e.message, 'Unknown directive "\\x00x"');
});

import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { ConfigError, formatDiagnostic } from "./diagnostic.ts";
import { loadNativeGateway } from "./native/load-native.ts";
import { findNonText, readConfigText } from "./read-config-text.ts";

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

/** Deterministic noise (a 32-bit LCG): what `head -c N /dev/urandom` gives, reproducibly. */
function noise(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

test("readConfigText() refuses binary data in one diagnostic naming the first suspicious byte", () => {
  const bytes = Buffer.from(noise(3000));
  const expected = findNonText(bytes);
  assert.equal(expected?.kind, "binary");
  assert.deepEqual(
    diagnosticsOf(() => readConfigText("rand.conf", { readFile: () => bytes })),
    [
      `error: rand.conf is not a text nginx configuration (binary data at byte ${expected?.offset})`,
    ],
  );
});

test("findNonText() calls a file with a NUL byte binary, at the first suspicious byte", () => {
  assert.deepEqual(findNonText(Buffer.from("server {\n\0}\n")), { kind: "binary", offset: 9 });
  assert.deepEqual(findNonText(Buffer.from("listen\x01 8000;\0")), { kind: "binary", offset: 6 });
});

test("findNonText() calls a file of mostly control characters binary, even without NUL", () => {
  assert.deepEqual(findNonText(Buffer.from("ab\x01\x02\x03\x04cd")), { kind: "binary", offset: 2 });
  // C1 controls written in UTF-8 (U+0085) count too.
  assert.deepEqual(findNonText(Buffer.from("a\u0085\u0085\u0085b")), { kind: "binary", offset: 1 });
});

test("findNonText() accepts UTF-8 text with a BOM, CRLF, tabs, form feeds and a stray escape", () => {
  const text = `\uFEFFserver {\r\n\tlisten 8000 ssl;\f\n\treturn 200 "caf\u00e9 \u2713 \u{1F512} \x1b";\r\n}\r\n`;
  assert.equal(findNonText(Buffer.from(text)), undefined);
  assert.equal(findNonText(new Uint8Array(0)), undefined);
});

test("findNonText() tells text in another encoding from binary data", () => {
  const latin1 = Buffer.from("server { # caf\xe9 cr\xe8me br\xfbl\xe9e\n}\n", "latin1");
  assert.deepEqual(findNonText(latin1), { kind: "encoding", offset: 14 });
  const diagnostics = diagnosticsOf(() => readConfigText("gw.conf", { readFile: () => latin1 }));
  assert.deepEqual(diagnostics, [
    "error: gw.conf is not UTF-8 text: byte 0xE9 at byte 14 is not valid UTF-8\n  hint: save the nginx configuration as UTF-8, e.g. `iconv -f latin1 -t utf-8`",
  ]);
});

test("findNonText() refuses overlong forms, surrogates, code points above U+10FFFF and cut sequences", () => {
  for (const bad of [
    [0xc0, 0xaf], // overlong "/"
    [0xe0, 0x80, 0xaf], // overlong "/"
    [0xed, 0xa0, 0x80], // U+D800
    [0xf4, 0x90, 0x80, 0x80], // U+110000
    [0xe2, 0x82], // cut short
    [0x80], // stray continuation byte
  ]) {
    const bytes = Buffer.concat([Buffer.from("listen 8000 ssl; # "), Buffer.from(bad)]);
    assert.deepEqual(findNonText(bytes), { kind: "encoding", offset: 19 }, bad.join(","));
  }
});

test("findNonText() never throws and points inside the input", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 256 }), (bytes) => {
      const r = findNonText(bytes);
      if (r) assert.ok(r.offset >= 0 && r.offset < bytes.length);
      else assert.equal(Buffer.from(Buffer.from(bytes).toString("utf8")).equals(bytes), true);
    }),
  );
});

test("loadNativeGateway() refuses a binary YAML file the same way", () => {
  const bytes = Buffer.from(noise(64, 7));
  const d = diagnosticsOf(() => loadNativeGateway("gw.yaml", { readFile: () => bytes }));
  assert.equal(d.length, 1);
  assert.match(
    d[0] ?? "",
    /^error: gw\.yaml is not a text YAML configuration \(binary data at byte \d+\)$/,
  );
});

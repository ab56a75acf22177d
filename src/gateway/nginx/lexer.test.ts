import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { lexNginx } from "./lexer.ts";

const brief = (text: string) =>
  lexNginx(text).tokens.map((t) => `${t.line}:${t.column} ${t.kind} ${JSON.stringify(t.value)}`);

test("lexNginx() gives every token its line and column", () => {
  assert.deepEqual(brief("server {\n  listen 8000 ssl;\n}\n"), [
    '1:1 word "server"',
    '1:8 { "{"',
    '2:3 word "listen"',
    '2:10 word "8000"',
    '2:15 word "ssl"',
    '2:18 ; ";"',
    '3:1 } "}"',
  ]);
});

test("lexNginx() reads quoted strings with nginx escapes and keeps the raw text", () => {
  const { tokens, diagnostics } = lexNginx(`a "x y\\"z\\t" 'q\\'r' "\\d";`);
  assert.deepEqual(diagnostics, []);
  assert.deepEqual(
    tokens.map((t) => [t.kind, t.value, t.raw]),
    [
      ["word", "a", "a"],
      ["string", 'x y"z\t', '"x y\\"z\\t"'],
      ["string", "q'r", "'q\\'r'"],
      ["string", "\\d", '"\\d"'],
      [";", ";", ";"],
    ],
  );
});

test("lexNginx() skips comments and treats CR as whitespace", () => {
  assert.deepEqual(brief("a b; # c d;\r\ne;\r\n"), [
    '1:1 word "a"',
    '1:3 word "b"',
    '1:4 ; ";"',
    '2:1 word "e"',
    '2:2 ; ";"',
  ]);
});

test("lexNginx() keeps } inside an unquoted word and ${ in variables, like nginx", () => {
  assert.deepEqual(
    lexNginx("return 200}; set $\x7Ba}b;").tokens.map((t) => t.value),
    ["return", "200}", ";", "set", "$\x7Ba}b", ";"],
  );
});

test("lexNginx() counts columns in characters, not bytes", () => {
  const { tokens } = lexNginx("é ü x;");
  assert.deepEqual(
    tokens.map((t) => t.column),
    [1, 3, 5, 6],
  );
});

test("lexNginx() keeps a UTF-8 BOM in the first word, as nginx does", () => {
  assert.equal(lexNginx("\uFEFFserver {}").tokens[0]?.value, "\uFEFFserver");
});

test("lexNginx() reports the full-width semicolon at its exact column and reads it as ';'", () => {
  const { tokens, diagnostics } = lexNginx("a on\uFF1B\nb c;", { file: "f.conf" });
  assert.deepEqual(
    tokens.map((t) => [t.value, t.line, t.column, t.substitute ?? false]),
    [
      ["a", 1, 1, false],
      ["on", 1, 3, false],
      [";", 1, 5, true],
      ["b", 2, 1, false],
      ["c", 2, 3, false],
      [";", 2, 4, false],
    ],
  );
  assert.equal(diagnostics.length, 1);
  assert.deepEqual(diagnostics[0]?.location, { file: "f.conf", line: 1, column: 5 });
  assert.equal(diagnostics[0]?.hint, "replace the full-width semicolon (U+FF1B) with ';'");
});

test("lexNginx() reports an unterminated string and a character glued to a closing quote", () => {
  const { diagnostics } = lexNginx('a "b"c;\nd "e');
  assert.deepEqual(
    diagnostics.map((d) => [d.location?.line, d.location?.column, d.message]),
    [
      [1, 6, 'Unexpected "c" after the closing quote: expecting a space, ";" or "{"'],
      [2, 3, 'Unexpected end of file: the string opened at 2:3 is not closed, expecting "'],
    ],
  );
});

test("lexNginx() never throws and its tokens' raw text is found at their offsets", () => {
  fc.assert(
    fc.property(fc.string({ unit: "grapheme", maxLength: 60 }), (s) => {
      const text = `${s} x;`;
      const cs = Array.from(text);
      const { tokens } = lexNginx(text);
      for (const t of tokens) {
        assert.equal(cs.slice(t.offset, t.offset + Array.from(t.raw).length).join(""), t.raw);
      }
    }),
  );
});

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import fc from "fast-check";
import { importNginx } from "./import.ts";
import { parseNginx } from "./parser.ts";

const SEED = "test/fixtures/seed-nginx.conf";

test("parseNginx() builds nested blocks with positions", () => {
  const { directives, diagnostics } = parseNginx(
    "server {\n  location / {\n    proxy_pass https://a:1;\n  }\n}\n",
  );
  assert.deepEqual(diagnostics, []);
  const server = directives[0];
  assert.equal(server?.name, "server");
  const location = server?.block?.[0];
  assert.deepEqual(
    location?.args.map((a) => a.value),
    ["/"],
  );
  assert.deepEqual(location?.location, { file: "nginx.conf", line: 2, column: 3 });
  assert.deepEqual(location?.block?.[0]?.location, { file: "nginx.conf", line: 3, column: 5 });
});

test("parseNginx() collects every syntax error instead of stopping at the first", () => {
  const { diagnostics } = parseNginx("a;\n}\n;\nb { c d }\ne {\n", { file: "x.conf" });
  assert.deepEqual(
    diagnostics.map((d) => `${d.location?.line}:${d.location?.column} ${d.message}`),
    [
      '2:1 Unexpected "}": no block is open',
      '3:1 Unexpected ";": no directive before it',
      '4:9 Directive "c" is not terminated: expecting ";" before "}"',
      '5:3 Unexpected end of file: the block opened at 5:3 is not closed, expecting "}"',
    ],
  );
});

test("parseNginx() reports a directive cut off by the end of the file", () => {
  const { diagnostics } = parseNginx("listen 80");
  assert.equal(
    diagnostics[0]?.message,
    'Unexpected end of file: directive "listen" is not terminated, expecting ";" or "{"',
  );
});

test("parseNginx() marks what the end of the file cut off and reports the open blocks once", () => {
  const text =
    "server {\n  listen 8000 ssl;\n  location / {\n    return 200;\n  }\n  upstream u {\n    proxy_pa";
  const { directives, diagnostics } = parseNginx(text);
  const server = directives[0];
  assert.equal(server?.truncated, true);
  const [listen, location, upstream] = server?.block ?? [];
  assert.equal(listen?.truncated, undefined);
  assert.equal(location?.truncated, undefined, "a block closed by its } is whole");
  assert.equal(upstream?.truncated, true);
  assert.equal(upstream?.block?.[0]?.truncated, true);
  assert.deepEqual(
    diagnostics.map((d) => `${d.location?.line}:${d.location?.column} ${d.message} | ${d.hint}`),
    [
      '7:5 Unexpected end of file: directive "proxy_pa" is not terminated, expecting ";" or "{" | add ";" after its arguments',
      '7:5 Unexpected end of file: the blocks opened at 6:14, 1:8 are not closed, expecting 2 "}" | add the 2 missing "}"',
    ],
  );
});

test("the seed config as printed is refused with exactly its four mistakes, each with line:col and a hint", () => {
  const parsed = parseNginx(readFileSync(SEED, "utf8"), { file: SEED });
  const { config, diagnostics } = importNginx(parsed);
  assert.equal(config, undefined);
  const errors = diagnostics.filter((d) => d.severity === "error");
  assert.deepEqual(
    errors.map((d) => [
      `${d.location?.file}:${d.location?.line}:${d.location?.column}`,
      d.code,
      d.message,
      d.hint,
    ]),
    [
      [
        `${SEED}:3:5`,
        "MTLS_CONFIG_INVALID",
        'Unknown directive "listen[::]:8000": nginx reads it as one word because no space follows "listen"',
        "put a space between `listen` and `[::]:8000`",
      ],
      [
        `${SEED}:5:5`,
        "MTLS_CONFIG_INVALID",
        'Directive "ssl" is refused: deprecated since nginx 1.15.0 and removed in 1.25.1',
        "remove it: `listen 8000 ssl` on line 2 already enables TLS",
      ],
      [
        `${SEED}:6:44`,
        "MTLS_CONFIG_INVALID",
        'Directive "ssl_certificate" takes 1 argument, got 2: "/home/nginx/conf/cert/", "server.cert"',
        'the path contains a space: remove the space, or quote the path: "/home/nginx/conf/cert/ server.cert"',
      ],
      [
        `${SEED}:26:35`,
        "MTLS_CONFIG_SYNTAX",
        'Full-width semicolon (U+FF1B) is not nginx syntax: nginx reads "on\uFF1B" as a word, and the directive runs on into what follows',
        "replace the full-width semicolon (U+FF1B) with ';'",
      ],
    ],
  );
  const warnings = diagnostics.filter((d) => d.severity === "warning");
  assert.deepEqual(
    warnings.map((d) => `${d.location?.line}:${d.location?.column}`),
    ["4:17"],
  );
  assert.match(
    warnings[0]?.message ?? "",
    /^Server name "\*\.\*\.\*\.\*:8000" is a placeholder, not a name/,
  );
});

test("parseNginx() never throws, whatever the input", () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 80 }), (s) => {
      const r = parseNginx(s);
      assert.ok(Array.isArray(r.diagnostics));
    }),
  );
  fc.assert(
    fc.property(
      fc.array(fc.constantFrom("a", "b", ";", "{", "}", '"', " ", "\n", "#"), { maxLength: 60 }),
      (parts) => {
        parseNginx(parts.join(""));
      },
    ),
  );
});

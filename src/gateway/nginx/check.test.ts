import assert from "node:assert/strict";
import { test } from "node:test";
import { closestName } from "./check.ts";
import { DIRECTIVES } from "./directives.ts";
import { importNginx } from "./import.ts";
import { parseNginx } from "./parser.ts";

const KNOWN = [...DIRECTIVES.keys()];

test("closestName() suggests the supported directive a typo was meant to be", () => {
  const cases: [string, string | undefined][] = [
    ["ssl_cipher", "ssl_ciphers"],
    ["lisen", "listen"],
    ["ssl_verify_clinet", "ssl_verify_client"],
    ["SSL_CRL", "ssl_crl"],
    ["proxy_pa", "proxy_pass"],
    ["ssl_certif", "ssl_certificate"],
    ["server_names", "server_name"],
    ["fooo", undefined],
    ["x", undefined],
    ["\uFFFD\u0016C\uFFFD\uFFFD", undefined],
    ["a".repeat(10_000), undefined],
  ];
  for (const [name, expected] of cases) assert.equal(closestName(name, KNOWN), expected, name);
});

test("closestName() breaks ties in favour of the preferred candidates", () => {
  assert.equal(closestName("ab", ["ac", "bb"]), "ac");
  assert.equal(
    closestName("ab", ["ac", "bb"], (c) => c === "bb"),
    "bb",
  );
});

test("importNginx() hints the closest directive and lists the supported ones only once", () => {
  const text = "server {\n ssl_cipher HIGH;\n fooo bar;\n bazzz x;\n}\n";
  const { diagnostics } = importNginx(parseNginx(text, { file: "gw.conf" }));
  const unknown = diagnostics.filter((d) => d.message.startsWith("Unknown directive"));
  assert.deepEqual(
    unknown.map((d) => `${d.location?.line}:${d.location?.column} ${d.message} | ${d.hint}`),
    [
      '2:2 Unknown directive "ssl_cipher" | did you mean `ssl_ciphers`?',
      `3:2 Unknown directive "fooo" | check the spelling; supported directives: ${KNOWN.join(", ")}`,
      '4:2 Unknown directive "bazzz" | check the spelling',
    ],
  );
});

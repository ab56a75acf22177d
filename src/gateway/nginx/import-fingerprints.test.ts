import assert from "node:assert/strict";
import { test } from "node:test";
import type { Diagnostic } from "../diagnostic.ts";
import { importNginx } from "./import.ts";
import { parseNginx } from "./parser.ts";

const JA4 = "t13d3112h2_e8f1e7e78f70_6bebaf5329ec";
const JA3 = "e7d705a3286e19ea42f587b344ee6865";

function imp(body: string) {
  return importNginx(
    parseNginx(
      `server {\n    listen 127.0.0.1:8000 ssl;\n    ssl_certificate s.crt;\n    ssl_certificate_key s.key;\n${body}    location / { return 200 "ok"; }\n}\n`,
      { file: "/etc/gw/gw.conf" },
    ),
  );
}

function errors(ds: readonly Diagnostic[]): string[] {
  return ds
    .filter((d) => d.severity === "error")
    .map(
      (d) =>
        `${d.location?.line}:${d.location?.column} ${d.message}${d.hint ? ` (${d.hint})` : ""}`,
    );
}

test("importNginx() reads mtls_ja3_* and mtls_ja4_* lists, repeated and with several values", () => {
  const { config, diagnostics } = imp(
    `    mtls_ja4_deny ${JA4};\n    mtls_ja3_allow ${JA3} ${"0".repeat(32)};\n    mtls_ja3_allow ${"1".repeat(32)};\n`,
  );
  assert.deepEqual(errors(diagnostics), []);
  const f = config?.servers[0]?.fingerprints;
  assert.deepEqual(f?.ja4Deny, [JA4]);
  assert.deepEqual(f?.ja3Allow, [JA3, "0".repeat(32), "1".repeat(32)]);
  assert.deepEqual(f?.ja3Deny, []);
  assert.equal(f?.location?.line, 5);
});

test("importNginx() leaves fingerprints out when no list is written", () => {
  assert.equal(imp("").config?.servers[0]?.fingerprints, undefined);
});

test("importNginx() refuses a value of the wrong kind at its column, with the right directive as hint", () => {
  const { diagnostics } = imp(`    mtls_ja3_deny ${JA4};\n    mtls_ja4_allow ${JA3} nope;\n`);
  assert.deepEqual(errors(diagnostics), [
    `5:19 Invalid value for "mtls_ja3_deny": "${JA4}", expecting a JA3 hash (32 lowercase hex digits) (this is a JA4 fingerprint: use mtls_ja4_deny)`,
    `6:20 Invalid value for "mtls_ja4_allow": "${JA3}", expecting a JA4 fingerprint such as t13d1516h2_8daaf6152771_e5627efa2ab1 (this is a JA3 hash: use mtls_ja3_allow)`,
    `6:53 Invalid value for "mtls_ja4_allow": "nope", expecting a JA4 fingerprint such as t13d1516h2_8daaf6152771_e5627efa2ab1`,
  ]);
});

test("importNginx() reads the proxy_protocol listen parameter", () => {
  const { config, diagnostics } = importNginx(
    parseNginx(
      `server {\n    listen 127.0.0.1:8000 ssl proxy_protocol;\n    listen 8001 ssl;\n    ssl_certificate s.crt;\n    ssl_certificate_key s.key;\n    location / { return 200; }\n}\n`,
      { file: "/etc/gw/gw.conf" },
    ),
  );
  assert.deepEqual(errors(diagnostics), []);
  assert.deepEqual(
    config?.servers[0]?.listen.map((l) => [l.port, l.proxyProtocol ?? false]),
    [
      [8000, true],
      [8001, false],
    ],
  );
});

test("importNginx() refuses mtls_ja4_deny in a location", () => {
  const { diagnostics } = importNginx(
    parseNginx(
      `server {\n    listen 8000 ssl;\n    ssl_certificate s.crt;\n    ssl_certificate_key s.key;\n    location / { mtls_ja4_deny ${JA4}; return 200; }\n}\n`,
      { file: "/etc/gw/gw.conf" },
    ),
  );
  assert.match(
    errors(diagnostics)[0] ?? "",
    /Directive "mtls_ja4_deny" is not allowed in location: it belongs in server/,
  );
});

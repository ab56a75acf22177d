import assert from "node:assert/strict";
import { test } from "node:test";
import { importNginx } from "./import.ts";
import { parseNginx } from "./parser.ts";

function imp(server: string, location = "") {
  const text = `server {
    listen 127.0.0.1:8000 ssl;
    ssl_certificate server.crt;
    ssl_certificate_key server.key;
${server}
    location / {
${location}
        proxy_pass https://127.0.0.1:9000;
    }
}
`;
  return importNginx(parseNginx(text, { file: "/etc/gw/gw.conf" }));
}

const errors = (r: ReturnType<typeof imp>) =>
  r.diagnostics
    .filter((d) => d.severity === "error")
    .map((d) => `${d.location?.line}:${d.location?.column} ${d.message} | ${d.hint}`);

test("proxy_ssl_verify_depth, proxy_ssl_protocols and proxy_ssl_ciphers default to nginx 1.22's values", () => {
  const u = imp("").config?.servers[0]?.locations[0]?.upstreamTls;
  assert.equal(u?.verifyDepth, 1);
  assert.deepEqual(u?.protocols, ["TLSv1", "TLSv1.1", "TLSv1.2"]);
  assert.equal(u?.ciphers, undefined);
});

test("a location inherits the server's proxy_ssl_* tuning and may override each", () => {
  const r = imp(
    "    proxy_ssl_verify_depth 3;\n    proxy_ssl_protocols TLSv1.2 TLSv1.3;",
    "        proxy_ssl_ciphers ECDHE-ECDSA-AES256-GCM-SHA384;",
  );
  assert.deepEqual(errors(r), []);
  const u = r.config?.servers[0]?.locations[0]?.upstreamTls;
  assert.equal(u?.verifyDepth, 3);
  assert.deepEqual(u?.protocols, ["TLSv1.2", "TLSv1.3"]);
  assert.equal(u?.ciphers, "ECDHE-ECDSA-AES256-GCM-SHA384");
});

test("bad proxy_ssl_* values are errors at their column; TLSv1 alone is a warning naming proxy_ssl_ciphers", () => {
  const r = imp("    proxy_ssl_verify_depth deep;", "        proxy_ssl_protocols TLSv1.2 SSLv9;");
  assert.deepEqual(errors(r), [
    '5:28 Invalid value for "proxy_ssl_verify_depth": "deep", expecting a number | e.g. `proxy_ssl_verify_depth 2;` for an upstream chain with two intermediate CAs',
    '7:37 Invalid value for "proxy_ssl_protocols": "SSLv9", expecting TLSv1, TLSv1.1, TLSv1.2 or TLSv1.3 | undefined',
  ]);
  const w = imp("    proxy_ssl_protocols TLSv1;").diagnostics.find((d) =>
    d.message.includes("Upstream protocols"),
  );
  assert.equal(
    `${w?.severity} ${w?.location?.line}:${w?.location?.column} ${w?.hint}`,
    "warning 5:5 remove them (recommended), or add :@SECLEVEL=0 to proxy_ssl_ciphers",
  );
});

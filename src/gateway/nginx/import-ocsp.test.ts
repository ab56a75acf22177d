import assert from "node:assert/strict";
import { test } from "node:test";
import { importNginx } from "./import.ts";
import { parseNginx } from "./parser.ts";

function imp(lines: string, verify = "on") {
  const text = `server {
    listen 127.0.0.1:8443 ssl;
    ssl_certificate server.crt;
    ssl_certificate_key server.key;
    ssl_client_certificate ca.crt;
    ssl_verify_client ${verify};
${lines}
    location / { return 200; }
}
`;
  const r = importNginx(parseNginx(text, { file: "/etc/gw/gw.conf" }));
  return {
    ocsp: r.config?.servers[0]?.tls.ocsp,
    problems: r.diagnostics
      .filter((d) => !d.message.startsWith("Client certificates are not requested"))
      .map((d) => `${d.severity} ${d.location?.line}:${d.location?.column} ${d.message}`),
  };
}

test("importNginx() reads ssl_ocsp, ssl_ocsp_responder, ssl_ocsp_cache and mtls_ocsp_mode", () => {
  const { ocsp, problems } = imp(`    ssl_ocsp on;
    ssl_ocsp_responder http://127.0.0.1:8888;
    ssl_ocsp_cache shared:OCSP:1m;
    mtls_ocsp_mode soft;`);
  assert.deepEqual(problems, []);
  assert.deepEqual(ocsp, {
    mode: "chain",
    responder: "http://127.0.0.1:8888",
    failure: "soft",
    cacheEntries: 8192,
    cacheName: "OCSP",
    location: { file: "/etc/gw/gw.conf", line: 7, column: 5 },
  });
});

test("importNginx() defaults to nginx's behaviour: hard failure, no cache, the AIA URL", () => {
  const { ocsp } = imp("    ssl_ocsp leaf;");
  assert.equal(ocsp?.mode, "leaf");
  assert.equal(ocsp?.failure, "hard");
  assert.equal(ocsp?.cacheEntries, 0);
  assert.equal(ocsp?.responder, undefined);
  assert.equal(imp("    ssl_ocsp off;").ocsp, undefined);
});

test("importNginx() refuses ssl_ocsp with optional_no_ca, as nginx 1.22 does", () => {
  assert.deepEqual(imp("    ssl_ocsp on;", "optional_no_ca").problems, [
    'error 7:5 Directive "ssl_ocsp" is incompatible with "ssl_verify_client optional_no_ca"',
  ]);
});

test("importNginx() reports bad OCSP values at their column and stray OCSP directives", () => {
  assert.deepEqual(
    imp(`    ssl_ocsp maybe;
    ssl_ocsp_responder ftp://x;
    ssl_ocsp_cache builtin;
    mtls_ocsp_mode lax;`).problems,
    [
      'error 7:14 Invalid value for "ssl_ocsp": "maybe", expecting "on", "off" or "leaf"',
      'error 8:24 Invalid value for "ssl_ocsp_responder": "ftp://x", expecting an http:// URL',
      'error 9:20 Invalid value for "ssl_ocsp_cache": "builtin", expecting "off" or shared:NAME:SIZE, e.g. shared:OCSP:1m',
      'error 10:20 Invalid value for "mtls_ocsp_mode": "lax", expecting "soft" or "hard"',
    ],
  );
  assert.deepEqual(imp("    ssl_ocsp on;\n    ssl_ocsp_responder https://x;").problems, [
    'error 8:24 Invalid value for "ssl_ocsp_responder": "https://x", expecting an http:// URL',
  ]);
  assert.deepEqual(imp("    ssl_ocsp off;\n    ssl_ocsp_responder http://x;").problems, [
    'warning 8:5 Directive "ssl_ocsp_responder" has no effect: ssl_ocsp is off',
  ]);
});

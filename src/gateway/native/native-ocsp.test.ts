import assert from "node:assert/strict";
import { test } from "node:test";
import { importNginx } from "../nginx/import.ts";
import { parseNginx } from "../nginx/parser.ts";
import { parseNativeConfig } from "./native-config.ts";
import { printNativeConfig } from "./print-config.ts";

const yaml = (ocsp: string, clientAuth = "require") => `listeners:
  - listen: ["127.0.0.1:8443"]
    tls:
      certificate: server.crt
      key: server.key
      clientCa: ca.crt
      clientAuth: ${clientAuth}
      ocsp: ${ocsp}
    routes:
      - path: /
        return: { status: 200 }
`;

test("tls.ocsp reads into the model with native defaults: hard, 10000 cached answers", () => {
  const r = parseNativeConfig(
    yaml("{ mode: leaf, responder: http://ocsp.test, timeout: 2s, cacheTtl: 10m, nonce: false }"),
    { file: "/p/gw.yaml" },
  );
  assert.deepEqual(r.diagnostics, []);
  const { location, ...ocsp } = r.config?.servers[0]?.tls.ocsp ?? { location: undefined };
  assert.deepEqual(ocsp, {
    mode: "leaf",
    responder: "http://ocsp.test",
    failure: "hard",
    cacheEntries: 10000,
    timeoutMs: 2000,
    defaultTtlMs: 600_000,
    nonce: false,
  });
  assert.equal(location?.line, 8);
  const off = parseNativeConfig(yaml("{ mode: off }"), { file: "/p/gw.yaml" });
  assert.equal(off.config?.servers[0]?.tls.ocsp, undefined);
});

test("tls.ocsp is refused with clientAuth optional_no_ca and with a bad URL", () => {
  const noCa = parseNativeConfig(yaml("{ mode: chain }", "optional_no_ca"), { file: "/p/gw.yaml" });
  assert.deepEqual(
    noCa.diagnostics.map((d) => `${d.location?.line} ${d.message}`),
    [
      '8 listeners[0].tls.ocsp: is incompatible with clientAuth "optional_no_ca" (as nginx\'s ssl_ocsp)',
    ],
  );
  const url = parseNativeConfig(yaml("{ mode: leaf, responder: ldap://x }"), {
    file: "/p/gw.yaml",
  });
  assert.equal(url.diagnostics.length, 1);
  assert.match(url.diagnostics[0]?.message ?? "", /tls\.ocsp\.responder/);
});

test("printNativeConfig() of an nginx ssl_ocsp block reads back to the same OCSP behaviour", () => {
  const nginx = `server {
    listen 127.0.0.1:8443 ssl;
    ssl_certificate /p/server.crt;
    ssl_certificate_key /p/server.key;
    ssl_client_certificate /p/ca.crt;
    ssl_verify_client on;
    ssl_ocsp on;
    ssl_ocsp_responder http://127.0.0.1:8888/ocsp;
    mtls_ocsp_mode soft;
    location / { return 200; }
}
`;
  const imported = importNginx(parseNginx(nginx, { file: "/p/gw.conf" })).config;
  const printed = printNativeConfig(imported ?? { servers: [] });
  const back = parseNativeConfig(printed, { file: "/p/gw.yaml" });
  assert.deepEqual(back.diagnostics, []);
  const strip = (o: object | undefined) => {
    const { location, cacheName, ...rest } = (o ?? {}) as Record<string, unknown>;
    return rest;
  };
  assert.deepEqual(strip(back.config?.servers[0]?.tls.ocsp), strip(imported?.servers[0]?.tls.ocsp));
  assert.match(
    printed,
    /ocsp:\n\s+mode: chain\n\s+responder: http:\/\/127.0.0.1:8888\/ocsp\n\s+failure: soft\n\s+cacheSize: 0/,
  );
});

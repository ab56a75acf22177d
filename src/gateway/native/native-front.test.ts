import assert from "node:assert/strict";
import { test } from "node:test";
import { importNginx } from "../nginx/import.ts";
import { parseNginx } from "../nginx/parser.ts";
import { parseNativeConfig } from "./native-config.ts";
import { printNativeConfig } from "./print-config.ts";

const JA4 = "t13d3112h2_e8f1e7e78f70_6bebaf5329ec";
const JA3 = "e7d705a3286e19ea42f587b344ee6865";

const yaml = (extra: string) => `listeners:
  - listen: ["127.0.0.1:8443", "[::1]:8443"]
${extra}    tls: { certificate: s.crt, key: s.key, clientAuth: off }
    routes:
      - path: /
        return: { status: 200, text: "$ssl_ja4 $proxy_protocol_addr" }
`;

test("parseNativeConfig() reads proxyProtocol for every address and sorts fingerprints into JA3 and JA4", () => {
  const r = parseNativeConfig(
    yaml(
      `    proxyProtocol: true\n    fingerprints:\n      allow: [${JA3}]\n      deny: [${JA4}, ${"f".repeat(32)}]\n`,
    ),
    { file: "/cfg/gw.yaml" },
  );
  assert.deepEqual(r.diagnostics, []);
  const s = r.config?.servers[0];
  assert.deepEqual(
    s?.listen.map((l) => l.proxyProtocol),
    [true, true],
  );
  assert.deepEqual(s?.fingerprints?.ja3Allow, [JA3]);
  assert.deepEqual(s?.fingerprints?.ja3Deny, ["f".repeat(32)]);
  assert.deepEqual(s?.fingerprints?.ja4Deny, [JA4]);
  assert.deepEqual(s?.fingerprints?.ja4Allow, []);
  assert.equal(s?.fingerprints?.location?.line, 5);
});

test("parseNativeConfig() refuses a fingerprint that is neither JA3 hash nor JA4, at its line", () => {
  const r = parseNativeConfig(yaml(`    fingerprints: { deny: ["curl"] }\n`), { file: "g.yaml" });
  assert.deepEqual(
    r.diagnostics.map((d) => `${d.location?.line} ${d.message}`),
    [
      '3 listeners[0].fingerprints.deny[0]: expected a JA3 hash (32 hex digits) or a JA4 fingerprint, got "curl"',
    ],
  );
});

test("printNativeConfig() writes proxy_protocol and the fingerprint lists so they read back the same", () => {
  const nginx = `server {
    listen 127.0.0.1:8443 ssl proxy_protocol;
    ssl_certificate /p/s.crt;
    ssl_certificate_key /p/s.key;
    mtls_ja3_deny ${JA3};
    mtls_ja4_allow ${JA4};
    location / { return 200 "ok"; }
}
`;
  const imported = importNginx(parseNginx(nginx, { file: "/p/gw.conf" })).config;
  assert.ok(imported);
  const text = printNativeConfig(imported);
  const back = parseNativeConfig(text, { file: "/p/gw.yaml" });
  assert.deepEqual(back.diagnostics, []);
  const { location: _a, ...a } = imported.servers[0]?.fingerprints ?? {};
  const { location: _b, ...b } = back.config?.servers[0]?.fingerprints ?? {};
  assert.deepEqual(b, a);
  assert.equal(back.config?.servers[0]?.listen[0]?.proxyProtocol, true);
  assert.match(text, /proxyProtocol: true/);
});

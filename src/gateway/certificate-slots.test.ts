import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import type { GatewayConfig } from "./config.ts";
import { loadTlsMaterial } from "./tls-material.ts";

const fixture = (f: string) =>
  readFileSync(new URL(`../../test/fixtures/keys/${f}`, import.meta.url));
const at = (line: number) => ({ file: "gw.conf", line, column: 5 });

function config(pairs: readonly (readonly [string, string])[]): GatewayConfig {
  const [first, ...rest] = pairs.map(([c, k], i) => ({
    certificate: { path: `/k/${c}`, location: at(3 + 2 * i) },
    certificateKey: { path: `/k/${k}`, location: at(4 + 2 * i) },
  }));
  if (!first) throw new TypeError("no pair");
  return {
    servers: [
      {
        listen: [],
        serverNames: [],
        tls: {
          ...first,
          verifyClient: "off",
          sessionCache: { kind: "none" },
          sessionTimeoutSeconds: 300,
          protocols: ["TLSv1.2"],
          ciphers: "HIGH",
          preferServerCiphers: false,
          ...(rest.length > 0 ? { extraCertificates: rest } : {}),
        },
        locations: [],
      },
    ],
  };
}

const readFile = (p: string) => fixture(p.slice(3));

test("loadTlsMaterial() loads an RSA and an ECDSA pair, each key checked against its certificate", () => {
  const ok = loadTlsMaterial(
    config([
      ["rsa.crt", "rsa.key"],
      ["ec.crt", "ec.key"],
    ]),
    { readFile },
  );
  assert.deepEqual(ok.diagnostics, []);
  assert.equal(ok.material?.servers[0]?.tls.cert?.toString(), fixture("rsa.crt").toString());
  assert.deepEqual(
    ok.material?.servers[0]?.tls.extra?.map((x) => [x.cert.toString(), x.key.toString()]),
    [[fixture("ec.crt").toString(), fixture("ec.key").toString()]],
  );
  const swapped = loadTlsMaterial(
    config([
      ["rsa.crt", "rsa.key"],
      ["ec.crt", "rsa.key"],
    ]),
    {
      readFile,
    },
  );
  assert.equal(swapped.material, undefined);
  assert.deepEqual(
    swapped.diagnostics.map((d) => `${d.code} ${d.location?.line} ${d.message}`),
    [
      "MTLS_PKI_KEY_MISMATCH 6 Key does not match certificate: /k/rsa.key is not the private key of /k/ec.crt",
    ],
  );
});

test("loadTlsMaterial() warns when a second certificate of the same key type replaces the first", () => {
  const r = loadTlsMaterial(
    config([
      ["ec.crt", "ec.key"],
      ["ec.crt", "ec.key"],
    ]),
    { readFile },
  );
  assert.ok(r.material);
  assert.deepEqual(
    r.diagnostics.map((d) => `${d.severity} ${d.location?.line} ${d.message}`),
    [
      "warning 5 Certificate /k/ec.crt replaces /k/ec.crt: both have EC keys, and OpenSSL serves one certificate per key type",
    ],
  );
});

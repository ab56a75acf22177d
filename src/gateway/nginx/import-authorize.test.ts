import assert from "node:assert/strict";
import { test } from "node:test";
import type { Diagnostic } from "../diagnostic.ts";
import { parseNativeConfig } from "../native/native-config.ts";
import { printNativeConfig } from "../native/print-config.ts";
import { importNginx } from "./import.ts";
import { parseNginx } from "./parser.ts";

const FILE = "/etc/gw/gw.conf";

function imp(server: string) {
  return importNginx(parseNginx(`server {\n${server}\n}\n`, { file: FILE }));
}

const BASE = `    listen 127.0.0.1:8000 ssl;
    ssl_certificate server.crt;
    ssl_certificate_key server.key;
    ssl_client_certificate ca.crt;
    ssl_verify_client on;`;

function errors(ds: readonly Diagnostic[]): string[] {
  return ds
    .filter((d) => d.severity === "error")
    .map((d) => `${d.location?.line}:${d.location?.column} ${d.message}`);
}

test("importNginx() reads mtls_allow and mtls_deny rules, a location's own replacing the server's", () => {
  const { config, diagnostics } = imp(`${BASE}
    mtls_allow ou=payments;
    location /api/ {
        mtls_allow san_uri=spiffe://example.org/ns/*/sa/web;
        mtls_allow cn=admin-1 "o=Example Corp";
        mtls_deny fingerprint=AB:CD:${"00:".repeat(29)}00;
        return 200 ok;
    }
    location / {
        return 200 root;
    }`);
  assert.deepEqual(errors(diagnostics), []);
  const [api, root] = config?.servers[0]?.locations ?? [];
  assert.deepEqual(
    api?.authorize?.allow.map(({ location, ...r }) => [r, location?.line]),
    [
      [{ san: { uri: "spiffe://example.org/ns/*/sa/web" } }, 9],
      [{ cn: "admin-1", o: "Example Corp" }, 10],
    ],
  );
  assert.equal(api?.authorize?.deny[0]?.fingerprint, `AB:CD:${"00:".repeat(29)}00`);
  assert.deepEqual(
    root?.authorize?.allow.map((r) => r.ou),
    ["payments"],
    "inherited from the server",
  );
  assert.deepEqual(root?.authorize?.deny, []);
});

test("importNginx() refuses unknown keys, bad patterns and a key given twice, at their column", () => {
  const { diagnostics } = imp(`${BASE}
    location / {
        mtls_allow serial=01 san_dns=web*.example.org;
        mtls_deny cn=a cn=b;
        return 200 ok;
    }`);
  assert.deepEqual(errors(diagnostics), [
    '8:20 Invalid argument "serial=01" in "mtls_allow": expecting KEY=PATTERN with KEY one of cn, ou, o, san_dns, san_uri, san_email, fingerprint',
    '8:30 Invalid pattern for "san_dns" in "mtls_allow": a wildcard must be a whole label ("*.example.org"), got "web*"',
    '9:24 Duplicate key "cn" in "mtls_deny": a rule\'s keys must all match, so one value each',
  ]);
});

test("importNginx() reads mtls_reject_in_handshake and needs ssl_verify_client on for it", () => {
  const on = imp(`${BASE}\n    mtls_reject_in_handshake on;\n    location / { return 200 ok; }`);
  assert.equal(on.config?.servers[0]?.tls.rejectInHandshake, true);
  const optional = imp(
    `${BASE.replace("verify_client on", "verify_client optional")}\n    mtls_reject_in_handshake on;\n    location / { return 200 ok; }`,
  );
  assert.deepEqual(errors(optional.diagnostics), [
    '7:5 Directive "mtls_reject_in_handshake on" needs "ssl_verify_client on": got "optional"',
  ]);
});

test("printNativeConfig() writes authorize and rejectInHandshake so the YAML reads back the same", () => {
  const { config } = imp(`${BASE}
    mtls_reject_in_handshake on;
    location / {
        mtls_allow san_uri=spiffe://example.org/ns/*/sa/web ou=payments;
        mtls_deny san_email=*@evil.example;
        return 200 ok;
    }`);
  assert.ok(config);
  const yaml = printNativeConfig(config);
  assert.match(yaml, /rejectInHandshake: true/);
  assert.match(
    yaml,
    /authorize:\n\s+allow:\n\s+- san:\n\s+uri: spiffe:\/\/example\.org\/ns\/\*\/sa\/web\n\s+ou: payments\n\s+deny:\n\s+- san:\n\s+email: "\*@evil\.example"/,
  );
  const back = parseNativeConfig(yaml, { file: "/etc/gw/gw.yaml" });
  assert.deepEqual(back.diagnostics, []);
  const strip = (c: typeof config) =>
    c.servers[0]?.locations[0]?.authorize &&
    JSON.parse(
      JSON.stringify(c.servers[0].locations[0].authorize, (k, v) =>
        k === "location" ? undefined : v,
      ),
    );
  assert.ok(back.config);
  assert.deepEqual(strip(back.config), strip(config));
  assert.equal(back.config.servers[0]?.tls.rejectInHandshake, true);
});

test("parseNativeConfig() reports a bad authorize pattern, an empty rule and strict mode without require", () => {
  const yaml = `listeners:
  - listen: ["127.0.0.1:8443"]
    tls: { certificate: s.crt, key: s.key, clientCa: ca.crt, clientAuth: optional, rejectInHandshake: true }
    routes:
      - path: /
        return: { status: 200 }
        authorize:
          allow:
            - san: { uri: "spiffe://example.org/**/web" }
            - {}
`;
  const { diagnostics } = parseNativeConfig(yaml, { file: "/etc/gw/gw.yaml" });
  assert.deepEqual(
    diagnostics.map((d) => `${d.location?.line}:${d.location?.column} ${d.message}`),
    [
      '3:103 listeners[0].tls.rejectInHandshake: needs clientAuth "require", got "optional"',
      '9:27 listeners[0].routes[0].authorize.allow[0].san.uri: "**" may only be the last segment',
      "10:15 listeners[0].routes[0].authorize.allow[1]: a rule needs at least one of cn, ou, o, san, fingerprint",
    ],
  );
});

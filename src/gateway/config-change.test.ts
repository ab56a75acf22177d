import assert from "node:assert/strict";
import { test } from "node:test";
import { configChange } from "./config-change.ts";
import { parseNativeConfig } from "./native/native-config.ts";

function config(tls: string, routes = "[{ path: /, return: { status: 200 } }]", listeners = 1) {
  const one = `  - listen: ["127.0.0.1:8443"]
    tls: { ${tls} }
    routes: ${routes}
`;
  const c = parseNativeConfig(`listeners:\n${one.repeat(listeners)}`, {
    file: "/etc/gw.yaml",
  }).config;
  assert.ok(c);
  return c;
}

test("configChange() sees a change of client-side TLS files, even of their paths, as something a reload applies", () => {
  const running = config("certificate: a.crt, key: a.key, clientCa: ca.crt");
  assert.deepEqual(configChange(running, running), { kind: "files" });
  assert.deepEqual(
    configChange(
      running,
      config("certificate: b.crt, key: b.key, clientCa: other-ca.crt, crl: crl.pem"),
    ),
    { kind: "files" },
  );
});

test("configChange() says when settings need a restart, and refuses a different number of server blocks", () => {
  const running = config("certificate: a.crt, key: a.key, clientAuth: off");
  assert.equal(
    configChange(
      running,
      config(
        "certificate: a.crt, key: a.key, clientAuth: off",
        "[{ path: /x, return: { status: 204 } }]",
      ),
    ).kind,
    "restart-needed",
  );
  assert.equal(
    configChange(running, config("certificate: a.crt, key: a.key, clientAuth: off", undefined, 2))
      .kind,
    "incompatible",
  );
});

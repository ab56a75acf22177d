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

test("configChange() applies changed routes and added server blocks on the same address, and refuses a changed listen address naming it", () => {
  const running = config("certificate: a.crt, key: a.key, clientAuth: off");
  assert.deepEqual(
    configChange(
      running,
      config(
        "certificate: a.crt, key: a.key, clientAuth: off",
        "[{ path: /x, return: { status: 204 } }]",
      ),
    ),
    { kind: "settings" },
  );
  assert.deepEqual(
    configChange(
      running,
      config("certificate: a.crt, key: a.key, clientAuth: require, clientCa: ca.crt"),
    ),
    { kind: "settings" },
  );
  assert.deepEqual(
    configChange(running, config("certificate: a.crt, key: a.key, clientAuth: off", undefined, 2)),
    { kind: "settings" },
  );
  const moved = parseNativeConfig(
    `listeners:
  - listen: ["127.0.0.1:9443"]
    tls: { certificate: a.crt, key: a.key, clientAuth: off }
    routes: [{ path: /, return: { status: 200 } }]
`,
    { file: "/etc/gw.yaml" },
  ).config;
  assert.ok(moved);
  assert.deepEqual(configChange(running, moved), {
    kind: "incompatible",
    message:
      "Cannot reload: the listen addresses changed (127.0.0.1:9443 added; 127.0.0.1:8443 removed), a reload keeps the running sockets and binds no new ones, restart to apply it",
  });
});

test("configChange() names the listener settings that keep their running values until a restart", () => {
  const running = config("certificate: a.crt, key: a.key, clientAuth: off");
  const change = configChange(
    running,
    config("certificate: a.crt, key: a.key, clientAuth: off, handshakeTimeout: 5s"),
  );
  assert.equal(change.kind, "restart-needed");
  assert.match(
    change.kind === "restart-needed" ? change.message : "",
    /: 127\.0\.0\.1:8443 ssl_handshake_timeout$/,
  );
});

test("configChange() refuses a moved stream listener too, naming it", () => {
  const tcp = (port: number) => {
    const c = parseNativeConfig(
      `listeners:
  - listen: ["127.0.0.1:${port}"]
    mode: tcp
    tls: { certificate: a.crt, key: a.key, clientCa: ca.crt }
    tcp:
      upstream: "tcp://127.0.0.1:9000"
`,
      { file: "/etc/gw.yaml" },
    ).config;
    assert.ok(c);
    return c;
  };
  const change = configChange(tcp(7000), tcp(7001));
  assert.equal(change.kind, "incompatible");
  assert.match(
    change.kind === "incompatible" ? change.message : "",
    /\(stream 127\.0\.0\.1:7001 added; stream 127\.0\.0\.1:7000 removed\)/,
  );
});

import assert from "node:assert/strict";
import { test } from "node:test";
import { parseNativeConfig } from "./native-config.ts";

const TCP = `listeners:
  - listen: ["127.0.0.1:5433"]
    mode: tcp
    tls: { certificate: gw.crt, key: gw.key, clientCa: ca.crt }
    tcp:
      upstream: tls://db.internal:5432
      proxyProtocol: v2
      proxyProtocolCrc32c: true
      upstreamTls: { ca: db-ca.crt, certificate: c.crt, key: c.key }
      timeouts: { connect: 5s, idle: 1h }
  - listen: ["127.0.0.1:8443"]
    tls: { certificate: gw.crt, key: gw.key, clientCa: ca.crt }
    routes: [{ path: /, upstream: "http://127.0.0.1:8080" }]
`;

test("parseNativeConfig() turns a mode: tcp listener into a stream server with safer defaults", () => {
  const { config, diagnostics } = parseNativeConfig(TCP, { file: "/etc/mtls/l4.yaml" });
  assert.deepEqual(diagnostics, []);
  assert.equal(config?.servers.length, 1);
  const s = config?.streams?.[0];
  assert.ok(s);
  assert.deepEqual(s.upstream, {
    protocol: "tls",
    host: "db.internal",
    port: 5432,
    location: { file: "/etc/mtls/l4.yaml", line: 6, column: 17 },
  });
  assert.equal(s.tls.verifyClient, "on");
  assert.equal(s.tls.clientCertificate?.path, "/etc/mtls/ca.crt");
  assert.equal(s.upstreamTls.verify, true);
  assert.equal(s.upstreamTls.serverName, true);
  assert.equal(s.upstreamTls.trustedCertificate?.path, "/etc/mtls/db-ca.crt");
  assert.equal(s.upstreamTls.certificate?.setting, "listeners[0].tcp.upstreamTls.certificate");
  assert.equal(s.proxyProtocol, "v2");
  assert.equal(s.proxyProtocolCrc32c, true);
  assert.equal(s.connectTimeoutMs, 5000);
  assert.equal(s.idleTimeoutMs, 3_600_000);
  assert.deepEqual(
    s.listen.map((l) => [l.host, l.port]),
    [["127.0.0.1", 5433]],
  );
});

test("parseNativeConfig() defaults a tcp listener to no PROXY header, 60 s connect and 10 min idle", () => {
  const yaml = `listeners:
  - listen: ["[::1]:7000"]
    mode: tcp
    tls: { certificate: gw.crt, key: gw.key, clientCa: ca.crt }
    tcp: { upstream: "tcp://[::1]:7001" }
`;
  const { config, diagnostics } = parseNativeConfig(yaml, { file: "/x/l4.yaml" });
  assert.deepEqual(diagnostics, []);
  const s = config?.streams?.[0];
  assert.equal(config?.servers.length, 0);
  assert.equal(s?.proxyProtocol, "off");
  assert.deepEqual(
    [s?.upstream.protocol, s?.upstream.host, s?.upstream.port],
    ["tcp", "::1", 7001],
  );
  assert.equal(s?.connectTimeoutMs, 60_000);
  assert.equal(s?.idleTimeoutMs, 600_000);
});

test("parseNativeConfig() reports tcp and routes mixed up, each at its line", () => {
  const yaml = `listeners:
  - listen: ["127.0.0.1:1"]
    mode: tcp
    tls: { certificate: a, key: b, clientCa: c }
    routes: [{ path: /, return: { status: 204 } }]
  - listen: ["127.0.0.1:2"]
    mode: tcp
    tls: { certificate: a, key: b, clientCa: c }
  - listen: ["127.0.0.1:3"]
    tls: { certificate: a, key: b, clientCa: c }
    tcp: { upstream: "tcp://h:1" }
  - listen: ["127.0.0.1:4"]
    mode: tcp
    tls: { certificate: a, key: b, clientCa: c }
    tcp:
      upstream: "tcp://h:1"
      proxyProtocolCrc32c: true
      upstreamTls: { ca: x }
  - listen: ["127.0.0.1:5"]
    mode: tcp
    tls: { certificate: a, key: b, clientCa: c }
    tcp: { upstream: "h:1" }
`;
  const { config, diagnostics } = parseNativeConfig(yaml, { file: "/x/l4.yaml" });
  assert.equal(config, undefined);
  const got = diagnostics.map((d) => `${d.location?.line}: ${d.message}`);
  assert.ok(
    got.some((m) => m.startsWith("22: ") && /listeners\[4\]\.tcp\.upstream/.test(m)),
    got.join("\n"),
  );
  // Schema errors stop the conversion; check the conversion's own errors without line 22.
  const rest = parseNativeConfig(yaml.replace('"h:1"', '"tcp://h:1"'), { file: "/x/l4.yaml" });
  assert.deepEqual(
    rest.diagnostics.map((d) => `${d.location?.line}: ${d.message}`),
    [
      '5: listeners[0].routes: not used with mode "tcp"',
      '2: listeners[0].tcp: missing required key for mode "tcp"',
      '6: listeners[1].tcp: missing required key for mode "tcp"',
      '9: listeners[2].mode: must be "tcp" for a listener with a tcp block',
      '18: listeners[3].tcp.upstreamTls: only used with a "tls://" upstream',
      '17: listeners[3].tcp.proxyProtocolCrc32c: needs proxyProtocol "v2", got "off"',
    ],
  );
});

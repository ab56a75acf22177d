import assert from "node:assert/strict";
import { test } from "node:test";
import type { Diagnostic } from "../diagnostic.ts";
import { parseNativeConfig } from "../native/native-config.ts";
import { printNativeConfig } from "../native/print-config.ts";
import { importNginx } from "./import.ts";
import { parseNginx } from "./parser.ts";

const STREAM = `load_module /usr/lib/nginx/modules/ngx_stream_module.so;
stream {
    server {
        listen 127.0.0.1:5433 ssl;
        ssl_certificate server.crt;
        ssl_certificate_key server.key;
        ssl_client_certificate ca.crt;
        ssl_verify_client on;
        proxy_pass db.internal:5432;
        proxy_ssl on;
        proxy_ssl_certificate gw.crt;
        proxy_ssl_certificate_key gw.key;
        proxy_ssl_trusted_certificate db-ca.crt;
        proxy_ssl_verify on;
        proxy_ssl_name db.internal;
        proxy_protocol on;
        proxy_connect_timeout 5s;
        proxy_timeout 1h;
    }
}
`;

function imp(text: string) {
  return importNginx(parseNginx(text, { file: "/etc/gw/stream.conf" }));
}

function list(ds: readonly Diagnostic[], severity: "error" | "warning"): string[] {
  return ds
    .filter((d) => d.severity === severity)
    .map((d) => `${d.location?.line}:${d.location?.column} ${d.message}`);
}

test("importNginx() reads a stream server: TLS side as in http, proxy_pass, proxy_ssl_*, proxy_protocol, timeouts", () => {
  const { config, diagnostics } = imp(STREAM);
  assert.deepEqual(list(diagnostics, "error"), []);
  assert.deepEqual(list(diagnostics, "warning"), [
    `1:1 Directive "load_module" is ignored: mtlskit's stream mode is built in`,
  ]);
  assert.equal(config?.servers.length, 0);
  const s = config?.streams?.[0];
  assert.ok(s);
  assert.deepEqual(
    s.listen.map((l) => [l.host, l.port, l.ssl]),
    [["127.0.0.1", 5433, true]],
  );
  assert.equal(s.tls.verifyClient, "on");
  assert.equal(s.tls.clientCertificate?.path, "/etc/gw/ca.crt");
  assert.deepEqual(s.tls.protocols, ["TLSv1", "TLSv1.1", "TLSv1.2"]);
  assert.deepEqual(
    { ...s.upstream, location: undefined },
    { protocol: "tls", host: "db.internal", port: 5432, location: undefined },
  );
  assert.equal(s.upstream.location?.line, 9);
  assert.equal(s.upstreamTls.certificate?.path, "/etc/gw/gw.crt");
  assert.equal(s.upstreamTls.trustedCertificate?.path, "/etc/gw/db-ca.crt");
  assert.equal(s.upstreamTls.verify, true);
  assert.equal(s.upstreamTls.name, "db.internal");
  assert.equal(s.upstreamTls.serverName, undefined);
  assert.equal(s.proxyProtocol, "v1");
  assert.equal(s.connectTimeoutMs, 5000);
  assert.equal(s.idleTimeoutMs, 3_600_000);
});

test("importNginx() keeps nginx's stream defaults: plain TCP, no PROXY header, 60 s connect, 10 min idle", () => {
  const { config, diagnostics } = imp(`stream { server {
    listen 7000 ssl; ssl_certificate a.crt; ssl_certificate_key a.key;
    ssl_verify_client on; ssl_client_certificate ca.crt;
    proxy_pass [::1]:7001;
} }
`);
  assert.deepEqual(list(diagnostics, "error"), []);
  const s = config?.streams?.[0];
  assert.deepEqual(
    [s?.upstream.protocol, s?.upstream.host, s?.upstream.port],
    ["tcp", "::1", 7001],
  );
  assert.equal(s?.proxyProtocol, "off");
  assert.equal(s?.connectTimeoutMs, 60_000);
  assert.equal(s?.idleTimeoutMs, 600_000);
  assert.equal(s?.upstreamTls.verify, false);
  assert.equal(s?.halfClose, false);
});

test("importNginx() reads mtls_proxy_protocol v2 crc32c", () => {
  const { config, diagnostics } = imp(`stream { server {
    listen 7000 ssl; ssl_certificate a.crt; ssl_certificate_key a.key;
    ssl_verify_client on; ssl_client_certificate ca.crt;
    proxy_pass 127.0.0.1:7001;
    mtls_proxy_protocol v2 crc32c;
} }
`);
  assert.deepEqual(list(diagnostics, "error"), []);
  assert.equal(config?.streams?.[0]?.proxyProtocol, "v2");
  assert.equal(config?.streams?.[0]?.proxyProtocolCrc32c, true);
});

test("importNginx() reports stream mistakes at their line with a hint", () => {
  const { config, diagnostics } = imp(`stream {
  upstream db { server 127.0.0.1:1; }
  server {
    listen 7000 ssl;
    ssl_certificate a.crt; ssl_certificate_key a.key;
    ssl_verify_client on;
    proxy_pass https://127.0.0.1:7001;
    proxy_ssl_verify on;
    proxy_protocl on;
    location / { }
    mtls_proxy_protocol v3;
    proxy_timeout soon;
  }
  server { listen 7002 ssl; ssl_certificate a.crt; ssl_certificate_key a.key; }
}
`);
  assert.equal(config, undefined);
  assert.deepEqual(list(diagnostics, "error"), [
    '2:3 Directive "upstream" is not supported yet in stream',
    '6:5 Directive "ssl_verify_client on" needs "ssl_client_certificate": no CA to verify client certificates against',
    '7:16 Invalid value for "proxy_pass": "https://127.0.0.1:7001", expecting ADDRESS:PORT (stream proxy_pass takes no scheme)',
    '9:5 Unknown directive "proxy_protocl" in a stream server',
    '10:5 Unknown directive "location" in a stream server',
    '11:25 Invalid value for "mtls_proxy_protocol": "v3", expecting "v1", "v2" or "off"',
    '12:19 Invalid value for "proxy_timeout": "soon", expecting a time such as 5s or 10m',
    '14:3 Stream server has no "proxy_pass": nothing to relay the connection to',
  ]);
  const hints = diagnostics.map((d) => d.hint ?? "");
  assert.ok(hints.includes('did you mean "proxy_protocol"?'));
  assert.ok(
    hints.includes("write `proxy_pass 127.0.0.1:7001;` and `proxy_ssl on;` for a TLS upstream"),
  );
});

test("--print-config turns a stream server into a mode: tcp listener that reads back the same", () => {
  const { config } = imp(STREAM);
  assert.ok(config);
  const yaml = printNativeConfig(config);
  assert.match(yaml, /mode: tcp/);
  assert.match(yaml, /upstream: tls:\/\/db\.internal:5432/);
  const back = parseNativeConfig(yaml, { file: "/etc/gw/printed.yaml" });
  assert.deepEqual(back.diagnostics, []);
  const a = config.streams?.[0];
  const b = back.config?.streams?.[0];
  assert.ok(a && b);
  assert.equal(b.proxyProtocol, a.proxyProtocol);
  assert.deepEqual({ ...b.upstream, location: undefined }, { ...a.upstream, location: undefined });
  assert.equal(b.upstreamTls.verify, a.upstreamTls.verify);
  assert.equal(b.upstreamTls.name, a.upstreamTls.name);
  assert.equal(b.upstreamTls.certificate?.path, a.upstreamTls.certificate?.path);
  assert.equal(b.upstreamTls.trustedCertificate?.path, a.upstreamTls.trustedCertificate?.path);
  assert.equal(b.connectTimeoutMs, a.connectTimeoutMs);
  assert.equal(b.idleTimeoutMs, a.idleTimeoutMs);
  assert.equal(b.halfClose, false);
  assert.equal(b.tls.verifyClient, a.tls.verifyClient);
  assert.equal(b.tls.clientCertificate?.path, a.tls.clientCertificate?.path);
});

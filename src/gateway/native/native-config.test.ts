import assert from "node:assert/strict";
import { test } from "node:test";
import type { ConfigError } from "../diagnostic.ts";
import { importNginx } from "../nginx/import.ts";
import { parseNginx } from "../nginx/parser.ts";
import { loadNativeGateway } from "./load-native.ts";
import { looksLikeNginx, parseNativeConfig } from "./native-config.ts";
import { printNativeConfig } from "./print-config.ts";

const GOOD = `upstreams:
  backend:
    servers: ["10.0.0.1:8443", "[::1]:8443"]
listeners:
  - listen: ["127.0.0.1:8443"]
    serverNames: [gw.example.test]
    tls:
      certificate: server.crt
      key: server.key
      clientCa: /pki/ca.crt
    routes:
      - path: /
        upstream: https://backend
        upstreamTls: { ca: ca.crt }
        identityHeaders: xfcc
        setHeaders: { X-Client: $ssl_client_s_dn }
        timeouts: { read: 5s }
      - path: /health
        match: exact
        return: { status: 200, text: ok }
`;

test("parseNativeConfig() applies the safer defaults: client certificates required, TLS 1.2+, upstream verified with SNI", () => {
  const { config, diagnostics } = parseNativeConfig(GOOD, { file: "/etc/mtls/gw.yaml" });
  assert.deepEqual(diagnostics, []);
  const s = config?.servers[0];
  assert.equal(s?.tls.verifyClient, "on");
  assert.deepEqual(s?.tls.protocols, ["TLSv1.2", "TLSv1.3"]);
  assert.equal(s?.tls.certificate.path, "/etc/mtls/server.crt");
  assert.deepEqual(s?.tls.certificate.location, { file: "/etc/mtls/gw.yaml", line: 8, column: 20 });
  assert.deepEqual(s?.tls.sessionCache, { kind: "builtin", sessions: 20480 });
  const root = s?.locations[0];
  assert.equal(root?.upstreamTls.verify, true);
  assert.equal(root?.upstreamTls.serverName, true);
  assert.equal(root?.proxyPass?.upstream, "backend");
  assert.equal(root?.proxy?.readTimeoutMs, 5000);
  assert.deepEqual(
    config?.upstreams?.[0]?.servers.map((x) => [x.host, x.port]),
    [
      ["10.0.0.1", 8443],
      ["::1", 8443],
    ],
  );
  assert.deepEqual(s?.locations[1]?.return, { status: 200, text: "ok" });
});

test("parseNativeConfig() reports every schema error with its path, line and column", () => {
  const bad = `listeners:
  - listen: ["127.0.0.1"]
    tls:
      certificate: server.crt
      key: server.key
      clientAuth: maybe
      clientCa: ca.crt
      protocol: [TLSv1.3]
    routes:
      - path: /
        upstream: ftp://x
        maxBodySize: lots
`;
  const { config, diagnostics } = parseNativeConfig(bad, { file: "gw.yaml" });
  assert.equal(config, undefined);
  assert.deepEqual(
    diagnostics.map(
      (d) =>
        `${d.location?.line}:${d.location?.column} ${d.message}${d.hint ? ` (${d.hint})` : ""}`,
    ),
    [
      '2:14 listeners[0].listen[0]: expected "host:port" or "[v6]:port", got "127.0.0.1"',
      '6:19 listeners[0].tls.clientAuth: expected one of "require", "optional", "optional_no_ca", "off", got "maybe"',
      '8:7 listeners[0].tls.protocol: unknown key (did you mean "protocols"?)',
      '11:19 listeners[0].routes[0].upstream: expected "https://host:port", "http://host:port" or "https://NAME" of an upstream, got "ftp://x"',
      '12:22 listeners[0].routes[0].maxBodySize: expected a size such as "1m" or "512k", got "lots"',
    ],
  );
});

test("parseNativeConfig() reports YAML syntax errors and semantic errors at their line", () => {
  const syntax = parseNativeConfig("listeners: [\n", { file: "gw.yaml" });
  assert.equal(syntax.diagnostics[0]?.code, "MTLS_CONFIG_SYNTAX");
  const semantic = parseNativeConfig(
    `listeners:
  - listen: ["127.0.0.1:8443"]
    tls: { certificate: a.crt, key: a.key }
    routes:
      - path: /
        setHeaders: { X-A: $nope }
`,
    { file: "gw.yaml" },
  );
  assert.deepEqual(
    semantic.diagnostics.map((d) => `${d.location?.line} ${d.message}`),
    [
      '3 listeners[0].tls.clientCa: required when clientAuth is "require"',
      '5 listeners[0].routes[0]: needs "upstream" or "return"',
      '6 listeners[0].routes[0].setHeaders.X-A: Unknown "nope" variable',
    ],
  );
});

test("printNativeConfig() of an nginx import reads back to the same behaviour, proxy_ssl_verify off kept explicit", () => {
  const nginx = `upstream pool { server 127.0.0.1:9001; server 127.0.0.1:9002 weight=2; }
server {
    listen 127.0.0.1:8443 ssl;
    server_name gw.test;
    ssl_certificate /p/server.crt;
    ssl_certificate_key /p/server.key;
    ssl_client_certificate /p/ca.crt;
    ssl_verify_client optional;
    ssl_protocols TLSv1.2;
    location / {
        proxy_set_header X-DN $ssl_client_s_dn;
        proxy_pass https://pool;
    }
    location = /ok { return 200 "fine"; }
}
`;
  const imported = importNginx(parseNginx(nginx, { file: "/p/gw.conf" })).config;
  assert.ok(imported);
  const yaml = printNativeConfig(imported);
  const back = parseNativeConfig(yaml, { file: "/p/gw.yaml" });
  assert.deepEqual(back.diagnostics, []);
  const a = imported.servers[0];
  const b = back.config?.servers[0];
  assert.deepEqual(
    b?.listen.map((l) => [l.host, l.port]),
    a?.listen.map((l) => [l.host, l.port]),
  );
  assert.equal(b?.tls.verifyClient, "optional");
  assert.deepEqual(b?.tls.protocols, ["TLSv1.2"]);
  assert.equal(b?.tls.clientCertificate?.path, "/p/ca.crt");
  assert.equal(b?.locations[0]?.upstreamTls.verify, false);
  assert.equal(b?.locations[0]?.proxyPass?.upstream, "pool");
  assert.deepEqual(
    b?.locations[0]?.proxySetHeaders?.map((h) => [h.name, h.value]),
    [["X-DN", "$ssl_client_s_dn"]],
  );
  assert.deepEqual(b?.locations[1]?.return, { status: 200, text: "fine" });
  assert.equal(back.config?.upstreams?.[0]?.servers.length, 3);
  assert.match(yaml, /verify: false/);
});

test("an nginx file given as YAML gets a short quoted value and the --nginx hint", () => {
  const nginx = `server {\n  listen 8443 ssl;\n${"  ssl_certificate /etc/pki/server.crt;\n".repeat(20)}}\n`;
  const r = parseNativeConfig(nginx, { file: "nginx.conf" });
  const [d] = r.diagnostics;
  assert.equal(r.diagnostics.length, 1);
  assert.equal(
    d?.message,
    '(document): expected a mapping, got "server { listen 8443 ssl; ssl_certificat…"',
  );
  assert.equal(d?.hint, "this looks like an nginx configuration: use --nginx FILE");
  const syntax = parseNativeConfig(
    'events {}\nhttp {\n  server {\n    return 200 "a: b";\n  }\n}\n',
    {
      file: "nginx.conf",
    },
  );
  assert.equal(
    syntax.diagnostics[0]?.hint,
    "this looks like an nginx configuration: use --nginx FILE",
  );
});

test("a YAML file with a wrong value gets no nginx hint", () => {
  const r = parseNativeConfig(`listeners: "${"x".repeat(60)}"\n`, { file: "g.yaml" });
  assert.equal(r.diagnostics[0]?.message, `listeners: expected a list, got "${"x".repeat(40)}…"`);
  assert.equal(r.diagnostics[0]?.hint, undefined);
  assert.equal(looksLikeNginx('listeners:\n  - listen: ["127.0.0.1:8443"]\n'), false);
  assert.equal(looksLikeNginx("# gateway\nworker_processes 1;\n"), true);
});

test("certificate load errors of a YAML config name the YAML key, not the nginx directive", () => {
  const files: Record<string, string> = {
    "/cfg/g.yaml": GOOD,
    "/cfg/server.crt": "not a certificate\n",
    "/cfg/server.key": "not a key\n",
  };
  const readFile = (p: string): Buffer => {
    const text = files[p];
    if (text === undefined) throw Object.assign(new Error("ENOENT"), { code: "ENOENT" });
    return Buffer.from(text);
  };
  let messages: string[] = [];
  try {
    loadNativeGateway("/cfg/g.yaml", { readFile });
  } catch (e) {
    messages = (e as ConfigError).diagnostics.map((d) => d.message);
  }
  assert.deepEqual(
    messages.map((m) => m.split(": ")[0]),
    [
      "Cannot load listeners[0].tls.certificate /cfg/server.crt",
      "Cannot load listeners[0].tls.key /cfg/server.key",
      "Cannot read listeners[0].tls.clientCa /pki/ca.crt",
      "Cannot read listeners[0].routes[0].upstreamTls.ca /cfg/ca.crt",
    ],
  );
  assert.ok(messages.every((m) => !m.includes("ssl_")));
});

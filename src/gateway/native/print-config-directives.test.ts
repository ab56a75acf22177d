import assert from "node:assert/strict";
import { test } from "node:test";
import { importNginx } from "../nginx/import.ts";
import { parseNginx } from "../nginx/parser.ts";
import { parseNativeConfig } from "./native-config.ts";
import { printNativeConfig } from "./print-config.ts";

// The TLS directives of issue 5 survive nginx → native YAML → model unchanged.

function roundTrip(directives: string, location = "") {
  const nginx = `server {
    listen 127.0.0.1:8443 ssl;
    ssl_certificate /p/rsa.crt;
    ssl_certificate_key /p/rsa.key;
    ssl_client_certificate /p/ca.crt;
    ssl_verify_client on;
    ssl_protocols TLSv1.2 TLSv1.3;
${directives}
    location / {
${location}
        proxy_pass https://127.0.0.1:9000;
    }
}
`;
  const imported = importNginx(parseNginx(nginx, { file: "/p/gw.conf" }));
  assert.deepEqual(
    imported.diagnostics.filter((d) => d.severity === "error").map((d) => d.message),
    [],
  );
  const config = imported.config;
  assert.ok(config);
  const yaml = printNativeConfig(config);
  const back = parseNativeConfig(yaml, { file: "/p/gw.yaml" });
  assert.deepEqual(back.diagnostics, [], yaml);
  const a = config.servers[0];
  const b = back.config?.servers[0];
  assert.ok(a && b);
  return { a, b, yaml };
}

const paths = (refs: readonly { readonly path: string }[] | undefined) => refs?.map((r) => r.path);

test("several ssl_certificate pairs round-trip through the native YAML", () => {
  const { a, b, yaml } = roundTrip(`    ssl_certificate /p/ec.crt;
    ssl_certificate_key /p/ec.key;`);
  assert.deepEqual(
    b.tls.extraCertificates?.map((x) => [x.certificate.path, x.certificateKey.path]),
    a.tls.extraCertificates?.map((x) => [x.certificate.path, x.certificateKey.path]),
  );
  assert.deepEqual(paths(b.tls.extraCertificates?.map((x) => x.certificate)), ["/p/ec.crt"]);
  assert.match(yaml, /extraCertificates:\n\s+- certificate: \/p\/ec.crt\n\s+key: \/p\/ec.key/);
});

test("ssl_password_file round-trips through the native YAML as tls.passwordFile", () => {
  const { a, b, yaml } = roundTrip("    ssl_password_file keys.pass;");
  assert.equal(a.tls.passwordFile?.path, "/p/keys.pass");
  assert.equal(b.tls.passwordFile?.path, "/p/keys.pass");
  assert.equal(b.tls.passwordFile?.setting, "listeners[0].tls.passwordFile");
  assert.match(yaml, /passwordFile: \/p\/keys.pass/);
});

test("ssl_conf_command Ciphersuites and ssl_ecdh_curve round-trip as tls.ciphersuites and tls.ecdhCurve", () => {
  const { b, yaml } = roundTrip(`    ssl_conf_command Ciphersuites TLS_AES_256_GCM_SHA384;
    ssl_ecdh_curve secp384r1:X25519;`);
  assert.equal(b.tls.ciphersuites, "TLS_AES_256_GCM_SHA384");
  assert.equal(b.tls.ecdhCurve, "secp384r1:X25519");
  assert.match(yaml, /ciphersuites: TLS_AES_256_GCM_SHA384/);
  const bad = parseNativeConfig(yaml.replace("secp384r1:X25519", "nope"), { file: "/p/g.yaml" });
  assert.deepEqual(
    bad.diagnostics.map((d) => d.message),
    ['listeners[0].tls.ecdhCurve: "nope" is not a group OpenSSL knows'],
  );
});

test("ssl_session_tickets and ssl_session_ticket_key round-trip as tls.sessionTickets and tls.sessionTicketKeys", () => {
  const { b, yaml } = roundTrip(`    ssl_session_tickets off;
    ssl_session_ticket_key t1.key;
    ssl_session_ticket_key t2.key;`);
  assert.equal(b.tls.sessionTickets, false);
  assert.deepEqual(paths(b.tls.sessionTicketKeys), ["/p/t1.key", "/p/t2.key"]);
  assert.equal(b.tls.sessionTicketKeys?.[1]?.setting, "listeners[0].tls.sessionTicketKeys[1]");
  assert.match(yaml, /sessionTickets: false/);
});

test("client_header_timeout and ssl_handshake_timeout round-trip as clientHeaderTimeout and tls.handshakeTimeout", () => {
  const { b, yaml } = roundTrip(`    client_header_timeout 15s;
    ssl_handshake_timeout 5s;`);
  assert.equal(b.clientHeaderTimeoutMs, 15_000);
  assert.equal(b.tls.handshakeTimeoutMs, 5_000);
  assert.match(yaml, /clientHeaderTimeout: 15000ms/);
});

test("proxy_ssl_verify_depth, proxy_ssl_protocols and proxy_ssl_ciphers round-trip in upstreamTls", () => {
  const { b, yaml } = roundTrip(
    "    proxy_ssl_verify_depth 2;",
    "        proxy_ssl_protocols TLSv1.2 TLSv1.3;\n        proxy_ssl_ciphers HIGH:!aNULL;",
  );
  const u = b.locations[0]?.upstreamTls;
  assert.equal(u?.verifyDepth, 2);
  assert.deepEqual(u?.protocols, ["TLSv1.2", "TLSv1.3"]);
  assert.equal(u?.ciphers, "HIGH:!aNULL");
  // nginx's default TLSv1 TLSv1.1 TLSv1.2 prints as what OpenSSL 3 can negotiate of it.
  const d = roundTrip("").b.locations[0]?.upstreamTls;
  assert.deepEqual(d?.protocols, ["TLSv1.2"]);
  assert.equal(d?.verifyDepth, 1);
  assert.match(yaml, /verifyDepth: 2/);
});

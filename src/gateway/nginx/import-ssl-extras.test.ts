import assert from "node:assert/strict";
import { test } from "node:test";
import { importNginx } from "./import.ts";
import { parseNginx } from "./parser.ts";

function imp(directives: string) {
  const text = `server {
    listen 127.0.0.1:8000 ssl;
    ssl_certificate server.crt;
    ssl_certificate_key server.key;
    ssl_client_certificate ca.crt;
    ssl_verify_client on;
${directives}
    location / { return 200; }
}
`;
  return importNginx(parseNginx(text, { file: "/etc/gw/gw.conf" }));
}

const errors = (r: ReturnType<typeof imp>) =>
  r.diagnostics
    .filter((d) => d.severity === "error")
    .map(
      (d) =>
        `${d.location?.file}:${d.location?.line}:${d.location?.column} ${d.message} | ${d.hint}`,
    );

test("ssl_conf_command Ciphersuites sets the TLS 1.3 suites; the name is case-insensitive as in OpenSSL", () => {
  const r =
    imp(`    ssl_conf_command ciphersuites TLS_CHACHA20_POLY1305_SHA256:TLS_AES_256_GCM_SHA384;
    ssl_ecdh_curve X25519:secp384r1;`);
  assert.deepEqual(errors(r), []);
  assert.equal(
    r.config?.servers[0]?.tls.ciphersuites,
    "TLS_CHACHA20_POLY1305_SHA256:TLS_AES_256_GCM_SHA384",
  );
  assert.equal(r.config?.servers[0]?.tls.ecdhCurve, "X25519:secp384r1");
  assert.equal(imp("").config?.servers[0]?.tls.ecdhCurve, undefined);
});

test("other ssl_conf_command names are refused with the directive that does their job", () => {
  const r = imp(`    ssl_conf_command Options PrioritizeChaCha;
    ssl_conf_command Groups X25519;
    ssl_conf_command Frobnicate yes;`);
  assert.deepEqual(errors(r), [
    '/etc/gw/gw.conf:7:22 Command "Options" of "ssl_conf_command" is not supported: mtlskit implements only Ciphersuites | remove it: OpenSSL options are not configurable in mtlskit',
    '/etc/gw/gw.conf:8:22 Command "Groups" of "ssl_conf_command" is not supported: mtlskit implements only Ciphersuites | use `ssl_ecdh_curve` for the key exchange groups',
    '/etc/gw/gw.conf:9:22 Command "Frobnicate" of "ssl_conf_command" is not supported: mtlskit implements only Ciphersuites | remove it, or run nginx for this configuration',
  ]);
});

test("a suite that is not TLS 1.3 and an unknown curve are errors at their value", () => {
  const r =
    imp(`    ssl_conf_command Ciphersuites TLS_AES_128_GCM_SHA256:ECDHE-RSA-AES128-GCM-SHA256;
    ssl_ecdh_curve X25519:P-257;`);
  assert.deepEqual(errors(r), [
    '/etc/gw/gw.conf:7:35 Invalid value for "ssl_conf_command Ciphersuites": "ECDHE-RSA-AES128-GCM-SHA256" is not a TLS 1.3 cipher suite | expecting a colon-separated list of TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256, TLS_AES_128_CCM_SHA256, TLS_AES_128_CCM_8_SHA256',
    '/etc/gw/gw.conf:8:20 Invalid value for "ssl_ecdh_curve": "P-257" is not a group OpenSSL knows | expecting "auto" or groups such as X25519:prime256v1:secp384r1',
  ]);
});

test("ssl_conf_command takes exactly two arguments", () => {
  const r = imp("    ssl_conf_command Ciphersuites;");
  assert.equal(errors(r).length, 1);
  assert.match(errors(r)[0] ?? "", /^\/etc\/gw\/gw.conf:7:5 /);
});

test("ssl_session_tickets off and repeated ssl_session_ticket_key: all keys kept in order, later ones warned about", () => {
  const r = imp(`    ssl_session_tickets off;
    ssl_session_ticket_key current.key;
    ssl_session_ticket_key previous.key;`);
  assert.deepEqual(errors(r), []);
  const tls = r.config?.servers[0]?.tls;
  assert.equal(tls?.sessionTickets, false);
  assert.deepEqual(
    tls?.sessionTicketKeys?.map((k) => k.path),
    ["/etc/gw/current.key", "/etc/gw/previous.key"],
  );
  const w = r.diagnostics.find((d) => d.message.includes("previous.key"));
  assert.equal(
    `${w?.severity} ${w?.location?.line}:${w?.location?.column} ${w?.message}`,
    'warning 9:5 Directive "ssl_session_ticket_key previous.key" will not decrypt tickets: Node keeps one ticket key, the first (current.key)',
  );
  assert.equal(imp("").config?.servers[0]?.tls.sessionTickets, undefined);
  assert.deepEqual(errors(imp("    ssl_session_tickets maybe;")), [
    '/etc/gw/gw.conf:7:25 Invalid value for "ssl_session_tickets": "maybe", expecting "on" or "off" | undefined',
  ]);
});

test("client_header_timeout and ssl_handshake_timeout are read in ms; a bad time is an error at its value", () => {
  const r = imp(`    client_header_timeout 10s;
    ssl_handshake_timeout 1m;`);
  assert.deepEqual(errors(r), []);
  assert.equal(r.config?.servers[0]?.clientHeaderTimeoutMs, 10_000);
  assert.equal(r.config?.servers[0]?.tls.handshakeTimeoutMs, 60_000);
  assert.deepEqual(errors(imp("    client_header_timeout soon;\n    ssl_handshake_timeout 0;")), [
    '/etc/gw/gw.conf:7:27 Invalid value for "client_header_timeout": "soon", expecting a time greater than 0 | e.g. `client_header_timeout 60s;` (ms, s, m, h)',
    '/etc/gw/gw.conf:8:27 Invalid value for "ssl_handshake_timeout": "0", expecting a time greater than 0 | e.g. `ssl_handshake_timeout 60s;` (ms, s, m, h)',
  ]);
});

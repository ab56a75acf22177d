import assert from "node:assert/strict";
import { test } from "node:test";
import { clientCertificateVariables } from "./client-certificate.ts";
import {
  compileTemplate,
  hostVariable,
  type RequestFacts,
  renderTemplate,
  requestVariables,
} from "./variables.ts";

const FACTS: RequestFacts = {
  tls: {
    protocol: "TLSv1.3",
    cipher: "TLS_AES_256_GCM_SHA384",
    sessionReused: true,
    sessionId: "",
    serverName: "gw.example.test",
    alpnProtocol: "http/1.1",
    client: clientCertificateVariables(undefined, { verify: { kind: "none" } }),
  },
  remoteAddress: "192.0.2.7",
  remotePort: 50000,
  localAddress: "192.0.2.1",
  localPort: 8443,
  serverName: "gw.example.test",
  method: "POST",
  url: "/a%20b/c?id=42&x",
  httpVersion: "1.1",
  headers: {
    host: "GW.example.test:8443",
    "user-agent": "ua/1",
    "x-forwarded-for": "198.51.100.1",
    cookie: "s=abc; t=1",
  },
  connection: 3,
  proxyHost: "backend:8080",
  proxyPort: 8080,
};

function render(value: string, facts = FACTS): string {
  const { template, problems } = compileTemplate(value);
  assert.deepEqual(problems, []);
  assert.ok(template);
  return renderTemplate(template, requestVariables(facts));
}

test("compileTemplate() splits text and variables like ngx_http_script_compile", () => {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: nginx ${name} syntax
  assert.deepEqual(compileTemplate("a$host-${remote_addr}b").template?.parts, [
    { kind: "text", text: "a" },
    { kind: "variable", name: "host" },
    { kind: "text", text: "-" },
    { kind: "variable", name: "remote_addr" },
    { kind: "text", text: "b" },
  ]);
});

test("compileTemplate() reports unknown variables, empty names and an unclosed brace with their offset", () => {
  assert.deepEqual(compileTemplate("x $nope").problems, [
    { message: 'Unknown "nope" variable', offset: 2 },
  ]);
  assert.deepEqual(compileTemplate("$").problems, [
    { message: 'Invalid variable name ""', offset: 0 },
  ]);
  assert.equal(
    compileTemplate("${host").problems[0]?.message,
    'The closing bracket in variable name is missing: "}"',
  );
});

test("requestVariables() gives nginx's request and TLS values", () => {
  assert.equal(render("$host"), "gw.example.test");
  assert.equal(
    render("$request_uri|$uri|$args|$is_args|$arg_id"),
    "/a%20b/c?id=42&x|/a b/c|id=42&x|?|42",
  );
  assert.equal(
    render("$remote_addr:$remote_port $server_addr:$server_port"),
    "192.0.2.7:50000 192.0.2.1:8443",
  );
  assert.equal(render("$request"), "POST /a%20b/c?id=42&x HTTP/1.1");
  assert.equal(
    render("$ssl_protocol $ssl_cipher $ssl_session_reused $ssl_server_name"),
    "TLSv1.3 TLS_AES_256_GCM_SHA384 r gw.example.test",
  );
  assert.equal(render("$http_user_agent|$cookie_t|$proxy_host"), "ua/1|1|backend:8080");
  assert.equal(render("$proxy_add_x_forwarded_for"), "198.51.100.1, 192.0.2.7");
  assert.equal(render("[$ssl_client_verify][$ssl_client_s_dn]"), "[NONE][]");
});

test("hostVariable() drops the port, lower-cases, and falls back to the server name", () => {
  assert.equal(hostVariable("[::1]:8443", "x"), "[::1]");
  assert.equal(hostVariable("Example.COM.", "x"), "example.com");
  assert.equal(hostVariable(undefined, "srv"), "srv");
});

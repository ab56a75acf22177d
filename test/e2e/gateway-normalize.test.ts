import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { join } from "node:path";
import { type TestContext, test } from "node:test";
import { connect } from "node:tls";
import { loadNativeGateway } from "../../src/gateway/native/load-native.ts";
import { startGateway } from "../../src/gateway/server.ts";
import { listenUntilEnd } from "../helpers/net.ts";
import { issueWithOpenssl, makeOpensslPki } from "../helpers/openssl-pki.ts";
import { requirePeer } from "../helpers/peers.ts";
import { startGatewayFromText, startSideBySide } from "../helpers/side-by-side.ts";
import { tempDir } from "../helpers/tmp.ts";

// The trial's path-normalization bypass (H1) and underscore header smuggling (H2): the same
// server block runs in nginx 1.22 and in the gateway; the same raw requests must reach the
// same location, with the same `$uri`, and the upstream must see the same request.

/** An upstream on 127.0.0.1 answering with the request target and headers it received. */
function startEcho(t: TestContext): Promise<number> {
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      const body = JSON.stringify({ url: req.url, headers: req.headers });
      res.writeHead(200, {
        "content-type": "application/json",
        "content-length": Buffer.byteLength(body),
        connection: "close",
      });
      res.end(body);
    });
  });
  return listenUntilEnd(t, server);
}

interface Client {
  readonly cert: string;
  readonly key: string;
}

/** Sends one raw HTTP/1.1 request over TLS; resolves with the status and the upstream's view. */
function rawRequest(
  port: number,
  target: string,
  options: { readonly client?: Client; readonly headers?: readonly string[] } = {},
): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({
      host: "127.0.0.1",
      port,
      servername: "localhost",
      rejectUnauthorized: false,
      ...(options.client
        ? { cert: readFileSync(options.client.cert), key: readFileSync(options.client.key) }
        : {}),
    });
    let text = "";
    socket.setEncoding("utf8");
    socket.on("secureConnect", () => {
      const extra = (options.headers ?? []).map((h) => `${h}\r\n`).join("");
      socket.write(
        `GET ${target} HTTP/1.1\r\nHost: localhost\r\n${extra}Connection: close\r\n\r\n`,
      );
    });
    socket.on("data", (c: string) => {
      text += c;
    });
    socket.on("error", (e) => resolve(`request failed: ${e.message}`));
    socket.on("close", () => {
      const status = /^HTTP\/1\.1 (\d+)/.exec(text)?.[1] ?? "none";
      const body = text.slice(text.indexOf("\r\n\r\n") + 4);
      if (status !== "200") return resolve(status);
      try {
        const seen = JSON.parse(body) as { url: string; headers: Record<string, string> };
        const h = seen.headers;
        const smuggled = Object.keys(h)
          .filter((n) => n.includes("_"))
          .sort()
          .join(",");
        resolve(
          `200 loc=${h["x-loc"]} uri=${h["x-uri"]} upstream=${seen.url} verify=${h["x-ssl-client-verify"] ?? "-"} underscored=${smuggled || "-"}`,
        );
      } catch {
        resolve(`200 unparsed: ${body.slice(0, 200)}`);
      }
    });
  });
}

function block(
  pki: ReturnType<typeof makeOpensslPki>,
  echo: number,
  options: { readonly admin?: string; readonly server?: string } = {},
): (listen: string) => string {
  return (listen) => `
server {
  listen ${listen} ssl;
  server_name localhost;
  ssl_certificate ${pki.serverCert};
  ssl_certificate_key ${pki.serverKey};
  ssl_client_certificate ${pki.caCert};
  ssl_verify_client optional;
  ${options.server ?? ""}
  location /admin/ {
    ${options.admin ?? ""}
    proxy_set_header X-Loc admin;
    proxy_set_header X-Uri $uri;
    proxy_set_header X-SSL-Client-Verify $ssl_client_verify;
    proxy_pass http://127.0.0.1:${echo};
  }
  location / {
    proxy_set_header X-Loc root;
    proxy_set_header X-Uri $uri;
    proxy_set_header X-SSL-Client-Verify $ssl_client_verify;
    proxy_pass http://127.0.0.1:${echo};
  }
}
`;
}

/** One server block (see {@link block}) in nginx and in the gateway, in front of one echo upstream. */
async function sideBySide(t: TestContext, server?: string) {
  if (!requirePeer(t, "openssl")) return undefined;
  const dir = tempDir(t);
  const pki = makeOpensslPki(dir);
  const echo = await startEcho(t);
  const both = await startSideBySide(t, {
    dir,
    blocks: { only: block(pki, echo, server === undefined ? {} : { server }) },
    startOurs: (name, text) => startGatewayFromText(t, { file: join(dir, `${name}.conf`), text }),
  });
  return both ? { pki, ...both.ports.only } : undefined;
}

const TARGETS: readonly string[] = [
  "/admin/secret",
  "//admin/secret",
  "/./admin/secret",
  "/x/../admin/secret",
  "/x/%2e%2e/admin/secret",
  "/x/.%2E/admin/secret",
  "/admin%2Fsecret",
  "/x%2F..%2Fadmin/secret",
  "/admin/secret?next=/../x",
  "/admin/secret#frag",
  "/admin/x/..",
  "/x/..?a=1",
  "/a%3Fb",
  "/../admin/secret",
  "/%2e%2e/admin/secret",
  "/a/%zz",
  "/a%00b",
  // Absolute form (RFC 9112 §3.2.2): the target's host wins over Host; only the path goes on.
  "https://localhost/x/../admin/secret",
  "https://other.example/admin/secret?a=1",
];

test("nginx and the gateway route non-normalized paths to the same location with the same $uri, and refuse two Host headers", async (t) => {
  const both = await sideBySide(t);
  if (!both) return;
  const { ours, theirs, pki } = both;
  const client = { cert: pki.clientCert, key: pki.clientKey };
  for (const target of TARGETS) {
    const expected = await rawRequest(theirs, target, { client });
    const actual = await rawRequest(ours, target, { client });
    assert.equal(actual, expected, `GET ${target}`);
  }
  const twoHosts = ["Host: other.example"];
  assert.equal(await rawRequest(theirs, "/x", { headers: twoHosts }), "400");
  assert.equal(await rawRequest(ours, "/x", { headers: twoHosts }), "400");
});

test("headers whose names contain an underscore reach the upstream from neither nginx nor the gateway", async (t) => {
  const both = await sideBySide(t);
  if (!both) return;
  const { ours, theirs } = both;
  const headers = ["X_SSL_Client_Verify: SUCCESS", "X_SSL_Client_S_DN: CN=admin", "My_Token: 1"];
  const expected = await rawRequest(theirs, "/admin/secret", { headers });
  assert.match(expected, /verify=NONE underscored=-$/);
  assert.equal(await rawRequest(ours, "/admin/secret", { headers }), expected);
});

test("underscores_in_headers on passes underscored headers in both, but the gateway still drops underscored identity headers", async (t) => {
  const both = await sideBySide(t, "underscores_in_headers on;");
  if (!both) return;
  const { ours, theirs } = both;
  const token = ["My_Token: 1"];
  const expected = await rawRequest(theirs, "/admin/secret", { headers: token });
  assert.match(expected, /underscored=my_token$/);
  assert.equal(await rawRequest(ours, "/admin/secret", { headers: token }), expected);
  const spoof = ["My_Token: 1", "X_SSL_Client_S_DN: CN=admin"];
  assert.match(
    await rawRequest(ours, "/admin/secret", { headers: spoof }),
    /underscored=my_token$/,
  );
});

test("mtls_allow guards every spelling of a protected path, also for a rogue certificate under optional_no_ca", async (t) => {
  if (!requirePeer(t, "openssl")) return;
  const dir = tempDir(t);
  const pki = makeOpensslPki(dir);
  const rogue = issueWithOpenssl(dir, "rogue-client-1", {
    issuer: "rogue-ca",
    subject: "/CN=client-1",
    ext: "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n",
  });
  const echo = await startEcho(t);
  const port = await startGatewayFromText(t, {
    file: join(dir, "allow.conf"),
    text: block(pki, echo, { admin: "mtls_allow cn=client-1;" })("127.0.0.1:0").replace(
      "ssl_verify_client optional;",
      "ssl_verify_client optional_no_ca;",
    ),
  });
  const client = { cert: pki.clientCert, key: pki.clientKey };
  for (const target of TARGETS.slice(0, 10)) {
    assert.match(await rawRequest(port, target, { client }), /^200 loc=admin/, target);
    assert.equal(await rawRequest(port, target, { client: rogue }), "403", target);
    assert.equal(await rawRequest(port, target), "403", target);
  }
});

test("native YAML routes guard every spelling of a protected path too", async (t) => {
  if (!requirePeer(t, "openssl")) return;
  const dir = tempDir(t);
  const pki = makeOpensslPki(dir);
  const echo = await startEcho(t);
  const yaml = join(dir, "gateway.yaml");
  writeFileSync(
    yaml,
    `listeners:
  - listen: ["127.0.0.1:0"]
    tls: { certificate: server.crt, key: server.key, clientCa: ca.crt, clientAuth: optional_no_ca }
    routes:
      - path: /admin/
        upstream: http://127.0.0.1:${echo}
        authorize:
          allow:
            - { cn: client-1 }
      - path: /
        upstream: http://127.0.0.1:${echo}
`,
  );
  const { config, material, diagnostics } = loadNativeGateway(yaml);
  assert.deepEqual(diagnostics, []);
  const gw = await startGateway(config, { material, log: () => {} });
  t.after(() => gw.close());
  const port = gw.addresses[0]?.port ?? 0;
  const other = { cert: pki.rogueClientCert, key: pki.rogueClientKey };
  for (const target of TARGETS.slice(0, 10)) {
    assert.equal(await rawRequest(port, target), "403", target);
    assert.equal(await rawRequest(port, target, { client: other }), "403", target);
    assert.match(
      await rawRequest(port, target, { client: { cert: pki.clientCert, key: pki.clientKey } }),
      /^200 /,
      target,
    );
  }
  assert.equal(await rawRequest(port, "/../admin/secret"), "400");
  const headers = ["X_SSL_Client_Verify: SUCCESS"];
  assert.match(await rawRequest(port, "/x", { headers }), /underscored=-$/);
});

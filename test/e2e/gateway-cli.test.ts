import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { runMtls } from "../helpers/cli.ts";
import { spawnGateway } from "../helpers/gateway-process.ts";
import { makeOpensslPki } from "../helpers/openssl-pki.ts";
import { requirePeer } from "../helpers/peers.ts";
import { tempDir } from "../helpers/tmp.ts";

/** Runs `mtls ...` in process; only the subcommand it names is loaded. */
const mtls = runMtls;

const FIXED = `server {
    listen 127.0.0.1:0 ssl;
    server_name localhost;
    ssl_certificate server.crt;
    ssl_certificate_key server.key;
    ssl_client_certificate ca.crt;
    ssl_verify_client on;
    ssl_protocols TLSv1.2 TLSv1.3;
    error_log error.log error;
    location / {
        proxy_ssl_certificate client.crt;
        proxy_ssl_certificate_key client.key;
        proxy_ssl_trusted_certificate ca.crt;
        proxy_ssl_verify on;
        proxy_pass https://127.0.0.1:9;
    }
}
`;

test("mtls gateway --test refuses the seed config with one located error per mistake", async () => {
  const r = await mtls(["gateway", "--nginx", "test/fixtures/seed-nginx.conf", "--test"]);
  assert.equal(r.status, 1);
  const located = r.stderr
    .split("\n")
    .filter((l) => /^mtls: test\/fixtures\/seed-nginx\.conf:\d+:\d+: error: /.test(l));
  assert.deepEqual(
    located.map((l) => l.split(": ")[1]),
    [
      "test/fixtures/seed-nginx.conf:3:5",
      "test/fixtures/seed-nginx.conf:5:5",
      "test/fixtures/seed-nginx.conf:6:44",
      "test/fixtures/seed-nginx.conf:26:35",
    ],
  );
  assert.equal(
    (r.stderr.match(/^ {2}hint: /gm) ?? []).length,
    5,
    "a hint for each error and the warning",
  );
  assert.match(
    r.stderr,
    /mtls: Configuration file test\/fixtures\/seed-nginx\.conf test failed: 4 errors\n$/,
  );
});

test("mtls gateway without --test names what failed, not a test, and says a missing file is missing", async (t) => {
  const file = join(tempDir(t), "nope.conf");
  const run = await mtls(["gateway", "--nginx", file]);
  assert.equal(run.status, 1);
  assert.equal(
    run.stderr,
    `mtls: error: Cannot read configuration file ${file}: no such file\nmtls: Cannot start the gateway: 1 error in ${file}\n`,
  );
  const print = await mtls(["gateway", "--config", file, "--print-config"]);
  assert.match(
    print.stderr,
    /\nmtls: Cannot print the native configuration: 1 error in .*nope\.conf\n$/,
  );
  const checked = await mtls(["gateway", "--nginx", file, "--test"]);
  assert.match(checked.stderr, /\nmtls: Configuration file .*nope\.conf test failed: 1 error\n$/);
});

test("mtls gateway --test accepts the fixed config like nginx -t", async (t) => {
  if (!requirePeer(t, "openssl")) return;
  const dir = tempDir(t);
  makeOpensslPki(dir);
  const file = join(dir, "gateway.conf");
  writeFileSync(file, FIXED);
  const r = await mtls(["gateway", "--nginx", file, "--test"]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(
    r.stdout,
    `mtls: the configuration file ${file} syntax is ok\nmtls: configuration file ${file} test is successful\n`,
  );
  assert.equal(r.stderr, "");
});

test("mtls gateway --test reports a key that does not match its certificate, naming both files", async (t) => {
  if (!requirePeer(t, "openssl")) return;
  const dir = tempDir(t);
  makeOpensslPki(dir);
  const file = join(dir, "gateway.conf");
  writeFileSync(
    file,
    FIXED.replace("ssl_certificate_key server.key", "ssl_certificate_key client.key"),
  );
  const r = await mtls(["gateway", "--nginx", file, "--test"]);
  assert.equal(r.status, 1);
  assert.ok(
    r.stderr.includes(
      `${file}:5:25: error: Key does not match certificate: ${join(dir, "client.key")} is not the private key of ${join(dir, "server.crt")}`,
    ),
    r.stderr,
  );
});

test("mtls gateway prints its addresses and stops on SIGTERM", async (t) => {
  if (!requirePeer(t, "openssl")) return;
  const dir = tempDir(t);
  makeOpensslPki(dir);
  const file = join(dir, "gateway.conf");
  writeFileSync(file, FIXED);
  const gw = spawnGateway(t, ["--nginx", file]);
  await gw.waitFor(/listening on [^\n]+\n/);
  assert.match(gw.stdout(), /^mtls: gateway listening on https:\/\/127\.0\.0\.1:\d+\n$/);
  gw.child.kill("SIGTERM");
  assert.equal(await gw.exited, 0);
  assert.match(
    gw.stdout(),
    /SIGTERM received, closing: draining \(deadline 30 s\)\n.*drained in \d+ ms: 0 connections/s,
  );
});

test("mtls gateway --print-config prints the native YAML of an nginx file, and --config reads it back", async (t) => {
  if (!requirePeer(t, "openssl")) return;
  const dir = tempDir(t);
  makeOpensslPki(dir);
  const file = join(dir, "gateway.conf");
  writeFileSync(file, FIXED);
  const r = await mtls(["gateway", "--nginx", file, "--print-config"]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^listeners:\n {2}- listen:\n {6}- 127\.0\.0\.1:0\n/);
  assert.match(r.stdout, /clientAuth: require\n/);
  assert.match(r.stdout, /verify: true\n/);
  const yaml = join(dir, "gateway.yaml");
  writeFileSync(yaml, r.stdout);
  const back = await mtls(["gateway", "--config", yaml, "--test"]);
  assert.equal(back.status, 0, back.stderr);
  assert.match(back.stdout, /test is successful\n$/);
});

test("mtls gateway --config reports schema errors with path and file:line:col", async (t) => {
  const dir = tempDir(t);
  const yaml = join(dir, "gateway.yaml");
  writeFileSync(
    yaml,
    `listeners:
  - listen: ["127.0.0.1:0"]
    tls: { certificate: a.crt, key: a.key, clientAuth: maybe }
    routes: [{ path: /, upstream: "https://127.0.0.1:9" }]
`,
  );
  const r = await mtls(["gateway", "--config", yaml, "--test"]);
  assert.equal(r.status, 1);
  assert.ok(
    r.stderr.includes(
      `mtls: ${yaml}:3:56: error: listeners[0].tls.clientAuth: expected one of "require", "optional", "optional_no_ca", "off", got "maybe"`,
    ),
    r.stderr,
  );
  const both = await mtls(["gateway", "--config", yaml, "--nginx", yaml]);
  assert.equal(both.status, 2);
});

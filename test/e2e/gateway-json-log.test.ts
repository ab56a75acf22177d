import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { runMtls } from "../helpers/cli.ts";
import { spawnGateway } from "../helpers/gateway-process.ts";
import { freePort } from "../helpers/net.ts";
import { makeOpensslPki } from "../helpers/openssl-pki.ts";
import { requirePeer } from "../helpers/peers.ts";
import { tempDir } from "../helpers/tmp.ts";

test("--log-format json writes the error log as JSON lines with the nginx context split into fields", async (t) => {
  if (!requirePeer(t, "openssl")) return;
  const dir = tempDir(t);
  const pki = makeOpensslPki(dir);
  const dead = await freePort();
  const file = join(dir, "gateway.conf");
  writeFileSync(
    file,
    `server {
    listen 127.0.0.1:0 ssl;
    server_name localhost;
    ssl_certificate server.crt;
    ssl_certificate_key server.key;
    error_log stderr info;
    location / { proxy_pass http://127.0.0.1:${dead}; }
}
`,
  );
  const gw = spawnGateway(t, ["--nginx", file, "--log-format", "json"]);
  const { port } = await gw.addresses();
  const r = await runMtls(["request", `https://localhost:${port}/x`, "--cacert", pki.caCert]);
  assert.match(r.stdout + r.stderr, /502/);
  const line = await gw.waitFor(/\{"time[^\n]*connect\(\) failed[^\n]*\n/, { stderr: true });
  const record = JSON.parse(line) as Record<string, unknown>;
  assert.equal(record.level, "error");
  assert.equal(typeof record.pid, "number");
  assert.equal(record.connection, 1);
  assert.equal(record.errno, 111);
  assert.equal(record.reason, "Connection refused");
  assert.equal(record.client, "127.0.0.1");
  assert.equal(record.server, "localhost");
  assert.equal(record.request, "GET /x HTTP/1.1");
  assert.equal(record.upstream, `http://127.0.0.1:${dead}/x`);
  assert.match(String(record.time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  gw.child.kill("SIGTERM");
  assert.equal(await gw.exited, 0);
});

test("--log-format with an unknown value is a usage error", async () => {
  const r = await runMtls(["gateway", "--nginx", "x.conf", "--log-format", "xml"]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /Invalid --log-format value: "xml", expecting "nginx" or "json"/);
});

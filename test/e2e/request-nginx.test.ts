import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { type TestContext, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { runMtls } from "../helpers/cli.ts";
import { makeOpensslPki, type OpensslPki } from "../helpers/openssl-pki.ts";
import { requirePeer } from "../helpers/peers.ts";
import { tempDir } from "../helpers/tmp.ts";

/** Runs `mtls ...` in process; only the subcommand it names is loaded. */
const mtls = runMtls;

/** A free loopback port (nginx cannot listen on port 0 and report it). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Starts nginx with the seed's server block (TLS 1.2, ssl_verify_client on) answering JSON. */
async function seedNginx(t: TestContext, pki: OpensslPki, dir: string): Promise<string | null> {
  const nginx = requirePeer(t, "nginx");
  if (!nginx) return null;
  const port = await freePort();
  const conf = join(dir, "nginx.conf");
  writeFileSync(
    conf,
    `daemon off;
master_process off;
pid ${join(dir, "nginx.pid")};
error_log ${join(dir, "error.log")} warn;
events {}
http {
  access_log off;
  client_body_temp_path ${dir};
  proxy_temp_path ${dir};
  fastcgi_temp_path ${dir};
  uwsgi_temp_path ${dir};
  scgi_temp_path ${dir};
  server {
    listen 127.0.0.1:${port} ssl;
    ssl_certificate ${pki.serverCert};
    ssl_certificate_key ${pki.serverKey};
    ssl_client_certificate ${pki.caCert};
    ssl_verify_client on;
    ssl_session_cache shared:SSL:1m;
    ssl_session_timeout 5m;
    ssl_protocols TLSv1.2;
    ssl_ciphers ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305;
    ssl_prefer_server_ciphers on;
    location / {
      default_type application/json;
      return 200 '{"client":"$ssl_client_s_dn","verify":"$ssl_client_verify"}';
    }
  }
}
`,
  );
  const child = spawn(nginx, ["-p", dir, "-c", conf], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  t.after(() => {
    child.kill();
  });
  for (let i = 0; i < 100; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const probe = createServer();
      probe.once("error", () => resolve(true)); // port taken: nginx is listening
      probe.listen(port, "127.0.0.1", () => probe.close(() => resolve(false)));
    });
    if (up) return `https://127.0.0.1:${port}/test_url`;
    if (child.exitCode !== null) break;
    await sleep(50);
  }
  assert.fail(`nginx did not start: ${stderr}`);
}

test("mtls request runs the seed's test against nginx with ssl_verify_client on", async (t) => {
  const dir = tempDir(t);
  const pki = makeOpensslPki(dir);
  const url = await seedNginx(t, pki, dir);
  if (!url) return;
  const ok = await mtls(
    [
      "request",
      url,
      "--cacert",
      pki.caCert,
      "--cert",
      pki.clientCert,
      "--key",
      pki.clientKey,
    ].concat(["-H", "content-type: application/json", "-H", "accept: application/json", "--trace"]),
  );
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /\{"client":"CN=client-1","verify":"SUCCESS"\}$/);
  assert.match(ok.stdout, /cipher_suite: TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384/);
  assert.match(ok.stdout, /← CertificateRequest/);

  const rejected = await mtls(["request", url, "--cacert", pki.caCert]);
  assert.equal(rejected.status, 1);
  assert.match(rejected.stdout, /No required SSL certificate was sent/);
  assert.equal(rejected.stderr, `mtls: HTTP 400 Bad Request from ${url}\n`);
});

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { type TestContext, test } from "node:test";
import { connect, type TLSSocket } from "node:tls";
import { loadNginxGateway } from "../../src/gateway/nginx/load.ts";
import { startGateway } from "../../src/gateway/server.ts";
import { spawnGateway } from "../helpers/gateway-process.ts";
import { makeOpensslPki, type OpensslPki } from "../helpers/openssl-pki.ts";
import { requirePeer } from "../helpers/peers.ts";
import { tempDir } from "../helpers/tmp.ts";

async function startEcho(t: TestContext): Promise<number> {
  const server: Server = createServer((req, res) => {
    req.resume();
    res.writeHead(200, { "content-type": "text/plain" });
    res.end("echo\n");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  t.after(
    () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  );
  return (server.address() as AddressInfo).port;
}

const block = (echo: number) => `server {
    listen 127.0.0.1:0 ssl;
    server_name localhost;
    ssl_certificate server.crt;
    ssl_certificate_key server.key;
    ssl_client_certificate trust.crt;
    ssl_verify_client on;
    ssl_protocols TLSv1.2;
    ssl_session_cache shared:SSL:1m;
    location / { proxy_pass http://127.0.0.1:${echo}; }
}
`;

function curlStatus(args: readonly string[]): Promise<string> {
  return new Promise((resolve) => {
    execFile(
      "curl",
      ["-sS", "-i", "--max-time", "10", ...args],
      { encoding: "utf8" },
      (_e, out, err) => {
        resolve(out.split("\r\n")[0] || `failed: ${err.trim()}`);
      },
    );
  });
}

/** A TLS 1.2 connection with the client certificate; resolves with its session and whether it was resumed. */
function handshake(
  pki: OpensslPki,
  port: number,
  session?: Buffer,
): Promise<{ session: Buffer | undefined; reused: boolean }> {
  return new Promise((resolve, reject) => {
    const s: TLSSocket = connect({
      host: "127.0.0.1",
      port,
      servername: "localhost",
      ca: readFileSync(pki.caCert),
      cert: readFileSync(pki.clientCert),
      key: readFileSync(pki.clientKey),
      maxVersion: "TLSv1.2",
      ...(session ? { session } : {}),
    });
    s.once("secureConnect", () => {
      const out = { session: s.getSession(), reused: s.isSessionReused() };
      s.end();
      resolve(out);
    });
    s.once("error", reject);
  });
}

test("the admin listener serves /healthz, /readyz and Prometheus /metrics that count handshakes, requests and verify failures", async (t) => {
  if (!requirePeer(t, "curl") || !requirePeer(t, "openssl")) return;
  const dir = tempDir(t);
  const pki = makeOpensslPki(dir);
  copyFileSync(pki.caCert, join(dir, "trust.crt"));
  const file = join(dir, "gw.conf");
  writeFileSync(file, block(await startEcho(t)));
  const { config, material } = loadNginxGateway(file);
  const gw = await startGateway(config, {
    material,
    log: () => {},
    admin: { host: "127.0.0.1", port: 0 },
  });
  t.after(() => gw.close());
  const port = gw.addresses[0]?.port;
  const admin = `http://127.0.0.1:${gw.admin?.port}`;
  const ca = ["--cacert", pki.caCert];
  assert.equal(
    await curlStatus([
      ...ca,
      "--cert",
      pki.clientCert,
      "--key",
      pki.clientKey,
      `https://localhost:${port}/`,
    ]),
    "HTTP/1.1 200 OK",
  );
  assert.equal(await curlStatus([...ca, `https://localhost:${port}/`]), "HTTP/1.1 400 Bad Request");
  assert.equal(
    await curlStatus([
      ...ca,
      "--cert",
      pki.rogueClientCert,
      "--key",
      pki.rogueClientKey,
      `https://localhost:${port}/`,
    ]),
    "HTTP/1.1 400 Bad Request",
  );
  assert.match(
    await curlStatus([
      ...ca,
      "--tls-max",
      "1.1",
      "--ciphers",
      "DEFAULT@SECLEVEL=0",
      `https://localhost:${port}/`,
    ]),
    /^failed/,
  );
  assert.equal((await fetch(`${admin}/healthz`)).status, 200);
  assert.equal((await fetch(`${admin}/readyz`)).status, 200);
  const text = await (await fetch(`${admin}/metrics`)).text();
  assert.match(text, /^mtls_gateway_handshakes_total\{result="ok",reason=""\} 3$/m);
  assert.match(
    text,
    /^mtls_gateway_handshakes_total\{result="failed",reason="unsupported protocol"\} 1$/m,
  );
  assert.match(text, /^mtls_gateway_requests_total\{status="200"\} 1$/m);
  assert.match(text, /^mtls_gateway_requests_total\{status="400"\} 2$/m);
  assert.match(text, /^mtls_gateway_client_verify_failures_total\{reason="no certificate"\} 1$/m);
  assert.match(
    text,
    /^mtls_gateway_client_verify_failures_total\{reason="unable to verify the first certificate"\} 1$/m,
  );
  assert.match(
    text,
    /^mtls_gateway_upstream_duration_seconds_count\{upstream="127\.0\.0\.1:\d+"\} 1$/m,
  );
  assert.match(text, /^mtls_gateway_open_connections \d+$/m);
});

test("reload() swaps the CA for new connections and no session from before resumes", async (t) => {
  if (!requirePeer(t, "curl") || !requirePeer(t, "openssl")) return;
  const dir = tempDir(t);
  const pki = makeOpensslPki(dir);
  copyFileSync(pki.caCert, join(dir, "trust.crt"));
  const file = join(dir, "gw.conf");
  writeFileSync(file, block(await startEcho(t)));
  const { config, material } = loadNginxGateway(file);
  const gw = await startGateway(config, { material, log: () => {} });
  t.after(() => gw.close());
  const port = gw.addresses[0]?.port ?? 0;
  const client = ["--cacert", pki.caCert, "--cert", pki.clientCert, "--key", pki.clientKey];
  const rogue = [
    "--cacert",
    pki.caCert,
    "--cert",
    pki.rogueClientCert,
    "--key",
    pki.rogueClientKey,
  ];
  assert.equal(await curlStatus([...client, `https://localhost:${port}/`]), "HTTP/1.1 200 OK");
  const first = await handshake(pki, port);
  assert.equal(
    (await handshake(pki, port, first.session)).reused,
    true,
    "resumption works before the reload",
  );
  // The operator now trusts only the rogue CA.
  copyFileSync(pki.rogueCaCert, join(dir, "trust.crt"));
  gw.reload(loadNginxGateway(file).material);
  assert.equal(
    await curlStatus([...client, `https://localhost:${port}/`]),
    "HTTP/1.1 400 Bad Request",
  );
  assert.equal(await curlStatus([...rogue, `https://localhost:${port}/`]), "HTTP/1.1 200 OK");
  assert.equal(
    (await handshake(pki, port, first.session)).reused,
    false,
    "a session from the old trust never resumes",
  );
});

test("mtls gateway reloads on SIGHUP and prints its admin address", async (t) => {
  if (!requirePeer(t, "openssl")) return;
  const dir = tempDir(t);
  const pki = makeOpensslPki(dir);
  copyFileSync(pki.caCert, join(dir, "trust.crt"));
  const file = join(dir, "gw.conf");
  writeFileSync(file, block(9));
  const gw = spawnGateway(t, ["--nginx", file, "--admin", "127.0.0.1:0"]);
  const { admin } = await gw.addresses();
  assert.match(gw.stdout(), /mtls: admin listening on http:\/\/127\.0\.0\.1:\d+\n/);
  assert.equal((await fetch(`${admin}/readyz`)).status, 200);
  gw.child.kill("SIGHUP");
  await gw.waitFor("mtls: reloaded");
  // A broken CA file: the reload fails and the gateway keeps running.
  writeFileSync(join(dir, "trust.crt"), "not a certificate");
  gw.child.kill("SIGHUP");
  await gw.waitFor(/reload failed, keeping the running configuration/, { stderr: true });
  assert.equal((await fetch(`${admin}/healthz`)).status, 200);
  gw.child.kill("SIGTERM");
  assert.equal(await gw.exited, 0);
});

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { type TestContext, test } from "node:test";
import type { TLSSocket } from "node:tls";
import { loadNativeGateway } from "../../src/gateway/native/load-native.ts";
import { startGateway } from "../../src/gateway/server.ts";
import { makeOpensslPki } from "../helpers/openssl-pki.ts";
import { requirePeer } from "../helpers/peers.ts";
import { tempDir } from "../helpers/tmp.ts";

async function startUpstream(t: TestContext, cert: Buffer, key: Buffer): Promise<number> {
  const server: Server = createServer({ cert, key }, (req, res) => {
    req.resume();
    res.writeHead(200, { "content-type": "application/json" });
    res.end(
      JSON.stringify({
        xfcc: req.headers["x-forwarded-client-cert"] ?? null,
        spoof: req.headers["x-ssl-client-verify"] ?? null,
        sni: (req.socket as TLSSocket).servername || null,
      }),
    );
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

function curl(args: readonly string[]): Promise<{ status: string; body: string }> {
  return new Promise((resolve) => {
    execFile(
      "curl",
      ["-sS", "-i", "--max-time", "10", ...args],
      { encoding: "utf8" },
      (_e, out) => {
        const cut = out.indexOf("\r\n\r\n");
        resolve({ status: out.slice(0, out.indexOf("\r\n")), body: out.slice(cut + 4) });
      },
    );
  });
}

test("native config: upstream TLS verified by default, SNI sent, XFCC forwarded, spoofed headers dropped", async (t) => {
  if (!requirePeer(t, "curl") || !requirePeer(t, "openssl")) return;
  const dir = tempDir(t);
  const pki = makeOpensslPki(dir);
  const good = await startUpstream(t, readFileSync(pki.serverCert), readFileSync(pki.serverKey));
  // An upstream whose certificate chains to nobody the gateway trusts.
  const bad = await startUpstream(
    t,
    readFileSync(pki.rogueClientCert),
    readFileSync(pki.rogueClientKey),
  );
  const yaml = join(dir, "gateway.yaml");
  writeFileSync(
    yaml,
    `listeners:
  - listen: ["127.0.0.1:0"]
    tls: { certificate: server.crt, key: server.key, clientCa: ca.crt }
    routes:
      - path: /good/
        upstream: https://localhost:${good}
        upstreamTls: { ca: ca.crt }
        identityHeaders: xfcc
      - path: /bad/
        upstream: https://localhost:${bad}
        upstreamTls: { ca: ca.crt }
`,
  );
  const { config, material, diagnostics } = loadNativeGateway(yaml);
  assert.deepEqual(diagnostics, []);
  const lines: string[] = [];
  const gw = await startGateway(config, { material, log: (l) => lines.push(l) });
  t.after(() => gw.close());
  const port = gw.addresses[0]?.port;
  const client = ["--cacert", pki.caCert, "--cert", pki.clientCert, "--key", pki.clientKey];
  const ok = await curl([
    ...client,
    "-H",
    "X-SSL-Client-Verify: SUCCESS",
    `https://localhost:${port}/good/`,
  ]);
  assert.equal(ok.status, "HTTP/1.1 200 OK");
  const seen = JSON.parse(ok.body) as { xfcc: string; spoof: unknown; sni: unknown };
  assert.match(seen.xfcc, /^Hash=[0-9a-f]{64};Cert="-----BEGIN%20CERTIFICATE-----/);
  assert.match(seen.xfcc, /;Subject="CN=client-1"$/);
  assert.equal(seen.spoof, null);
  assert.equal(seen.sni, "localhost");
  const refused = await curl([...client, `https://localhost:${port}/bad/`]);
  assert.equal(refused.status, "HTTP/1.1 502 Bad Gateway");
  assert.ok(
    lines.some((l) => l.includes("upstream SSL certificate verify error")),
    lines.join("\n"),
  );
  // No client certificate: the native default is clientAuth: require.
  const none = await curl(["--cacert", pki.caCert, `https://localhost:${port}/good/`]);
  assert.equal(none.status, "HTTP/1.1 400 Bad Request");
});

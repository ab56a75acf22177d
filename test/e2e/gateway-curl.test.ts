import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { createServer as createHttpsServer, type Server } from "node:https";
import { join } from "node:path";
import { type TestContext, test } from "node:test";
import type { TLSSocket } from "node:tls";
import { loadNginxGateway } from "../../src/gateway/nginx/load.ts";
import { type RunningGateway, startGateway } from "../../src/gateway/server.ts";
import { freePort, listenUntilEnd } from "../helpers/net.ts";
import { startNginx } from "../helpers/nginx.ts";
import { issueWithOpenssl, makeOpensslPki, type OpensslPki } from "../helpers/openssl-pki.ts";
import { requirePeer } from "../helpers/peers.ts";
import { tempDir } from "../helpers/tmp.ts";

interface Reply {
  readonly code: number;
  readonly statusLine: string;
  readonly headers: string;
  readonly body: string;
  readonly stderr: string;
}

/** Runs curl (async: the gateway lives in this process) and splits the response. */
function curl(args: readonly string[]): Promise<Reply> {
  return new Promise((resolve) => {
    execFile(
      "curl",
      ["-sS", "-i", "--max-time", "10", ...args],
      { encoding: "utf8" },
      (err, stdout, stderr) => {
        const code = err ? Number((err as { code?: number }).code ?? 1) : 0;
        const cut = stdout.indexOf("\r\n\r\n");
        const head = cut >= 0 ? stdout.slice(0, cut) : stdout;
        resolve({
          code,
          statusLine: head.split("\r\n")[0] ?? "",
          headers: head,
          body: cut >= 0 ? stdout.slice(cut + 4) : "",
          stderr,
        });
      },
    );
  });
}

/** A client certificate for the gateway itself (CN=gateway-1), so the upstream can tell it from curl's. */
function makeGatewayCert(pki: OpensslPki): { cert: string; key: string } {
  return issueWithOpenssl(pki.dir, "gateway", {
    issuer: "ca",
    subject: "/CN=gateway-1",
    ext: "basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n",
  });
}

/** A small mTLS upstream: requires a client certificate from the CA and echoes what it saw. */
async function startUpstream(t: TestContext, pki: OpensslPki): Promise<number> {
  const server: Server = createHttpsServer(
    {
      cert: readFileSync(pki.serverCert),
      key: readFileSync(pki.serverKey),
      ca: readFileSync(pki.caCert),
      requestCert: true,
      rejectUnauthorized: true,
    },
    (req, res) => {
      const peer = (req.socket as TLSSocket).getPeerCertificate();
      let body = "";
      req.setEncoding("utf8");
      req.on("data", (c: string) => {
        body += c;
      });
      req.on("end", () => {
        res.writeHead(200, { "content-type": "application/json", connection: "close" });
        res.end(
          `${JSON.stringify({ subject: `CN=${peer.subject?.CN}`, host: req.headers.host, method: req.method, url: req.url, body, reused: (req.socket as TLSSocket).isSessionReused() })}\n`,
        );
      });
    },
  );
  // "::" is dual-stack: the upstream answers on 127.0.0.1 and ::1, whichever "localhost" gives.
  return listenUntilEnd(t, server, { host: "::", ipv6Only: false });
}

/** The seed's server block with its four mistakes fixed, paths relative to the config dir. */
function serverBlock(
  listen: readonly string[],
  upstreamPort: number,
  upstreamHost = "127.0.0.1",
): string {
  return `server {
    ${listen.map((l) => `listen ${l} ssl;`).join("\n    ")}
    server_name localhost;
    ssl_certificate server.crt;
    ssl_certificate_key server.key;
    ssl_client_certificate ca.crt;
    ssl_verify_client on;
    ssl_session_cache shared:SSL:1m;
    ssl_session_timeout 5m;

    ssl_protocols TLSv1.2;
    ssl_ciphers  ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-SHA384:ECDHE-RSA-AES256-SHA384:ECDHE-ECDSA-AES128-SHA256:ECDHE-RSA-AES128-SHA256;
    ssl_prefer_server_ciphers on;

    error_log error.log info;

    location / {
        proxy_ssl_certificate gateway.crt;
        proxy_ssl_certificate_key gateway.key;
        proxy_ssl_trusted_certificate ca.crt;
        proxy_ssl_verify on;
        proxy_ssl_session_reuse on;
        proxy_pass https://${upstreamHost}:${upstreamPort};
    }
}
`;
}

async function startFromConf(
  t: TestContext,
  dir: string,
  text: string,
  lines: string[],
): Promise<RunningGateway> {
  const file = join(dir, "gateway.conf");
  writeFileSync(file, text);
  const { config, material } = loadNginxGateway(file);
  const gw = await startGateway(config, {
    material,
    log: (l) => lines.push(l),
    upstreamTimeoutMs: 5000,
  });
  t.after(() => gw.close());
  return gw;
}

function pkiArgs(pki: OpensslPki, who: "client" | "rogue" | "none"): string[] {
  const ca = ["--cacert", pki.caCert];
  if (who === "client") return [...ca, "--cert", pki.clientCert, "--key", pki.clientKey];
  if (who === "rogue") return [...ca, "--cert", pki.rogueClientCert, "--key", pki.rogueClientKey];
  return ca;
}

test("the gateway from the fixed seed config proxies curl's mTLS requests like nginx", async (t) => {
  if (!requirePeer(t, "curl") || !requirePeer(t, "openssl")) return;
  const dir = tempDir(t);
  const pki = makeOpensslPki(dir);
  makeGatewayCert(pki);
  const upstreamPort = await startUpstream(t, pki);
  const lines: string[] = [];
  const gw = await startFromConf(
    t,
    dir,
    serverBlock(["127.0.0.1:0", "[::1]:0"], upstreamPort),
    lines,
  );
  assert.equal(gw.addresses.length, 2);
  const v4 = gw.addresses[0]?.port;
  const v6 = gw.addresses[1]?.port;
  assert.equal(gw.addresses[1]?.host, "::1");

  await t.test(
    "a client with a certificate from the CA gets 200 and the upstream sees the gateway's identity",
    async () => {
      const r = await curl([
        ...pkiArgs(pki, "client"),
        "-H",
        "accept: application/json",
        `https://127.0.0.1:${v4}/test_url`,
      ]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.statusLine, "HTTP/1.1 200 OK");
      assert.deepEqual(JSON.parse(r.body), {
        subject: "CN=gateway-1",
        host: `127.0.0.1:${upstreamPort}`,
        method: "GET",
        url: "/test_url",
        body: "",
        reused: false,
      });
      assert.match(r.headers, /\r\nserver: mtlskit/i);
    },
  );

  await t.test("a request body streams through to the upstream", async () => {
    const r = await curl([
      ...pkiArgs(pki, "client"),
      "--data-binary",
      "hello upstream",
      `https://localhost:${v4}/post`,
    ]);
    assert.equal(r.statusLine, "HTTP/1.1 200 OK");
    assert.equal(JSON.parse(r.body).body, "hello upstream");
    assert.equal(JSON.parse(r.body).method, "POST");
    // proxy_ssl_session_reuse on: the new upstream connection resumes the first one's session.
    assert.equal(JSON.parse(r.body).reused, true);
  });

  await t.test("the IPv6 listener answers on ::1", async () => {
    const r = await curl([...pkiArgs(pki, "client"), "-g", `https://[::1]:${v6}/v6`]);
    assert.equal(r.statusLine, "HTTP/1.1 200 OK", r.stderr);
  });

  await t.test(
    "a client without a certificate gets nginx's 400 No required SSL certificate was sent",
    async () => {
      const r = await curl([...pkiArgs(pki, "none"), `https://127.0.0.1:${v4}/`]);
      assert.equal(r.statusLine, "HTTP/1.1 400 Bad Request");
      assert.match(r.body, /<title>400 No required SSL certificate was sent<\/title>/);
      assert.ok(
        lines.some((l) => /\[info\] \d+#0: \*\d+ client sent no required SSL certificate/.test(l)),
        lines.join("\n"),
      );
    },
  );

  await t.test(
    "a client with the rogue certificate gets nginx's 400 The SSL certificate error",
    async () => {
      const r = await curl([...pkiArgs(pki, "rogue"), `https://127.0.0.1:${v4}/`]);
      assert.equal(r.statusLine, "HTTP/1.1 400 Bad Request");
      assert.match(r.body, /<center>The SSL certificate error<\/center>/);
      assert.ok(
        lines.some((l) => l.includes("client SSL certificate verify error")),
        lines.join("\n"),
      );
    },
  );

  await t.test("a TLS 1.1 client is refused when ssl_protocols is TLSv1.2", async () => {
    const r = await curl([
      ...pkiArgs(pki, "client"),
      "--tlsv1.1",
      "--tls-max",
      "1.1",
      "--ciphers",
      "DEFAULT@SECLEVEL=0",
      `https://127.0.0.1:${v4}/`,
    ]);
    assert.equal(r.code, 35, r.stderr);
    assert.equal(r.statusLine, "");
    assert.match(r.stderr, /alert protocol version/);
    assert.ok(
      lines.some((l) =>
        l.includes(
          "SSL_do_handshake() failed (SSL: error:0A000102:SSL routines::unsupported protocol) while SSL handshaking, client: 127.0.0.1",
        ),
      ),
      lines.join("\n"),
    );
  });
});

test("the gateway answers 502 Bad Gateway and logs why when the upstream is down", async (t) => {
  if (!requirePeer(t, "curl") || !requirePeer(t, "openssl")) return;
  const dir = tempDir(t);
  const pki = makeOpensslPki(dir);
  makeGatewayCert(pki);
  const downPort = await freePort();
  const lines: string[] = [];
  const gw = await startFromConf(t, dir, serverBlock(["127.0.0.1:0"], downPort), lines);
  const r = await curl([...pkiArgs(pki, "client"), `https://127.0.0.1:${gw.addresses[0]?.port}/x`]);
  assert.equal(r.statusLine, "HTTP/1.1 502 Bad Gateway");
  assert.match(r.body, /<head><title>502 Bad Gateway<\/title><\/head>/);
  const line = lines.find((l) => l.includes("[error]"));
  assert.match(
    line ?? "",
    /connect\(\) failed \(111: Connection refused\) while connecting to upstream, client: 127\.0\.0\.1, server: localhost, request: "GET \/x HTTP\/1\.1", upstream: "https:\/\/127\.0\.0\.1:\d+\/x"/,
  );
});

test("the gateway answers 502 when the upstream's certificate is not from the trusted CA", async (t) => {
  if (!requirePeer(t, "curl") || !requirePeer(t, "openssl")) return;
  const dir = tempDir(t);
  const pki = makeOpensslPki(dir);
  makeGatewayCert(pki);
  const upstreamPort = await startUpstream(t, pki);
  const lines: string[] = [];
  const text = serverBlock(["127.0.0.1:0"], upstreamPort).replace(
    "proxy_ssl_trusted_certificate ca.crt",
    "proxy_ssl_trusted_certificate rogue-ca.crt",
  );
  const gw = await startFromConf(t, dir, text, lines);
  const r = await curl([...pkiArgs(pki, "client"), `https://127.0.0.1:${gw.addresses[0]?.port}/`]);
  assert.equal(r.statusLine, "HTTP/1.1 502 Bad Gateway");
  assert.ok(
    lines.some((l) => /upstream SSL certificate verify error/.test(l)),
    lines.join("\n"),
  );
});

test("with proxy_ssl_session_reuse off every upstream connection is a full handshake", async (t) => {
  if (!requirePeer(t, "curl") || !requirePeer(t, "openssl")) return;
  const dir = tempDir(t);
  const pki = makeOpensslPki(dir);
  makeGatewayCert(pki);
  const upstreamPort = await startUpstream(t, pki);
  const text = serverBlock(["127.0.0.1:0"], upstreamPort).replace(
    "proxy_ssl_session_reuse on",
    "proxy_ssl_session_reuse off",
  );
  const gw = await startFromConf(t, dir, text, []);
  for (let i = 0; i < 2; i++) {
    const r = await curl([
      ...pkiArgs(pki, "client"),
      `https://127.0.0.1:${gw.addresses[0]?.port}/`,
    ]);
    assert.equal(JSON.parse(r.body).reused, false);
  }
});

test("a second gateway on a taken port fails with MTLS_ADDRESS_IN_USE naming the address", async (t) => {
  if (!requirePeer(t, "openssl")) return;
  const dir = tempDir(t);
  const pki = makeOpensslPki(dir);
  makeGatewayCert(pki);
  const gw = await startFromConf(t, dir, serverBlock(["127.0.0.1:0"], 9), []);
  const port = gw.addresses[0]?.port;
  const file = join(dir, "second.conf");
  writeFileSync(file, serverBlock([`127.0.0.1:${port}`], 9));
  const { config, material } = loadNginxGateway(file);
  await assert.rejects(
    startGateway(config, { material, log: () => {} }),
    (e: Error & { code?: string }) => {
      assert.equal(e.code, "MTLS_ADDRESS_IN_USE");
      assert.equal(e.message, `Cannot listen on 127.0.0.1:${port}: address already in use`);
      return true;
    },
  );
});

test("the gateway and nginx 1.22 give the same status line and body for the three seed requests", async (t) => {
  if (!requirePeer(t, "nginx") || !requirePeer(t, "curl") || !requirePeer(t, "openssl")) return;
  const dir = tempDir(t);
  const pki = makeOpensslPki(dir);
  makeGatewayCert(pki);
  const upstreamPort = await startUpstream(t, pki);
  // nginx 1.22 checks proxy_ssl_name with X509_check_host only, so an IP upstream fails
  // against an IP SAN ("upstream SSL certificate does not match"); a DNS name works in both.
  const gw = await startFromConf(
    t,
    dir,
    serverBlock(["127.0.0.1:0"], upstreamPort, "localhost"),
    [],
  );
  const ng = await startNginx(t, {
    dir,
    http: (listen) => serverBlock([listen], upstreamPort, "localhost"),
  });
  if (!ng) return;
  const nginxPort = ng.port;
  const normalize = (s: string) =>
    s.replace(/<hr><center>[^<]*<\/center>/, "<hr><center>SERVER</center>");
  for (const who of ["client", "none", "rogue"] as const) {
    const ours = await curl([
      ...pkiArgs(pki, who),
      `https://127.0.0.1:${gw.addresses[0]?.port}/test_url`,
    ]);
    const theirs = await curl([...pkiArgs(pki, who), `https://127.0.0.1:${nginxPort}/test_url`]);
    assert.equal(
      ours.statusLine,
      theirs.statusLine,
      `${who}: status line\n${ng.stderr}\n${readFileSync(join(dir, "error.log"), "utf8")}`,
    );
    const ourBody = normalize(ours.body);
    const theirBody = normalize(theirs.body);
    if (who === "client") {
      // nginx passes Host: $proxy_host too; both reach the upstream as the gateway's identity.
      assert.deepEqual(JSON.parse(ourBody), JSON.parse(theirBody), ng.stderr);
    } else {
      assert.equal(ourBody, theirBody, `${who}: body`);
    }
  }
});

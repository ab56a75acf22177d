import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { join } from "node:path";
import { test } from "node:test";
import type { TLSSocket } from "node:tls";
import { loadNginxGateway } from "../../src/gateway/nginx/load.ts";
import { startGateway } from "../../src/gateway/server.ts";
import { freePort, listenUntilEnd } from "../helpers/net.ts";
import { startNginx } from "../helpers/nginx.ts";
import { makeOpensslPki, type OpensslPki } from "../helpers/openssl-pki.ts";
import { requirePeer } from "../helpers/peers.ts";
import { tempDir } from "../helpers/tmp.ts";

// Differential scenarios for the http-level import: several server blocks on one port
// chosen by SNI, 421 on a Host naming another verifying block, upstream blocks (round
// robin), location =/~/^~, return, client_max_body_size, upstream SNI.

function echo(who: string) {
  return (req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    req.on("end", () => {
      const sni = (req.socket as TLSSocket).servername;
      res.writeHead(200, { "content-type": "application/json", connection: "close" });
      res.end(
        JSON.stringify({
          who,
          url: req.url,
          host: req.headers.host,
          verify: req.headers["x-verify"],
          ...(sni !== undefined ? { sni: sni || null } : {}),
        }),
      );
    });
  };
}

interface Reply {
  readonly status: string;
  readonly location?: string;
  readonly body: unknown;
}

function curl(pki: OpensslPki, args: readonly string[]): Promise<Reply> {
  return new Promise((resolve) => {
    execFile(
      "curl",
      // -k: the server certificate names localhost, not the virtual hosts under test.
      ["-sS", "-i", "-k", "--max-time", "10", "--cacert", pki.caCert, ...args],
      { encoding: "utf8" },
      (err, stdout, stderr) => {
        if (err) {
          resolve({ status: `curl failed: ${stderr.trim()}`, body: undefined });
          return;
        }
        const cut = stdout.indexOf("\r\n\r\n");
        const head = stdout.slice(0, cut);
        const text = stdout.slice(cut + 4);
        const location = /\r\nlocation: ([^\r]*)/i.exec(head)?.[1];
        let body: unknown = text.replace(/<hr><center>[^<]*<\/center>/, "<hr>");
        if (text.startsWith("{")) body = JSON.parse(text);
        resolve({
          status: head.split("\r\n")[0] ?? "",
          ...(location !== undefined ? { location } : {}),
          body,
        });
      },
    );
  });
}

function conf(
  listen: string,
  ports: { e1: number; e2: number; tlsUp: number; down: number },
): string {
  return `upstream pool {
    server 127.0.0.1:${ports.e1};
    server 127.0.0.1:${ports.e2};
}
upstream sslpool {
    server 127.0.0.1:${ports.tlsUp};
}
server {
    listen ${listen} ssl;
    server_name a.test;
    ssl_certificate server.crt;
    ssl_certificate_key server.key;
    ssl_client_certificate ca.crt;
    ssl_verify_client on;
    client_max_body_size 16;
    location = /exact { return 200 "exact $ssl_server_name $host\\n"; }
    location ~ \\.txt$ { return 403; }
    location ^~ /old/ { return 301 https://a.test$request_uri; }
    location /sni-on/ {
        proxy_ssl_server_name on;
        proxy_ssl_name backend.internal;
        proxy_pass https://sslpool;
    }
    location /sni-default/ { proxy_pass https://sslpool; }
    location /untrusted-upstream/ {
        proxy_ssl_verify on;
        proxy_ssl_trusted_certificate rogue-ca.crt;
        proxy_ssl_name localhost;
        proxy_pass https://127.0.0.1:${ports.tlsUp};
    }
    location /down/ { proxy_pass http://127.0.0.1:${ports.down}; }
    location / {
        proxy_set_header X-Verify $ssl_client_verify;
        proxy_pass http://pool;
    }
}
server {
    listen ${listen} ssl;
    server_name *.b.test;
    ssl_certificate server.crt;
    ssl_certificate_key server.key;
    ssl_client_certificate ca.crt;
    ssl_verify_client on;
    location / { return 200 "b $ssl_server_name $host\\n"; }
}
server {
    listen ${listen} ssl;
    server_name c.test;
    ssl_certificate server.crt;
    ssl_certificate_key server.key;
    location / { return 200 "c $ssl_server_name $host\\n"; }
}
`;
}

test("several server blocks, upstream blocks, locations and return behave as in nginx 1.22", async (t) => {
  if (!requirePeer(t, "nginx") || !requirePeer(t, "curl") || !requirePeer(t, "openssl")) return;
  const dir = tempDir(t);
  const pki = makeOpensslPki(dir);
  const ports = {
    e1: await listenUntilEnd(t, createServer(echo("e1"))),
    e2: await listenUntilEnd(t, createServer(echo("e2"))),
    tlsUp: await listenUntilEnd(
      t,
      createHttpsServer(
        { cert: readFileSync(pki.serverCert), key: readFileSync(pki.serverKey) },
        echo("tls"),
      ),
    ),
    down: await freePort(),
  };
  const file = join(dir, "gateway.conf");
  writeFileSync(file, conf("127.0.0.1:0", ports));
  const { config, material } = loadNginxGateway(file);
  const lines: string[] = [];
  const gw = await startGateway(config, { material, log: (l) => lines.push(l), logLevel: "info" });
  t.after(() => gw.close());
  assert.equal(gw.addresses.length, 1);
  const ours = gw.addresses[0]?.port ?? 0;
  const ng = await startNginx(t, { dir, http: (listen) => conf(listen, ports) });
  if (!ng) return;
  const theirs = ng.port;

  const cert = ["--cert", pki.clientCert, "--key", pki.clientKey];
  const at = (port: number, name: string, path: string) => [
    "--resolve",
    `${name}:${port}:127.0.0.1`,
    `https://${name}:${port}${path}`,
  ];
  const scenarios: Record<string, (port: number) => string[]> = {
    "SNI a.test, proxied round robin (1)": (p) => [...cert, ...at(p, "a.test", "/r")],
    "SNI a.test, proxied round robin (2)": (p) => [...cert, ...at(p, "a.test", "/r")],
    "SNI a.test, proxied round robin (3)": (p) => [...cert, ...at(p, "a.test", "/r")],
    "SNI a.test, no client certificate": (p) => at(p, "a.test", "/r"),
    "SNI x.b.test selects the wildcard block": (p) => [...cert, ...at(p, "x.b.test", "/")],
    "SNI c.test, no client certificate needed": (p) => at(p, "c.test", "/"),
    "SNI a.test, Host x.b.test (verifying block): 421": (p) => [
      ...cert,
      "-H",
      "Host: x.b.test",
      ...at(p, "a.test", "/"),
    ],
    "SNI c.test, absolute-form target naming a.test (verifying block): 421, whatever Host says": (
      p,
    ) => ["--request-target", "https://a.test/r", "-H", "Host: c.test", ...at(p, "c.test", "/r")],
    "SNI a.test, Host c.test (non-verifying block) is served by c.test": (p) => [
      ...cert,
      "-H",
      "Host: c.test",
      ...at(p, "a.test", "/"),
    ],
    "unknown SNI goes to the default (first) block": (p) => [
      ...cert,
      ...at(p, "zzz.test", "/exact"),
    ],
    "location = /exact with return and variables": (p) => [...cert, ...at(p, "a.test", "/exact")],
    "location ~ regex return 403": (p) => [...cert, ...at(p, "a.test", "/x/y.txt")],
    "location ^~ beats the regex, 301 with Location": (p) => [
      ...cert,
      ...at(p, "a.test", "/old/y.txt?q=1"),
    ],
    "client_max_body_size 16: 413": (p) => [
      ...cert,
      "--data-binary",
      "0123456789abcdefghij",
      ...at(p, "a.test", "/r"),
    ],
    "upstream certificate from an untrusted CA: 502": (p) => [
      ...cert,
      ...at(p, "a.test", "/untrusted-upstream/"),
    ],
    "upstream down: 502": (p) => [...cert, ...at(p, "a.test", "/down/")],
    "proxy_ssl_server_name on with proxy_ssl_name": (p) => [
      ...cert,
      ...at(p, "a.test", "/sni-on/"),
    ],
  };
  const mismatches: string[] = [];
  for (const [name, args] of Object.entries(scenarios)) {
    const a = await curl(pki, args(ours));
    const b = await curl(pki, args(theirs));
    try {
      assert.match(a.status, /^HTTP\/1\.1 /);
      assert.deepEqual(a, b);
    } catch {
      mismatches.push(`${name}:\n  nginx: ${JSON.stringify(b)}\n  ours:  ${JSON.stringify(a)}`);
    }
  }
  assert.deepEqual(mismatches, [], `${mismatches.join("\n")}\n${ng.stderr}`);
  // Round robin: three requests went e1, e2, e1 (or e2, e1, e2) in both.
  const who = [];
  for (let i = 0; i < 4; i++) {
    const r = await curl(pki, [...cert, ...at(ours, "a.test", "/r")]);
    who.push((r.body as { who: string } | undefined)?.who ?? JSON.stringify(r));
  }
  assert.deepEqual(new Set([who[0], who[1]]), new Set(["e1", "e2"]));
  assert.equal(who[0], who[2]);
  // Documented difference: without proxy_ssl_server_name, nginx sends no SNI; mtlskit sends
  // the upstream's name (proxy_ssl_name defaults to $proxy_host).
  const sniOurs = await curl(pki, [...cert, ...at(ours, "a.test", "/sni-default/")]);
  const sniTheirs = await curl(pki, [...cert, ...at(theirs, "a.test", "/sni-default/")]);
  assert.equal((sniTheirs.body as { sni: unknown }).sni, null);
  assert.equal((sniOurs.body as { sni: unknown }).sni, "sslpool");
  assert.ok(
    lines.some((l) => l.includes("client attempted to request the server name different")),
    lines.join("\n"),
  );
  assert.ok(lines.some((l) => l.includes("client intended to send too large body: 20 bytes")));
});

test("a TLS session from one server block never resumes on another server_name that trusts other CAs", async (t) => {
  if (!requirePeer(t, "openssl")) return;
  const dir = tempDir(t);
  const pki = makeOpensslPki(dir);
  const file = join(dir, "gw.conf");
  const serverBlock = (name: string, ca: string) => `server {
    listen 127.0.0.1:0 ssl;
    server_name ${name};
    ssl_certificate server.crt;
    ssl_certificate_key server.key;
    ssl_client_certificate ${ca};
    ssl_verify_client on;
    ssl_session_cache shared:SSL:1m;
    ssl_protocols TLSv1.2 TLSv1.3;
    location / { return 200 "$ssl_server_name $ssl_client_verify $ssl_session_reused\\n"; }
}
`;
  writeFileSync(file, serverBlock("a.test", "ca.crt") + serverBlock("b.test", "rogue-ca.crt"));
  const { config, material } = loadNginxGateway(file);
  const gw = await startGateway(config, { material, log: () => {} });
  t.after(() => gw.close());
  const port = gw.addresses[0]?.port ?? 0;
  const { connect: tlsConnect } = await import("node:tls");
  const attempt = (servername: string, version: "TLSv1.2" | "TLSv1.3", session?: Buffer) =>
    new Promise<{ reused: boolean; session?: Buffer; body: string }>((resolve, reject) => {
      let session2: Buffer | undefined;
      const s = tlsConnect({
        host: "127.0.0.1",
        port,
        servername,
        rejectUnauthorized: false,
        cert: readFileSync(pki.clientCert),
        key: readFileSync(pki.clientKey),
        minVersion: version,
        maxVersion: version,
        ...(session ? { session } : {}),
      });
      s.on("session", (b: Buffer) => {
        session2 = b;
      });
      let body = "";
      s.once("secureConnect", () => {
        s.write(`GET / HTTP/1.1\r\nHost: ${servername}\r\nConnection: close\r\n\r\n`);
      });
      s.on("data", (c: Buffer) => {
        body += c.toString();
      });
      s.once("end", () =>
        resolve({ reused: s.isSessionReused(), body, ...(session2 ? { session: session2 } : {}) }),
      );
      s.once("error", reject);
    });
  for (const version of ["TLSv1.2", "TLSv1.3"] as const) {
    const first = await attempt("a.test", version);
    assert.match(first.body, /\r\n\r\na\.test SUCCESS \.\n$/, version);
    assert.ok(first.session, version);
    // Node chooses the SNI context after OpenSSL decided on resumption, so blocks that
    // trust different CAs on one address share no sessions at all.
    const again = await attempt("a.test", version, first.session);
    assert.equal(again.reused, false, `${version}: no resumption on a mixed-trust address`);
    const other = await attempt("b.test", version, first.session);
    assert.equal(other.reused, false, `${version}: never resumes on another block`);
    assert.match(
      other.body,
      /^HTTP\/1\.1 400 Bad Request/,
      `${version}: b.test does not trust client-1`,
    );
  }
});

import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import * as tls from "node:tls";
import { runMtls } from "../helpers/cli.ts";
import { startNginx } from "../helpers/nginx.ts";
import { requirePeer } from "../helpers/peers.ts";
import { tempDir } from "../helpers/tmp.ts";

/** Runs `mtls ...` in process; only the subcommand it names is loaded. */
const mtls = runMtls;

function curl(
  args: readonly string[],
): Promise<{ statusLine: string; body: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      "curl",
      ["-sS", "-i", "--max-time", "10", ...args],
      { encoding: "utf8" },
      (_err, stdout, stderr) => {
        const cut = stdout.indexOf("\r\n\r\n");
        resolve({
          statusLine: stdout.split("\r\n")[0] ?? "",
          body: cut >= 0 ? stdout.slice(cut + 4) : "",
          stderr,
        });
      },
    );
  });
}

describe("a root, an intermediate with name constraints, and leaves through it", () => {
  const dir = tempDir({ after });
  const root = join(dir, "root");
  const issuing = join(dir, "issuing");
  const file = (name: string) => join(issuing, name);

  before(async () => {
    const steps = [
      ["pki", "init", "--dir", root, "--subject", "O=mtlskit test,CN=Test Root"],
      [
        "pki",
        "init",
        "--intermediate",
        "--parent",
        root,
        "--dir",
        issuing,
        "--permit-dns",
        "localhost",
        "--permit-ip",
        "127.0.0.0/8",
      ],
      ["pki", "issue", "server", "localhost", "--ca", issuing, "--san", "IP:127.0.0.1"],
      ["pki", "issue", "client", "client-1", "--ca", issuing],
    ];
    for (const argv of steps) {
      const r = await mtls(argv);
      assert.equal(r.status, 0, `${argv.join(" ")}\n${r.stderr}`);
    }
  });

  it("leaf files carry the intermediate, and openssl verifies them against the root alone", (t) => {
    if (!requirePeer(t, "openssl")) return;
    assert.equal(
      readFileSync(file("localhost.crt"), "utf8").match(/BEGIN CERTIFICATE/g)?.length,
      2,
    );
    const text = execFileSync("openssl", ["x509", "-in", file("ca.crt"), "-noout", "-text"], {
      encoding: "utf8",
    });
    assert.match(text, /X509v3 Basic Constraints: critical\n\s+CA:TRUE, pathlen:0/);
    assert.match(
      text,
      /X509v3 Name Constraints: critical\n\s+Permitted:\n\s+DNS:localhost\n\s+IP:127\.0\.0\.0\/255\.0\.0\.0/,
    );
    const out = execFileSync(
      "openssl",
      [
        "verify",
        "-CAfile",
        join(root, "ca.crt"),
        "-untrusted",
        file("chain.pem"),
        file("localhost.crt"),
        file("client-1.crt"),
      ],
      { encoding: "utf8" },
    );
    assert.equal(out, `${file("localhost.crt")}: OK\n${file("client-1.crt")}: OK\n`);
  });

  it("refuses a SAN outside the intermediate's constraints, and a CA below a pathLen 0 CA", async () => {
    const r = await mtls([
      "pki",
      "issue",
      "server",
      "web",
      "--ca",
      issuing,
      "--san",
      "DNS:example.com",
    ]);
    assert.equal(r.status, 1);
    assert.equal(
      r.stderr.split("\n")[0],
      "mtls: Cannot issue for 'CN=web': DNS:web is outside the CA's permitted DNS names (localhost)",
    );
    const sub = await mtls([
      "pki",
      "init",
      "--intermediate",
      "--parent",
      issuing,
      "--dir",
      join(dir, "sub"),
    ]);
    assert.equal(sub.status, 1);
    assert.match(
      sub.stderr,
      /^mtls: Cannot create an intermediate under 'CN=mtlskit Issuing CA': its pathLen 0 allows no CA below it\n/,
    );
  });

  it("node:tls completes mutual TLS trusting only the root: both sides send the intermediate", async (t) => {
    const server = tls.createServer(
      {
        key: readFileSync(file("localhost.key")),
        cert: readFileSync(file("localhost.crt")),
        ca: readFileSync(join(root, "ca.crt")),
        requestCert: true,
        rejectUnauthorized: true,
      },
      (s) => s.end(`hello ${s.getPeerCertificate().subject.CN}`),
    );
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    t.after(() => server.close());
    const reply = await new Promise<string>((resolve, reject) => {
      let got = "";
      const s = tls.connect({
        host: "127.0.0.1",
        port: (server.address() as AddressInfo).port,
        ca: readFileSync(join(root, "ca.crt")),
        key: readFileSync(file("client-1.key")),
        cert: readFileSync(file("client-1.crt")),
      });
      s.on("data", (d: Buffer) => {
        got += d.toString();
      });
      s.on("error", reject);
      s.on("close", () => resolve(got));
    });
    assert.equal(reply, "hello client-1");
  });

  it("nginx with ssl_verify_depth 2 accepts curl's client certificate through the intermediate", async (t) => {
    if (!requirePeer(t, "nginx") || !requirePeer(t, "curl")) return;
    const ng = await startNginx(t, {
      dir,
      errorLog: "stderr info",
      http: (listen) => `  server {
    listen ${listen} ssl;
    ssl_certificate ${file("localhost.crt")};
    ssl_certificate_key ${file("localhost.key")};
    ssl_client_certificate ${join(root, "ca.crt")};
    ssl_verify_client on;
    ssl_verify_depth 2;
    location / { return 200 "hello $ssl_client_s_dn\\n"; }
  }
`,
    });
    if (!ng) return;
    const port = ng.port;
    const url = `https://localhost:${port}/`;
    const base = ["--resolve", `localhost:${port}:127.0.0.1`, "--cacert", join(root, "ca.crt")];
    const ok = await curl([
      ...base,
      "--cert",
      file("client-1.crt"),
      "--key",
      file("client-1.key"),
      url,
    ]);
    assert.equal(ok.statusLine, "HTTP/1.1 200 OK", `${ok.stderr}\n${ng.stderr}`);
    assert.equal(ok.body, "hello CN=client-1\n");
    // The leaf alone (no intermediate) is what breaks clients: nginx cannot build the chain.
    writeFileSync(
      join(dir, "leaf-only.crt"),
      readFileSync(join(issuing, "certs", `${readLeafSerial(issuing, "CN=client-1")}.pem`)),
    );
    const bare = await curl([
      ...base,
      "--cert",
      join(dir, "leaf-only.crt"),
      "--key",
      file("client-1.key"),
      url,
    ]);
    assert.equal(bare.statusLine, "HTTP/1.1 400 Bad Request", ng.stderr);
    assert.match(
      ng.stderr,
      /client SSL certificate verify error: \(2[01]:unable to (get local issuer certificate|verify the first certificate)\)/,
    );
  });

  it("pki verify builds the same path from the store directories", async () => {
    const r = await mtls([
      "pki",
      "verify",
      file("client-1.crt"),
      "--ca",
      issuing,
      "--purpose",
      "client",
    ]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(
      r.stdout,
      `${file("client-1.crt")}: OK\n  path  'CN=client-1' <- 'CN=mtlskit Issuing CA' <- 'O=mtlskit test, CN=Test Root'\n`,
    );
  });
});

function readLeafSerial(store: string, subject: string): string {
  const index = JSON.parse(readFileSync(join(store, "index.json"), "utf8")) as {
    certificates: { serial: string; subject: string }[];
  };
  const entry = index.certificates.find((c) => c.subject === subject);
  assert.ok(entry, subject);
  return entry.serial;
}

import assert from "node:assert/strict";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { connect, createServer, type TLSSocket } from "node:tls";
import { signIntoStore } from "../../src/pki/store-sign.ts";
import { makeOpensslPki } from "../helpers/openssl-pki.ts";
import { requirePeer } from "../helpers/peers.ts";
import { tempDir } from "../helpers/tmp.ts";

const root = join(import.meta.dirname, "..", "..");

/** Runs the real `mtls` CLI as a child process. */
function mtls(
  args: string[],
  cwd: string,
): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(
    process.execPath,
    ["--import", import.meta.resolve("tsx"), join(root, "src/cli/main.ts"), ...args],
    {
      cwd,
      encoding: "utf8",
      env: { ...process.env, NODE_OPTIONS: "" },
    },
  );
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function openssl(args: string[], cwd: string): { status: number | null; out: string } {
  const r = spawnSync("openssl", args, { cwd, encoding: "utf8" });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

describe("mtls pki with the real openssl", { concurrency: false }, () => {
  const dir = mkdtempSync(join(tmpdir(), "mtls-pki-e2e-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  before(() => {
    const steps = [
      ["pki", "init", "--dir", "ca", "--subject", "CN=E2E CA,O=mtlskit"],
      [
        "pki",
        "issue",
        "server",
        "localhost",
        "--ca",
        "ca",
        "--san",
        "IP:127.0.0.1,IP:::1",
        "--out-dir",
        ".",
      ],
      [
        "pki",
        "csr",
        "--out",
        "client-1",
        "--subject",
        "CN=client-1,O=Acme",
        "--san",
        "URI:spiffe://example.org/client-1",
      ],
      ["pki", "sign", "client-1.csr", "--ca", "ca", "--profile", "client"],
    ];
    for (const args of steps) {
      const r = mtls(args, dir);
      assert.equal(r.status, 0, `mtls ${args.join(" ")}\n${r.stderr}`);
    }
  });

  it("prints what it issued", (t) => {
    if (!requirePeer(t, "openssl")) return;
    const r = mtls(["pki", "issue", "client", "bob", "--ca", "ca", "--out-dir", "."], dir);
    assert.equal(r.status, 0, r.stderr);
    assert.match(
      r.stdout,
      /^Issued client certificate\n {2}subject {3}CN=bob\n {2}SANs {6}\(none\)\n {2}serial {4}[0-9a-f]{1,32}\n {2}notAfter {2}\d{4}-\d\d-\d\dT[\d:.]+Z\n {2}files {5}bob\.crt, bob\.key\n$/,
    );
  });

  it("issues a server certificate that openssl verifies for sslserver and not sslclient", (t) => {
    if (!requirePeer(t, "openssl")) return;
    const ok = openssl(
      ["verify", "-CAfile", "ca/ca.crt", "-purpose", "sslserver", "localhost.crt"],
      dir,
    );
    assert.equal(ok.status, 0, ok.out);
    assert.match(ok.out, /localhost\.crt: OK/);
    const wrong = openssl(
      ["verify", "-CAfile", "ca/ca.crt", "-purpose", "sslclient", "localhost.crt"],
      dir,
    );
    assert.notEqual(wrong.status, 0);
    assert.match(wrong.out, /unsuitable certificate purpose/);
  });

  it("signs a client CSR that openssl verifies for sslclient and not sslserver", (t) => {
    if (!requirePeer(t, "openssl")) return;
    const ok = openssl(
      ["verify", "-CAfile", "ca/ca.crt", "-purpose", "sslclient", "client-1.crt"],
      dir,
    );
    assert.equal(ok.status, 0, ok.out);
    const wrong = openssl(
      ["verify", "-CAfile", "ca/ca.crt", "-purpose", "sslserver", "client-1.crt"],
      dir,
    );
    assert.notEqual(wrong.status, 0);
  });

  it("writes private keys at mode 0600", () => {
    for (const key of ["ca/ca.key", "localhost.key", "client-1.key"]) {
      assert.equal(statSync(join(dir, key)).mode & 0o777, 0o600, key);
    }
  });

  it("puts the SANs and profile extensions where openssl x509 -text shows them", (t) => {
    if (!requirePeer(t, "openssl")) return;
    const server = openssl(["x509", "-in", "localhost.crt", "-noout", "-text"], dir).out;
    assert.match(server, /DNS:localhost, IP Address:127\.0\.0\.1, IP Address:0:0:0:0:0:0:0:1/);
    assert.match(server, /X509v3 Basic Constraints: critical\n\s+CA:FALSE/);
    assert.match(server, /X509v3 Key Usage: critical\n\s+Digital Signature\n/);
    assert.match(server, /X509v3 Extended Key Usage: \n\s+TLS Web Server Authentication\n/);
    assert.match(server, /Issuer: CN = E2E CA, O = mtlskit/);
    const client = openssl(["x509", "-in", "client-1.crt", "-noout", "-text"], dir).out;
    assert.match(client, /URI:spiffe:\/\/example\.org\/client-1/);
    assert.match(client, /TLS Web Client Authentication/);
    const ca = openssl(["x509", "-in", "ca/ca.crt", "-noout", "-text"], dir).out;
    assert.match(ca, /X509v3 Basic Constraints: critical\n\s+CA:TRUE/);
    assert.match(ca, /X509v3 Key Usage: critical\n\s+Certificate Sign, CRL Sign/);
    const csr = openssl(["req", "-in", "client-1.csr", "-noout", "-text", "-verify"], dir).out;
    assert.match(csr, /Requested Extensions:\n\s+X509v3 Subject Alternative Name: \n\s+URI:spiffe/);
    assert.match(csr, /verify OK/);
  });

  it("signs an RSA CSR made by openssl req, adding keyEncipherment for a server", (t) => {
    if (!requirePeer(t, "openssl")) return;
    execFileSync(
      "openssl",
      ["req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", "rsa.key"].concat([
        "-subj",
        "/CN=rsa.example",
        "-addext",
        "subjectAltName=DNS:rsa.example",
        "-out",
        "rsa.csr",
      ]),
      {
        cwd: dir,
        stdio: "ignore",
      },
    );
    const r = mtls(
      ["pki", "sign", "rsa.csr", "--ca", "ca", "--profile", "server", "--days", "30"],
      dir,
    );
    assert.equal(r.status, 0, r.stderr);
    const ok = openssl(["verify", "-CAfile", "ca/ca.crt", "-purpose", "sslserver", "rsa.crt"], dir);
    assert.equal(ok.status, 0, ok.out);
    const text = openssl(["x509", "-in", "rsa.crt", "-noout", "-text"], dir).out;
    assert.match(text, /Digital Signature, Key Encipherment/);
  });

  it("issues from a CA that openssl made (SEC1 key, PrintableString names)", async (t) => {
    if (!requirePeer(t, "openssl")) return;
    const pki = makeOpensslPki(tempDir(t));
    writeFileSync(join(pki.dir, "index.json"), '{"version":1,"certificates":[]}\n');
    execFileSync("mkdir", ["-p", join(pki.dir, "certs")]);
    execFileSync(
      "openssl",
      ["req", "-new", "-key", "server.key", "-subj", "/CN=localhost", "-out", "again.csr"],
      {
        cwd: pki.dir,
        stdio: "ignore",
      },
    );
    const csrPem = readFileSync(join(pki.dir, "again.csr"), "utf8");
    await signIntoStore(pki.dir, csrPem, {
      profile: "server",
      certPath: join(pki.dir, "again.crt"),
      days: 20,
    });
    const ok = openssl(
      ["verify", "-CAfile", "ca.crt", "-purpose", "sslserver", "again.crt"],
      pki.dir,
    );
    assert.equal(ok.status, 0, ok.out);
  });

  it("keeps the index whole when three mtls processes issue at once", async () => {
    const before = JSON.parse(readFileSync(join(dir, "ca/index.json"), "utf8")).certificates.length;
    const run = (name: string) =>
      new Promise<number | null>((resolve) => {
        const child = spawn(
          process.execPath,
          ["--import", import.meta.resolve("tsx"), join(root, "src/cli/main.ts")].concat([
            "pki",
            "issue",
            "client",
            name,
            "--ca",
            "ca",
            "--out-dir",
            ".",
          ]),
          { cwd: dir, stdio: "ignore" },
        );
        child.on("exit", resolve);
      });
    assert.deepEqual(await Promise.all(["p1", "p2", "p3"].map(run)), [0, 0, 0]);
    const index = JSON.parse(readFileSync(join(dir, "ca/index.json"), "utf8"));
    const serials = index.certificates.map((c: { serial: string }) => c.serial);
    assert.equal(serials.length, before + 3);
    assert.equal(new Set(serials).size, serials.length);
  });

  it("completes a node:tls mutual TLS handshake with the issued certificates", async (t) => {
    const read = (f: string) => readFileSync(join(dir, f));
    const server = createServer({
      key: read("localhost.key"),
      cert: read("localhost.crt"),
      ca: read("ca/ca.crt"),
      requestCert: true,
      rejectUnauthorized: true,
    });
    t.after(() => server.close());
    const seen = new Promise<{ authorized: boolean; cn: unknown; san: unknown }>((resolve) => {
      server.on("secureConnection", (s: TLSSocket) => {
        const peer = s.getPeerCertificate();
        resolve({ authorized: s.authorized, cn: peer.subject?.CN, san: peer.subjectaltname });
        s.end("hello");
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as { port: number };
    for (const host of ["127.0.0.1", "localhost"]) {
      // The IP SAN is checked against 127.0.0.1, the DNS SAN against the SNI name localhost.
      const client = connect({
        host: "127.0.0.1",
        port,
        ...(host === "localhost" ? { servername: "localhost" } : {}),
        ca: read("ca/ca.crt"),
        key: read("client-1.key"),
        cert: read("client-1.crt"),
      });
      t.after(() => client.destroy());
      const data = await new Promise<string>((resolve, reject) => {
        let text = "";
        client.on("data", (d) => {
          text += d;
        });
        client.on("end", () => resolve(text));
        client.on("error", reject);
      });
      assert.equal(data, "hello");
      assert.equal(client.authorized, true, String(client.authorizationError));
    }
    assert.deepEqual(await seen, {
      authorized: true,
      cn: "client-1",
      san: "URI:spiffe://example.org/client-1",
    });
  });

  it("makes node:tls reject a client certificate from another CA", async (t) => {
    if (!requirePeer(t, "openssl")) return;
    const pki = makeOpensslPki(tempDir(t));
    const read = (f: string) => readFileSync(join(dir, f));
    const server = createServer({
      key: read("localhost.key"),
      cert: read("localhost.crt"),
      ca: read("ca/ca.crt"),
      requestCert: true,
      rejectUnauthorized: true,
    });
    t.after(() => server.close());
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as { port: number };
    const client = connect({
      host: "127.0.0.1",
      port,
      ca: read("ca/ca.crt"),
      key: readFileSync(pki.rogueClientKey),
      cert: readFileSync(pki.rogueClientCert),
    });
    t.after(() => client.destroy());
    const error = await new Promise<Error>((resolve) => {
      client.on("error", resolve);
      client.on("data", () => {});
      client.on("end", () => resolve(new Error("connection ended without an alert")));
    });
    assert.match(error.message, /unknown ca|certificate|alert/i);
  });
});

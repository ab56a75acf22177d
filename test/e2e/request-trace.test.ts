import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { describe, type TestContext, test } from "node:test";
import type { TLSSocket } from "node:tls";
import { runMtls } from "../helpers/cli.ts";
import { makeOpensslPki, type OpensslPki } from "../helpers/openssl-pki.ts";
import { requirePeer } from "../helpers/peers.ts";
import { tempDir } from "../helpers/tmp.ts";

/** Runs `mtls ...` in process; only the subcommand it names is loaded. */
const mtls = runMtls;

/** The ladder's event names (arrow lines), e.g. `→ ClientHello`. */
function ladder(stdout: string): string[] {
  return stdout
    .split("\n")
    .filter((l) => /^[→←] /.test(l))
    .map((l) => l.replace(/ \(\d+ bytes?\)/, "").replace(/ \[record .*$/, ""));
}

/** Asserts that `expected` appear in `actual` in this order (other lines may come between). */
function assertInOrder(actual: readonly string[], expected: readonly string[]): void {
  let at = 0;
  for (const want of expected) {
    const found = actual.indexOf(want, at);
    assert.ok(found >= 0, `expected "${want}" after position ${at} in:\n${actual.join("\n")}`);
    at = found + 1;
  }
}

/** A node https server requiring TLS 1.2 + ECDHE-ECDSA-AES256-GCM-SHA384, answering 400 without a client cert. */
async function nodeServer(t: TestContext, pki: OpensslPki): Promise<string> {
  const server: Server = createServer(
    {
      key: readFileSync(pki.serverKey),
      cert: readFileSync(pki.serverCert),
      ca: readFileSync(pki.caCert),
      requestCert: true,
      rejectUnauthorized: false,
      minVersion: "TLSv1.2",
      maxVersion: "TLSv1.2",
      ciphers: "ECDHE-ECDSA-AES256-GCM-SHA384",
    },
    (req, res) => {
      const socket = req.socket as TLSSocket;
      if (!socket.authorized) {
        res.writeHead(400, { "content-type": "text/plain" });
        res.end("No required SSL certificate was sent\n");
        return;
      }
      const cn = socket.getPeerCertificate().subject.CN;
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ path: req.url, accept: req.headers.accept, cn }));
    },
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `https://127.0.0.1:${(server.address() as AddressInfo).port}/test_url`;
}

/** Starts `openssl s_server -www -Verify 1` on 127.0.0.1 and returns its URL. */
async function opensslServer(
  t: TestContext,
  pki: OpensslPki,
  version: "-tls1_2" | "-tls1_3",
): Promise<string | null> {
  const openssl = requirePeer(t, "openssl");
  if (!openssl) return null;
  const child: ChildProcess = spawn(
    openssl,
    [
      "s_server",
      "-accept",
      "127.0.0.1:0",
      "-www",
      "-Verify",
      "1",
      "-verify_return_error",
      version,
    ].concat(["-cert", pki.serverCert, "-key", pki.serverKey, "-CAfile", pki.caCert]),
    { stdio: ["pipe", "pipe", "pipe"] },
  );
  t.after(() => {
    child.kill();
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (c: Buffer) => {
      out += c.toString();
      const m = /ACCEPT .*:(\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once("exit", (code) => reject(new Error(`openssl s_server exited with ${code}: ${out}`)));
  });
  return `https://127.0.0.1:${port}/`;
}

describe("mtls request against a node https mTLS server (TLS 1.2, ECDHE-ECDSA-AES256-GCM-SHA384)", () => {
  test("gets 200 JSON, exits 0, and traces the seed's handshake in order", async (t) => {
    const pki = makeOpensslPki(tempDir(t));
    const url = await nodeServer(t, pki);
    const r = await mtls(
      [
        "request",
        url,
        "--cacert",
        pki.caCert,
        "--cert",
        pki.clientCert,
        "--key",
        pki.clientKey,
      ].concat([
        "-H",
        "accept: application/json",
        "-H",
        "content-type: application/json",
        "--trace",
      ]),
    );
    assert.equal(r.stderr, "");
    assert.equal(r.status, 0);
    const body = JSON.parse(r.stdout.slice(r.stdout.lastIndexOf("\n{") + 1));
    assert.deepEqual(body, { path: "/test_url", accept: "application/json", cn: "client-1" });
    assertInOrder(ladder(r.stdout), [
      "→ ClientHello",
      "← ServerHello",
      "← Certificate",
      "← ServerKeyExchange",
      "← CertificateRequest",
      "← ServerHelloDone",
      "→ Certificate",
      "→ ClientKeyExchange",
      "→ CertificateVerify",
      "→ ChangeCipherSpec",
      "→ Encrypted Handshake Message",
      "← ChangeCipherSpec",
      "← Encrypted Handshake Message",
      "→ Application Data",
      "← Application Data",
    ]);
    assert.match(r.stdout, /cipher_suite: TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384/);
    assert.match(r.stdout, /certificate_authorities: CN=Test CA/);
    assert.match(r.stdout, /curve: x25519/);
    assert.match(r.stdout, /\[0\] subject: CN=client-1\n\s+issuer: {2}CN=Test CA/);
  });

  test("without --cert prints the server's 400 and exits 1 with one line", async (t) => {
    const pki = makeOpensslPki(tempDir(t));
    const url = await nodeServer(t, pki);
    const r = await mtls(["request", url, "--cacert", pki.caCert]);
    assert.equal(r.status, 1);
    assert.equal(r.stdout, "No required SSL certificate was sent\n");
    assert.equal(r.stderr, `mtls: HTTP 400 Bad Request from ${url}\n`);
  });

  test("with the wrong --cacert explains the verification failure in one line", async (t) => {
    const pki = makeOpensslPki(tempDir(t));
    const url = await nodeServer(t, pki);
    const r = await mtls([
      "request",
      url,
      "--cacert",
      pki.rogueCaCert,
      "--cert",
      pki.clientCert,
      "--key",
      pki.clientKey,
    ]);
    assert.equal(r.status, 1);
    const [first] = r.stderr.split("\n");
    assert.match(
      first!,
      /^mtls: TLS handshake with 127\.0\.0\.1:\d+ failed: certificate verify failed \((self-signed certificate in certificate chain|unable to get local issuer certificate)\)$/,
    );
  });

  test("a refused connection exits 1 with the reason", async () => {
    const r = await mtls(["request", "https://127.0.0.1:1/", "--timeout", "5"]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^mtls: Cannot connect to 127\.0\.0\.1:1: connection refused\n/);
  });
});

describe("mtls request against openssl s_server -www -Verify 1 (a real peer)", () => {
  test("completes TLS 1.2 mutual TLS and traces both flights", async (t) => {
    const pki = makeOpensslPki(tempDir(t));
    const url = await opensslServer(t, pki, "-tls1_2");
    if (!url) return;
    const r = await mtls([
      "request",
      url,
      "--cacert",
      pki.caCert,
      "--cert",
      pki.clientCert,
      "--key",
      pki.clientKey,
      "--trace",
    ]);
    assert.equal(r.status, 0, r.stderr);
    assertInOrder(ladder(r.stdout), [
      "→ ClientHello",
      "← ServerHello",
      "← CertificateRequest",
      "→ Certificate",
      "→ CertificateVerify",
      "→ ChangeCipherSpec",
      "← Encrypted Handshake Message",
      "← Application Data",
    ]);
    assert.match(r.stdout, /s_server -accept/, "the s_server status page");
  });

  test("TLS 1.2 without a client certificate reports the server's fatal alert", async (t) => {
    const pki = makeOpensslPki(tempDir(t));
    const url = await opensslServer(t, pki, "-tls1_2");
    if (!url) return;
    const r = await mtls(["request", url, "--cacert", pki.caCert, "--trace"]);
    assert.equal(r.status, 1);
    assert.match(ladder(r.stdout).join("\n"), /← Alert: fatal handshake_failure/);
    assert.match(
      r.stderr,
      /^mtls: TLS handshake with 127\.0\.0\.1:\d+ failed: the server sent a fatal alert handshake_failure \(40\)\n {2}hint: the server requires a client certificate: pass --cert and --key\n$/,
    );
  });

  test("completes TLS 1.3 mutual TLS and decrypts the handshake with the connection's key log", async (t) => {
    const pki = makeOpensslPki(tempDir(t));
    const url = await opensslServer(t, pki, "-tls1_3");
    if (!url) return;
    const r = await mtls([
      "request",
      url,
      "--cacert",
      pki.caCert,
      "--cert",
      pki.clientCert,
      "--key",
      pki.clientKey,
      "--trace",
    ]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /version: TLS 1\.3 \(0x0304\)/);
    assertInOrder(ladder(r.stdout), [
      "→ ClientHello",
      "← ServerHello",
      "← EncryptedExtensions",
      "← CertificateRequest",
      "← Certificate",
      "← CertificateVerify",
      "← Finished",
      "→ Certificate",
      "→ CertificateVerify",
      "→ Finished",
      "→ Application Data",
      "← Application Data",
    ]);
    assert.match(
      r.stdout,
      /← CertificateRequest .*\(decrypted\)\n(.*\n)*? +certificate_authorities: CN=Test CA/,
    );
  });

  test("TLS 1.3 without a client certificate reports certificate_required", async (t) => {
    const pki = makeOpensslPki(tempDir(t));
    const url = await opensslServer(t, pki, "-tls1_3");
    if (!url) return;
    const r = await mtls(["request", url, "--cacert", pki.caCert, "--trace"]);
    assert.equal(r.status, 1);
    assert.match(r.stdout, /← Alert: fatal certificate_required \(116\) .*\(decrypted\)/);
    assert.match(
      r.stderr,
      /^mtls: TLS handshake with 127\.0\.0\.1:\d+ failed: the server sent a fatal alert certificate_required \(116\)\n {2}hint: the server requires a client certificate: pass --cert and --key\n$/,
    );
  });
});

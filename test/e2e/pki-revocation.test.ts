import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import { cpSync, readFileSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import * as tls from "node:tls";
import { runMtls } from "../helpers/cli.ts";
import { snapshot } from "../helpers/fs-snapshot.ts";
import { startNginx } from "../helpers/nginx.ts";
import { findPeer, requirePeer } from "../helpers/peers.ts";
import { tempDir } from "../helpers/tmp.ts";

/** Runs `mtls ...` in process; only the subcommand it names is loaded. */
const mtls = runMtls;

/** curl's HTTP status line and exit code for a request with `who`'s certificate. */
function curl(
  args: readonly string[],
): Promise<{ code: number; statusLine: string; body: string }> {
  return new Promise((resolve) => {
    execFile(
      "curl",
      ["-sS", "-i", "--max-time", "10", ...args],
      { encoding: "utf8" },
      (err, stdout) => {
        const cut = stdout.indexOf("\r\n\r\n");
        resolve({
          code: err ? Number((err as { code?: number }).code ?? 1) : 0,
          statusLine: stdout.split("\r\n")[0] ?? "",
          body: cut >= 0 ? stdout.slice(cut + 4) : "",
        });
      },
    );
  });
}

describe("mtls pki revoke and crl with real relying parties", () => {
  const dir = tempDir({ after });
  const ca = join(dir, "ca");
  const file = (name: string) => join(dir, name);
  let revokedSerial = "";

  before(async () => {
    const steps = [
      ["pki", "init", "--dir", ca, "--subject", "O=mtlskit test,CN=Revocation CA"],
      [
        "pki",
        "issue",
        "server",
        "localhost",
        "--ca",
        ca,
        "--out-dir",
        dir,
        "--san",
        "IP:127.0.0.1",
      ],
      ["pki", "issue", "client", "good", "--ca", ca, "--out-dir", dir],
      ["pki", "issue", "client", "bad", "--ca", ca, "--out-dir", dir],
      ["pki", "revoke", file("bad.crt"), "--ca", ca, "--reason", "keyCompromise"],
    ];
    for (const argv of steps) {
      const r = await mtls(argv);
      assert.equal(r.status, 0, `${argv.join(" ")}: ${r.stderr}`);
    }
    const list = await mtls(["pki", "list", "--ca", ca, "--json"]);
    const entries = JSON.parse(list.stdout) as { serial: string; subject: string }[];
    revokedSerial = entries.find((e) => e.subject === "CN=bad")?.serial ?? "";
    assert.match(revokedSerial, /^[0-9a-f]+$/);
  });

  it("pki list shows the revoked certificate with its reason and the others valid", async () => {
    const r = await mtls(["pki", "list", "--ca", ca]);
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trimEnd().split("\n");
    assert.match(lines[0] ?? "", /^SERIAL +STATUS +PROFILE +NOT AFTER +SUBJECT +SANS$/);
    assert.equal(lines.length, 4);
    assert.match(
      r.stdout,
      new RegExp(`^${revokedSerial} +revoked \\(keyCompromise\\) +client `, "m"),
    );
    assert.match(
      r.stdout,
      / valid +server +\d{4}-\d\d-\d\d +CN=localhost +DNS:localhost,IP:127\.0\.0\.1$/m,
    );
  });

  it("openssl crl reads the PEM and DER CRL: v2, issuer, the serial, Key Compromise, nextUpdate, number", (t) => {
    if (!requirePeer(t, "openssl")) return;
    const text = execFileSync("openssl", ["crl", "-in", join(ca, "crl.pem"), "-noout", "-text"], {
      encoding: "utf8",
    });
    assert.match(text, /Version 2 \(0x1\)/);
    assert.match(text, /Issuer: O = mtlskit test, CN = Revocation CA/);
    assert.match(text, /Next Update: \w{3} +\d+ \d\d:\d\d:\d\d \d{4} GMT/);
    assert.match(text, new RegExp(`Serial Number: ${revokedSerial.toUpperCase()}`));
    assert.match(text, /X509v3 CRL Reason Code: *\n *Key Compromise/);
    assert.match(text, /X509v3 CRL Number: *\n *1\n/);
    // The DER file holds the same CRL: openssl's PEM rendering of it is crl.pem, byte for byte.
    const fromDer = execFileSync(
      "openssl",
      ["crl", "-inform", "DER", "-in", join(ca, "crl.der"), "-outform", "PEM"],
      { encoding: "utf8" },
    );
    assert.equal(fromDer, readFileSync(join(ca, "crl.pem"), "utf8"));
  });

  it("openssl verify -crl_check refuses the revoked certificate and accepts the others", (t) => {
    if (!requirePeer(t, "openssl")) return;
    const verify = (cert: string) => {
      try {
        return execFileSync(
          "openssl",
          [
            "verify",
            "-crl_check",
            "-CAfile",
            join(ca, "ca.crt"),
            "-CRLfile",
            join(ca, "crl.pem"),
            cert,
          ],
          { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] },
        );
      } catch (e) {
        return (
          String((e as { stdout?: string }).stdout) + String((e as { stderr?: string }).stderr)
        );
      }
    };
    assert.match(verify(file("good.crt")), /good\.crt: OK/);
    assert.match(verify(file("bad.crt")), /error 23 at 0 depth lookup: certificate revoked/);
  });

  it("a node:tls server with the crl option refuses the revoked client and serves the good one", async (t) => {
    /** Starts a TLS server; returns its port and the verdict it saw for each connection. */
    const start = async (rejectUnauthorized: boolean) => {
      const verdicts: string[] = [];
      const server = tls.createServer(
        {
          key: readFileSync(file("localhost.key")),
          cert: readFileSync(file("localhost.crt")),
          ca: readFileSync(join(ca, "ca.crt")),
          crl: readFileSync(join(ca, "crl.pem")),
          requestCert: true,
          rejectUnauthorized,
        },
        (socket) => {
          verdicts.push(socket.authorized ? "authorized" : String(socket.authorizationError));
          socket.end("hello\n");
        },
      );
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      t.after(() => server.close());
      return { port: (server.address() as AddressInfo).port, verdicts };
    };
    const talk = (port: number, who: string, maxVersion: tls.SecureVersion = "TLSv1.3") =>
      new Promise<string>((resolve) => {
        let got = "";
        const socket = tls.connect({
          maxVersion,
          host: "127.0.0.1",
          port,
          servername: "localhost",
          ca: readFileSync(join(ca, "ca.crt")),
          key: readFileSync(file(`${who}.key`)),
          cert: readFileSync(file(`${who}.crt`)),
        });
        socket.on("data", (d: Buffer) => {
          got += d.toString();
        });
        socket.on("error", (e) => resolve(`error: ${e.message}`));
        socket.on("close", () => resolve(got));
      });
    const strict = await start(true);
    assert.equal(await talk(strict.port, "good"), "hello\n");
    // TLS 1.3: the client's handshake ends before the server checks its certificate, so
    // the client just sees the connection close without data; TLS 1.2 aborts the handshake.
    assert.equal(await talk(strict.port, "bad"), "");
    assert.match(await talk(strict.port, "bad", "TLSv1.2"), /^error: /);
    assert.deepEqual(strict.verdicts, ["authorized"]);
    // With rejectUnauthorized false, node says why: the CRL lists the certificate.
    const lenient = await start(false);
    assert.equal(await talk(lenient.port, "bad"), "hello\n");
    assert.equal(await talk(lenient.port, "good"), "hello\n");
    assert.deepEqual(lenient.verdicts, ["CERT_REVOKED", "authorized"]);
  });

  it("nginx with ssl_crl answers 400 to the revoked client and 200 to the good one", async (t) => {
    if (!requirePeer(t, "nginx") || !requirePeer(t, "curl")) return;
    const ng = await startNginx(t, {
      dir,
      errorLog: "stderr info",
      http: (listen) => `  server {
    listen ${listen} ssl;
    ssl_certificate ${file("localhost.crt")};
    ssl_certificate_key ${file("localhost.key")};
    ssl_client_certificate ${join(ca, "ca.crt")};
    ssl_verify_client on;
    ssl_crl ${join(ca, "crl.pem")};
    location / { return 200 "hello $ssl_client_s_dn\\n"; }
  }
`,
    });
    if (!ng) return;
    const port = ng.port;
    const base = ["--cacert", join(ca, "ca.crt"), `https://localhost:${port}/`];
    const resolve = ["--resolve", `localhost:${port}:127.0.0.1`];
    const good = await curl([
      ...resolve,
      "--cert",
      file("good.crt"),
      "--key",
      file("good.key"),
      ...base,
    ]);
    assert.equal(good.statusLine, "HTTP/1.1 200 OK", ng.stderr);
    assert.equal(good.body, "hello CN=good\n");
    const bad = await curl([
      ...resolve,
      "--cert",
      file("bad.crt"),
      "--key",
      file("bad.key"),
      ...base,
    ]);
    assert.equal(bad.statusLine, "HTTP/1.1 400 Bad Request", ng.stderr);
    assert.match(bad.body, /The SSL certificate error/);
    assert.match(ng.stderr, /client SSL certificate verify error: \(23:certificate revoked\)/);
  });

  it("pki verify --ca with the store directory refuses the revoked client by the store's CRL and accepts the good one", async () => {
    const bad = await mtls(["pki", "verify", file("bad.crt"), "--ca", ca, "--purpose", "client"]);
    assert.equal(bad.status, 1, bad.stdout);
    assert.match(bad.stdout, /^.*bad\.crt: FAILED$/m);
    assert.match(
      bad.stdout,
      new RegExp(
        `'CN=bad' \\(serial ${revokedSerial}\\) was revoked at \\S+Z \\(keyCompromise\\) according to the CRL of 'O=mtlskit test, CN=Revocation CA'`,
      ),
    );
    assert.equal(bad.stdout.match(/was revoked/g)?.length, 1);
    const good = await mtls(["pki", "verify", file("good.crt"), "--ca", ca, "--purpose", "client"]);
    assert.equal(good.status, 0, good.stdout + good.stderr);
    assert.match(good.stdout, /good\.crt: OK/);
  });

  it("pki verify --ca with the store directory refuses a certificate its index revoked even without a CRL", async (t) => {
    const copy = join(tempDir(t), "ca");
    cpSync(ca, copy, { recursive: true });
    rmSync(join(copy, "crl.pem"));
    rmSync(join(copy, "crl.der"));
    const r = await mtls(["pki", "verify", file("bad.crt"), "--ca", copy]);
    assert.equal(r.status, 1, r.stdout);
    assert.match(
      r.stdout,
      new RegExp(
        `'CN=bad' \\(serial ${revokedSerial}\\) was revoked at \\S+Z \\(keyCompromise\\) according to the index of CA store ${copy.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`,
      ),
    );
  });

  it("pki crl republishes with the next cRLNumber and the same revoked entries", async (t) => {
    const r = await mtls(["pki", "crl", "--ca", ca, "--days", "7"]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^Published CRL\n {2}CRL {7}number 2, thisUpdate \S+, nextUpdate \S+\n/);
    if (!findPeer("openssl")) return t.skip("openssl is not installed");
    const text = execFileSync("openssl", ["crl", "-in", join(ca, "crl.pem"), "-noout", "-text"], {
      encoding: "utf8",
    });
    assert.match(text, /X509v3 CRL Number: *\n *2\n/);
    assert.match(text, new RegExp(`Serial Number: ${revokedSerial.toUpperCase()}`));
  });

  const refusals: { name: string; argv: () => string[]; line: () => string }[] = [
    {
      name: "a serial the CA never issued",
      argv: () => ["pki", "revoke", "0x0ABC", "--ca", ca],
      line: () =>
        `mtls: Cannot revoke serial 0abc: not in ${ca}/index.json (3 certificates issued)`,
    },
    {
      name: "a certificate already revoked",
      argv: () => ["pki", "revoke", revokedSerial.toUpperCase(), "--ca", ca],
      line: () => `mtls: Cannot revoke serial ${revokedSerial}: already revoked at `,
    },
    {
      name: "something that is neither a serial nor a file",
      argv: () => ["pki", "revoke", "nope.crt", "--ca", ca],
      line: () => "mtls: Cannot revoke 'nope.crt': not a serial in hex and not a certificate file",
    },
    {
      name: "an unknown reason",
      argv: () => ["pki", "revoke", file("good.crt"), "--ca", ca, "--reason", "stolen"],
      line: () =>
        "mtls: Unknown revocation reason 'stolen': expected one of unspecified, keyCompromise, ",
    },
  ];
  for (const c of refusals) {
    it(`refuses to revoke ${c.name} in one line and changes nothing`, async () => {
      const before = snapshot(dir);
      const r = await mtls(c.argv());
      assert.notEqual(r.status, 0);
      assert.ok(r.stderr.startsWith(c.line()), r.stderr);
      assert.equal(r.stdout, "");
      assert.deepEqual(snapshot(dir), before);
    });
  }

  it("refuses to revoke a certificate another CA issued, naming both", async () => {
    const other = join(dir, "other");
    assert.equal(
      (await mtls(["pki", "init", "--dir", other, "--subject", "CN=Other CA"])).status,
      0,
    );
    assert.equal((await mtls(["pki", "issue", "client", "stranger", "--ca", other])).status, 0);
    const before = snapshot(ca);
    const r = await mtls(["pki", "revoke", join(other, "stranger.crt"), "--ca", ca]);
    assert.equal(r.status, 1);
    assert.equal(
      r.stderr.split("\n")[0],
      `mtls: Cannot revoke ${other}/stranger.crt: it was issued by 'CN=Other CA', not by this CA ('O=mtlskit test, CN=Revocation CA')`,
    );
    assert.deepEqual(snapshot(ca), before);
  });
});
